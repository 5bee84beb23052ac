"""``import zoo.models`` / ``zoo.recipes`` stay free: Keras loads on first use only."""
from __future__ import annotations

import subprocess
import sys


def test_packages_import_without_keras():
    code = ("import sys, zoo.models, zoo.recipes, zoo.recipes.args; "
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules, 'keras imported'; "
            "print(len(zoo.models.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 10
