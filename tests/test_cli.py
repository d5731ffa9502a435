"""The ``lambda-perms`` command: ``main([...])`` in-process, ``python -m lambda_perms`` once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambda_perms import _catalogue, docs
from lambda_perms.cli import main
from tests.test_catalogue import fixture_catalogue


@pytest.fixture
def fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture catalogue stands in for the shipped one; returns an empty docs root."""
    cat = fixture_catalogue(tmp_path / "data")
    monkeypatch.setattr(_catalogue, "catalogue", lambda: cat)
    root = tmp_path / "docs"
    root.mkdir()
    return root


def test_docs_writes_then_checks(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--root", str(fixture)]) == 0
    out = capsys.readouterr().out
    assert "wrote services/iam.md" in out
    assert (fixture / "article.md").is_file()
    assert (fixture / "schemas" / "service.schema.json").is_file()

    assert main(["docs", "--check", "--root", str(fixture)]) == 0
    captured = capsys.readouterr()
    assert "up to date" in captured.out
    assert captured.err == ""

    assert main(["docs", "--root", str(fixture)]) == 0
    assert "0 file(s) changed" in capsys.readouterr().out


def test_docs_check_lists_stale_files(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["docs", "--root", str(fixture)])
    (fixture / "rollback-only.md").write_text("old\n")
    (fixture / "services" / "s3.md").unlink()
    capsys.readouterr()
    assert main(["docs", "--check", "--root", str(fixture)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[:2] == ["stale: rollback-only.md", "stale: services/s3.md"]
    assert "2 generated file(s)" in captured.err
    assert (fixture / "rollback-only.md").read_text() == "old\n"  # --check writes nothing


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_a_bad_root_is_one_line_and_exit_2(
    fixture: Path, capsys: pytest.CaptureFixture[str], check: list[str]
) -> None:
    missing = fixture / "nope"
    assert main(["docs", *check, "--root", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("lambda-perms: error: the docs root")
    assert "Traceback" not in err


def test_a_data_error_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = fixture_catalogue(tmp_path / "data", {"services/s3.toml": "prefix = 's3'\n"})
    monkeypatch.setattr(_catalogue, "catalogue", lambda: cat)
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "services/s3.toml: schema_version: Field required" in err


def test_without_a_checkout_docs_needs_a_root(
    fixture: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(docs, "default_root", lambda: None)
    assert main(["docs"]) == 2
    assert "--root DIR" in capsys.readouterr().err


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    assert "required" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("lambda-perms ")


@pytest.mark.slow
def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lambda_perms", "--help"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "docs" in result.stdout
    assert result.stdout.startswith("usage: lambda-perms")
