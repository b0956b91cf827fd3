"""Every package orbitqkd imports is declared in pyproject.toml.

The test extras install more than the package needs (dask pulls click, for
one): an undeclared import passes the tests yet breaks ``pip install .``, so the
declarations are checked against the imports themselves.
"""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_every_third_party_import_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    optional = _names(extras["scale"]) | _names(extras["weather"]) | {"distributed"}
    imported: dict[str, set[str]] = {}
    for path in (ROOT / "orbitqkd").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top not in sys.stdlib_module_names and top != "orbitqkd":
                    imported.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    dists = packages_distributions()
    undeclared = {}
    for top, files in imported.items():
        names = {d.lower() for d in dists.get(top, [top])}
        if not names & (required | optional):
            undeclared[top] = sorted(files)
    assert not undeclared, f"imported but not in pyproject dependencies: {undeclared}"
    # the extras are imported only inside the one module that needs each
    for top, home in (("dask", "executors.py"), ("distributed", "executors.py"),
                      ("xarray", "io/weather.py")):
        assert imported.get(top, set()) <= {f"orbitqkd/{home}"}
