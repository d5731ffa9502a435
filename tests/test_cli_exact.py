"""``lambda-perms diff --exact`` and ``lambda-perms simulate``, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambda_perms.cli import main

ACCOUNT = "123456789012"


def write(path: Path, *statements: dict[str, Any]) -> str:
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return str(path)


def listing(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


# -- diff --exact ----------------------------------------------------------------------------


def test_diff_exact_prints_witnesses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    current = write(tmp_path / "c.json", listing({"NumericLessThan": {"s3:max-keys": 10}}))
    required = write(tmp_path / "r.json", listing({"NumericLessThan": {"s3:max-keys": 20}}))
    assert main(["diff", "--exact", current, required]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith('missing s3:ListBucket on * when {"NumericLessThan"')
    assert lines[1].startswith("  witness: s3:ListBucket on ")
    assert '"s3:max-keys"' in lines[1]
    assert "1 missing, 0 excess (exact)" in captured.err


def test_diff_exact_finds_no_difference_where_atoms_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("z3")
    current = write(tmp_path / "c.json", listing({"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}}))
    required = write(tmp_path / "r.json", listing({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert main(["diff", current, required]) == 1  # atoms: the blocks differ
    capsys.readouterr()
    assert main(["diff", "--exact", current, required]) == 0
    assert "0 missing, 0 excess (exact)" in capsys.readouterr().err


def test_diff_exact_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    current = write(tmp_path / "c.json", listing())
    required = write(tmp_path / "r.json", listing({"Bool": {"aws:SecureTransport": "true"}}))
    assert main(["diff", "--exact", "--json", current, required]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["exact"] is True
    assert document["notes"] == []
    assert document["missing"] == []
    (excess,) = document["excess"]
    assert excess["witness"]["action"] == "s3:ListBucket"
    assert excess["witness"]["context"].get("aws:SecureTransport") != "true"
    assert excess["needed_on"] == ["*"]


# -- simulate ----------------------------------------------------------------------------------


def test_simulate_allowed_and_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write(tmp_path / "p.json", listing({"Bool": {"aws:SecureTransport": "true"}}))
    code = main(["simulate", policy, "--action", "s3:ListBucket", "--resource", "arn:aws:s3:::b",
                 "--context", "aws:SecureTransport=true"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == (
        's3:ListBucket on arn:aws:s3:::b with {"aws:SecureTransport": "true"}: allowed by '
        "identity[0] Statement[0]"
    )
    assert main(["simulate", policy, "--action", "s3:ListBucket"]) == 1
    assert "implicitly denied" in capsys.readouterr().out


def test_simulate_with_boundary_and_scp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write(tmp_path / "p.json", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    boundary = write(tmp_path / "b.json", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    scp = write(tmp_path / "s.json", {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})  # fmt: skip
    base = ["simulate", policy, "--boundary", boundary, "--scp", scp, "--resource", "*"]
    assert main([*base, "--action", "s3:ListBucket"]) == 0
    capsys.readouterr()
    assert main([*base, "--action", "ec2:RunInstances"]) == 1
    assert "implicitly denied by boundary" in capsys.readouterr().out.splitlines()[0]
    assert main([*base, "--action", "s3:DeleteBucket", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "explicit_deny"
    assert result["deciders"][0]["source"] == "scp[0]"


def test_simulate_multivalued_context_and_resource_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = write(tmp_path / "t.json", {"Effect": "Allow", "Action": "s3:PutObject",
                 "Resource": "*", "Condition": {"ForAllValues:StringEquals":
                 {"aws:TagKeys": ["env", "team"]}, "Null": {"aws:TagKeys": "false"}}})  # fmt: skip
    base = ["simulate", tags, "--action", "s3:PutObject", "--resource", "arn:aws:s3:::b/k"]
    assert main([*base, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=team"]) == 0
    assert main([*base, "--context", 'aws:TagKeys=["env", "owner"]']) == 1
    assert main([*base, "--context", "aws:TagKeys=[]"]) == 1
    bucket = tmp_path / "bucket.json"
    bucket.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}))  # fmt: skip
    capsys.readouterr()
    code = main(["simulate", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k",
                 "--principal", f"arn:aws:iam::{ACCOUNT}:user/alice", "--context",
                 f"aws:ResourceAccount={ACCOUNT}", "--resource-policy", str(bucket)])  # fmt: skip
    assert code == 0
    assert "allowed by resource Statement[0]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--action", "s3:GetObject", "--context", "novalue"], "--context takes KEY=VALUE"),
        (["--action", "s3:GetObject", "--context", "k=[1,"], "a list is a JSON array"),
        (["--action", "s3:*"], "one concrete action"),
    ],
)
def test_simulate_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    policy = write(tmp_path / "p.json", listing())
    assert main(["simulate", policy, *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lambda-perms: error: ")
    assert message in err
    assert len(err.splitlines()) == 1
