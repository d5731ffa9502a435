"""Tests for tools/refresh_cloudformation.py, on a tiny fixture schema directory.

The fixture (tests/fixtures/cfn-schemas/) is laid out like cfn-lint's ``data/schemas``: two
region files (us-east-1, eu-west-1), cfn-lint's non-region ``sam.json``, and four schemas:
``AWS::Test::Widget`` (same in both regions; messy permission lists), ``AWS::Test::Gadget``
(different permissions per region) and ``AWS::Test::Legacy`` (us-east-1 only, no handlers).
cfn-lint itself is not needed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests._support import FIXTURES, load_tool

FIXTURE = FIXTURES / "cfn-schemas"
VERSION = "0.0.0-test"


tool = load_tool("refresh_cloudformation")
main: Callable[[list[str] | None], int] = tool.main


def _run(schemas: Path, output: Path, *extra: str) -> int:
    return main(
        ["--schemas", str(schemas), "--output", str(output), "--source-version", VERSION, *extra]
    )


def _document(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress((output / "handlers.json.gz").read_bytes()))
    return data


def _files(output: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(output.iterdir())}


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A writable copy of the fixture schema directory."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "schemas"))


def test_union_over_regions(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert _run(FIXTURE, output) == 0
    document = _document(output)
    assert document["format"] == 1
    assert document["regions"] == ["eu-west-1", "us-east-1"]
    types = document["types"]
    # sam.json is not a region: the AWS::Serverless transform types are not recorded.
    assert sorted(types) == ["AWS::Test::Gadget", "AWS::Test::Legacy", "AWS::Test::Widget"]
    # Differs by region: union per handler, and a handler found in one region only is kept.
    assert types["AWS::Test::Gadget"] == {
        "create": ["gadget:CreateGadget", "kms:Decrypt"],
        "delete": ["gadget:DeleteGadget"],
        "read": ["gadget:GetGadget"],
        "update": ["gadget:UpdateGadget"],
    }
    # Known type without handler data: an empty object, not absent.
    assert types["AWS::Test::Legacy"] == {}
    # Sorted, stripped, empties dropped, deduplicated case-insensitively (first spelling in
    # sorted order wins); a handler with no permissions keeps an empty list.
    assert types["AWS::Test::Widget"] == {
        "create": ["iam:PassRole", "widget:CreateWidget", "widget:TagResource"],
        "delete": ["widget:DeleteWidget"],
        "list": [],
        "read": ["widget:GetWidget"],
        "update": ["widget:GetWidget", "widget:UpdateWidget"],
    }
    assert document["unavailable_in"] == {"AWS::Test::Legacy": ["eu-west-1"]}


def test_source_json(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert _run(FIXTURE, output) == 0
    text = (output / "source.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    source = json.loads(text)
    assert text == json.dumps(source, indent=2, sort_keys=True) + "\n"
    assert source == {
        "format": 1,
        "source": "cfn-lint",
        "version": VERSION,
        "date": "2024-05-06",
        "sha256": hashlib.sha256((output / "handlers.json.gz").read_bytes()).hexdigest(),
        "types": 3,
        "types_with_handlers": 2,
        "licence": "MIT-0 (cfn-lint) / schemas from the CloudFormation registry",
    }


def test_deterministic_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert _run(FIXTURE, first) == 0
    assert _run(FIXTURE, second) == 0
    assert _files(first) == _files(second)
    blob = (first / "handlers.json.gz").read_bytes()
    assert blob[:3] == b"\x1f\x8b\x08"
    assert blob[3] == 0  # no FNAME (nor any other optional header field)
    assert blob[4:8] == b"\0\0\0\0"  # mtime 0
    payload = gzip.decompress(blob)
    assert payload == json.dumps(json.loads(payload), separators=(",", ":"), sort_keys=True).encode(
        "ascii"
    )


def test_summary(schemas: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out"
    assert _run(schemas, output) == 0
    first = capsys.readouterr().out
    assert "types: 3 (2 with handlers, 1 without)" in first
    assert "differ between regions (union taken): 1\n  AWS::Test::Gadget\n" in first
    assert "types missing from some region files: 1" in first
    assert "not regions, skipped: sam.json" in first
    assert "dropped empty permission ''" in first
    assert "merged 'widget:createWidget' into 'widget:CreateWidget' (case)" in first
    assert "no previous snapshot" in first

    # Next schema release: a type added, one removed, one type's permissions changed.
    us_east_1 = schemas / "providers" / "us-east-1.json"
    providers = json.loads(us_east_1.read_text(encoding="utf-8"))
    del providers["AWS::Test::Legacy"]
    providers["AWS::Test::Sprocket"] = "sprocket"
    us_east_1.write_text(json.dumps(providers), encoding="utf-8")
    (schemas / "resources" / "sprocket.json").write_text(
        json.dumps({"typeName": "AWS::Test::Sprocket", "handlers": {"create": {}}}),
        encoding="utf-8",
    )
    widget_path = schemas / "resources" / "widget.json"
    widget = json.loads(widget_path.read_text(encoding="utf-8"))
    widget["handlers"]["create"]["permissions"].append("widget:ExtraWidget")
    widget["handlers"]["delete"]["permissions"] = []
    del widget["handlers"]["list"]
    widget_path.write_text(json.dumps(widget), encoding="utf-8")

    assert _run(schemas, output) == 0
    second = capsys.readouterr().out
    assert (
        "changes since previous snapshot: types added 1, removed 1, permissions changed 1, "
        "regions changed 0"
    ) in second
    assert "  + AWS::Test::Sprocket\n" in second
    assert "  - AWS::Test::Legacy\n" in second
    assert "  ~ AWS::Test::Widget: create +1 -0, delete +0 -1, list removed\n" in second
    types = _document(output)["types"]
    assert types["AWS::Test::Sprocket"] == {"create": []}
    assert "AWS::Test::Legacy" not in types

    assert _run(schemas, output) == 0
    third = capsys.readouterr().out
    assert "types added 0, removed 0, permissions changed 0, regions changed 0" in third
    assert "unchanged:" in third


def test_check(schemas: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out"
    assert _run(schemas, output, "--check") == 1  # nothing there yet
    assert not output.exists()

    assert _run(schemas, output) == 0
    before = _files(output)
    assert _run(schemas, output, "--check") == 0
    assert capsys.readouterr().out.endswith("up to date\n")

    legacy = schemas / "resources" / "legacy.json"
    legacy.write_text(
        json.dumps({"typeName": "AWS::Test::Legacy", "handlers": {"read": {"permissions": []}}}),
        encoding="utf-8",
    )
    assert _run(schemas, output, "--check") == 1
    out = capsys.readouterr().out
    assert "~ AWS::Test::Legacy: read added (0)" in out
    assert "out of date: handlers.json.gz, source.json would change" in out
    assert _files(output) == before  # --check writes nothing


def test_source_version_required_for_foreign_schemas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--schemas", str(FIXTURE), "--output", str(tmp_path / "out")]) == 2
    assert "--source-version" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_schema_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, tmp_path / "out") == 2
    assert "no providers/ and resources/" in capsys.readouterr().err
