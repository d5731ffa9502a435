"""The GitHub Action's step (action.yml): run ``lambda-perms diff`` or ``validate`` as a gate.

Reads the action's inputs from the environment (``INPUT_POLICY``, ``INPUT_CHECK``,
``INPUT_SAM_COMMAND``, ``INPUT_ARGS``), never from the command line, so that no input is ever
interpolated into shell code. ``INPUT_SAM_COMMAND`` and ``INPUT_ARGS`` are split as a POSIX
shell would split them (quotes group words) and passed as arguments, not run by a shell.

Prints lambda-perms' output, writes it to the job summary (``GITHUB_STEP_SUMMARY``) when
there is one, marks a failure with an ``::error::`` annotation and exits with lambda-perms'
status: 0 the policy passes, 1 something is missing (``diff``) or wrong (``validate``),
2 a usage or input error. Runs with the standard library only; run it locally the same way:

    INPUT_POLICY=deploy-role.json INPUT_SAM_COMMAND="sam deploy --stack-name my-app" \\
        python action/gate.py
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping

__all__ = ["command", "main"]

CHECKS = ("diff", "validate")


class InputError(Exception):
    """An input the action cannot run with (exit 2)."""


def command(env: Mapping[str, str]) -> list[str]:
    """The lambda-perms arguments (after the program name) for the action's inputs."""
    policy = env.get("INPUT_POLICY", "").strip()
    check = env.get("INPUT_CHECK", "").strip() or "diff"
    if not policy:
        raise InputError("the 'policy' input is required: the IAM policy document (JSON)")
    if check not in CHECKS:
        raise InputError(f"the 'check' input is {check!r}: use 'diff' or 'validate'")
    try:
        extra = shlex.split(env.get("INPUT_ARGS", ""))
        sam = shlex.split(env.get("INPUT_SAM_COMMAND", "") or "sam deploy")
    except ValueError as e:
        raise InputError(f"cannot split the 'args' or 'sam-command' input: {e}") from None
    if check == "validate":
        return ["validate", *extra, policy]
    if sam[0] != "sam":
        sam = ["sam", *sam]
    return ["diff", policy, *extra, "--", *sam]


def _summary(argv: list[str], code: int, output: str) -> str:
    verdict = {0: "passed", 1: "failed"}.get(code, "could not run")
    shown = " ".join(shlex.quote(a) for a in ["lambda-perms", *argv])
    fence = "````" if "```" in output else "```"
    return f"### lambda-perms: {verdict}\n\n`{shown}`\n\n{fence}text\n{output.rstrip()}\n{fence}\n"


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        argv = command(env)
    except InputError as e:
        print(f"::error title=lambda-perms::{e}", flush=True)
        return 2
    run = subprocess.run(
        [sys.executable, "-m", "lambda_perms", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    print(run.stdout, end="", flush=True)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(_summary(argv, run.returncode, run.stdout))
    if run.returncode == 1:
        what = "lacks permissions the deployment needs" if argv[0] == "diff" else "has errors"
        print(f"::error title=lambda-perms {argv[0]}::{env['INPUT_POLICY']} {what}", flush=True)
    elif run.returncode != 0:
        print(f"::error title=lambda-perms {argv[0]}::lambda-perms exited {run.returncode}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
