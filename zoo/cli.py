"""``zoo`` command line: one sub-command per module, imported only when used."""
from __future__ import annotations

import sys

from fastio._dispatch import dispatch

# sub-command -> (module with ``main(argv) -> int``, one-line help)
COMMANDS = {
    "phantom": ("zoo.commands.phantom", "generate a synthetic biobank with known genetic truth"),
    "train": ("zoo.commands.train", "train a model (ml4h recipe flags)"),
    "infer": ("zoo.commands.infer", "write latent tables from trained encoders"),
    "register": ("zoo.commands.register", "register a tensor in a store (template, homography, ...)"),
    "gwas": ("zoo.commands.gwas", "latent GWAS from PLINK files"),
    "compare": ("zoo.commands.compare", "registered-vs-unregistered comparison table"),
    "presets": ("zoo.commands.presets", "pretrained encoders: list, show, fetch, verify, publish, build"),
    "embed": ("zoo.commands.embed", "latent table of a cohort from a pretrained encoder"),
    "reproduce": ("zoo.commands.reproduce", "Table 1 and Table 2 over every modality and method, as a report"),
    "demo": ("zoo.commands.demo", "the README's main job: zoo reproduce --quick"),
}
# commands whose rerun continues an interrupted run (said on Ctrl-C)
RESUMABLE = frozenset({"register", "reproduce", "demo"})
# short-lived commands: keep freed memory, end without the interpreter's teardown
# (see fastio._dispatch)
SHORT_LIVED = frozenset({"gwas"})


def main(argv: list[str] | None = None) -> int:
    return dispatch("zoo", COMMANDS, argv, resumable=RESUMABLE, short_lived=SHORT_LIVED)


if __name__ == "__main__":
    sys.exit(main())
