"""The ``zoo`` sub-commands, one module each: ``build_parser()`` (light: ``--help`` imports
none of the libraries the work needs) and ``main(argv) -> int`` (raises; ``zoo.cli``
runs it under the error convention of ``fastio._dispatch.run_main``). Shared flags come
from ``fastio._flags``."""
