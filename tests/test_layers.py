"""The package's floors: the state machine's data at the bottom, and no import loop hidden
by imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import ticketing

PACKAGE = Path(ticketing.__file__).parent


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    lines = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    lines.append(node.lineno)
    return lines


def _package_imports(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if _type_checking_block(node):
            continue
        for item in ast.walk(node):
            if isinstance(item, ast.ImportFrom) and item.module:
                if item.module == "ticketing" or item.module.startswith("ticketing."):
                    names.append(item.module)
            elif isinstance(item, ast.Import):
                names += [a.name for a in item.names if a.name.split(".")[0] == "ticketing"]
    return names


def test_no_import_inside_a_function() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in _modules()
        if (lines := _imports_inside_functions(ast.parse(path.read_text(), str(path))))
    }
    assert offenders == {}, f"imports inside functions (module: lines): {offenders}"


def test_the_state_machine_data_imports_nothing_of_the_package() -> None:
    tree = ast.parse((PACKAGE / "workflow.py").read_text())
    assert _package_imports(tree) == []


def test_the_check_sees_an_import_inside_a_function() -> None:
    """The checks above would notice what they look for."""
    code = "import os\n\ndef f():\n    from ticketing import db\n    return db\n"
    tree = ast.parse(code)
    assert _imports_inside_functions(tree) == [4]
    assert _package_imports(ast.parse("from ticketing.db import utcnow\n")) == ["ticketing.db"]
