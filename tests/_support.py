"""What many test modules share: where the repository's files are, loading a script from
``tools/``, and comparing output with a golden file.

Plain module-level names rather than pytest fixtures, because tests use them at import time
(to build parameter tables from the fixture corpus).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["DATA", "DOCS", "FIXTURES", "ROOT", "TOOLS", "assert_golden", "load_tool"]

#: The repository root (the folder holding ``pyproject.toml``).
ROOT = Path(__file__).resolve().parent.parent
#: The shipped data files (``data/``).
DATA = ROOT / "data"
#: The documentation (``docs/``).
DOCS = ROOT / "docs"
#: The maintainer scripts (``tools/``).
TOOLS = ROOT / "tools"
#: Test inputs and golden files (``tests/fixtures/``).
FIXTURES = ROOT / "tests" / "fixtures"

#: Set to ``1`` to rewrite golden files with the current output (only on purpose, after
#: reading the diff).
UPDATE_GOLDEN = "LAMBDA_PERMS_UPDATE_GOLDEN"


def load_tool(name: str) -> ModuleType:
    """The script ``tools/NAME.py`` as a module (loaded once; later calls get the same one)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def assert_golden(path: Path, text: str) -> None:
    """Assert that ``text`` is the content of the golden file ``path``; with
    ``LAMBDA_PERMS_UPDATE_GOLDEN=1`` write it there first."""
    shown = path.relative_to(FIXTURES) if path.is_relative_to(FIXTURES) else path
    if os.environ.get(UPDATE_GOLDEN) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.is_file(), f"no golden file {shown}: run with {UPDATE_GOLDEN}=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {shown}"
