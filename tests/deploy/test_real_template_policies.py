"""Every real template of ``tests/fixtures/real-templates/`` (issue 14) gives a policy, the
policy allows the handler permissions of every resource type it deploys (nested children
included), and every warning names the template resource it concerns.

The handler permissions are read straight from cfn-lint's bundled registry schemas by the
reader of :mod:`tests.deploy.test_templates_corpus` (no lambda_perms data or template code);
the resource types are those the template deploys, nested stacks included. A permission that
is not an IAM action in the universe snapshot (``managed-fleets:*``, ``kms:ReEncrypt`` ...)
cannot be granted: it must then be named in a warning. A wildcard permission
(``autoscaling:Describe*``) must be allowed for every action of the universe it matches.

Warnings that concern the policy or the command line, not one resource (the scope, the quota,
parameters taken from defaults, a macro the template declares), are told apart by their
opening words, listed in :data:`POLICY_LEVEL`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_perms._universe import universe
from lambda_perms.cli import main
from lambda_perms.deploy.templates import load_template
from tests.deploy import test_real_templates as real
from tests.deploy import test_templates_corpus as oracle

SCOPE = ["--account", "123456789012", "--region", "us-east-1", "--stack", "app", "--bucket", "art"]
SAM = ["--", "sam", "deploy", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]

POLICY_LEVEL = (
    "deploy-policy is ",  # the quota
    "no account is given", "no region is given", "no stack is given", "no bucket is given",
    "parameters without an override take their Default",
    "the template declares the transform",
    "rollback permissions are excluded",
)  # fmt: skip


def _template_file(name: str, tmp_path: Path) -> Path:
    path = real.CORPUS / name
    if "/tests/translator/input/" not in f"/{name}":
        return path
    text = path.read_text(encoding="utf-8")
    if not re.search(r"^Transform:", text, re.MULTILINE):
        text = f"Transform: {real.SAM}\n{text}"
    copy = tmp_path / path.name
    copy.write_text(text, encoding="utf-8")
    return copy


def _required(kinds: set[str]) -> set[str]:
    out: set[str] = set()
    for kind in kinds:
        canonical = "AWS::CloudFormation::CustomResource" if kind.startswith("Custom::") else kind
        if canonical in oracle.NO_SCHEMA or oracle._providers().get(canonical) is not None:
            out |= oracle.handler_permissions(canonical)
    return out


@pytest.mark.parametrize("name", sorted(real.ROOTS))
def test_real_template_policy(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _template_file(name, tmp_path)
    code = main(["policy", *SCOPE, "--template", str(path), *SAM])
    out, err = capsys.readouterr()
    assert code == 0, err
    policy = json.loads(out)
    template = load_template(path)
    warnings = [line for line in err.splitlines() if line.startswith("lambda-perms: warning: ")]
    known = universe()
    exempt = {n.lower(): instead for n, (_why, instead) in oracle.NOT_IAM.items()}
    missing = []
    for permission in sorted(_required({r.type for r in template.resources})):
        if permission.lower() in exempt:
            instead = exempt[permission.lower()]
            if instead is not None and not oracle.allows(policy, instead):
                missing.append(f"{instead} (for {permission})")
            continue
        if "*" in permission or "?" in permission:
            matched = [a.text for a in known.expand(permission)]
            if not matched:
                assert any(permission in w for w in warnings), permission
            missing += [f"{a} (of {permission})" for a in matched if not oracle.allows(policy, a)]
        elif not known.exists(permission):
            assert any(permission in w for w in warnings), f"{permission} is not warned about"
        elif not oracle.allows(policy, permission):
            missing.append(permission)
    assert not missing, f"{name}: the policy misses {missing}"
    # the expanded resources, their nested stacks and the source's own (a macro's input)
    names = {r.logical_id for r in template.resources} | {
        s for r in template.resources for s in r.stacks
    }
    names |= set(oracle.load_template(path).get("Resources", {}))
    for warning in warnings:
        text = warning.removeprefix("lambda-perms: warning: ")
        if text.startswith(POLICY_LEVEL):
            continue
        assert any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in names), text
