"""The package's house rules (issue 12), checked on the source so that they cannot erode.

- every module states its public names (``__all__``);
- no module imports another module's private name (``from x import _y``);
- roles depend one way: the shared base (errors, paths, text, files, xlsx, ids) <
  inputs < analysis < publishing < build < the command line; ``results`` is the
  one seam the notebook writes and the publishing side reads;
- no module over about 600 lines and no function over about 60 lines, except
  the ones listed below with their current size: they may shrink, not grow,
  and a new long one fails the test.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "serviceprogram"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

LAYERS = {"base": 0, "inputs": 1, "analysis": 2, "publishing": 3, "build": 4, "cli": 5}
BASE = {"errors", "paths", "text", "files", "xlsx", "ids", "__init__"}
#: Modules above their role's layer on purpose, with the reason.
SEAMS = {
    "results": "the saved results: written by the notebook (publishing), read by the build and the pages",
}

#: Modules still over the limit (lines now): splitting them is part of issue 12's remaining work.
LONG_MODULES = {
}

#: Imports against the layers, with the reason: none left (the checks of a year that need
#: its indicators are made by analysis/checks.py after the year is loaded).
UPWARD: dict[tuple[str, str], str] = {}

#: Functions still over the limit (lines now). Each is one linear sequence of steps
#: (a table built column by column, a workbook sheet by sheet, a build's phases);
#: they may shrink, not grow.
LONG_FUNCTIONS = {
    "analysis/roads/search.py:_dijkstra": 76,  # one compiled (numba) kernel: heap and relaxation loop together
}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _role(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) > 1:
        return parts[0]
    return "cli" if path.stem == "cli" else path.stem


def _layer(role: str) -> int | None:
    if role in LAYERS:
        return LAYERS[role]
    return 0 if role in BASE else None


def _imports(path: Path):
    """(line, absolute module, imported names) of every relative import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["serviceprogram", *path.relative_to(PACKAGE).parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
            yield node.lineno, module, [a.name for a in node.names]


@pytest.mark.parametrize("path", [p for p in _modules() if p.name != "__init__.py"], ids=_name)
def test_every_module_lists_its_public_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in n.targets)
               for n in tree.body), f"{_name(path)} has no __all__"


def test_no_private_names_are_imported_across_modules():
    found = [f"{_name(p)}:{line} {module}.{name}" for p in _modules() for line, module, names in _imports(p)
             for name in names if name.startswith("_") and name != "__version__"]
    assert found == []


def test_roles_depend_one_way():
    wrong = []
    for path in _modules():
        role = _role(path)
        if role in SEAMS or _layer(role) is None:
            continue
        for line, module, names in _imports(path):
            parts = module.split(".")
            targets = [parts[1]] if len(parts) > 1 else names
            for target in targets:
                layer = _layer(target)
                if (target not in SEAMS and layer is not None and layer > _layer(role)
                        and (_name(path), target) not in UPWARD):
                    wrong.append(f"{_name(path)}:{line} ({role}) imports {target}")
    assert wrong == []


def test_modules_stay_small():
    sizes = {_name(p): p.read_text(encoding="utf-8").count("\n") for p in _modules()}
    too_long = {name: n for name, n in sizes.items() if n > LONG_MODULES.get(name, MAX_MODULE_LINES)}
    assert too_long == {}


def test_functions_stay_short():
    found = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                key = f"{_name(path)}:{node.name}"
                length = node.end_lineno - node.lineno + 1
                if length > LONG_FUNCTIONS.get(key, MAX_FUNCTION_LINES):
                    found[key] = length
    assert found == {}


def test_the_lists_of_exceptions_hold_no_stale_entries():
    names = {_name(p) for p in _modules()}
    assert set(LONG_MODULES) <= names
    assert {key.split(":")[0] for key in LONG_FUNCTIONS} <= names


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    path = PACKAGE.joinpath(*parts)
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {t.id for t in elements if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def test_every_relative_import_resolves_also_inside_functions():
    """Imports inside functions run late: a moved module must not leave one behind that fails then."""
    broken = []
    for path in _modules():
        for line, module, names in _imports(path):
            target = _module_file(module)
            if target is None:
                broken.append(f"{_name(path)}:{line} {module}")
                continue
            defined = _top_level_names(target)
            broken += [f"{_name(path)}:{line} {module}.{name}" for name in names
                       if name != "*" and name not in defined and _module_file(f"{module}.{name}") is None]
    assert broken == []
