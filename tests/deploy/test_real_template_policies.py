"""Every real template of ``tests/fixtures/real-templates/`` (issue 14) gives a policy, the
policy allows the handler permissions of every resource type it deploys (nested children
included), and every warning names the template resource it concerns.

What a template deploys is worked out here without lambda_perms' template code, as SAM CLI and
CloudFormation do it (:func:`deployed`): the template is read by the YAML loader of
:mod:`tests.deploy.test_templates_corpus`; ``AWS::LanguageExtensions`` is expanded by SAM CLI's
own local expansion (``samcli.lib.cfn_language_extensions``); a local ``AWS::Include`` of a
``DefinitionBody`` is inlined (CloudFormation includes it before the SAM transform); the SAM
transform is aws-sam-translator itself, offline (local artifact paths and a missing
``CodeUri`` become S3 URIs as ``sam package`` makes them; managed policy names and the
Serverless Application Repository are answered locally); and each local nested stack
(``AWS::CloudFormation::Stack`` ``TemplateURL``, ``AWS::Serverless::Application``
``Location``) is read the same way, recursively. The SAM transform's own test inputs declare no
``Transform``; SAM's tests translate them as SAM templates, and so does this one.

The handler permissions of each deployed type are read straight from cfn-lint's bundled registry
schemas by the reader of :mod:`tests.deploy.test_templates_corpus`. A permission that is not an
IAM action in the universe snapshot (``managed-fleets:*`` ...) cannot be granted: it must then
be named in a warning (the few with an IAM action that authorises the call instead are in that
module's ``NOT_IAM``, and the action named there must be allowed). A wildcard permission
(``autoscaling:Describe*``) must be allowed for every action of the universe it matches. A type
with no registry schema (a macro's own type) must be named in a warning.

Warnings that concern the policy or the command line, not one resource, are told apart by their
opening words, listed in :data:`POLICY_LEVEL`: the policy's size against the quota, a missing
scope flag (each names its flag), parameters taken from their defaults, a transform the template
declares (named), and ``--no-rollback``'s exclusion. Every other warning must name a logical id of
the template, of a nested template, or of what the SAM transform made of them.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambda_perms._universe import universe
from lambda_perms.cli import main
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


LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"

# templates the independent expansion cannot read offline although lambda-perms does: template
# -> why. (None today: every root translates.)
EXPECTED_SKIPS: Mapping[str, str] = {}


def _transforms(document: Mapping[str, Any]) -> list[Any]:
    declared = document.get("Transform")
    return declared if isinstance(declared, list) else [declared] if declared else []


def _inline_includes(document: dict[str, Any], folder: Path) -> None:
    """A ``DefinitionBody`` that is an ``AWS::Include`` of a local file becomes the file."""
    for body in document.get("Resources", {}).values():
        properties = body.get("Properties") or {}
        definition = properties.get("DefinitionBody")
        transform = definition.get("Fn::Transform") if isinstance(definition, dict) else None
        if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
            location = transform.get("Parameters", {}).get("Location")
            if oracle._is_local(location):
                properties["DefinitionBody"] = oracle.load_template(folder / str(location))


@dataclass(frozen=True)
class Deployed:
    """What a template deploys: its resource types and every logical id (source, expanded and
    nested)."""

    types: frozenset[str]
    logical_ids: frozenset[str]


@functools.cache
def deployed(path: Path, *, sam_input: bool = False) -> Deployed:
    """What CloudFormation deploys for the template at ``path``, its local nested stacks
    included (``sam_input``: a SAM translator test input, which declares no transform)."""
    source = oracle.load_template(path)
    if sam_input and not source.get("Transform"):
        source["Transform"] = real.SAM
    document = copy.deepcopy(source)
    if LANGUAGE_EXTENSIONS in _transforms(document):
        integration = pytest.importorskip("samcli.lib.cfn_language_extensions.sam_integration")
        document = integration.process_template_for_sam_cli(document, parameter_values={})
    _inline_includes(document, path.parent)
    translated = oracle.translate(document)
    types = {oracle._canonical_type(r["Type"]) for r in translated["Resources"].values()}
    ids = set(source.get("Resources", {})) | set(document["Resources"])
    ids |= set(translated["Resources"])
    for body in document["Resources"].values():
        properties = body.get("Properties") or {}
        location = {
            "AWS::CloudFormation::Stack": properties.get("TemplateURL"),
            "AWS::Serverless::Application": properties.get("Location"),
        }.get(body.get("Type"))
        if oracle._is_local(location):
            child_path = path.parent / str(location)
            if child_path.is_dir():
                child_path = child_path / "template.yaml"
            child = deployed(child_path)
            types |= child.types
            ids |= child.logical_ids
    return Deployed(frozenset(types), frozenset(ids))


def _root(name: str) -> Deployed:
    return deployed(real.CORPUS / name, sam_input="/tests/translator/input/" in f"/{name}")


def _template_file(name: str, tmp_path: Path) -> Path:
    """The file to give ``--template``: a SAM translator input gets its transform."""
    path = real.CORPUS / name
    if "/tests/translator/input/" not in f"/{name}":
        return path
    text = path.read_text(encoding="utf-8")
    if not re.search(r"^Transform:", text, re.MULTILINE):
        text = f"Transform: {real.SAM}\n{text}"
    copy_ = tmp_path / path.name
    copy_.write_text(text, encoding="utf-8")
    return copy_


def _names(text: str, ids: frozenset[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in ids)


def test_expansion_reads_nested_stacks_and_includes() -> None:
    """The independent expansion is not vacuous: children, includes and loops are in it."""
    msk = _root("serverless-patterns/eventbridge-pipes-msk-to-lambda/template.yaml")
    assert {"AWS::MSK::Cluster", "AWS::Pipes::Pipe", "AWS::EC2::VPC"} <= msk.types
    vpclink = _root("serverless-patterns/cognito-restapi-vpclink/template.yml")
    assert {"AWS::Cognito::UserPool", "AWS::ECS::Service"} <= vpclink.types
    include = _root("serverless-patterns/apigw-kinesis-lambda-ddb/template.yaml")
    assert "AWS::ApiGateway::RestApi" in include.types
    loop = _root("aws-cloudformation-templates/CloudFormation/fn-foreach-ddb.yaml")
    assert {"DynamoDBPoints", "DynamoDBLeaderboard"} <= loop.logical_ids
    starter = _root("aws-sam-cli-app-templates/nodejs22.x/sqs/template.yaml")
    assert "AWS::Lambda::EventSourceMapping" in starter.types
    assert not any(t.startswith("AWS::Serverless::") for t in msk.types | starter.types)


def _missing(policy: Mapping[str, Any], types: frozenset[str], warnings: list[str]) -> list[str]:
    """``TYPE: PERMISSION`` for each handler permission of ``types`` that ``policy`` does not
    allow and no warning names (see the module documentation)."""
    known = universe()
    exempt = {n.lower(): instead for n, (_why, instead) in oracle.NOT_IAM.items()}
    missing = []
    for kind in sorted(types):
        if kind not in oracle.NO_SCHEMA and oracle._providers().get(kind) is None:
            if not any(kind in w for w in warnings):
                missing.append(f"{kind}: no registry schema, and no warning names it")
            continue
        for permission in sorted(oracle.handler_permissions(kind)):
            if permission.lower() in exempt:
                instead = exempt[permission.lower()]
                if instead is not None and not oracle.allows(policy, instead):
                    missing.append(f"{kind}: {instead} (for {permission})")
            elif "*" in permission or "?" in permission:
                matched = [a.text for a in known.expand(permission)]
                if not matched and not any(permission in w for w in warnings):
                    missing.append(f"{kind}: {permission} (matches no action, not warned about)")
                missing += [
                    f"{kind}: {a} (of {permission})"
                    for a in matched
                    if not oracle.allows(policy, a)
                ]
            elif not known.exists(permission):
                if not any(permission in w for w in warnings):
                    missing.append(f"{kind}: {permission} (not an IAM action, not warned about)")
            elif not oracle.allows(policy, permission):
                missing.append(f"{kind}: {permission}")
    return missing


def test_the_check_notices_a_gap() -> None:
    """A policy short of one handler permission, or of a wildcard entry's expansion, fails."""
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    kinds = frozenset({"AWS::SQS::Queue", "AWS::S3::Object"})
    assert _missing(everything, kinds, ["... AWS::S3::Object is not a CloudFormation type"]) == []
    assert _missing(everything, kinds, []) == [
        "AWS::S3::Object: no registry schema, and no warning names it"
    ]
    short = {"Statement": [{"Effect": "Allow", "NotAction": "autoscaling:Describe*"}]}
    gaps = _missing(short, frozenset({"AWS::AutoScaling::AutoScalingGroup"}), [])
    group = "AWS::AutoScaling::AutoScalingGroup"
    assert f"{group}: autoscaling:DescribeAutoScalingGroups (of autoscaling:Describe*)" in gaps


@pytest.mark.parametrize("name", sorted(real.ROOTS))
def test_real_template_policy(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _template_file(name, tmp_path)
    code = main(["policy", *SCOPE, "--template", str(path), *SAM])
    out, err = capsys.readouterr()
    assert code == 0, err
    if name in EXPECTED_SKIPS:
        pytest.skip(EXPECTED_SKIPS[name])
    policy = json.loads(out)
    found = _root(name)
    warnings = [line for line in err.splitlines() if line.startswith("lambda-perms: warning: ")]
    missing = _missing(policy, found.types, warnings)
    assert not missing, f"{name}: the policy misses {missing}"
    for warning in warnings:
        text = warning.removeprefix("lambda-perms: warning: ")
        if text.startswith(POLICY_LEVEL):
            continue
        assert _names(text, found.logical_ids), f"names no template resource: {text}"


def test_every_skip_is_a_root() -> None:
    assert set(EXPECTED_SKIPS) <= set(real.ROOTS)
