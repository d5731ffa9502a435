"""lambda_perms.deploy.parameters: ``--parameter-overrides`` and template parameter values.

The override grammar is checked case by case against what SAM CLI's documentation and source
say, then against SAM CLI 1.170.0 itself (``samcli.cli.types.CfnParameterOverridesType``) as an
independent oracle, over the table and over generated strings. Name resolution is a table of
real template fragments (the CloudFormation User Guide's intrinsic function examples).
"""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_perms.deploy import overrides, parameters
from lambda_perms.deploy.overrides import format_parameter_overrides, parse_parameter_overrides
from lambda_perms.deploy.parameters import (
    ParameterValue,
    TemplateParameter,
    parameter_values,
    resolve_template,
    template_parameters,
)
from lambda_perms.errors import LambdaPermsError, UsageError

# -- the two syntaxes, quoting, lists and tables (input -> what SAM CLI deploys) ---------------

OVERRIDES: list[tuple[Any, dict[str, str]]] = [
    ("Stage=prod", {"Stage": "prod"}),
    ("Stage=prod Size=3", {"Stage": "prod", "Size": "3"}),
    ("  Stage=prod   Size=3  ", {"Stage": "prod", "Size": "3"}),
    ("ParameterKey=Stage,ParameterValue=prod", {"Stage": "prod"}),
    (
        "ParameterKey=Stage,ParameterValue=prod ParameterKey=Size,ParameterValue=3",
        {"Stage": "prod", "Size": "3"},
    ),
    # the long form wins for the whole string: a short pair beside it is dropped
    ("A=1 ParameterKey=B,ParameterValue=2", {"B": "2"}),
    # a long-form value ends at a space
    ("ParameterKey=B,ParameterValue=x y", {"B": "x"}),
    ('Name="my app"', {"Name": "my app"}),
    ("Name='my app'", {"Name": "my app"}),
    (r"Name=my\ app", {"Name": "my app"}),
    (r'Name="say \"hi\""', {"Name": 'say "hi"'}),
    ('Empty=""', {"Empty": ""}),
    ("Url=https://example.com/a?b=c", {"Url": "https://example.com/a?b=c"}),
    ("Subnets=subnet-1,subnet-2", {"Subnets": "subnet-1,subnet-2"}),
    ("A=x=y", {"A": "x=y"}),
    ("A=1 A=2", {"A": "2"}),
    ('"Quoted"=v', {"Quoted": "v"}),
    (["A=1", "B=2"], {"A": "1", "B": "2"}),
    (["A=1", ["B=2", ["C=3"]]], {"A": "1", "B": "2", "C": "3"}),
    (("A=1", "B=2"), {"A": "1", "B": "2"}),
    ({"A": "1", "B": 2, "C": True}, {"A": "1", "B": "2", "C": "True"}),
    ({"Subnets": ["a", " b ", "", None]}, {"Subnets": "a,b"}),
    ({"Unset": None}, {"Unset": ""}),
    ([{"A": "1"}, "B=2"], {"A": "1", "B": "2"}),
    ("", {}),
    (None, {}),
    ({}, {}),
    (("",), {}),
    ([None, "A=1"], {"A": "1"}),
]


@pytest.mark.parametrize(("given", "expected"), OVERRIDES, ids=[repr(g) for g, _ in OVERRIDES])
def test_overrides(given: Any, expected: dict[str, str]) -> None:
    assert parse_parameter_overrides(given) == expected


BAD_OVERRIDES: list[tuple[Any, str]] = [
    ("Stage", "'Stage' is not a valid format"),
    ("my-param=1", "is not a valid format"),
    ("Stage=", "is not a valid format"),
    (["A=1", "oops"], "'oops' is not a valid format"),
    ([3], "neither text nor a mapping"),
    ({"$include": 3}, "$include must be a string or a list"),
    ("file://missing.yaml", "was not found"),
]


@pytest.mark.parametrize(
    ("given", "message"), BAD_OVERRIDES, ids=[repr(g) for g, _ in BAD_OVERRIDES]
)
def test_bad_overrides(given: Any, message: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        parse_parameter_overrides(given, cwd=tmp_path)
    assert message in str(caught.value)
    assert isinstance(caught.value, LambdaPermsError)
    assert isinstance(caught.value, ValueError)


def test_override_files(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "base.toml").write_text('Stage = "prod"\nSize = 3\n')
    (tmp_path / "conf" / "params.yaml").write_text(
        "$include: file://base.toml\nSubnets: [a, b]\nFlag: yes\nOctal: 010\n"
    )
    found = parse_parameter_overrides(["file://conf/params.yaml", "Extra=1"], cwd=tmp_path)
    # YAML 1.2 as SAM CLI's ruamel.yaml reads it: yes is text, 010 is ten
    assert found == {
        "Stage": "prod",
        "Size": "3",
        "Subnets": "a,b",
        "Flag": "yes",
        "Octal": "10",
        "Extra": "1",
    }
    (tmp_path / "loop.yaml").write_text("$include: file://loop.yaml\n")
    with pytest.raises(UsageError, match="infinite recursion"):
        parse_parameter_overrides("file://loop.yaml", cwd=tmp_path)
    (tmp_path / "params.json").write_text('{"A": "1"}')
    with pytest.raises(UsageError, match="unsupported extension"):
        parse_parameter_overrides("file://params.json", cwd=tmp_path)
    (tmp_path / "broken.yaml").write_text("A: [1\n")
    with pytest.raises(UsageError, match="cannot be read"):
        parse_parameter_overrides("file://broken.yaml", cwd=tmp_path)


@pytest.mark.parametrize(
    "values",
    [
        {"Stage": "prod"},
        {"Name": "my app", "Quote": 'say "hi"', "Empty": "", "Single": "it's"},
        {"Url": "https://example.com/a?b=c", "List": "a,b"},
    ],
)
def test_formatted_overrides_read_back(values: dict[str, str]) -> None:
    assert parse_parameter_overrides(list(format_parameter_overrides(values))) == values


# -- SAM CLI itself as the oracle ---------------------------------------------------------------


def _sam(value: Any, cwd: Path | None = None) -> dict[str, str] | None:
    """What SAM CLI 1.170.0 makes of ``value`` (``None``: it refuses it)."""
    types = pytest.importorskip("samcli.cli.types")
    import click

    try:
        result: dict[str, str] = types.CfnParameterOverridesType().convert(value, None, None)
    except click.exceptions.BadParameter:
        return None
    return result


def _ours(value: Any, cwd: Path | None = None) -> dict[str, str] | None:
    try:
        return parse_parameter_overrides(value, cwd=cwd)
    except UsageError:
        return None


@pytest.mark.parametrize("given", [g for g, _ in OVERRIDES] + [g for g, _ in BAD_OVERRIDES[:5]])
def test_overrides_agree_with_sam_cli(given: Any) -> None:
    assert _ours(given) == _sam(given)


def test_override_files_agree_with_sam_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "base.toml").write_text('Stage = "prod"\nSize = 3\nOn = true\n')
    (tmp_path / "params.yml").write_text(
        "$include: [file://base.toml]\nSubnets: [a, b]\nFlag: yes\nOctal: 010\nNothing: ~\n"
    )
    monkeypatch.chdir(tmp_path)
    given = ["file://params.yml", "Extra=1"]
    assert _ours(given, tmp_path) == _sam(given)


_TOKENS = st.sampled_from(
    [
        "A",
        "b1",
        "Key",
        "=",
        " ",
        "  ",
        '"',
        "'",
        "\\",
        ",",
        "x y",
        "ParameterKey=",
        "ParameterValue=",
        "-",
        ":",
        "é",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_TOKENS, max_size=8).map("".join), min_size=1, max_size=3))
def test_generated_overrides_agree_with_sam_cli(given: list[str]) -> None:
    pytest.importorskip("samcli")
    assert _ours(given) == _sam(given)


# -- the template's parameters ------------------------------------------------------------------

DOCUMENT: dict[str, Any] = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "subnet-1, subnet-2"},
        "Ids": {"Type": "List<AWS::EC2::SecurityGroup::Id>"},
        "Memory": {"Type": "Number", "Default": 128},
        "Enabled": {"Type": "String", "Default": True},
        "Image": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/image"},
        "Secret": {"Type": "String", "NoEcho": True},
        "Broken": "not a mapping",
    },
}


def test_template_parameters() -> None:
    declared = {p.name: p for p in template_parameters(DOCUMENT)}
    assert set(declared) == {"Stage", "Subnets", "Ids", "Memory", "Enabled", "Image", "Secret"}
    assert declared["Stage"] == TemplateParameter("Stage", "String", "dev", ("dev", "prod"))
    assert declared["Subnets"].is_list
    assert declared["Ids"].is_list
    assert not declared["Stage"].is_list
    assert declared["Memory"].default == "128"
    assert declared["Enabled"].default == "true"  # CloudFormation reads YAML true as "true"
    assert declared["Image"].is_ssm
    assert declared["Secret"].no_echo
    assert declared["Secret"].default is None
    assert template_parameters({"Resources": {}}) == ()


def test_parameter_values() -> None:
    found = parameter_values(DOCUMENT, {"Stage": "prod", "Ids": "sg-1,sg-2", "Undeclared": "x"})
    assert found == {
        "Stage": ParameterValue("Stage", "prod", "override"),
        "Subnets": ParameterValue("Subnets", ("subnet-1", "subnet-2"), "default"),
        "Ids": ParameterValue("Ids", ("sg-1", "sg-2"), "override"),
        "Memory": ParameterValue("Memory", "128", "default"),
        "Enabled": ParameterValue("Enabled", "true", "default"),
    }
    only = parameter_values(DOCUMENT, {"Stage": "prod"}, defaults=False)
    assert list(only) == ["Stage"]


# -- resolving names ------------------------------------------------------------------------------

RESOLVED: list[tuple[str, Any, Any]] = [
    ("a Ref to a parameter", {"Ref": "Stage"}, "prod"),
    ("a Ref to a list parameter", {"Ref": "Subnets"}, ["subnet-1", "subnet-2"]),
    ("a Ref to a resource stays", {"Ref": "Queue"}, {"Ref": "Queue"}),
    ("a parameter without a value stays", {"Ref": "Secret"}, {"Ref": "Secret"}),
    ("an SSM parameter stays", {"Ref": "Image"}, {"Ref": "Image"}),
    ("a pseudo parameter given", {"Ref": "AWS::Region"}, "eu-west-1"),
    ("a partition from the region", {"Ref": "AWS::Partition"}, "aws"),
    ("a pseudo parameter not given stays", {"Ref": "AWS::AccountId"}, {"Ref": "AWS::AccountId"}),
    ("Sub, all known", {"Fn::Sub": "orders-${Stage}-${AWS::Region}"}, "orders-prod-eu-west-1"),
    (
        "Sub, partly known",
        {"Fn::Sub": "${AWS::StackName}-${Stage}"},
        {"Fn::Sub": "${AWS::StackName}-prod"},
    ),
    ("Sub, a literal ${!...}", {"Fn::Sub": "${!Literal}-${Stage}"}, "${Literal}-prod"),
    (
        "Sub, a literal kept while unknowns remain",
        {"Fn::Sub": "${!Literal}-${Queue.Arn}"},
        {"Fn::Sub": "${!Literal}-${Queue.Arn}"},
    ),
    (
        "Sub with variables",
        {"Fn::Sub": ["${Name}-${Stage}", {"Name": {"Fn::Join": ["", ["a", "b"]]}}]},
        "ab-prod",
    ),
    (
        "Sub with an unknown variable",
        {"Fn::Sub": ["${Name}-${Stage}", {"Name": {"Fn::GetAtt": ["Q", "QueueName"]}}]},
        {"Fn::Sub": ["${Name}-prod", {"Name": {"Fn::GetAtt": ["Q", "QueueName"]}}]},
    ),
    ("Sub of a list parameter stays", {"Fn::Sub": "${Subnets}"}, {"Fn::Sub": "${Subnets}"}),
    ("Join", {"Fn::Join": ["-", ["app", {"Ref": "Stage"}]]}, "app-prod"),
    ("Join of a list parameter", {"Fn::Join": [",", {"Ref": "Subnets"}]}, "subnet-1,subnet-2"),
    (
        "Join, partly known",
        {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, {"Ref": "Stage"}]]},
        {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "prod"]]},
    ),
    ("Select", {"Fn::Select": ["1", {"Ref": "Subnets"}]}, "subnet-2"),
    ("Select out of range stays", {"Fn::Select": [5, ["a"]]}, {"Fn::Select": [5, ["a"]]}),
    ("Split", {"Fn::Split": [",", "a,b"]}, ["a", "b"]),
    ("If, condition true", {"Fn::If": ["IsProd", "big", "small"]}, "big"),
    ("If, condition false", {"Fn::If": ["IsDev", "big", "small"]}, "small"),
    (
        "If, condition unknown",
        {"Fn::If": ["IsUsEast", {"Ref": "Stage"}, "x"]},
        {"Fn::If": ["IsUsEast", "prod", "x"]},
    ),
    ("If with And/Or/Not", {"Fn::If": ["Complex", "yes", "no"]}, "yes"),
    ("If with an unknown Or part that one true part decides", {"Fn::If": ["EitherOr", 1, 2]}, 1),
    ("FindInMap", {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, "1024"),
    (
        "FindInMap with an unknown key stays",
        {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::AccountId"}, "Memory"]},
        {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::AccountId"}, "Memory"]},
    ),
    (
        "FindInMap default (AWS::LanguageExtensions)",
        {"Fn::FindInMap": ["Sizes", "test", "Memory", {"DefaultValue": "128"}]},
        "128",
    ),
    (
        "GetAtt stays",
        {"Fn::GetAtt": ["Queue", "Arn"]},
        {"Fn::GetAtt": ["Queue", "Arn"]},
    ),
    (
        "known values inside an unknown function",
        {"Fn::Base64": {"Fn::Sub": "${Stage}"}},
        {"Fn::Base64": "prod"},
    ),
    (
        "Fn::Transform parameters are never touched",
        {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": {"Ref": "Stage"}}}},
        {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": {"Ref": "Stage"}}}},
    ),
    ("a plain mapping", {"A": [{"Ref": "Stage"}, 1, None]}, {"A": ["prod", 1, None]}),
]

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "dev"},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "subnet-1,subnet-2"},
        "Secret": {"Type": "String", "NoEcho": True},
        "Image": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/image"},
    },
    "Mappings": {"Sizes": {"prod": {"Memory": "1024"}, "dev": {"Memory": "256"}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsDev": {"Fn::Equals": ["dev", {"Ref": "Stage"}]},
        "IsUsEast": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]},
        "Complex": {
            "Fn::And": [
                {"Condition": "IsProd"},
                {"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Not": [{"Condition": "IsDev"}]}]},
            ]
        },
        "EitherOr": {"Fn::Or": [{"Condition": "IsUsEast"}, {"Condition": "IsProd"}]},
    },
}


@pytest.mark.parametrize(("case", "written", "expected"), RESOLVED, ids=[c for c, _, _ in RESOLVED])
def test_resolve(case: str, written: Any, expected: Any) -> None:
    document = {
        **TEMPLATE,
        "Resources": {"R": {"Type": "AWS::SQS::Queue", "Properties": {"P": written}}},
    }
    resolved = resolve_template(document, {"Stage": "prod"}, pseudo={"AWS::Region": "eu-west-1"})
    assert resolved["Resources"]["R"]["Properties"]["P"] == expected
    assert document["Resources"]["R"]["Properties"]["P"] == written  # the input is not changed


def test_resolve_sections_and_defaults() -> None:
    document = {
        **TEMPLATE,
        "Globals": {"Function": {"Environment": {"Variables": {"STAGE": {"Ref": "Stage"}}}}},
        "Resources": {
            "R": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Stage"}}}
        },
        "Outputs": {"O": {"Value": {"Ref": "Stage"}}},
    }
    resolved = resolve_template(document)
    assert resolved["Resources"]["R"]["Properties"]["QueueName"] == "dev"
    assert resolved["Globals"]["Function"]["Environment"]["Variables"]["STAGE"] == "dev"
    assert resolved["Outputs"] == document["Outputs"]  # only Resources and Globals
    assert resolved["Conditions"] == document["Conditions"]
    without = resolve_template(document, defaults=False)
    assert without["Resources"]["R"]["Properties"]["QueueName"] == {"Ref": "Stage"}
    with pytest.raises(UsageError, match="'Region' is not a pseudo parameter"):
        resolve_template(document, pseudo={"Region": "eu-west-1"})


def test_condition_cycle_is_unknown() -> None:
    document = {
        "Conditions": {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}},
        "Resources": {
            "R": {"Type": "AWS::SQS::Queue", "Properties": {"P": {"Fn::If": ["A", 1, 2]}}}
        },
    }
    assert resolve_template(document)["Resources"]["R"]["Properties"]["P"] == {
        "Fn::If": ["A", 1, 2]
    }


@pytest.mark.parametrize("module", [parameters, overrides], ids=lambda m: m.__name__)
def test_module_doctest(module: Any) -> None:
    assert doctest.testmod(module).failed == 0
