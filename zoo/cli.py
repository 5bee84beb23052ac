"""``zoo`` command line: one sub-command per module, imported only when used."""
from __future__ import annotations

import importlib
import sys

# sub-command -> (module with ``main(argv) -> int``, one-line help)
COMMANDS = {
    "phantom": ("zoo.phantom.cli", "generate a synthetic biobank with known genetic truth"),
    "train": ("zoo.recipes.cli_train", "train a model (ml4h recipe flags)"),
    "infer": ("zoo.recipes.cli_infer", "write latent tables from trained encoders"),
    "register": ("zoo.registration.cli", "register a tensor in a store (template, homography, ...)"),
    "gwas": ("zoo.evaluate.cli_gwas", "latent GWAS from PLINK files"),
    "compare": ("zoo.evaluate.cli_compare", "registered-vs-unregistered comparison table"),
    "demo": ("zoo.demo", "the end-to-end experiment on the phantom cohort"),
}


def _usage() -> str:
    lines = ["usage: zoo COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"zoo: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
