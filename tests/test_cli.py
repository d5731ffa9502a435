"""The ``lambda-perms`` command: ``main([...])`` in-process, ``python -m lambda_perms`` once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_perms import _catalogue, docs
from lambda_perms.cli import main
from lambda_perms.deploy import Scope, deploy_policy
from lambda_perms.policy import Policy
from lambda_perms.validation import Severity, validate
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


def test_a_missing_root_is_one_line_and_exit_2_when_checking(
    fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = fixture / "nope"
    assert main(["docs", "--check", "--root", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("lambda-perms: error: the docs root")
    assert "Traceback" not in err


def test_writing_creates_a_missing_root(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = fixture / "new" / "docs"
    assert main(["docs", "--root", str(target)]) == 0
    assert (target / "index.md").is_file()
    assert main(["docs", "--check", "--root", str(target)]) == 0


def test_a_root_that_is_a_file_is_one_line_and_exit_2(
    fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = fixture / "file.txt"
    a_file.write_text("x")
    assert main(["docs", "--root", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not a directory" in err


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


# -- policy ---------------------------------------------------------------------------------------


def _policy_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[Any, str]:
    assert main(["policy", *argv]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_policy_default_is_a_valid_identity_policy(capsys: pytest.CaptureFixture[str]) -> None:
    document, err = _policy_json(capsys)
    assert err == ""
    policy = Policy.from_dict(document)
    assert [f for f in validate(policy) if f.severity is Severity.ERROR] == []
    assert document["Statement"][0]["Sid"] == "CloudFormationDeploy"
    sids = [s["Sid"] for s in document["Statement"]]
    assert "LambdaRollback" in sids  # rollback included by default
    assert policy.allows("cloudformation:ExecuteChangeSet", "arn:aws:cloudformation:x:1:stack/a/b")


def test_policy_scoped(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--account", "123456789012", "--region", "ap-northeast-1", "--stack", "my-app"]
    document, _ = _policy_json(capsys, *argv, "--bucket", "my-artifacts")
    resources = [r for s in document["Statement"] for r in _as_list(s["Resource"])]
    assert "*" not in resources
    assert "arn:aws:s3:::my-artifacts/*" in resources
    # the same policy as the library's, printed with indent 2, byte for byte
    assert main(["policy", *argv, "--bucket", "my-artifacts"]) == 0
    out = capsys.readouterr().out
    scope = Scope(account="123456789012", region="ap-northeast-1", stack="my-app")
    expected = deploy_policy(scope=Scope(**{**scope.__dict__, "bucket": "my-artifacts"}))
    assert out == json.dumps(expected.to_dict(), indent=2) + "\n"


def test_policy_reads_the_sam_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    document, err = _policy_json(
        capsys,
        "--account",
        "123456789012",
        "--",
        "sam",
        "deploy",
        "--stack-name",
        "app",
        "--s3-bucket=b",
        "--region",
        "eu-west-1",
        "--no-confirm-changeset",
        "--frobnicate",
    )
    assert err == "lambda-perms: note: unknown flag --frobnicate for sam deploy: it is ignored\n"
    resources = {r for s in document["Statement"] for r in _as_list(s["Resource"])}
    assert "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/*" in resources
    assert "arn:aws:s3:::b/*" in resources


def test_policy_no_rollback_warns(capsys: pytest.CaptureFixture[str]) -> None:
    document, err = _policy_json(capsys, "--no-rollback")
    assert "ROLLBACK_FAILED" in err
    assert err.startswith("lambda-perms: warning: ")
    assert "LambdaRollback" not in [s["Sid"] for s in document["Statement"]]


def test_policy_role_arn_prints_both(capsys: pytest.CaptureFixture[str]) -> None:
    role = "arn:aws:iam::123456789012:role/cfn"
    document, _ = _policy_json(capsys, "--", "sam", "deploy", "--role-arn", role)
    assert set(document) == {"caller", "service_role"}
    passes = [s for s in document["caller"]["Statement"] if s["Action"] == "iam:PassRole"]
    assert passes == [
        {
            "Sid": "IamPassServiceRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        }
    ]


def test_policy_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    boundary = "arn:aws:iam::123456789012:policy/b"
    document, err = _policy_json(capsys, "--boundary", boundary)
    statement = next(s for s in document["Statement"] if s["Sid"] == "IamExecutionRoleWithBoundary")
    assert "iam:CreateRole" in statement["Action"]
    assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    assert "DeleteRolePermissionsBoundary" in err


def test_policy_profile_article(capsys: pytest.CaptureFixture[str]) -> None:
    document, _ = _policy_json(capsys, "--profile", "article")
    (statement,) = document["Statement"]
    expected = [e.action.text for e in _catalogue.catalogue().profile("article").actions]
    assert len(expected) == 37
    assert len(statement["Action"]) == 37
    assert set(statement["Action"]) == set(expected)  # canonical spelling, exactly the 37
    assert statement["Resource"] == "*"
    assert statement["Sid"] == "Article"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--", "sam", "build"], "sam build needs no AWS permission"),
        (["--profile", "nope"], "no profile 'nope'"),
        (["--account", "12"], "12 digits"),
        (["--boundary", "x"], "permissions boundary"),
        (["--", "deploy", "--role-arn", "x"], "--role-arn takes an IAM role ARN"),
        (["--profile", "article", "--", "deploy"], "takes no SAM command line"),
    ],
)
def test_policy_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("lambda-perms: error: ")
    assert message in captured.err


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
