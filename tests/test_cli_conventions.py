"""Issue 15: the command line off its happy path. Tables of input -> stdout, stderr, exit code.

Hostile input (non-UTF-8 files, directories, closed and empty stdin, huge and deeply nested
input, an ASCII-only locale) is always exactly one ``lambda-perms: error:`` line and exit 2;
the cases that need a real process (a closed file descriptor, the locale) run
``python -m lambda_perms`` and are marked ``slow``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_perms.cli import _io, main
from lambda_perms.iam.policy import Policy
from tests import _support

CHECKOUT = _support.ROOT
TEMPLATES = _support.FIXTURES / "templates"
ROLE = "arn:aws:iam::123456789012:role/cfn"
SCOPE = ["--account", "123456789012", "--region", "eu-west-1", "--stack", "app", "--bucket", "art"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith("lambda-perms: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def _policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> str:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return json.dumps(document)


_GOOD = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Input files by name: good, a non-UTF-8 one, a directory, a missing path, ..."""
    (tmp_path / "good.json").write_text(_GOOD)
    (tmp_path / "latin1.json").write_bytes(_GOOD.replace("b/*", "caf\u00e9/*").encode("latin-1"))
    (tmp_path / "dir").mkdir()
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "empty.json").write_text("  \n")
    (tmp_path / "array.json").write_text("[1, 2]")
    (tmp_path / "template-latin1.yaml").write_bytes(b"Resources: {}\n# caf\xe9\n")
    return {
        **{p.stem: str(p) for p in tmp_path.iterdir()},
        "missing": str(tmp_path / "nope.json"),
        "template": str(TEMPLATES / "plain-cloudformation.json"),
    }


# -- hostile input: one line, exit 2 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["validate", "{latin1}"], ["latin1.json: not UTF-8 text (byte 0xe9 at offset"]),
        (["merge", "{good}", "{latin1}"], ["latin1.json: not UTF-8 text"]),
        (["minimize", "{latin1}"], ["latin1.json: not UTF-8 text"]),
        (["diff", "{latin1}"], ["latin1.json: not UTF-8 text"]),
        (["diff", "{good}", "{latin1}"], ["latin1.json: not UTF-8 text"]),
        (["policy", "--template", "{template-latin1}"], ["template-latin1.yaml", "not UTF-8"]),
        (["validate", "{dir}"], ["dir: is a directory, not a file"]),
        (["merge", "{dir}"], ["dir: is a directory, not a file"]),
        (["diff", "{dir}"], ["dir: is a directory, not a file"]),
        (["policy", "--template", "{dir}"], ["dir: is a directory"]),
        (["explain", "sqs:CreateQueue", "--template", "{dir}"], ["dir: is a directory"]),
        (["validate", "{missing}"], ["nope.json: no such file"]),
        (["policy", "--template", "{missing}"], ["nope.json: no such file"]),
        (["validate", "{deep}"], ["deep.json: invalid JSON: nested too deeply"]),
        (["validate", "{empty}"], ["empty.json: empty input"]),
        (["merge", "{array}"], ["array.json: expected a policy document", "got an array"]),
        (["validate", "{good}", "--output", "{dir}"], ["dir: is a directory, not a file"]),
        (["validate", "{good}", "--output", "{missing}/out.txt"], ["no such directory"]),
    ],
)
def test_hostile_files_are_one_line_exit_2(
    argv: list[str], fragments: list[str], files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *(a.format(**files) for a in argv))
    assert (code, out) == (2, "")
    _one_error(err, *fragments)


@pytest.mark.parametrize(
    ("argv", "stdin", "fragments"),
    [
        (["validate", "-"], None, ["<stdin>: stdin is closed"]),
        (["diff", "-"], None, ["<stdin>: stdin is closed"]),
        (["policy", "--template", "-"], None, ["<stdin>: stdin is closed"]),
        (["validate", "-"], "", ["<stdin>: empty input"]),
        (["merge", "-"], "   ", ["<stdin>: empty input"]),
        (["policy", "--template", "-"], "", ["<stdin>: empty input"]),
        (["explain", "s3:GetObject", "--template", "-"], "", ["<stdin>: empty input"]),
        (["validate", "-"], "{", ["<stdin>: invalid JSON"]),
        (["policy", "--template", "-"], "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queu\"}}}",
         ["<stdin>", "did you mean 'AWS::SQS::Queue'"]),
    ],
)  # fmt: skip
def test_closed_and_empty_stdin_are_one_line_exit_2(
    argv: list[str],
    stdin: str | None,
    fragments: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", None if stdin is None else io.StringIO(stdin))
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (2, "")
    _one_error(err, *fragments)


def test_input_over_the_limit_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_io, "MAX_INPUT", 1024 * 1024)
    big = tmp_path / "big.json"
    big.write_text(" " * (1024 * 1024 + 1) + _GOOD)
    code, out, err = _run(capsys, "validate", str(big))
    assert (code, out) == (2, "")
    _one_error(err, "big.json: larger than the 1 MiB lambda-perms reads")
    monkeypatch.setattr(sys, "stdin", io.StringIO(big.read_text()))
    code, _, err = _run(capsys, "merge", "-")
    assert code == 2
    _one_error(err, "<stdin>: larger than the 1 MiB")


def test_a_closed_stdout_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["expand", "lambda:GetFunction"]) == 2
    _one_error(capsys.readouterr().err, "stdout is closed: give --output FILE")


def _python(
    args: list[str], *, shell: str = "", env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[bytes]:
    """``python -m lambda_perms ARGS`` in a fresh process, with shell redirections."""
    import shlex

    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "lambda_perms", *args])
    environment = {**os.environ, "PYTHONPATH": str(CHECKOUT), **(env or {})}
    return subprocess.run(
        ["bash", "-c", f"{command} {shell}"],
        input=stdin.encode(),
        capture_output=True,
        env=environment,
        check=False,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "shell", "env", "fragment"),
    [
        (["validate", "-"], "<&-", {}, "<stdin>: stdin is closed"),
        (["diff", "-"], "<&-", {}, "<stdin>: stdin is closed"),
        (["validate", "-"], "</dev/null", {}, "<stdin>: empty input"),
        (["policy", "--template", "-"], "<&-", {}, "<stdin>: stdin is closed"),
        (["expand", "s3:GetObject"], ">&-", {}, "stdout is closed"),
        (["validate", "{latin1}"], "", {"PYTHONIOENCODING": "ascii"}, "not UTF-8 text"),
        (["validate", "{dir}"], "", {"LC_ALL": "C"}, "is a directory"),
        (["validate", "{huge}"], "", {}, "larger than the 16 MiB lambda-perms reads"),
        (["validate", "{deep}"], "", {}, "nested too deeply"),
    ],
)
def test_hostile_io_in_a_real_process(
    *, args: list[str], shell: str, env: dict[str, str], fragment: str, files: dict[str, str],
    tmp_path: Path,
) -> None:  # fmt: skip
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:
        f.truncate(17 * 1024 * 1024)  # sparse: 17 MiB of NUL bytes
    result = _python([a.format(huge=str(huge), **files) for a in args], shell=shell, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == b""
    err = result.stderr.decode("utf-8")
    _one_error(err, fragment)


@pytest.mark.slow
@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C"}])
def test_output_is_utf8_under_an_ascii_locale(env: dict[str, str], tmp_path: Path) -> None:
    article = _python(["policy", "--profile", "article"], env=env)
    assert article.returncode == 0, article.stderr
    path = tmp_path / "article.json"
    path.write_bytes(article.stdout)
    diff = _python(["diff", str(path)], env=env)  # every line has an em dash
    assert diff.returncode == 1, diff.stderr
    assert "\u2014" in diff.stdout.decode("utf-8")
    explain = _python(["explain", "cloudformation:GetTemplateSummary"], env=env)  # Japanese
    assert explain.returncode == 0, explain.stderr
    assert "\u30c7\u30d7\u30ed\u30a4" in explain.stdout.decode("utf-8")
    help_ = _python(["policy", "--help"], env=env)
    assert help_.returncode == 0, help_.stderr


@pytest.mark.slow
def test_an_error_naming_a_non_ascii_file_under_an_ascii_locale(tmp_path: Path) -> None:
    result = _python(
        ["validate", str(tmp_path / "caf\u00e9.json")], env={"PYTHONIOENCODING": "ascii"}
    )
    assert result.returncode == 2
    _one_error(result.stderr.decode("ascii"), "caf\\xe9.json: no such file")


# -- conventions: --format, --output, usage, deprecated spellings ----------------------------------


@pytest.mark.parametrize(
    ("argv", "parse"),
    [
        (["policy", "--format", "json"], json.loads),
        (["policy", "--explain", "--format", "json"], json.loads),
        (["diff", "{article}", "--format", "json"], json.loads),
        (["merge", "{article}", "--format", "json"], json.loads),
        (["minimize", "{article}", "--format", "json"], json.loads),
        (["validate", "{article}", "--format", "json"], json.loads),
        (["explain", "s3:GetObject", "--format", "json"], json.loads),
        (["expand", "lambda:Get*Config", "--format", "json"], json.loads),
        (["schema", "policy", "--format", "json"], json.loads),
        (["merge", "{article}", "--format", "terraform"], str),
        (["minimize", "{article}", "--format", "cloudformation"], str),
    ],
)
def test_every_data_subcommand_has_format_and_output(
    argv: list[str], parse: Any, article: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    args = [a.format(article=article) for a in argv]
    code, out, _ = _run(capsys, *args)
    assert code in (0, 1)
    parse(out)
    target = tmp_path / "out.txt"
    again, out2, _ = _run(capsys, *args, "--output", str(target))
    assert (again, out2) == (code, "")
    assert target.read_text(encoding="utf-8") == out


def test_output_is_atomic_and_keeps_the_file_on_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.json"
    target.write_text("before\n")
    target.chmod(0o640)
    code, _, _ = _run(capsys, "validate", str(tmp_path / "nope.json"), "--output", str(target))
    assert code == 2
    assert target.read_text() == "before\n"  # an error writes nothing
    code, out, _ = _run(capsys, "expand", "lambda:GetFunction", "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_text() == "lambda:GetFunction\n"
    assert target.stat().st_mode & 0o777 == 0o640  # the file's mode is kept
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left
    code, out, _ = _run(capsys, "expand", "lambda:GetFunction", "--output", "-")
    assert out == "lambda:GetFunction\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "--json", "{article}"],
        ["validate", "--json", "{article}"],
        ["explain", "--json", "iam:PassRole"],
    ],
)
def test_json_is_a_deprecated_spelling_of_format_json(
    argv: list[str], article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *(a.format(article=article) for a in argv))
    assert code in (0, 1)
    json.loads(out)
    assert "lambda-perms: note: --json is deprecated: use --format json\n" in err
    _, out, err = _run(capsys, *(a.format(article=article) for a in argv), "--format", "text")
    assert "--json and --format text disagree: --format text wins" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["policy", "--frmat", "json"], "unrecognized arguments: --frmat (did you mean --format?)"),
        (["validate", "x.json", "--fail-no", "warning"], "(did you mean --fail-on?)"),
        (["diff", "x.json", "--jsno"], "unrecognized arguments: --jsno"),
        (["merge", "a.json", "--wildcrds"], "did you mean --wildcards?"),
        (["expand", "s3:*", "--bogus"], "unrecognized arguments: --bogus"),
        (["schema", "--format", "yaml"], "invalid choice: 'yaml'"),
        (["expand", "s3:*", "--", "sam", "deploy"], "expand takes no SAM command line"),
    ],
)
def test_a_bad_flag_prints_the_subcommands_usage(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: lambda-perms {argv[0]} "), err
    assert f"lambda-perms {argv[0]}: error: " in err
    assert fragment in err


def test_policy_help_documents_the_sid_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["policy", "--help"])
    out = capsys.readouterr().out
    assert "statement ids (Sid): <Service><Purpose>" in out
    for fragment in ("Pass<Purpose>", "WithBoundary", "<Service>Rollback"):
        assert fragment in out


# -- notes for conflicting and ignored options, and region names -----------------------------------


@pytest.mark.parametrize(
    ("argv", "notes"),
    [
        (["policy", "--stack", "a", "--", "sam", "deploy", "--stack-name", "b"],
         ["--stack a and --stack-name b after '--' differ: the policy uses --stack a"]),
        (["policy", "--bucket", "a", "--region", "eu-west-1", "--", "sam", "deploy",
          "--s3-bucket", "b", "--region", "eu-west-2"],
         ["--region eu-west-1 and --region eu-west-2 after '--' differ",
          "--bucket a and --s3-bucket b after '--' differ"]),
        (["policy", "--stack", "a", "--", "sam", "deploy", "--stack-name", "a"], []),
        (["policy", "--wildcards"], ["--wildcards changes nothing without --minimize"]),
        (["policy", "--wildcards", "--", "sam", "deploy", "--role-arn", ROLE],
         ["--wildcards changes nothing without --minimize"]),
        (["policy", "--style", "compact"], ["--style changes nothing without --minimize"]),
        (["policy", "--minimize", "--wildcards", "--style", "compact"], []),
        (["policy", "--region", "mars-1"],
         ["'mars-1' is not an AWS region name (they look like 'eu-west-1')"]),
        (["policy", "--", "sam", "deploy", "--region", "eu-wset-1"], ["did you mean 'eu-west-1'"]),
        (["policy", "--region", "eu-west-9"], ["'eu-west-9' is not among the 34 regions of the "
                                               "partition 'aws'", "a newer region is used as given"]),
        (["policy", "--region", "eu-west-1", "--partition", "aws-cn"],
         ["the region 'eu-west-1' is in the partition 'aws', not 'aws-cn'"]),
        (["policy", "--region", "cn-north-1"], []),
        (["policy", "--profile", "article", "--account", "123456789012"],
         ["--account is ignored with --profile"]),
        (["policy", "--explain", "--fit", "role"], ["--fit is ignored with --explain"]),
        (["diff", "{article}", "{article}", "--account", "123456789012", "--no-rollback"],
         ["--account is ignored: REQUIRED is given", "--no-rollback is ignored: REQUIRED is given"]),
        (["merge", "{article}", "--wildcards"], ["--wildcards changes nothing without --minimize"]),
    ],
)  # fmt: skip
def test_notes_for_conflicting_and_ignored_options(
    argv: list[str], notes: list[str], article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, *(a.format(article=article) for a in argv))
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("lambda-perms: note: ")]
    for expected in notes:
        assert any(expected in line for line in lines), err
    if not notes:
        assert lines == [], err


def test_the_region_note_does_not_change_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "policy", "--region", "xx-new-1", "--account", "123456789012")
    assert code == 0
    assert "xx-new-1" in out  # used as given
    assert "not an AWS region name" in err


# -- own outputs are inputs --------------------------------------------------------------------


@pytest.fixture
def article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "article.json"
    assert main(["policy", "--profile", "article", "--output", str(path)]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def shapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    """What ``policy`` prints, in each JSON shape, for one command line."""
    line = ["--", "sam", "deploy", "--stack-name", "app", "--s3-bucket", "art"]
    template = ["--template", str(TEMPLATES / "plain-cloudformation.json")]  # bigger: parts
    runs = {
        "plain": [],
        "fit": ["--fit", "user"],
        "pair": [],
        "fit-pair": ["--fit", "user"],
        "cloudformation": ["--format", "cloudformation-json", "--fit", "user"],
        "cloudformation-pair": ["--format", "cloudformation-json"],
    }
    out = {}
    for name, extra in runs.items():
        path = tmp_path / f"{name}.json"
        role = ["--role-arn", ROLE] if "pair" in name else []
        assert main(["policy", *SCOPE, *template, *extra, "--output", str(path), *line, *role]) == 0
        out[name] = path
    capsys.readouterr()
    return out


@pytest.mark.parametrize(
    ("shape", "names"),
    [
        ("plain", [None]),
        ("fit", ["deploy-policy-part-1", "deploy-policy-part-2", "deploy-policy-part-3"]),
        ("pair", ["caller", "service_role"]),
        (
            "fit-pair",
            [
                "deploy-policy",
                "deploy-policy-service-role-part-1",
                "deploy-policy-service-role-part-2",
            ],
        ),
        ("cloudformation", ["DeployPolicyPart1", "DeployPolicyPart2", "DeployPolicyPart3"]),
        ("cloudformation-pair", ["DeployPolicy", "DeployPolicyServiceRole"]),
    ],
)
def test_read_policies_reads_every_shape_policy_prints(
    shape: str, names: list[str | None], shapes: dict[str, Path]
) -> None:
    from lambda_perms.render.inputs import read_policies

    parts = read_policies(shapes[shape].read_bytes(), source=shapes[shape].name)
    assert [p.name for p in parts] == names
    for part in parts:
        assert part.policy.statements


@pytest.mark.parametrize(
    ("shape", "role_arn", "notes"),
    [
        ("plain", False, ["0 missing, 0 excess"]),
        ("fit", False, ["0 missing, 0 excess"]),  # the parts are compared as one policy
        ("cloudformation", False, ["0 missing, 0 excess"]),
        ("pair", True, ["caller: 0 missing, 0 excess", "service_role: 0 missing, 0 excess"]),
        ("fit-pair", True, ["deploy-policy: 0 missing", "deploy-policy-service-role: 0 missing"]),
        ("cloudformation-pair", True, ["DeployPolicy: 0 missing", "DeployPolicyServiceRole: 0"]),
    ],
)
def test_diff_reads_every_shape(
    shape: str, role_arn: bool, notes: list[str], shapes: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    line = ["--", "sam", "deploy", "--stack-name", "app", "--s3-bucket", "art"]
    role = ["--role-arn", ROLE] if role_arn else []
    template = ["--template", str(TEMPLATES / "plain-cloudformation.json")]
    code, out, err = _run(capsys, "diff", str(shapes[shape]), *SCOPE, *template, *line, *role)
    assert (code, out) == (0, ""), err
    for expected in notes:
        assert expected in err


def test_diff_of_a_pair_names_each_part(
    shapes: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(shapes["pair"].read_text())
    document["service_role"]["Statement"] = document["service_role"]["Statement"][1:]
    short = tmp_path / "short.json"
    short.write_text(json.dumps(document))
    line = ["--", "sam", "deploy", "--stack-name", "app", "--s3-bucket", "art", "--role-arn", ROLE]
    template = ["--template", str(TEMPLATES / "plain-cloudformation.json")]
    code, out, err = _run(capsys, "diff", str(short), *SCOPE, *template, *line)
    assert code == 1
    assert out.startswith("service_role: missing ")
    assert "caller: 0 missing" in err
    code, out, _ = _run(capsys, "diff", "--format", "json", str(short), *SCOPE, *template, *line)
    assert list(json.loads(out)) == ["caller", "service_role"]
    assert json.loads(out)["service_role"]["missing"]
    # a pair against a command line without --role-arn: one line saying what to do
    code, _, err = _run(capsys, "diff", str(short), *SCOPE, "--", "sam", "deploy")
    assert code == 2
    _one_error(err, "CURRENT holds a caller and a service role policy", "--role-arn")
    code, _, err = _run(capsys, "diff", str(shapes["plain"]), *SCOPE, *line)
    assert code == 2
    _one_error(err, "CURRENT must hold both")


@pytest.mark.parametrize(
    ("shape", "keys"),
    [
        ("plain", None),
        ("fit", None),  # the parts of one policy merge into one
        ("pair", ["caller", "service_role"]),
        ("fit-pair", ["deploy-policy", "deploy-policy-service-role"]),  # parts joined
    ],
)
def test_merge_and_minimize_read_every_shape(
    shape: str, keys: list[str] | None, shapes: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "merge", str(shapes[shape]))
    assert code == 0
    document = json.loads(out)
    if keys is None:
        merged = Policy.from_dict(document)
        original = [Policy.from_dict(d) for d in _documents(shapes[shape])]
        assert merged.covers(original[0].merge(*original[1:]))
    else:
        assert list(document) == keys
    code, out, err = _run(capsys, "minimize", str(shapes[shape]))
    assert code == 0
    assert " -> " in err
    minimized = json.loads(out)
    if shape == "plain":
        Policy.from_dict(minimized)
    else:
        assert list(minimized) == list(json.loads(shapes[shape].read_text()))


def _documents(path: Path) -> list[Any]:
    document = json.loads(path.read_text())
    return [document] if "Statement" in document else list(document.values())


def test_merge_refuses_a_plain_policy_with_named_ones(
    shapes: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "merge", str(shapes["pair"]), str(shapes["plain"]))
    assert code == 2
    _one_error(err, "plain.json is one policy but other inputs hold the named policies caller")


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"caller": json.loads(_GOOD), "service_role": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:CreateFuntion", "s3:GetObject"],
             "Resource": "arn:aws:lambda:*:*:function:*"}]}},
         "service_role.Statement[0].Action[0]"),
        ({"deploy-policy-part-1": json.loads(_GOOD), "deploy-policy-part-2": {"Statement": {
            "Effect": "Allow", "Action": "lambda:CreateFuntion", "Resource": "*"}}},
         '["deploy-policy-part-2"].Statement.Action'),
        ({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": ["lambda:CreateFuntion"], "Resource": "*"}]}}}}},
         "Resources.P.Properties.PolicyDocument.Statement[0].Action[0]"),
    ],
)  # fmt: skip
def test_validate_names_the_part_in_each_finding(
    document: dict[str, Any], path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.json"
    file.write_text(json.dumps(document))
    code, out, _ = _run(capsys, "validate", "--format", "json", str(file))
    assert code == 0
    (finding,) = [f for f in json.loads(out) if f["code"] == "unknown-action"]
    assert finding["path"] == path


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        ({"caller": {"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}},
         ["p.json: caller.Statement[0].Action: ", "got a number"]),
        ({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {}}}},
         ["p.json: Resources.P.Properties: a AWS::IAM::ManagedPolicy needs Properties.PolicyDocument"]),
        ({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, ["p.json: a template without an"]),
        ({}, ["p.json: expected a policy document", "got an empty object"]),
        ({"caller": 1}, ["p.json: expected a policy document", "got an object with 'caller'"]),
    ],
)  # fmt: skip
def test_bad_shapes_are_one_line(
    document: Any, fragments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.json"
    file.write_text(json.dumps(document))
    for command in ("validate", "merge", "minimize", "diff"):
        code, out, err = _run(capsys, command, str(file))
        assert (code, out) == (2, "")
        _one_error(err, *fragments)


# -- the CI gate: validate --fail-on -------------------------------------------------------------

_INFO = {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}  # resource-wildcard
_WARNING = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}  # service-admin


@pytest.mark.parametrize(
    ("statements", "quota", "fail_on", "code"),
    [
        ([], None, "error", 0),
        ([_INFO], None, "error", 0),
        ([_INFO], None, "warning", 0),
        ([_INFO], None, "info", 1),
        ([_WARNING], None, "error", 0),
        ([_WARNING], None, "warning", 1),
        ([_WARNING], None, "info", 1),
        ([_INFO, _WARNING], "group", "error", 0),
        ([{**_WARNING, "Action": [f"s3:Get{'X' * 40}{i}" for i in range(120)]}], "group", "error", 1),
    ],
)  # fmt: skip
def test_validate_fail_on(
    *, statements: list[dict[str, Any]], quota: str | None, fail_on: str, code: int,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    file = tmp_path / "p.json"
    file.write_text(_policy(*statements))
    quota_args = ["--quota", quota] if quota else []
    got, out, err = _run(capsys, "validate", "--fail-on", fail_on, *quota_args, str(file))
    assert got == code, out
    if code:
        assert f"lambda-perms: note: failing (--fail-on {fail_on}): " in err
    else:
        assert "failing" not in err


def test_validate_paths_point_into_the_file_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "sloppy.json"
    file.write_text(
        _policy(
            {
                "Effect": "Allow",
                "Action": ["lambda:CreateFuntion", "iam:PassRole"],
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIpp": "192.0.2.0/24"}},
            },
            version=None,
        )
    )
    code, out, _ = _run(capsys, "validate", "--fail-on", "warning", str(file))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        "warning: Statement[0].Action[0]: unknown action 'lambda:CreateFuntion'"
    )
    assert any(
        "Condition.IpAddress.aws:SourceIpp: unknown global condition key" in x for x in lines
    )
    assert any("did you mean 'aws:SourceIp'" in line for line in lines)


# -- the why on the command line ------------------------------------------------------------------


def test_policy_explain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "policy", "--explain", *SCOPE)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "deploy-policy: 8 statements, 39 actions"
    assert (
        "CloudFormationDeploy: Allow on arn:aws:cloudformation:eu-west-1:123456789012:stack/app/*"
        in lines
    )
    change_set = lines.index("  cloudformation:CreateChangeSet")
    assert lines[change_set + 1].startswith("    - sam deploy always creates a change set")
    assert any(line.startswith("      phases: deploy, update; called by sam-cli") for line in lines)
    assert any("evidence: sam-cli: samcli/lib/deploy/deployer.py" in line for line in lines)
    assert any("(rollback only)" in line for line in lines)
    assert all(len(line) <= 100 for line in lines if line.startswith("    - "))  # wrapped


def test_policy_explain_json_matches_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "policy", *SCOPE)
    policy = json.loads(out)
    _, out, _ = _run(capsys, "policy", "--explain", "--format", "json", *SCOPE)
    report = json.loads(out)
    (explained,) = report["policies"]
    assert [s["sid"] for s in explained["statements"]] == [s["Sid"] for s in policy["Statement"]]
    for statement, document in zip(explained["statements"], policy["Statement"], strict=True):
        actions = (
            document["Action"] if isinstance(document["Action"], list) else [document["Action"]]
        )
        assert sorted(a["action"] for a in statement["actions"]) == sorted(actions)
        assert all(a["needs"] for a in statement["actions"])  # every action has its why


def test_policy_explain_with_a_template_and_a_service_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = str(TEMPLATES / "plain-cloudformation.json")
    line = ["--", "sam", "deploy", "--stack-name", "app", "--role-arn", ROLE]
    code, out, _ = _run(capsys, "policy", "--explain", "--template", template, *line)
    assert code == 0
    assert "deploy-policy: " in out
    assert "(the credentials that run sam)" in out
    assert "deploy-policy-service-role: " in out
    assert "from the template: TickRule (AWS::Events::Rule)" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["policy", "--explain", "--format", "terraform"], "--explain prints text or json, not terraform"),
        (["policy", "--format", "text"], "--format text is the form of --explain"),
    ],
)  # fmt: skip
def test_policy_explain_errors(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (2, "")
    _one_error(err, fragment)


@pytest.mark.parametrize(
    ("argv", "present", "absent"),
    [
        # no catalogue need, but CloudFormation's handlers call it: explain says which types
        (["explain", "sqs:CreateQueue"],
         ["no Lambda deployment in the catalogue needs it", "cloudformation handlers: ",
          "  AWS::SQS::Queue: create\n", "(through sqs:*)"], []),
        (["explain", "iam:PassRole"],
         ["cloudformation handlers: ", "more (all with --format json)"], []),
        (["explain", "sqs:CreateQueue", "--template", "{sqs}"],
         ["1 resource type of the template lists it", "OrdersQueue (AWS::SQS::Queue): its handlers list it",
          "granted by SqsQueue on ", "from the template: OrdersQueue (AWS::SQS::Queue)"],
         ["AWS::SecurityLake"]),
        (["explain", "sqs:CreateQueue", "--template", "{plain}"],
         ["none of the template's resource types has a handler that lists it", "not granted: nothing in the "
          "template needs sqs:CreateQueue"], []),
        (["explain", "lambda:CreateFunction", "--template", "{plain}"],
         ["TickFunction (AWS::Lambda::Function): its handlers list it", "granted by LambdaFunction"], []),
    ],
)  # fmt: skip
def test_explain_reports_cloudformation_handlers(
    argv: list[str], present: list[str], absent: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "sqs": str(TEMPLATES / "sqs.yaml"),
        "plain": str(TEMPLATES / "plain-cloudformation.json"),
    }
    code, out, err = _run(capsys, *(a.format(**files) for a in argv))
    assert (code, err) == (0, "")
    for fragment in present:
        assert fragment in out, out
    for fragment in absent:
        assert fragment not in out


def test_explain_json_lists_every_handler_type_and_reads_a_template_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, "explain", "--format", "json", "iam:PassRole")
    uses = json.loads(out)["cloudformation_handlers"]
    assert len(uses) > 100  # the text shows the first 25
    assert {"resource_type", "handlers", "via"} == set(uses[0])
    monkeypatch.setattr(
        sys, "stdin", io.StringIO((TEMPLATES / "plain-cloudformation.json").read_text())
    )
    _, out, _ = _run(
        capsys, "explain", "--format", "json", "lambda:CreateFunction", "--template", "-"
    )
    report = json.loads(out)
    assert report["template"]["source"] == "<stdin>"
    assert report["template"]["granted"][0]["sid"] == "LambdaFunction"


def test_policy_template_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = TEMPLATES / "plain-cloudformation.json"
    code, from_file, _ = _run(capsys, "policy", "--template", str(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO(path.read_text()))
    code, from_stdin, _ = _run(capsys, "policy", "--template", "-")
    assert code == 0
    assert from_stdin == from_file
