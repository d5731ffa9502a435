"""A safe default (issue 14): an unknown account, region, stack or bucket is one warning line
each, naming the ARNs it widens; ``--strict`` makes it exit 2. And a printed policy over the
managed policy quota is a warning with its size and the ``--fit`` that fixes it.

Table: command line -> the pieces warned about (in order), exit code; the ARNs named are
checked against the printed policy (each is one of its resources).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_perms.cli import main
from tests._support import FIXTURES

GAP = re.compile(
    r"^lambda-perms: warning: no (account|region|stack|bucket) is given .* take any \w+: (.*)$"
)
FULL = ["--account", "123456789012", "--region", "eu-west-1", "--stack", "app", "--bucket", "b"]

CASES: list[tuple[str, list[str], list[str], int]] = [
    ("nothing given", [], ["account", "region", "stack", "bucket"], 0),
    ("everything given", FULL, [], 0),
    (
        "the SAM command line names stack, bucket, region",
        [
            "--account",
            "123456789012",
            "--",
            "sam",
            "deploy",
            "--stack-name",
            "a",
            "--s3-bucket",
            "b",
            "--region",
            "eu-west-1",
        ],
        [],
        0,
    ),
    (
        "--resolve-s3: the managed bucket is known",
        ["--", "sam", "deploy", "--resolve-s3"],
        ["account", "region", "stack"],
        0,
    ),
    ("only the account missing", FULL[2:], ["account"], 0),
    ("--strict with a gap", ["--strict", *FULL[2:]], ["account"], 2),
    ("--strict with none", ["--strict", *FULL], [], 0),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_scope_gaps(
    capsys: pytest.CaptureFixture[str], case: tuple[str, list[str], list[str], int]
) -> None:
    _, argv, pieces, code = case
    assert main(["policy", *argv]) == code
    out, err = capsys.readouterr()
    found = [m for line in err.splitlines() if (m := GAP.match(line))]
    assert [m.group(1) for m in found] == pieces
    if code == 2:
        assert out == ""
        assert err.splitlines()[-1].startswith("lambda-perms: error: --strict: the scope leaves")
        return
    resources = {
        r
        for s in json.loads(out)["Statement"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    for match in found:
        named = match.group(2).split(" and ")[0].split(", ")
        assert named
        assert set(named) <= resources, named


def test_the_default_names_the_role_and_bucket_arns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy"]) == 0
    err = capsys.readouterr().err
    assert "no account is given (--account): " in err
    assert "arn:aws:iam::*:role/*-*" in err
    assert re.search(r"no bucket is given .*arn:aws:s3:::\*/\*", err)


def test_a_template_names_its_widened_names(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("samtranslator")
    template = str(FIXTURES / "templates" / "sqs.yaml")
    assert (
        main(
            [
                "policy",
                "--account",
                "123456789012",
                "--region",
                "eu-west-1",
                "--template",
                template,
                "--",
                "sam",
                "deploy",
                "--resolve-s3",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "no stack is given" in line]
    assert "arn:aws:cloudformation:eu-west-1:123456789012:stack/*/*" in line


# -- quotas -----------------------------------------------------------------------------------


def _over_quota(err: str) -> list[str]:
    return [line for line in err.splitlines() if "over IAM's managed policy quota" in line]


def test_a_large_policy_warns_with_the_fit_that_fixes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("samtranslator")
    template = str(FIXTURES / "templates" / "large-app.yaml")
    argv = ["policy", *FULL, "--template", template]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    (line,) = _over_quota(err)
    size = len(json.dumps(json.loads(out), separators=(",", ":")))
    assert re.search(r"deploy-policy is [\d,]+ characters", line)
    assert "add --fit managed" in line
    assert size > 6144
    # --fit managed: parts that fit, no warning
    assert main([*argv, "--fit", "managed"]) == 0
    assert _over_quota(capsys.readouterr().err) == []


def test_a_small_policy_has_no_quota_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", *FULL]) == 0
    assert _over_quota(capsys.readouterr().err) == []


def test_diff_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = tmp_path / "current.json"
    assert main(["policy", *FULL, "--output", str(current)]) == 0
    capsys.readouterr()
    assert main(["diff", "--strict", str(current), *FULL[2:]]) == 2
    assert "--strict" in capsys.readouterr().err


def test_gaps_module_doctest() -> None:
    import doctest

    from lambda_perms.deploy import gaps

    assert doctest.testmod(gaps).failed == 0
