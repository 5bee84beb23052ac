"""The package surface: every exported name resolves, and nothing imports Keras."""
from __future__ import annotations

import subprocess
import sys


def test_exports_resolve():
    import zoo.evaluate as ev

    for name in ev.__all__:
        assert getattr(ev, name) is not None, name


def test_no_keras_or_tensorflow_import():
    code = ("import sys, zoo.evaluate as ev\n"
            "import zoo.evaluate.compare, zoo.evaluate.cli_gwas, zoo.evaluate.cli_compare\n"
            "[getattr(ev, n) for n in ev.__all__]\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
