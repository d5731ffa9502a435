"""The ecosystem's entry points: the GitHub Action (action.yml, action/gate.py), the pre-commit
hooks (.pre-commit-hooks.yaml) and the LICENSE.

The action's script runs here as the action runs it (inputs in ``INPUT_*`` variables, a job
summary file); each hook's entry runs as pre-commit would run it (entry, args, then the file
names unless ``pass_filenames: false``), with ``lambda-perms`` the package's own module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from lambda_perms import DeployOptions, Scope, deploy_policy
from tests.render.test_formats import _big

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = ("--account", "123456789012", "--region", "eu-west-1")
SAM = "sam deploy --stack-name my-app --s3-bucket my-artifacts"

pytestmark = pytest.mark.slow  # runs lambda-perms in subprocesses


def _env(**extra: str) -> dict[str, str]:
    """This environment, with the checkout importable first (as the installed package is)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def _gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gate", ROOT / "action" / "gate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Policy files: the seed article's list, what the README's SAM command line needs, one
    over the managed-policy quota, and a small clean one."""
    root = tmp_path_factory.mktemp("policies")
    article = subprocess.run(
        [sys.executable, "-m", "lambda_perms", "policy", "--profile", "article"],
        check=True,
        capture_output=True,
        text=True,
        env=_env(),
    ).stdout
    options, _ = DeployOptions.from_sam_args(shlex.split(SAM)[1:])
    needed = deploy_policy(options, Scope(account="123456789012", region="eu-west-1")).policy
    files = {
        "article": article,
        "needed": needed.to_json(),
        "big": _big().to_json(),
        "clean": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":'
        ' "s3:GetObject", "Resource": "arn:aws:s3:::my-artifacts/*"}]}',
    }
    out = {}
    for name, text in files.items():
        out[name] = root / f"{name}-policy.json"
        out[name].write_text(text)
    return out


# -- the GitHub Action -------------------------------------------------------------------


def _action() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(document, dict)
    return document


def test_the_action_is_a_composite_action_whose_inputs_reach_the_script_by_environment() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) == {"policy", "check", "sam-command", "args", "version", "python-version"}
    assert inputs["policy"]["required"] is True
    assert inputs["check"]["default"] == "diff"
    used: set[str] = set()
    for step in action["runs"]["steps"]:
        # an input is never interpolated into shell code: only into `with:` and `env:`
        assert "${{" not in step.get("run", ""), step
        for value in [*step.get("env", {}).values(), *step.get("with", {}).values()]:
            used |= set(re.findall(r"\$\{\{ inputs\.([\w-]+) \}\}", str(value)))
    assert used == set(inputs)
    gate = action["runs"]["steps"][-1]
    assert gate["run"] == 'python "${GITHUB_ACTION_PATH}/action/gate.py"'
    assert set(gate["env"]) == {"INPUT_POLICY", "INPUT_CHECK", "INPUT_SAM_COMMAND", "INPUT_ARGS"}
    source = (ROOT / "action" / "gate.py").read_text()
    assert set(re.findall(r'"(INPUT_\w+)"', source)) == set(gate["env"])


@pytest.mark.parametrize(
    ("inputs", "argv"),
    [
        (
            {"INPUT_POLICY": "role.json"},
            ["diff", "role.json", "--", "sam", "deploy"],
        ),
        (
            {
                "INPUT_POLICY": "role.json",
                "INPUT_SAM_COMMAND": "deploy --stack-name 'my app'",
                "INPUT_ARGS": "--account 123456789012 --template template.yaml",
            },
            ["diff", "role.json", "--account", "123456789012", "--template", "template.yaml",
             "--", "sam", "deploy", "--stack-name", "my app"],
        ),
        (
            {"INPUT_POLICY": "p.json", "INPUT_CHECK": "validate", "INPUT_ARGS": "--quota managed",
             "INPUT_SAM_COMMAND": "sam deploy"},
            ["validate", "--quota", "managed", "p.json"],
        ),
        # an input with shell syntax is a word, not code
        (
            {"INPUT_POLICY": "$(touch pwned).json", "INPUT_ARGS": "--stack 'a;b'"},
            ["diff", "$(touch pwned).json", "--stack", "a;b", "--", "sam", "deploy"],
        ),
    ],
)  # fmt: skip
def test_the_action_inputs_become_arguments(inputs: Mapping[str, str], argv: list[str]) -> None:
    assert _gate().command(inputs) == argv


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "the 'policy' input is required"),
        ({"INPUT_POLICY": "p.json", "INPUT_CHECK": "merge"}, "use 'diff' or 'validate'"),
        ({"INPUT_POLICY": "p.json", "INPUT_ARGS": "--stack 'unclosed"}, "cannot split"),
    ],
)
def test_bad_action_inputs(inputs: Mapping[str, str], message: str) -> None:
    gate = _gate()
    with pytest.raises(gate.InputError, match=message):
        gate.command(inputs)


def _run_action(tmp_path: Path, **inputs: str) -> tuple[int, str, str]:
    """Run the action's step as the runner does; returns (status, output, job summary)."""
    summary = tmp_path / "summary.md"
    summary.write_text("")
    env = _env(GITHUB_STEP_SUMMARY=str(summary), **inputs)
    for name in ("INPUT_POLICY", "INPUT_CHECK", "INPUT_SAM_COMMAND", "INPUT_ARGS"):
        env.setdefault(name, "")
    run = subprocess.run(
        [sys.executable, str(ROOT / "action" / "gate.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    return run.returncode, run.stdout + run.stderr, summary.read_text()


def test_the_action_fails_a_policy_that_lacks_what_sam_deploy_needs(
    tmp_path: Path, policies: dict[str, Path]
) -> None:
    code, out, summary = _run_action(
        tmp_path,
        INPUT_POLICY=str(policies["article"]),
        INPUT_SAM_COMMAND=SAM,
        INPUT_ARGS=" ".join(ACCOUNT),
    )
    assert code == 1
    assert "missing iam:TagRole on arn:aws:iam::123456789012:role/my-app-*" in out
    assert "excess iam:CreateUser on *" in out
    assert f"::error title=lambda-perms diff::{policies['article']} lacks permissions" in out
    assert summary.startswith("### lambda-perms: failed\n")
    assert "missing iam:TagRole" in summary


def test_the_action_passes_the_policy_lambda_perms_prints(
    tmp_path: Path, policies: dict[str, Path]
) -> None:
    code, out, summary = _run_action(
        tmp_path,
        INPUT_POLICY=str(policies["needed"]),
        INPUT_CHECK="diff",
        INPUT_SAM_COMMAND=SAM,
        INPUT_ARGS=" ".join(ACCOUNT),
    )
    assert code == 0, out
    assert "lambda-perms: note: 0 missing, 0 excess" in out
    assert "::error" not in out
    assert summary.startswith("### lambda-perms: passed\n")


def test_the_action_validates(tmp_path: Path, policies: dict[str, Path]) -> None:
    code, out, _ = _run_action(
        tmp_path,
        INPUT_POLICY=str(policies["big"]),
        INPUT_CHECK="validate",
        INPUT_ARGS="--quota managed",
    )
    assert code == 1
    assert "[size-over-quota]" in out
    assert "has errors" in out
    code, out, _ = _run_action(
        tmp_path, INPUT_POLICY=str(policies["clean"]), INPUT_CHECK="validate"
    )
    assert (code, out.strip()) == (0, "no findings")


def test_the_action_reports_an_input_error(tmp_path: Path) -> None:
    code, out, _ = _run_action(tmp_path, INPUT_CHECK="validate")
    assert code == 2
    assert out.startswith("::error title=lambda-perms::the 'policy' input is required")
    code, out, summary = _run_action(tmp_path, INPUT_POLICY="nope.json")
    assert code == 2
    assert "lambda-perms: error: " in out
    assert "### lambda-perms: could not run" in summary


# -- the pre-commit hooks ----------------------------------------------------------------


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def _run_hook(
    hook: Mapping[str, Any], args: Sequence[str], files: Sequence[Path]
) -> tuple[int, str]:
    """As pre-commit runs a hook: entry, args, then the files (unless pass_filenames is off)."""
    entry = shlex.split(hook["entry"])
    assert entry[0] == "lambda-perms"  # the console script of [project.scripts]
    argv = [sys.executable, "-m", "lambda_perms", *entry[1:], *args]
    if hook.get("pass_filenames", True):
        argv += [str(f) for f in files]
    run = subprocess.run(argv, capture_output=True, text=True, env=_env(), check=False)
    return run.returncode, run.stdout + run.stderr


def test_the_hooks_are_python_hooks_of_the_console_script() -> None:
    hooks = _hooks()
    assert sorted(hooks) == ["lambda-perms-diff", "lambda-perms-validate"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert shlex.split(hook["entry"])[0] in scripts
        assert hook["name"] == "lambda-perms " + hook["id"].removeprefix("lambda-perms-")
    validate = re.compile(hooks["lambda-perms-validate"]["files"])
    assert validate.search("deploy-policy.json")
    assert validate.search("iam/Policies/role.json")
    assert not validate.search("package.json")


def test_the_validate_hook_fails_on_a_policy_with_errors(policies: dict[str, Path]) -> None:
    hook = _hooks()["lambda-perms-validate"]
    code, out = _run_hook(hook, ["--quota", "managed"], [policies["clean"], policies["big"]])
    assert code == 1
    assert f"{policies['clean']}: no findings" in out
    assert f"{policies['big']}: error: the policy has " in out
    code, out = _run_hook(hook, [], [policies["clean"], policies["needed"]])
    assert code == 0, out


def test_the_diff_hook_checks_the_policy_named_in_its_args(policies: dict[str, Path]) -> None:
    hook = _hooks()["lambda-perms-diff"]
    assert hook["pass_filenames"] is False
    for name, expected in (("article", 1), ("needed", 0)):
        args = [str(policies[name]), *ACCOUNT, "--", *shlex.split(SAM)]
        code, out = _run_hook(hook, args, [Path("template.yaml")])
        assert code == expected, out
    assert (
        "missing iam:TagRole"
        in _run_hook(hook, [str(policies["article"]), "--", "sam", "deploy"], [])[1]
    )


def test_the_readme_shows_both_entry_points() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "uses: " in readme
    assert "id: lambda-perms-validate" in readme
    assert "id: lambda-perms-diff" in readme


# -- the licence -------------------------------------------------------------------------


def test_the_licence_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_bytes()
    # the text of https://www.apache.org/licenses/LICENSE-2.0.txt, byte for byte
    assert hashlib.md5(text).hexdigest() == "3b83ef96387f14655fc854ddc3c6bd57"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]


def test_the_action_installs_itself_with_the_templates_extra() -> None:
    # '<the action's checkout>[templates]', so that --template reads YAML and SAM templates
    install = _action()["runs"]["steps"][1]
    assert '"${INPUT_VERSION:-${GITHUB_ACTION_PATH}[templates]}"' in install["run"]
