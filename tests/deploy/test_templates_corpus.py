"""Template-aware policies against an independent oracle, over a corpus of real-looking templates.

The corpus (``tests/fixtures/templates/``) holds one template per SAM/CloudFormation feature,
as ``sam init`` and the AWS docs write them; every one passes ``cfn-lint``. For each template the
oracle works out, without lambda_perms' data or template code, what CloudFormation will do:

1. the template is loaded with a YAML loader of our own that turns the short-form intrinsics
   (``!Ref``, ``!GetAtt``, ``!Sub``, ...) into their long JSON forms;
2. as ``sam validate`` does, local artifact paths (``CodeUri``, ``ContentUri``,
   ``DefinitionUri``, a local ``Location``) become S3 placeholders and an image function without
   ``ImageUri`` gets one (``sam build`` would fill it in);
3. aws-sam-translator expands the SAM resources offline (managed policy names are answered by a
   mapping that knows every name; the Serverless Application Repository is a stub client, so a
   SAR ``Location`` costs no network call);
4. the CloudFormation handler permissions of every produced resource type are read straight
   from cfn-lint's bundled registry schemas (``providers/us-east-1.json`` names each type's
   schema file under ``resources/``): the union of the create, update and delete handlers.

The CLI (``lambda-perms policy --template FILE -- sam deploy ...``) must then print a policy
that allows each of those permissions (an IAM glob matcher written here), except the handful of
entries in the schemas that are not IAM actions (:data:`NOT_IAM`, each with its reason).
``--tight`` may only drop actions, and each dropped action must be explained by a property rule
(``data/cloudformation/types.toml`` or a catalogue property trigger) whose property no resource
of that type in the expanded template sets. Bad inputs exit 2 with one ``lambda-perms: error:``
line, and the Python API agrees with the CLI.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests._support import FIXTURES, ROOT

pytest.importorskip("samtranslator")
cfnlint = pytest.importorskip("cfnlint")
yaml = pytest.importorskip("yaml")

CORPUS = FIXTURES / "templates"
BAD = CORPUS / "bad"
TYPES_TOML = ROOT / "data" / "cloudformation" / "types.toml"

TEMPLATES = sorted(
    p for p in CORPUS.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
)
BAD_INPUTS = sorted(p for p in BAD.iterdir() if p.is_file())

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "corpus-app"
BUCKET = "artifacts"
SAM_LINE = [
    "sam",
    "deploy",
    "--stack-name",
    STACK,
    "--s3-bucket",
    BUCKET,
    "--capabilities",
    "CAPABILITY_IAM",
]

# Entries of the handler permission lists that are not IAM actions (no such action in the
# Service Authorization Reference), so no policy can grant them: name → (why, the IAM action that
# really authorises the call, if there is one: that one must be granted instead). These are the
# only exemptions, and each must still occur in the handler lists of some corpus type.
NOT_IAM: Mapping[str, tuple[str, str | None]] = {
    "apigateway:TagResource": (
        "API Gateway authorises tagging as an HTTP verb on the tags resource",
        "apigateway:PUT",
    ),
    "apigateway:UntagResource": (
        "API Gateway authorises untagging as an HTTP verb on the tags resource",
        "apigateway:DELETE",
    ),
    "kms:ReEncrypt": (
        "KMS authorises ReEncrypt by two actions, kms:ReEncryptFrom and kms:ReEncryptTo",
        "kms:ReEncryptFrom",
    ),
    "lambda:AssociateRuntimeAlias": ("no Lambda IAM action of that name exists", None),
    "s3:DeleteBucketAnalyticsConfiguration": (
        "an S3 API operation, authorised by s3:PutAnalyticsConfiguration",
        "s3:PutAnalyticsConfiguration",
    ),
    "s3:DeleteBucketCors": (
        "an S3 API operation, authorised by s3:PutBucketCORS",
        "s3:PutBucketCORS",
    ),
    "s3:DeleteBucketEncryption": (
        "an S3 API operation, authorised by s3:PutEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
    ),
    "s3:DeleteBucketLifecycle": (
        "an S3 API operation, authorised by s3:PutLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
    ),
    "s3:DeleteBucketMetricsConfiguration": (
        "an S3 API operation, authorised by s3:PutMetricsConfiguration",
        "s3:PutMetricsConfiguration",
    ),
    "s3:DeleteBucketReplication": (
        "an S3 API operation, authorised by s3:PutReplicationConfiguration",
        "s3:PutReplicationConfiguration",
    ),
    "s3:PutBucketReplication": (
        "an S3 API operation, authorised by s3:PutReplicationConfiguration",
        "s3:PutReplicationConfiguration",
    ),
    "s3:PutObjectLockConfiguration": (
        "an S3 API operation, authorised by s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketObjectLockConfiguration",
    ),
    "s3:GetObjectMetadata": (
        "HeadObject (DynamoDB import from S3), authorised by s3:GetObject",
        "s3:GetObject",
    ),
    "s3:REST.PUT.OBJECT": (
        "an S3 server access log operation name (AWS::Logs::LogGroup lists it), not an action",
        None,
    ),
}

# Types with no registry schema (custom resources): what CloudFormation itself does for them
# with the caller's credentials. A Lambda-backed custom resource is invoked by CloudFormation.
NO_SCHEMA: Mapping[str, frozenset[str]] = {
    "AWS::CloudFormation::CustomResource": frozenset({"lambda:InvokeFunction"}),
}


# -- loading ----------------------------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):  # type: ignore[name-defined,misc]
    """A safe YAML loader that turns CloudFormation short forms into their JSON long forms."""


def _construct(loader: Any, node: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _short_form(loader: Any, suffix: str, node: Any) -> Any:
    value = _construct(loader, node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt":
        if isinstance(value, str):
            resource, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [resource, attribute]}
        return {"Fn::GetAtt": value}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _short_form)


def load_template(path: Path) -> dict[str, Any]:
    """A template file as a dict, short forms in long form (JSON files as JSON)."""
    text = path.read_text(encoding="utf-8")
    # a SafeLoader subclass: safe
    loaded = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_CfnLoader)
    assert isinstance(loaded, dict), f"{path.name}: not a mapping"
    return loaded


# -- expansion (aws-sam-translator, offline) ---------------------------------------------------

_CODE = "s3://bucket/code.zip"
_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/corpus-app:latest"
_LOCAL_KEYS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::Application": "Location",
}


def _is_local(value: object) -> bool:
    return isinstance(value, str) and not re.match(r"^(s3|https?)://", value)


def _placeholder(key: str, value: object) -> str:
    if key == "Location":
        return f"https://{BUCKET}.s3.amazonaws.com/nested/template.yaml"
    name = Path(str(value)).name or "artifact"
    return f"s3://bucket/{name}.zip" if key != "DefinitionUri" else f"s3://bucket/{name}"


def prepare(template: dict[str, Any]) -> dict[str, Any]:
    """What ``sam package`` does before the transform: local paths (and a function's missing
    ``CodeUri``, which is the template's folder) become S3 placeholders."""
    prepared = copy.deepcopy(template)
    function_globals = prepared.get("Globals", {}).get("Function", {})
    if _is_local(function_globals.get("CodeUri")):
        function_globals["CodeUri"] = _CODE
    for resource in prepared.get("Resources", {}).values():
        kind = resource.get("Type")
        properties = resource.setdefault("Properties", {})
        key = _LOCAL_KEYS.get(kind)
        if key is not None and _is_local(properties.get(key)):
            properties[key] = _placeholder(key, properties[key])
        if kind != "AWS::Serverless::Function":
            continue
        image = (properties.get("PackageType") or function_globals.get("PackageType")) == "Image"
        if image and "ImageUri" not in properties:
            properties["ImageUri"] = _IMAGE
        code = ("CodeUri", "InlineCode")
        if not image and not any(k in properties or k in function_globals for k in code):
            properties["CodeUri"] = _CODE  # sam package zips the template's folder
    return prepared


class _AnyManagedPolicy(dict[str, str]):
    """Managed policy name → ARN, for every name (no IAM call)."""

    def __missing__(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]


class _StubSar:
    """The Serverless Application Repository, answered locally (every app is ACTIVE)."""

    def create_cloud_formation_template(self, **kwargs: str) -> dict[str, str]:
        return {
            "ApplicationId": kwargs["ApplicationId"],
            "TemplateId": "00000000-0000-0000-0000-000000000000",
            "TemplateUrl": f"https://{BUCKET}.s3.amazonaws.com/sar/template.yaml",
            "Status": "ACTIVE",
        }

    def get_application(self, **kwargs: str) -> dict[str, str]:
        return {"ApplicationId": kwargs["ApplicationId"]}

    def get_cloud_formation_template(self, **kwargs: str) -> dict[str, str]:
        return {"Status": "ACTIVE", **kwargs}


def _is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::Serverless-2016-10-31" in names


@functools.cache
def expanded(name: str) -> dict[str, Any]:
    """The corpus template ``name`` (a path relative to the corpus) as CloudFormation sees it."""
    return translate(load_template(CORPUS / name))


def translate(source: dict[str, Any]) -> dict[str, Any]:
    """A template as CloudFormation sees it after the SAM transform (if it declares it)."""
    if not _is_sam(source):
        return source
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from samtranslator.parser.parser import Parser
    from samtranslator.plugins.application.serverless_app_plugin import (
        ServerlessAppPlugin,
    )
    from samtranslator.translator.translator import Translator

    plugin = ServerlessAppPlugin(sar_client=_StubSar())
    translator = Translator(None, Parser(), plugins=[plugin])
    result = translator.translate(
        prepare(source), parameter_values={}, get_managed_policy_map=_AnyManagedPolicy
    )
    assert isinstance(result, dict)
    return result


def _local_children(name: str) -> list[str]:
    """The local nested templates of ``name`` (a nested application or stack given as a path):
    CloudFormation deploys their resources too, with the same credentials."""
    children = []
    for resource in load_template(CORPUS / name).get("Resources", {}).values():
        properties = resource.get("Properties", {})
        location = {
            "AWS::Serverless::Application": properties.get("Location"),
            "AWS::CloudFormation::Stack": properties.get("TemplateURL"),
        }.get(resource.get("Type"))
        if _is_local(location):
            children.append(str((Path(name).parent / str(location)).as_posix()))
    return children


@functools.cache
def produced_types(name: str) -> frozenset[str]:
    """The resource types CloudFormation creates for ``name``, its local nested stacks included."""
    resources = expanded(name).get("Resources", {})
    kinds = {_canonical_type(r["Type"]) for r in resources.values()}
    for child in _local_children(name):
        kinds |= produced_types(child)
    return frozenset(kinds)


def _canonical_type(kind: str) -> str:
    return "AWS::CloudFormation::CustomResource" if kind.startswith("Custom::") else kind


# -- the handler permissions (cfn-lint's registry schemas) --------------------------------------


@functools.cache
def _schema_dir() -> Path:
    return Path(str(cfnlint.__file__)).parent / "data" / "schemas"


@functools.cache
def _providers() -> Mapping[str, str]:
    index = json.loads((_schema_dir() / "providers" / "us-east-1.json").read_text())
    assert isinstance(index, dict)
    return index


@functools.cache
def handler_permissions(kind: str) -> frozenset[str]:
    """The union of the create, update and delete handler permissions of type ``kind``."""
    if kind in NO_SCHEMA:
        return NO_SCHEMA[kind]
    digest = _providers().get(kind)
    assert digest is not None, f"cfn-lint has no us-east-1 schema for {kind}"
    schema = json.loads((_schema_dir() / "resources" / f"{digest}.json").read_text())
    handlers = schema.get("handlers", {})
    return frozenset(
        permission
        for handler in ("create", "update", "delete")
        for permission in handlers.get(handler, {}).get("permissions", [])
    )


def required(name: str) -> dict[str, frozenset[str]]:
    """Produced type → its handler permissions, for the corpus template ``name``."""
    return {kind: handler_permissions(kind) for kind in sorted(produced_types(name))}


# -- IAM glob matching --------------------------------------------------------------------------


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def glob_matches(pattern: str, action: str) -> bool:
    """IAM action globbing: ``*`` any run, ``?`` one character, case-insensitive."""
    return _glob(pattern).fullmatch(action) is not None


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list)
    return [str(v) for v in value]


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = policy["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def allows(policy: Mapping[str, Any], action: str) -> bool:
    """Whether some Allow statement's Action (or NotAction) admits ``action``."""
    for statement in _statements(policy):
        if statement.get("Effect") != "Allow":
            continue
        if "Action" in statement and any(
            glob_matches(p, action) for p in _listed(statement["Action"])
        ):
            return True
        if "NotAction" in statement and not any(
            glob_matches(p, action) for p in _listed(statement["NotAction"])
        ):
            return True
    return False


def allowed_actions(policy: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(
        a.lower()
        for s in _statements(policy)
        if s.get("Effect") == "Allow"
        for a in _listed(s.get("Action", []))
    )


# -- the CLI ------------------------------------------------------------------------------------


def _argv(template: Path | str, *, tight: bool = False, sam: list[str] = SAM_LINE) -> list[str]:
    argv = ["policy", "--account", ACCOUNT, "--region", REGION, "--stack", STACK]
    argv += ["--bucket", BUCKET, "--template", str(template)]
    if tight:
        argv.append("--tight")
    return [*argv, "--", *sam]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from lambda_perms.cli import main

    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as e:  # argparse: an unknown flag exits
        code = e.code if isinstance(e.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_policy(
    name: str, capsys: pytest.CaptureFixture[str], *, tight: bool = False
) -> dict[str, Any]:
    code, out, err = run(_argv(CORPUS / name, tight=tight), capsys)
    assert code == 0, f"{name}: exit {code}: {err.strip()}"
    document = json.loads(out)
    assert isinstance(document, dict)
    return document


# -- the property rules that justify --tight ----------------------------------------------------


def _present(value: object, path: list[str]) -> bool:
    if not path:
        return True
    if isinstance(value, list):
        return any(_present(item, path) for item in value)
    if not isinstance(value, dict):
        return False
    if path[0] in value:
        return _present(value[path[0]], path[1:])
    # an Fn::If: the property is set if either branch sets it
    branches = value.get("Fn::If")
    if isinstance(branches, list) and len(branches) == 3:
        return any(_present(b, path) for b in branches[1:])
    return False


@functools.cache
def all_resources(name: str, *, sam: bool) -> tuple[Mapping[str, Any], ...]:
    """The resources of ``name`` and its local nested templates: as written (``sam``) or as
    expanded."""
    template = load_template(CORPUS / name) if sam else expanded(name)
    found = tuple(template.get("Resources", {}).values())
    for child in _local_children(name):
        found += all_resources(child, sam=sam)
    return found


def property_set(resources: tuple[Mapping[str, Any], ...], kind: str, dotted: str) -> bool:
    """Whether some resource of type ``kind`` sets the property ``dotted`` (under Properties)."""
    path = dotted.split(".")
    return any(
        _present(resource.get("Properties", {}), path)
        for resource in resources
        if resource.get("Type") == kind
    )


Rule = tuple[str, str, frozenset[str]]  # type, dotted property, action patterns


@functools.cache
def property_rules() -> tuple[Rule, ...]:
    """The rules of ``data/cloudformation/types.toml`` and the catalogue's property triggers."""
    rules: list[Rule] = []
    if TYPES_TOML.is_file():
        data = tomllib.loads(TYPES_TOML.read_text(encoding="utf-8"))
        for kind, entry in data.get("types", {}).items():
            for rule in entry.get("rules", []):
                rules.append((kind, rule["property"], frozenset(rule.get("actions", []))))
    from lambda_perms import catalogue
    from lambda_perms.catalogues.terms import PropertyTrigger

    for service in catalogue().services:
        for need in service.needs:
            for trigger in need.triggers:
                if isinstance(trigger, PropertyTrigger):
                    kind, _, dotted = trigger.property.partition(".")
                    rules.append((kind, dotted, frozenset({need.action.text})))
    return tuple(rules)


def _justified(action: str, name: str) -> bool:
    """Whether ``--tight`` may drop ``action``: a property rule grants it for a property that no
    resource of the rule's type sets, and no rule grants it for a property that one does set
    (SAM types are looked up in the template as written, the others in the expansion)."""
    absent = False
    for kind, dotted, actions in property_rules():
        if not any(glob_matches(a, action) for a in actions):
            continue
        resources = all_resources(name, sam=kind.startswith("AWS::Serverless::"))
        if property_set(resources, kind, dotted):
            return False
        absent = True
    return absent


# -- the tests: the oracle itself -----------------------------------------------------------------


def test_corpus_is_complete() -> None:
    names = {p.name for p in TEMPLATES}
    expected = {
        "function.yaml",
        "api.yaml",
        "http-api.yaml",
        "schedule.yaml",
        "sqs.yaml",
        "dynamodb-stream.yaml",
        "kinesis.yaml",
        "s3-event.yaml",
        "sns.yaml",
        "layers.yaml",
        "alias-gradual.yaml",
        "function-url.yaml",
        "image-function.yaml",
        "vpc-function.yaml",
        "kms.yaml",
        "explicit-role.yaml",
        "nested-application.yaml",
        "custom-resource.yaml",
        "plain-cloudformation.json",
        "step-functions.yaml",
        "short-forms.yaml",
        "large-app.yaml",
    }
    assert expected <= names
    assert {p.name for p in BAD_INPUTS} == {
        "unknown-type.yaml",
        "malformed.yaml",
        "not-a-template.txt",
    }
    assert len(load_template(CORPUS / "large-app.yaml")["Resources"]) >= 48


def test_short_form_loader() -> None:
    text = (
        "A: !Ref X\nB: !GetAtt R.Arn\nC: !GetAtt [R, StreamArn]\nD: !Sub 'x-${Y}'\n"
        "E: !Not [!Condition C1]\nF: !Select [0, !Split [',', !Ref L]]\n"
    )
    loaded = yaml.load(text, Loader=_CfnLoader)
    assert loaded == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["R", "Arn"]},
        "C": {"Fn::GetAtt": ["R", "StreamArn"]},
        "D": {"Fn::Sub": "x-${Y}"},
        "E": {"Fn::Not": [{"Condition": "C1"}]},
        "F": {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "L"}]}]},
    }


def test_glob_matcher() -> None:
    assert glob_matches("lambda:*", "lambda:CreateFunction")
    assert glob_matches("LAMBDA:createfunction", "lambda:CreateFunction")
    assert glob_matches("s3:Get?bject", "s3:GetObject")
    assert not glob_matches("s3:Get?bject", "s3:GetObjectVersion")
    assert not glob_matches("lambda:Create*", "lambda:UpdateFunctionCode")
    assert glob_matches("*", "iam:PassRole")
    assert not glob_matches("s3:Get.bject", "s3:GetObject")  # '.' is literal


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_oracle_expands(path: Path) -> None:
    """Every corpus template expands offline, and every produced type has handler data."""
    kinds = produced_types(path.name)
    assert kinds
    assert not any(k.startswith("AWS::Serverless::") for k in kinds)
    for kind in kinds:
        assert handler_permissions(kind), f"{path.name}: {kind} has no handler permissions"


def test_no_stale_exemptions() -> None:
    every = {
        p.lower()
        for path in TEMPLATES
        for permissions in required(path.name).values()
        for p in permissions
    }
    stale = sorted(name for name in NOT_IAM if name.lower() not in every)
    assert not stale, f"exemptions that no corpus type lists any more: {stale}"


# -- the tests: lambda_perms against the oracle ------------------------------------------------------


def _missing(name: str, policy: Mapping[str, Any]) -> list[str]:
    """``TYPE: PERMISSION`` for each handler permission the policy does not allow."""
    exempt = {n.lower(): instead for n, (_why, instead) in NOT_IAM.items()}
    missing: set[str] = set()
    for kind, permissions in required(name).items():
        for permission in permissions:
            if permission.lower() not in exempt:
                wanted = permission
            elif (instead := exempt[permission.lower()]) is not None:
                wanted = instead
            else:
                continue
            if not allows(policy, wanted):
                shown = wanted if wanted == permission else f"{wanted} (for {permission})"
                missing.add(f"{kind}: {shown}")
    return sorted(missing)


def _perm(missing: str) -> str:
    """The permission of a :func:`_missing` entry (``TYPE: ACTION`` or ``... (for P)``)."""
    return missing.split(": ", 1)[1].split(" ", 1)[0]


def test_oracle_notices_a_missing_permission() -> None:
    """The coverage check is not vacuous: a policy short of one handler permission fails it."""
    everything: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    assert _missing("function.yaml", everything) == []
    short = copy.deepcopy(everything)
    short["Statement"][0] = {
        "Effect": "Allow",
        "NotAction": "lambda:CreateFunction",
        "Resource": "*",
    }
    assert _missing("function.yaml", short) == ["AWS::Lambda::Function: lambda:CreateFunction"]
    assert _justified("lambda:createfunction", "function.yaml") is False
    assert _justified("ec2:describesubnets", "function.yaml") is True  # no VpcConfig
    assert _justified("ec2:describesubnets", "vpc-function.yaml") is False


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_policy_covers_handler_permissions(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = cli_policy(path.name, capsys)
    missing = _missing(path.name, policy)
    assert not missing, f"{path.name}: the policy misses {missing}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_tight_drops_only_justified_actions(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    default = allowed_actions(cli_policy(path.name, capsys))
    tight_policy = cli_policy(path.name, capsys, tight=True)
    tight = allowed_actions(tight_policy)
    assert tight <= default, f"{path.name}: --tight adds {sorted(tight - default)}"
    unjustified = sorted(a for a in default - tight if not _justified(a, path.name))
    assert not unjustified, f"{path.name}: --tight drops {unjustified} with no absent property"
    # and what tight keeps still covers every handler permission no absent property explains
    missing = [m for m in _missing(path.name, tight_policy) if not _justified(_perm(m), path.name)]
    assert not missing, f"{path.name}: the tight policy misses {missing}"


@pytest.mark.parametrize("path", BAD_INPUTS, ids=lambda p: p.name)
def test_bad_input_is_one_line_error(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(_argv(path, sam=["sam", "deploy"]), capsys)
    assert code == 2, f"{path.name}: exit {code}"
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"{path.name}: stderr was {err!r}"
    assert lines[0].startswith("lambda-perms: error:")


# -- the Python API -----------------------------------------------------------------------------


def _api(template: Path | dict[str, Any]) -> dict[str, object]:
    from lambda_perms import DeployOptions, Scope, deploy_policy

    options, _notes = DeployOptions.from_sam_args(SAM_LINE)
    scope = Scope(account=ACCOUNT, region=REGION, stack=STACK, bucket=BUCKET)
    call: Callable[..., Any] = deploy_policy
    return dict(call(options, scope, template=template).to_dict())


def test_api_matches_cli(capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "api.yaml"
    assert _api(path) == cli_policy(path.name, capsys)


@pytest.mark.parametrize("name", ["plain-cloudformation.json", "kms.yaml"])
def test_api_takes_a_loaded_dict(name: str) -> None:
    path = CORPUS / name
    assert _api(load_template(path)) == _api(path)


def _summary() -> Iterator[str]:
    for path in TEMPLATES:
        kinds = required(path.name)
        total = len(set().union(*kinds.values()))
        yield f"{path.name:28} {total:4}  {', '.join(kinds)}"


if __name__ == "__main__":  # a summary table: template, handler permissions, produced types
    print("\n".join(_summary()))
