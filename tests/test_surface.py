"""The packages' public surfaces: every listed name resolves, each ``__init__.pyi`` stub
(what type checkers and IDEs read) lists exactly the names the package serves, importing
a package does no heavy work, and zoo's verbs are documented with examples that run.
"""
import ast
import doctest
import importlib
import inspect
import io
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PACKAGES = ("fastio", "zoo", "zoo.evaluate", "zoo.models", "zoo.phantom", "zoo.presets",
            "zoo.recipes", "zoo.registration", "zoo.reproduce")
# never needed by `import PACKAGE`; each costs 0.1-3 s
HEAVY = ("keras", "tensorflow", "cv2", "scipy", "matplotlib", "pandas", "sklearn", "numba")
# stay free of Keras/TensorFlow even once every public name has been used
KERAS_FREE = ("zoo.evaluate",)

_PROBE = """
import importlib, json, sys
package = importlib.import_module({package!r})
on_import = sorted(m for m in {heavy!r} if m in sys.modules)
if {resolve!r}:
    for name in package.__all__:
        getattr(package, name)
print(json.dumps({{"on_import": on_import,
                  "keras": sorted(m for m in ("keras", "tensorflow") if m in sys.modules)}}))
"""


def _stub(package: str) -> tuple[dict[str, str], list[str]]:
    """(imported name -> its module relative to the package, or None for a sub-package or
    sub-module imported as itself; the stub's ``__all__``)."""
    path = ROOT.joinpath(*package.split("."), "__init__.pyi")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported, listed = {}, []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            imported.update({alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            listed = ast.literal_eval(node.value)
    return imported, listed


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__ and sorted(module.__all__) == sorted(dir(module))
    missing = [name for name in module.__all__ if getattr(module, name, None) is None]
    assert missing == []


@pytest.mark.parametrize("package", PACKAGES)
def test_stub_lists_what_the_package_serves(package):
    imported, listed = _stub(package)
    assert sorted(imported) == sorted(listed), "the stub's __all__ differs from its imports"
    assert sorted(listed) == importlib.import_module(package).__all__


@pytest.mark.parametrize("package", PACKAGES)
def test_no_function_shares_its_modules_name(package):
    """``x`` from ``x.py`` would make ``pkg.x`` the function or the module depending on
    import order; lazy_loader guards it by swapping the package's module class."""
    imported, _ = _stub(package)
    clashes = [name for name, module in imported.items()
               if module is not None and name == module.split(".")[0]]
    assert clashes == []
    assert type(importlib.import_module(package)) is types.ModuleType


@pytest.mark.parametrize("package", PACKAGES)
def test_import_is_light(package):
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(package=package, heavy=HEAVY,
                                                                resolve=package in KERAS_FREE)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["on_import"] == [], f"import {package} imported {result['on_import']}"
    if package in KERAS_FREE:
        assert result["keras"] == [], f"{package}'s names imported {result['keras']}"


# zoo's front door: each verb documents its arguments and carries a runnable example
VERBS = ("generate", "register_store", "compare", "list_presets", "train", "infer",
         "run_reproduce", "embed", "Encoder", "EmbeddingTransformer")
# examples that train a model (or run the whole experiment) take a minute or more
SLOW_EXAMPLES = ("train", "infer", "run_reproduce")


@pytest.mark.parametrize("verb", VERBS)
def test_verb_is_documented(verb):
    import zoo

    obj = getattr(zoo, verb)
    doc = inspect.getdoc(obj) or ""
    sections = ["Args:", "Example:"] + ([] if inspect.isclass(obj) else ["Returns:"])
    assert [s for s in sections if s not in doc] == [], f"zoo.{verb}'s docstring"
    assert verb in zoo.__all__


@pytest.mark.parametrize("verb", [pytest.param(v, marks=pytest.mark.slow) if v in SLOW_EXAMPLES
                                  else v for v in VERBS])
def test_verb_example_runs(verb, tmp_path, monkeypatch):
    """The docstring's example, run as written in an empty working folder."""
    import zoo

    monkeypatch.chdir(tmp_path)
    # no preset mirror or cache of the user's: an example sees only what it makes
    for var in ("ZOO_REGISTRY", "ZOO_BASE_URL", "ZOO_OFFLINE"):
        monkeypatch.setenv(var, "")
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    tests = doctest.DocTestFinder(recurse=False).find(getattr(zoo, verb), f"zoo.{verb}", globs={})
    assert sum(len(t.examples) for t in tests) > 1
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    for test in tests:
        runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
