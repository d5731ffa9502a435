"""``import lambda_perms`` reads no file and builds no model (measured in a fresh interpreter)."""

from __future__ import annotations

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
