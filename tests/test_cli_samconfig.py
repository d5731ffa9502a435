"""``lambda-perms policy``/``diff`` with samconfig and ``--parameter-overrides`` (issue 14).

A table of projects (samconfig file, template) and command lines -> what stdout holds, what
stderr says, the exit code. What samconfig means is read as SAM CLI 1.170.0 reads it (see
tests/deploy/test_samconfig.py); here: that the CLI uses it, and that flags on the command line
win.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_perms.cli import main

pytest.importorskip("yaml")
pytest.importorskip("samtranslator")

SAMCONFIG = """version = 0.1
[default.deploy.parameters]
stack_name = "orders-app"
resolve_s3 = true
capabilities = "CAPABILITY_IAM"
parameter_overrides = "TableName=orders"
[default.global.parameters]
region = "eu-west-1"

[prod.deploy.parameters]
stack_name = "orders-prod"
s3_bucket = "my-artifacts"
region = "eu-central-1"
role_arn = "arn:aws:iam::123456789012:role/cfn-deployer"
parameter_overrides = "TableName=orders Stage=prod"
template_file = "template.yaml"
"""

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  TableName: {Type: String}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${TableName}-${Stage}"
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
"""

ACCOUNT = ["--account", "123456789012"]

# (id, files, argv, in stdout, in stderr, exit)
CASES: list[tuple[str, dict[str, str], list[str], list[str], list[str], int]] = [
    (
        "default env: stack, region, resolve_s3",
        {"samconfig.toml": SAMCONFIG},
        [*ACCOUNT, "--", "sam", "deploy"],
        [
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/orders-app/*",
            "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*/*",
        ],
        ["note: samconfig: read", "--stack-name orders-app --region eu-west-1 --resolve-s3"],
        0,
    ),
    (
        "a flag on the command line wins",
        {"samconfig.toml": SAMCONFIG},
        [*ACCOUNT, "--", "sam", "deploy", "--stack-name", "other"],
        ["arn:aws:cloudformation:eu-west-1:123456789012:stack/other/*"],
        ["--region eu-west-1 --resolve-s3"],
        0,
    ),
    (
        "named env: bucket, role_arn, template_file, parameter overrides",
        {"samconfig.toml": SAMCONFIG, "template.yaml": TEMPLATE},
        [*ACCOUNT, "--", "sam", "deploy", "--config-env", "prod"],
        [
            '"service_role"',
            "arn:aws:s3:::my-artifacts/*",
            "arn:aws:dynamodb:eu-central-1:123456789012:table/orders-prod",
            "arn:aws:iam::123456789012:role/cfn-deployer",
        ],
        ["the template is template.yaml", "[prod.deploy.parameters]"],
        0,
    ),
    (
        "overrides resolve names; the other parameter takes its Default, with a warning",
        {"samconfig.toml": SAMCONFIG, "template.yaml": TEMPLATE},
        [*ACCOUNT, "--template", "template.yaml", "--", "sam", "deploy"],
        ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders-dev"],
        ["warning: parameters without an override take their Default (Stage=dev)"],
        0,
    ),
    (
        "--parameter-overrides on the command line replace samconfig's",
        {"samconfig.toml": SAMCONFIG, "template.yaml": TEMPLATE},
        [
            *ACCOUNT,
            "--",
            "sam",
            "deploy",
            "-t",
            "template.yaml",
            "--parameter-overrides",
            "TableName=t",
            "Stage=s",
        ],
        ["arn:aws:dynamodb:eu-west-1:123456789012:table/t-s"],
        ["note: the template is template.yaml"],
        0,
    ),
    (
        "the samconfig beside the -t template",
        {"app/samconfig.toml": SAMCONFIG, "app/template.yaml": TEMPLATE},
        [*ACCOUNT, "--", "sam", "deploy", "-t", "app/template.yaml"],
        ["stack/orders-app/*", "table/orders-dev"],
        ["app/samconfig.toml"],
        0,
    ),
    (
        "an environment the file lacks",
        {"samconfig.toml": SAMCONFIG},
        ["--", "sam", "deploy", "--config-env", "prd"],
        [],
        ["lambda-perms: error: ", "no environment 'prd'", "did you mean"],
        2,
    ),
    (
        "a file that is not TOML",
        {"samconfig.toml": "version = \n"},
        ["--", "sam", "deploy"],
        [],
        ["lambda-perms: error: ", "samconfig.toml", "not valid TOML"],
        2,
    ),
    (
        "a named file that does not exist",
        {},
        ["--", "sam", "deploy", "--config-file", "nope.toml"],
        [],
        ["lambda-perms: error: ", "nope.toml"],
        2,
    ),
    (
        "overrides without a template change nothing: a note",
        {},
        [
            *ACCOUNT,
            "--region",
            "eu-west-1",
            "--",
            "sam",
            "deploy",
            "--stack-name",
            "a",
            "--s3-bucket",
            "b",
            "--parameter-overrides",
            "A=1",
        ],
        ["stack/a/*"],
        ["note: --parameter-overrides change nothing without a template"],
        0,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_policy_with_samconfig(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, dict[str, str], list[str], list[str], list[str], int],
) -> None:
    _, files, argv, stdout, stderr, code = case
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["policy", *argv]) == code
    out, err = capsys.readouterr()
    for fragment in stdout:
        assert fragment in out, out
    for fragment in stderr:
        assert fragment in err, err
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1
        assert out == ""
    else:
        json.loads(out)


def test_diff_reads_samconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``diff CURRENT -- sam deploy`` builds the same policy as ``policy -- sam deploy``."""
    (tmp_path / "samconfig.toml").write_text(SAMCONFIG)
    monkeypatch.chdir(tmp_path)
    assert main(["policy", *ACCOUNT, "--output", "current.json", "--", "sam", "deploy"]) == 0
    capsys.readouterr()
    assert main(["diff", *ACCOUNT, "current.json", "--", "sam", "deploy"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "samconfig: read" in err
    assert "0 missing, 0 excess" in err
