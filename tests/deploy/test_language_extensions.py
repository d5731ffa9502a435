"""lambda_perms.deploy.language_extensions: AWS::LanguageExtensions expanded offline.

A table of real cases (the CloudFormation User Guide's Fn::ForEach, Fn::Length,
Fn::ToJsonString, Fn::FindInMap and DeletionPolicy examples, reduced), every error path, and
SAM CLI 1.170.0's own local expansion (``samcli.lib.cfn_language_extensions``) as the oracle for
which resources, of which types and policies, a template produces.
"""

from __future__ import annotations

import copy
import doctest
import json
from typing import Any

import pytest

from lambda_perms.deploy import language_extensions
from lambda_perms.deploy.language_extensions import (
    expand_language_extensions,
    uses_language_extensions,
)
from lambda_perms.errors import LambdaPermsError, TemplateError

LE = "AWS::LanguageExtensions"


def _template(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"Transform": LE, **sections, "Resources": resources}


def _topic(name: Any) -> dict[str, Any]:
    return {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}


TOPICS = _template(
    {
        "Fn::ForEach::Topics": [
            "Name",
            ["Success", "Failure"],
            {"Topic${Name}": _topic({"Ref": "Name"})},
        ]
    }
)

# (id, template, parameters, expected Resources)
CASES: list[tuple[str, dict[str, Any], dict[str, str], dict[str, Any]]] = [
    (
        "a list, ${} in the key, Ref to the identifier",
        TOPICS,
        {},
        {"TopicSuccess": _topic("Success"), "TopicFailure": _topic("Failure")},
    ),
    (
        "&{} strips what is not alphanumeric; ${} in Fn::Sub",
        _template(
            {
                "Fn::ForEach::Cidrs": [
                    "Cidr",
                    ["10.0.0.0/24", "10.0.1.0/24"],
                    {"Subnet&{Cidr}": {"Type": "AWS::EC2::Subnet", "Properties": {
                        "CidrBlock": {"Ref": "Cidr"}, "VpcId": {"Fn::Sub": "${Vpc}-${Cidr}"}}}},
                ]
            }
        ),
        {},
        {
            "Subnet1000024": {"Type": "AWS::EC2::Subnet", "Properties": {
                "CidrBlock": "10.0.0.0/24", "VpcId": {"Fn::Sub": "${Vpc}-10.0.0.0/24"}}},
            "Subnet1001024": {"Type": "AWS::EC2::Subnet", "Properties": {
                "CidrBlock": "10.0.1.0/24", "VpcId": {"Fn::Sub": "${Vpc}-10.0.1.0/24"}}},
        },
    ),
    (
        "a CommaDelimitedList parameter's default",
        _template(
            {"Fn::ForEach::Q": ["N", {"Ref": "Names"}, {"${N}Queue": {"Type": "AWS::SQS::Queue"}}]},
            Parameters={"Names": {"Type": "CommaDelimitedList", "Default": "a, b"}},
        ),
        {},
        {"aQueue": {"Type": "AWS::SQS::Queue"}, "bQueue": {"Type": "AWS::SQS::Queue"}},
    ),
    (
        "an override beats the default",
        _template(
            {"Fn::ForEach::Q": ["N", {"Ref": "Names"}, {"${N}Queue": {"Type": "AWS::SQS::Queue"}}]},
            Parameters={"Names": {"Type": "CommaDelimitedList", "Default": "a,b"}},
        ),
        {"Names": "x,y,z"},
        {f"{n}Queue": {"Type": "AWS::SQS::Queue"} for n in "xyz"},
    ),
    (
        "a List<> parameter",
        _template(
            {"Fn::ForEach::S": ["Id", {"Ref": "Groups"}, {"Rule&{Id}": {"Type": "AWS::SQS::Queue"}}]},
            Parameters={"Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>", "Default": "sg-1,sg-2"}},
        ),
        {},
        {"Rulesg1": {"Type": "AWS::SQS::Queue"}, "Rulesg2": {"Type": "AWS::SQS::Queue"}},
    ),
    (
        "Fn::Split as the collection",
        _template(
            {"Fn::ForEach::S": ["X", {"Fn::Split": [",", "p,q"]}, {"Q${X}": {"Type": "AWS::SQS::Queue"}}]}
        ),
        {},
        {"Qp": {"Type": "AWS::SQS::Queue"}, "Qq": {"Type": "AWS::SQS::Queue"}},
    ),
    (
        "booleans and numbers become text",
        _template({"Fn::ForEach::B": ["V", [True, 2], {"Q${V}": {"Type": "AWS::SQS::Queue"}}]}),
        {},
        {"Qtrue": {"Type": "AWS::SQS::Queue"}, "Q2": {"Type": "AWS::SQS::Queue"}},
    ),
    (
        "nested loops",
        _template(
            {
                "Fn::ForEach::Envs": [
                    "Env",
                    ["dev", "prod"],
                    {
                        "Fn::ForEach::Apps": [
                            "App",
                            ["api", "web"],
                            {"${Env}${App}Queue": {"Type": "AWS::SQS::Queue", "Properties": {
                                "QueueName": {"Fn::Sub": "${Env}-${App}"}}}},
                        ]
                    },
                ]
            }
        ),
        {},
        {
            f"{e}{a}Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{e}-{a}"}}
            for e in ("dev", "prod")
            for a in ("api", "web")
        },
    ),
    (
        "a loop inside a resource's properties",
        _template(
            {
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {
                        "Fn::ForEach::Tags": ["K", ["a", "b"], {"Tag${K}": {"Ref": "K"}}],
                        "BucketName": "fixed",
                    },
                }
            }
        ),
        {},
        {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Taga": "a", "Tagb": "b", "BucketName": "fixed"}}},
    ),
    (
        "Fn::Length of a list and of a list parameter",
        _template(
            {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
                "DelaySeconds": {"Fn::Length": [1, 2, 3]},
                "MaximumMessageSize": {"Fn::Length": {"Ref": "Names"}}}}},
            Parameters={"Names": {"Type": "CommaDelimitedList", "Default": "a,b"}},
        ),
        {},
        {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 3, "MaximumMessageSize": 2}}},
    ),
    (
        "Fn::Length of a parameter without a value stays",
        _template(
            {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::Length": {"Ref": "Names"}}}}},
            Parameters={"Names": {"Type": "CommaDelimitedList"}},
        ),
        {},
        {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::Length": {"Ref": "Names"}}}}},
    ),
    (
        "Fn::ToJsonString, known and not",
        _template(
            {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
                "Known": {"Fn::ToJsonString": {"b": [1, "x"], "a": {"Ref": "Stage"}}},
                "Unknown": {"Fn::ToJsonString": {"arn": {"Fn::GetAtt": ["T", "Arn"]}}}}}},
            Parameters={"Stage": {"Type": "String", "Default": "dev"}},
        ),
        {},
        {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
            "Known": '{"b":[1,"x"],"a":"dev"}',
            "Unknown": {"Fn::ToJsonString": {"arn": {"Fn::GetAtt": ["T", "Arn"]}}}}}},
    ),
    (
        "Fn::FindInMap with a DefaultValue",
        _template(
            {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
                "Found": {"Fn::FindInMap": ["Sizes", "prod", "Delay", {"DefaultValue": 1}]},
                "Missing": {"Fn::FindInMap": ["Sizes", "test", "Delay", {"DefaultValue": 1}]},
                "Plain": {"Fn::FindInMap": ["Sizes", "prod", "Delay"]}}}},
            Mappings={"Sizes": {"prod": {"Delay": 5}}},
        ),
        {},
        {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
            "Found": 5, "Missing": 1, "Plain": 5}}},
    ),
    (
        "intrinsic DeletionPolicy and UpdateReplacePolicy",
        _template(
            {"Table": {"Type": "AWS::SQS::Queue",
                       "DeletionPolicy": {"Fn::If": ["IsProd", "Retain", "Delete"]},
                       "UpdateReplacePolicy": {"Ref": "Policy"}}},
            Parameters={"Stage": {"Type": "String", "Default": "prod"},
                        "Policy": {"Type": "String", "Default": "Snapshot"}},
            Conditions={"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        ),
        {},
        {"Table": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Snapshot"}},
    ),
    (
        "a DeletionPolicy only CloudFormation knows stays",
        _template(
            {"Table": {"Type": "AWS::SQS::Queue", "DeletionPolicy": {"Ref": "Policy"}}},
            Parameters={"Policy": {"Type": "String"}},
        ),
        {},
        {"Table": {"Type": "AWS::SQS::Queue", "DeletionPolicy": {"Ref": "Policy"}}},
    ),
    (
        "intrinsics inside Ref and Fn::GetAtt",
        _template(
            {
                "Fn::ForEach::T": ["N", ["A"], {
                    "Topic${N}": {"Type": "AWS::SNS::Topic"},
                    "Sub${N}": {"Type": "AWS::SNS::Subscription", "Properties": {
                        "TopicArn": {"Ref": {"Fn::Sub": "Topic${N}"}},
                        "Endpoint": {"Fn::GetAtt": [{"Fn::Sub": "Topic${N}"}, "TopicName"]}}},
                }]
            }
        ),
        {},
        {
            "TopicA": {"Type": "AWS::SNS::Topic"},
            "SubA": {"Type": "AWS::SNS::Subscription", "Properties": {
                "TopicArn": {"Ref": "TopicA"}, "Endpoint": {"Fn::GetAtt": ["TopicA", "TopicName"]}}},
        },
    ),
    (
        "other intrinsics are left for CloudFormation",
        _template(
            {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": {"Fn::Sub": "${AWS::StackName}-${Stage}"},
                "Other": {"Fn::Join": ["-", [{"Ref": "Stage"}, {"Ref": "AWS::Region"}]]}}}},
            Parameters={"Stage": {"Type": "String", "Default": "dev"}},
        ),
        {},
        {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": "${AWS::StackName}-${Stage}"},
            "Other": {"Fn::Join": ["-", [{"Ref": "Stage"}, {"Ref": "AWS::Region"}]]}}}},
    ),
    (
        "an empty collection",
        _template({"Keep": {"Type": "AWS::SQS::Queue"}, "Fn::ForEach::None": ["X", [], {"Q${X}": {"Type": "AWS::SQS::Queue"}}]}),
        {},
        {"Keep": {"Type": "AWS::SQS::Queue"}},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "template", "params", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_expand(case: str, template: dict[str, Any], params: dict[str, str], expected: Any) -> None:
    before = copy.deepcopy(template)
    assert expand_language_extensions(template, params)["Resources"] == expected
    assert template == before  # the input is not changed


def test_conditions_and_outputs() -> None:
    template = _template(
        {
            "Fn::ForEach::Q": [
                "N",
                ["a", "b"],
                {"Q${N}": {"Type": "AWS::SQS::Queue", "Condition": "Is${N}"}},
            ]
        },
        Conditions={
            "Fn::ForEach::C": ["N", ["a", "b"], {"Is${N}": {"Fn::Equals": [{"Ref": "N"}, "a"]}}]
        },
        Outputs={
            "Fn::ForEach::O": [
                "N",
                ["a", "b"],
                {"Out${N}": {"Value": {"Fn::Length": ["x", {"Ref": "N"}]}}},
            ]
        },
    )
    expanded = expand_language_extensions(template)
    assert expanded["Conditions"] == {
        "Isa": {"Fn::Equals": ["a", "a"]},
        "Isb": {"Fn::Equals": ["b", "a"]},
    }
    assert expanded["Outputs"] == {"Outa": {"Value": 2}, "Outb": {"Value": 2}}
    assert set(expanded["Resources"]) == {"Qa", "Qb"}


def test_without_the_transform_nothing_changes() -> None:
    template = {
        "Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::Length": [1]}}}
        }
    }
    assert expand_language_extensions(template) == template
    assert not uses_language_extensions(template)
    assert uses_language_extensions({"Transform": [LE, "AWS::Serverless-2016-10-31"]})


# -- errors ---------------------------------------------------------------------------------------

LOOP = "Resources.Fn::ForEach::L"
ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    ("not a list of three", _template({"Fn::ForEach::L": ["X", ["a"]]}), LOOP, "takes [Identifier, Collection"),
    ("an identifier that is not text", _template({"Fn::ForEach::L": [["X"], ["a"], {}]}), LOOP, "identifier (its first item)"),
    ("an output that is not a mapping", _template({"Fn::ForEach::L": ["X", ["a"], []]}), LOOP, "output (its third item)"),
    (
        "an identifier that is a parameter",
        _template({"Fn::ForEach::L": ["Stage", ["a"], {"Q${Stage}": {"Type": "AWS::SQS::Queue"}}]}, Parameters={"Stage": {"Type": "String"}}),
        LOOP,
        "the identifier 'Stage' is also a parameter's name",
    ),
    (
        "a loop name that is a parameter",
        _template({"Fn::ForEach::L": ["X", ["a"], {"Q${X}": {"Type": "AWS::SQS::Queue"}}]}, Parameters={"L": {"Type": "String"}}),
        LOOP,
        "the loop name 'L' is also a parameter's name",
    ),
    (
        "an identifier an enclosing loop uses",
        _template({"Fn::ForEach::L": ["X", ["a"], {"Fn::ForEach::M": ["X", ["b"], {"Q${X}": {"Type": "AWS::SQS::Queue"}}]}]}),
        "Resources.Fn::ForEach::L.Fn::ForEach::M",
        "already used by an enclosing loop",
    ),
    (
        "two copies with one logical id",
        _template({"Fn::ForEach::L": ["X", ["a", "b"], {"Queue": {"Type": "AWS::SQS::Queue"}}]}),
        LOOP,
        "two copies of the loop have the logical id 'Queue'",
    ),
    (
        "a copy that clashes with a resource",
        _template({"Qa": {"Type": "AWS::SQS::Queue"}, "Fn::ForEach::L": ["X", ["a"], {"Q${X}": {"Type": "AWS::SQS::Queue"}}]}),
        LOOP,
        "already exist: Qa",
    ),
    (
        "loops nested six deep",
        _template(
            {"Fn::ForEach::L": ["A", ["a"], {"Fn::ForEach::L2": ["B", ["b"], {"Fn::ForEach::L3": ["C", ["c"], {
                "Fn::ForEach::L4": ["D", ["d"], {"Fn::ForEach::L5": ["E", ["e"], {"Fn::ForEach::L6": ["F", ["f"], {
                    "Q${A}${B}${C}${D}${E}${F}": {"Type": "AWS::SQS::Queue"}}]}]}]}]}]}]}
        ),
        "Resources.Fn::ForEach::L.Fn::ForEach::L2.Fn::ForEach::L3.Fn::ForEach::L4.Fn::ForEach::L5.Fn::ForEach::L6",
        "nest at most 5 deep",
    ),
    ("a collection of deployed values", _template({"Fn::ForEach::L": ["X", {"Fn::GetAtt": ["R", "List"]}, {}]}), f"{LOOP}[1]", "uses Fn::GetAtt"),
    ("a collection from another stack", _template({"Fn::ForEach::L": ["X", {"Fn::ImportValue": "names"}, {}]}), f"{LOOP}[1]", "uses Fn::ImportValue"),
    (
        "a dynamic reference",
        _template({"Fn::ForEach::L": ["X", ["{{resolve:ssm:/names}}"], {}]}),
        f"{LOOP}[1]",
        "dynamic reference",
    ),
    (
        "a parameter without a value",
        _template({"Fn::ForEach::L": ["X", {"Ref": "Names"}, {}]}, Parameters={"Names": {"Type": "CommaDelimitedList"}}),
        f"{LOOP}[1]",
        "cannot be worked out offline",
    ),
    (
        "a text parameter of one item",
        _template({"Fn::ForEach::L": ["X", {"Ref": "Name"}, {}]}, Parameters={"Name": {"Type": "String", "Default": "a"}}),
        f"{LOOP}[1]",
        "cannot be worked out offline",
    ),
    (
        "Fn::Length of text",
        _template({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"D": {"Fn::Length": "abc"}}}}),
        "Resources.Q.Properties",
        "Fn::Length takes a list",
    ),
    (
        "Fn::ToJsonString of text",
        _template({"Q": {"Type": "AWS::SQS::Queue", "Properties": {"D": {"Fn::ToJsonString": "abc"}}}}),
        "Resources.Q.Properties",
        "Fn::ToJsonString takes a mapping or a list",
    ),
    (
        "a DeletionPolicy that is not one",
        _template({"Q": {"Type": "AWS::SQS::Queue", "DeletionPolicy": {"Ref": "P"}}}, Parameters={"P": {"Type": "String", "Default": "Keep"}}),
        "Resources.Q.DeletionPolicy",
        "'Keep' is not a DeletionPolicy",
    ),
    (
        "a DeletionPolicy of AWS::NoValue",
        _template({"Q": {"Type": "AWS::SQS::Queue", "DeletionPolicy": {"Ref": "AWS::NoValue"}}}),
        "Resources.Q.DeletionPolicy",
        "a DeletionPolicy is one string",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "template", "path", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_errors(case: str, template: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        expand_language_extensions(template, source="t.yaml")
    assert message in str(caught.value)
    assert caught.value.path == path
    assert caught.value.source == "t.yaml"
    assert isinstance(caught.value, LambdaPermsError)


def test_module_doctest() -> None:
    assert doctest.testmod(language_extensions).failed == 0


# -- SAM CLI's local expansion as the oracle -----------------------------------------------------


def _sam(template: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    integration = pytest.importorskip("samcli.lib.cfn_language_extensions.sam_integration")
    expanded: dict[str, Any] = integration.process_template_for_sam_cli(
        copy.deepcopy(template), parameter_values=params
    )
    return expanded


def _shape(resources: dict[str, Any]) -> dict[str, Any]:
    """What decides the permissions: each resource's type and policies."""
    return {
        key: (body.get("Type"), body.get("DeletionPolicy"), body.get("UpdateReplacePolicy"))
        for key, body in resources.items()
    }


@pytest.mark.parametrize(
    ("case", "template", "params", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_same_resources_as_sam_cli(
    case: str, template: dict[str, Any], params: dict[str, str], expected: Any
) -> None:
    ours = expand_language_extensions(template, params)
    if case == "a DeletionPolicy only CloudFormation knows stays":
        with pytest.raises(Exception):  # noqa: B017,PT011 (SAM CLI refuses what only CloudFormation knows)
            _sam(template, params)
        return
    assert _shape(ours["Resources"]) == _shape(_sam(template, params)["Resources"])


# the functions that both expansions work out in full agree value for value
KNOWN_VALUES = [
    c
    for c in CASES
    if c[0].startswith(("Fn::Length of a list", "Fn::FindInMap", "booleans", "a list,", "nested"))
]


@pytest.mark.parametrize(
    ("case", "template", "params", "expected"), KNOWN_VALUES, ids=[c[0] for c in KNOWN_VALUES]
)
def test_same_values_as_sam_cli(
    case: str, template: dict[str, Any], params: dict[str, str], expected: Any
) -> None:
    ours = expand_language_extensions(template, params)["Resources"]
    assert json.dumps(ours, sort_keys=True) == json.dumps(
        _sam(template, params)["Resources"], sort_keys=True
    )


@pytest.mark.parametrize(
    ("case", "template", "path", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_sam_cli_refuses_the_same(
    case: str, template: dict[str, Any], path: str, message: str
) -> None:
    if case in ("a text parameter of one item", "a DeletionPolicy that is not one"):
        return  # SAM CLI loops once over the text / passes 'Keep' on; CloudFormation refuses both
    with pytest.raises(Exception):  # noqa: B017,PT011 (InvalidTemplateException and friends)
        _sam(template, {})
