"""With parameters supplied, no name in the corpus that a parameter value could resolve is
left ``*`` (issue 14).

Every template of the corpus (``tests/fixtures/templates/``; ``parameter-names.yaml`` names a
resource of each common type through every intrinsic that builds a name, and passes a name to a
nested stack) is run through ``lambda-perms policy --template`` with a value for every
parameter it declares (``--parameter-overrides``, a recognisable ``p-<name>`` or a value of the
parameter's type or ``AllowedValues``) and the whole scope. Two independent checks:

1. **Same as written literally.** The test writes each parameter's value into the template
   itself (every ``Ref`` of a parameter and every ``${Param}`` of a ``Fn::Sub``, outside
   ``Parameters``; nothing else is worked out) and asks for that template's policy: it must be
   the same policy, byte for byte. A ``*`` that a parameter value could have resolved would be
   the literal name in the second policy.
2. **The names are there.** Every resource whose own name property (:data:`NAME_PROPERTIES`,
   from the CloudFormation Template Reference) mentions a parameter, or the ``Ref`` of a
   resource whose ``Ref`` is such a name (:data:`REF_IS_NAME`), has its name worked out by
   hand in :data:`EXPECTED`, and that name appears in some ``Resource`` of the policy;
   :func:`test_expected_is_complete` walks the templates (and their local nested stacks) to
   check the table misses none.

``AWS::SSM::Parameter::Value<...>`` parameters are the one exception: their value names a
Systems Manager parameter CloudFormation reads at deploy time, so no value given here is the
name (none in the corpus names a resource).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import test_templates_corpus as oracle

ACCOUNT, REGION, STACK, BUCKET = oracle.ACCOUNT, oracle.REGION, oracle.STACK, oracle.BUCKET
SCOPE = ["--account", ACCOUNT, "--region", REGION, "--stack", STACK, "--bucket", BUCKET]
SAM = ["sam", "deploy", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
TEMPLATES = [p.name for p in oracle.TEMPLATES]

# type -> the property that gives an instance its physical name, for the types whose name is
# part of their ARN (CloudFormation Template Reference, each type's page)
NAME_PROPERTIES: Mapping[str, str] = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Pipes::Pipe": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    # SAM types: the transform copies the name to the CloudFormation resource
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Serverless::StateMachine": "Name",
}
# types whose Ref returns the physical name (each type's "Return values" in the Template
# Reference; a SAM function's Ref is its Lambda function's): a name written with such a Ref
# follows the parameters of the resource it refers to
REF_IS_NAME = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::ECR::Repository",
        "AWS::Events::EventBus",
        "AWS::IAM::Role",
        "AWS::Kinesis::Stream",
        "AWS::Lambda::Function",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::Serverless::Function",
        "AWS::Serverless::SimpleTable",
    }
)
# types with a name property that is not part of any ARN (the physical id is a random id)
NAME_NOT_IN_ARN: Mapping[str, str] = {
    "AWS::ApiGateway::RestApi": "Name",
    "AWS::ApiGatewayV2::Api": "Name",
    "AWS::Serverless::Api": "Name",
    "AWS::Serverless::HttpApi": "Name",
}

# template -> resource (nested stacks joined with '/') or 'Resource.Property' -> the text that
# must appear in a Resource of the policy, worked out by hand from the values of _value() and
# the scope (stack corpus-app, region us-east-1)
EXPECTED: Mapping[str, Mapping[str, str]] = {
    "parameter-names.yaml": {
        "Bucket": "p-bucketname",
        "Queue": "p-queuename-prod",  # !Sub
        "DeadLetterQueue": "p-queuename-prod-dlq",  # !Join
        "Topic": "p-topicname",  # !If on a condition of a parameter
        "Table": "p-tablename-live",  # !Sub with a !FindInMap variable
        "AuditTable": "p-extranames-a",  # !Select of a CommaDelimitedList
        "Stream": "p-streamname",
        "WorkerRole": "role/p-rolename-us-east-1",  # with ${AWS::Region}
        "Worker": "function:p-functionname-prod",
        "Archiver": "function:p-extranames-b-prod",  # !Join of a !Select
        "Archiver.Role": f"arn:aws:iam::{ACCOUNT}:role/p-existingrolearn",  # a role ARN
        "WorkerLogGroup": "log-group:/aws/lambda/p-functionname-prod",
        "ArchiverLogGroup": "log-group:/aws/lambda/p-extranames-b-prod",  # Archiver's Ref
        "Layer": "layer:p-layername",
        "Flow": "stateMachine:p-statemachinename",
        "Bus": "event-bus/p-eventbusname",
        "Repository": "repository/p-repositoryname/prod",
        "Secret": "secret:prod/p-secretname-",
        "Child/ChildQueue": "p-queuename-child",  # passed to the nested stack
    },
    "short-forms.yaml": {
        "MainFunction": "function:corpus-app-main-prod",  # !Join
        "MainLogGroup": "log-group:/aws/lambda/corpus-app-main-prod",  # MainFunction's Ref
    },
}

_REALISTIC: Mapping[str, str] = {
    "AWS::EC2::VPC::Id": "vpc-0a1b2c3d4e5f60001",
    "AWS::EC2::Subnet::Id": "subnet-0a1b2c3d4e5f60001",
    "AWS::EC2::SecurityGroup::Id": "sg-0a1b2c3d4e5f60001",
    "Number": "7",
}


def _value(name: str, body: Mapping[str, Any]) -> str:
    """A value for the parameter ``name``: one of its ``AllowedValues`` other than the default,
    a realistic value of an AWS-specific type, an ARN like the default's, else ``p-<name>``."""
    kind = str(body.get("Type", "String"))
    allowed = [str(v) for v in body.get("AllowedValues", [])]
    default = str(body.get("Default", ""))
    if allowed:
        return next((v for v in allowed if v != default), allowed[0])
    element = kind.removeprefix("List<").removesuffix(">")
    if element in _REALISTIC:
        return _REALISTIC[element] + (f",{_REALISTIC[element][:-1]}2" if kind != element else "")
    mark = f"p-{name.lower()}"
    if kind == "CommaDelimitedList":
        return f"{mark}-a,{mark}-b"
    if default.startswith("arn:"):
        head, sep, _tail = default.rpartition("/") if "/" in default else default.rpartition(":")
        return f"{head}{sep}{mark}"
    return mark


def _parameters(document: Mapping[str, Any]) -> dict[str, str]:
    declared = document.get("Parameters", {})
    return {
        str(name): _value(str(name), body)
        for name, body in declared.items()
        if not str(body.get("Type", "")).startswith("AWS::SSM::Parameter::Value<")
    }


def _overrides(values: Mapping[str, str]) -> list[str]:
    return ["--parameter-overrides", *(f"{k}={v}" for k, v in values.items())] if values else []


# -- writing the values in (syntax only) ---------------------------------------------------------


def _literal(value: str, body: Mapping[str, Any]) -> str | list[str]:
    kind = str(body.get("Type", "String"))
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [part.strip() for part in value.split(",")]
    return value


def _write_in(node: Any, values: Mapping[str, Any]) -> Any:
    """``node`` with each ``Ref`` of a parameter replaced by its value and each ``${Param}``
    of a ``Fn::Sub`` string by its text (a ``Fn::Sub`` variable of the same name wins)."""
    if isinstance(node, list):
        return [_write_in(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in values:
        return copy.deepcopy(values[node["Ref"]])
    if set(node) == {"Fn::Sub"}:
        arg = node["Fn::Sub"]
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local or name not in values or not isinstance(values[name], str):
                return match.group(0)
            return str(values[name])

        text = re.sub(r"\$\{([^!}][^}]*)\}", one, text)
        return {"Fn::Sub": text if isinstance(arg, str) else [text, _write_in(local, values)]}
    return {k: _write_in(v, values) for k, v in node.items()}


def written_in(document: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The template with the parameter values written in, everywhere but ``Parameters``."""
    declared = document.get("Parameters", {})
    literals = {k: _literal(v, declared[k]) for k, v in values.items()}
    return {
        key: (section if key == "Parameters" else _write_in(section, literals))
        for key, section in document.items()
    }


# -- what the templates name with parameters ------------------------------------------------------


def _mentions(value: Any, parameters: set[str]) -> bool:
    """Whether ``value`` uses one of ``parameters`` (``Ref`` or a ``Fn::Sub`` variable)."""
    if isinstance(value, list):
        return any(_mentions(v, parameters) for v in value)
    if not isinstance(value, dict):
        return False
    if set(value) == {"Ref"}:
        return value["Ref"] in parameters
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        used = set(re.findall(r"\$\{([^!}][^}]*)\}", text)) - set(local)
        return bool(used & parameters) or _mentions(list(local.values()), parameters)
    return any(_mentions(v, parameters) for v in value.values())


def named_by_parameters(path: Path, prefix: str = "") -> Iterator[str]:
    """``Resource`` (``Stack/Resource`` in a local nested stack) for every resource whose own
    name property uses a parameter, and ``Resource.Property`` for a role ARN that does."""
    document = oracle.load_template(path)
    resources = document.get("Resources", {})
    # the parameters, and the resources whose Ref is a name that uses them (to a fixed point)
    parameters = set(document.get("Parameters", {}))
    while True:
        more = {
            logical_id
            for logical_id, body in resources.items()
            if body.get("Type") in REF_IS_NAME
            and _mentions(
                (body.get("Properties") or {}).get(NAME_PROPERTIES[body["Type"]]), parameters
            )
        } - parameters
        if not more:
            break
        parameters |= more
    for logical_id, body in resources.items():
        kind, properties = body.get("Type", ""), body.get("Properties") or {}
        for key, value in properties.items():
            own = key in (NAME_PROPERTIES.get(kind), "Name", f"{kind.rsplit('::', 1)[-1]}Name")
            if own and _mentions(value, parameters) and kind not in NAME_NOT_IN_ARN:
                assert NAME_PROPERTIES.get(kind) == key, f"{kind}.{key}: add to NAME_PROPERTIES"
                yield f"{prefix}{logical_id}"
            elif key in ("Role", "RoleArn") and _mentions(value, parameters):
                yield f"{prefix}{logical_id}.{key}"
        location = properties.get("TemplateURL") or properties.get("Location")
        if kind in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application") and (
            oracle._is_local(location)
        ):
            yield from named_by_parameters(path.parent / str(location), f"{logical_id}/")


# -- running the CLI ------------------------------------------------------------------------------


def _policy(path: Path, values: Mapping[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    argv = ["policy", *SCOPE, "--template", str(path), "--", *SAM, *_overrides(values)]
    code, out, err = oracle.run(argv, capsys)
    assert code == 0, f"{path.name}: exit {code}: {err.strip()}"
    return out


def _resources(policy: str) -> list[str]:
    out: list[str] = []
    for statement in json.loads(policy)["Statement"]:
        found = statement["Resource"]
        out += [found] if isinstance(found, str) else found
    return out


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus folder, so that a rewritten template keeps its relative paths."""
    target = tmp_path_factory.mktemp("corpus") / "templates"
    shutil.copytree(oracle.CORPUS, target)
    return target


# -- the tests -----------------------------------------------------------------------------------


def test_value_choice() -> None:
    assert _value("Stage", {"AllowedValues": ["dev", "prod"], "Default": "dev"}) == "prod"
    assert _value("Subnets", {"Type": "List<AWS::EC2::Subnet::Id>"}) == (
        "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002"
    )
    assert _value("Names", {"Type": "CommaDelimitedList"}) == "p-names-a,p-names-b"
    assert (
        _value("RoleArn", {"Default": "arn:aws:iam::1:role/x"}) == "arn:aws:iam::1:role/p-rolearn"
    )
    assert _value("Queue", {"Type": "String"}) == "p-queue"


def test_writing_in_is_syntax_only() -> None:
    document = {
        "Parameters": {"A": {"Type": "String"}, "L": {"Type": "CommaDelimitedList"}},
        "Resources": {
            "R": {
                "Properties": {
                    "X": {"Ref": "A"},
                    "Y": {"Fn::Sub": "${A}-${AWS::Region}-${!A}"},
                    "Z": {"Fn::Sub": ["${A}-${B}", {"A": "local", "B": {"Ref": "A"}}]},
                    "W": {"Fn::Select": [0, {"Ref": "L"}]},
                    "V": {"Ref": "R"},
                }
            }
        },
    }
    done = written_in(document, {"A": "p-a", "L": "x,y"})
    assert done["Parameters"] == document["Parameters"]
    assert done["Resources"]["R"]["Properties"] == {
        "X": "p-a",
        "Y": {"Fn::Sub": "p-a-${AWS::Region}-${!A}"},
        "Z": {"Fn::Sub": ["${A}-${B}", {"A": "local", "B": "p-a"}]},
        "W": {"Fn::Select": [0, ["x", "y"]]},
        "V": {"Ref": "R"},
    }


def test_expected_is_complete() -> None:
    """The hand-written table holds exactly the corpus's parameter-named resources."""
    found = {name: sorted(named_by_parameters(oracle.CORPUS / name)) for name in TEMPLATES}
    assert {k: v for k, v in found.items() if v} == {k: sorted(v) for k, v in EXPECTED.items()}
    # the fixture that exists for this test names enough, of enough types
    assert len(EXPECTED["parameter-names.yaml"]) >= 15


@pytest.mark.parametrize("name", TEMPLATES)
def test_parameters_resolve_names(
    name: str, corpus_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = oracle.load_template(oracle.CORPUS / name)
    values = _parameters(document)
    given = _policy(oracle.CORPUS / name, values, capsys)
    resources = _resources(given)
    missing = {
        where: text
        for where, text in EXPECTED.get(name, {}).items()
        if not any(text in resource for resource in resources)
    }
    assert not missing, f"{name}: names not in the policy: {missing}"
    if not values:
        return
    literal = corpus_copy / name
    literal.write_text(json.dumps(written_in(document, values), default=str), encoding="utf-8")
    assert _policy(literal, values, capsys) == given, (
        f"{name}: the policy differs from the one of the template with the values written in"
    )


def test_the_check_notices_unresolved_names(capsys: pytest.CaptureFixture[str]) -> None:
    """Without the overrides the names stay ``*``, and both checks fail."""
    path = oracle.CORPUS / "parameter-names.yaml"
    document = oracle.load_template(path)
    values = _parameters(document)
    plain = _policy(path, {}, capsys)
    resources = _resources(plain)
    assert not any(
        any(text in resource for resource in resources)
        for text in EXPECTED["parameter-names.yaml"].values()
    )
    assert any(r.endswith((":*", "/*")) for r in resources)
    assert plain != _policy(path, values, capsys)
