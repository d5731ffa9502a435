"""``import lambda_perms`` reads no file and builds no model (measured in a fresh interpreter)."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lambda_perms

PACKAGE = Path(lambda_perms.__file__).resolve().parent

_PROBE = r"""
import json, sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.append(args[0])
import pydantic  # the dependency's own import is not ours to judge
sys.addaudithook(hook)
import lambda_perms
print(json.dumps({"opened": opened, "modules": sorted(m for m in sys.modules if m.startswith("lambda_perms"))}))
"""


def test_import_reads_no_data_and_imports_no_models() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    # Only the package's own module files may be opened (source or bytecode).
    for path in report["opened"]:
        resolved = Path(path).resolve()
        assert resolved.suffix in {".py", ".pyc"}, path
        assert PACKAGE in resolved.parents, path
    assert report["modules"] == ["lambda_perms", "lambda_perms._version"]


def test_lazy_names_resolve_and_are_listed() -> None:
    for name in lambda_perms.__all__:
        assert getattr(lambda_perms, name) is not None
    assert sorted(lambda_perms.__all__) == lambda_perms.__all__
    assert dir(lambda_perms) == lambda_perms.__all__


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Nope"):
        getattr(lambda_perms, "Nope")  # noqa: B009  (the point is the dynamic look-up)


def _type_checking_imports() -> dict[str, str]:
    """The names the ``if TYPE_CHECKING:`` block of ``__init__.py`` imports -> their module."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    (block,) = (
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if node.test.id == "TYPE_CHECKING"
    )
    found: dict[str, str] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
        assert statement.module is not None
        assert statement.module.startswith("lambda_perms."), statement.module
        for alias in statement.names:
            # "X as X" is what tells a type checker that the package re-exports X
            assert alias.asname == alias.name, f"import {alias.name} as {alias.name}"
            assert alias.name not in found, f"{alias.name} is imported twice"
            found[alias.name] = statement.module.removeprefix("lambda_perms.")
    return found


def test_type_checking_imports_name_exactly_the_home_table() -> None:
    assert _type_checking_imports() == lambda_perms._HOME


def test_every_name_lives_where_the_home_table_says() -> None:
    for name, module in lambda_perms._HOME.items():
        home = importlib.import_module(f"lambda_perms.{module}")
        assert name in home.__all__, f"lambda_perms.{module} does not export {name}"
    assert lambda_perms.__all__ == sorted(["__version__", *lambda_perms._HOME])
