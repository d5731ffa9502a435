"""lambda_perms.deploy.templates: reading SAM and CloudFormation templates.

Tables of real template fragments (the short-form tags as the CloudFormation User Guide writes
them, SAM resources as ``sam init`` writes them), every error path, the SAM expansion, the
physical-name patterns and the reporting of what cannot be followed.
"""

from __future__ import annotations

import builtins
import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_perms.deploy.templates import Template, TemplateResource, load_template
from lambda_perms.errors import LambdaPermsError, TemplateError
from tests import _support

FIXTURES = _support.FIXTURES / "templates"

pytest.importorskip("yaml")
samtranslator = pytest.importorskip("samtranslator")


def _one(text: str) -> TemplateResource:
    """The only resource of a one-resource template's YAML text."""
    template = load_template(text, text=True)
    assert len(template.resources) == 1
    return template.resources[0]


def _queue(properties: str) -> str:
    return f"Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n{properties}"


# -- the short-form tags (CloudFormation User Guide, intrinsic function reference) --------------

SHORT_FORMS = [
    ("!Ref Name", {"Ref": "Name"}),
    ("!Sub '${AWS::StackName}-q'", {"Fn::Sub": "${AWS::StackName}-q"}),
    ("!Sub ['${A}-q', {A: !Ref P}]", {"Fn::Sub": ["${A}-q", {"A": {"Ref": "P"}}]}),
    ("!GetAtt Table.Arn", {"Fn::GetAtt": ["Table", "Arn"]}),
    ("!GetAtt [Table, StreamArn]", {"Fn::GetAtt": ["Table", "StreamArn"]}),
    ("!If [IsProd, a, b]", {"Fn::If": ["IsProd", "a", "b"]}),
    ("!Join ['-', [a, !Ref P]]", {"Fn::Join": ["-", ["a", {"Ref": "P"}]]}),
    ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    (
        "!FindInMap [M, !Ref 'AWS::Region', k]",
        {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]},
    ),
    ("!ImportValue shared-queue", {"Fn::ImportValue": "shared-queue"}),
    ("!Base64 text", {"Fn::Base64": "text"}),
    ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
    ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
    ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Transform {Name: AWS::Include}", {"Fn::Transform": {"Name": "AWS::Include"}}),
    ("2010-09-09", "2010-09-09"),  # a date stays text, as CloudFormation reads it
]


@pytest.mark.parametrize(("written", "parsed"), SHORT_FORMS, ids=[w for w, _ in SHORT_FORMS])
def test_short_form_tags(written: str, parsed: Any) -> None:
    queue = _one(_queue(f"      QueueName: {written}\n"))
    assert queue.properties["QueueName"] == parsed


def test_json_template() -> None:
    template = load_template(
        '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}}}',
        text=True,
    )
    assert template.resource_types == ("AWS::SQS::Queue",)
    assert not template.sam


def test_dict_and_template_are_accepted() -> None:
    document = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    template = load_template(document)
    assert template.source == "<dict>"
    assert load_template(template) is template
    assert document == {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}  # not changed


# -- errors: one clear TemplateError each ---------------------------------------------------------

BAD_TEXT = [
    ("", "", "the file is empty"),
    ("- a\n- b\n", "", "expected a YAML or JSON mapping with 'Resources', got list"),
    ("Just some prose, not a template.\n", "", "got str"),
    ("AWSTemplateFormatVersion: '2010-09-09'\n", "Resources", "non-empty mapping"),
    ("Resources: {}\n", "Resources", "non-empty mapping"),
    ("Resources:\n  Q: 3\n", "Resources.Q", "a resource is a mapping"),
    (
        "Resources:\n  Fn::ForEach::Qs:\n    - N\n    - [A]\n    - ${N}Q: {Type: AWS::SQS::Queue}\n",
        "Resources.Fn::ForEach::Qs",
        "Fn::ForEach needs 'Transform: AWS::LanguageExtensions'",
    ),
    ("Resources:\n  Q:\n    Properties: {}\n", "Resources.Q.Type", "needs a Type"),
    ("Resources:\n  Q:\n    Type: [a]\n", "Resources.Q.Type", "needs a Type"),
    (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: [1]\n",
        "Resources.Q.Properties",
        "is a mapping",
    ),
    (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  - x\n",
        "",
        "not valid YAML or JSON (line 4, column 3",
    ),
    ('{"Resources": {"Q": ', "", "not valid"),
    (
        "Resources:\n  T:\n    Type: AWS::Nonexistent::Thing\n",
        "Resources.T.Type",
        "unknown resource type 'AWS::Nonexistent::Thing'",
    ),
    (
        "Resources:\n  F:\n    Type: AWS::Lambda::Functon\n",
        "Resources.F.Type",
        "did you mean 'AWS::Lambda::Function'",
    ),
    (
        "Resources:\n  F:\n    Type: aws::lambda::function\n",
        "Resources.F.Type",
        "did you mean 'AWS::Lambda::Function'",
    ),
    (
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n",
        "Resources.F.Type",
        "must declare 'Transform: AWS::Serverless-2016-10-31'",
    ),
    (
        "Transform: [3]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n",
        "Transform[0]",
        "a transform is a name",
    ),
    (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: a.h, Runtime: python3.12, Events: {E: {Type: Nope}}}\n",
        "",
        "the SAM transform rejects it",
    ),
]


@pytest.mark.parametrize(("text", "path", "message"), BAD_TEXT)
def test_bad_templates(text: str, path: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(text, text=True)
    error = caught.value
    assert error.path == path
    assert message in str(error)
    assert "\n" not in str(error)
    assert isinstance(error, LambdaPermsError)
    assert isinstance(error, ValueError)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such file"):
        load_template(tmp_path / "missing.yaml")
    with pytest.raises(TemplateError, match="is a directory"):
        load_template(tmp_path)
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    with pytest.raises(TemplateError, match="not UTF-8 text"):
        load_template(binary)


@pytest.mark.parametrize("name", ["unknown-type.yaml", "malformed.yaml", "not-a-template.txt"])
def test_bad_fixtures(name: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(FIXTURES / "bad" / name)
    assert caught.value.source.endswith(name)


def _without(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real = builtins.__import__

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == module or name.startswith(module + "."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    for loaded in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setattr(builtins, "__import__", fake)


def test_yaml_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "yaml")
    with pytest.raises(
        TemplateError, match=r"needs PyYAML: pip install 'lambda-perms\[templates\]'"
    ):
        load_template(_queue("      QueueName: q\n"), text=True)
    # JSON needs nothing
    assert load_template(
        '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}', text=True
    ).resource_types


def test_sam_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "samtranslator")
    with pytest.raises(TemplateError, match=r"needs aws-sam-translator: pip install"):
        load_template(FIXTURES / "function.yaml")


# -- the SAM expansion ----------------------------------------------------------------------------


def test_sam_function_expands() -> None:
    template = load_template(FIXTURES / "api.yaml")
    assert template.sam
    by_type = {r.type: r for r in template.resources}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::RestApi"} <= set(by_type)
    function = by_type["AWS::Lambda::Function"]
    assert function.origin is not None
    assert function.origin.endswith("(AWS::Serverless::Function)")
    assert "implicit API" in (by_type["AWS::ApiGateway::RestApi"].origin or "")
    # the local CodeUri became an S3 location, as sam package would write it
    assert "S3Bucket" in function.properties["Code"]


def test_image_function() -> None:
    template = load_template(FIXTURES / "image-function.yaml")
    assert "AWS::Serverless::Function.ImageUri" in template.properties
    assert "AWS::Lambda::Function.Code.ImageUri" in template.properties


def test_nested_applications() -> None:
    template = load_template(FIXTURES / "nested-application.yaml")
    stacks = template.of_type("AWS::CloudFormation::Stack")
    assert {s.logical_id for s in stacks} == {"SarApplication", "LocalApplication"}
    assert "AWS::Serverless::Application.Location.ApplicationId" in template.properties
    # the SAR application is reported; the local one is read
    assert any("SarApplication" in n and "not included" in n for n in template.notes)
    inner = [r for r in template.resources if r.stacks == ("LocalApplication",)]
    assert inner
    assert any(r.type == "AWS::Lambda::Function" for r in inner)


def test_nested_local_template_from_text_is_reported() -> None:
    text = (FIXTURES / "nested-application.yaml").read_text()
    template = load_template(text, text=True)
    assert any("LocalApplication" in n and "not read from a file" in n for n in template.notes)


def test_custom_resource_and_macro_are_reported() -> None:
    template = load_template(FIXTURES / "custom-resource.yaml")
    custom = template.get("SeedData")
    assert custom is not None
    assert custom.is_custom
    assert any("custom resource SeedData" in n for n in template.notes)
    macro = load_template(
        "Transform: [MyMacro, {Name: 'AWS::Include', Parameters: {Location: s3://b/k}}]\n"
        + _queue("      QueueName: q\n"),
        text=True,
    )
    assert macro.transforms == ("MyMacro", "AWS::Include")
    assert sum("transform" in n for n in macro.notes) == 2


def test_types_without_handlers_are_reported() -> None:
    """Reported by the policy, not the reading (tests/deploy/test_template_gaps.py has the
    fallback grants); a type CloudFormation keeps to itself needs nothing and says nothing."""
    from lambda_perms import deploy_policy

    text = "Resources:\n  Handle:\n    Type: AWS::CloudFormation::WaitConditionHandle\n"
    assert load_template(text, text=True).notes == ()
    result = deploy_policy(template=load_template(text, text=True))
    assert not [w for w in result.warnings if "Handle" in w]
    text = "Resources:\n  Build:\n    Type: AWS::CodeBuild::Project\n"
    result = deploy_policy(template=load_template(text, text=True))
    assert any(w.startswith("Build (AWS::CodeBuild::Project): ") for w in result.warnings)


def test_remote_nested_stack_is_reported() -> None:
    template = load_template(
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: https://s3.amazonaws.com/b/child.yaml\n",
        text=True,
    )
    assert any("not a local file" in n for n in template.notes)


# -- properties -----------------------------------------------------------------------------------


def test_properties_and_has() -> None:
    function = _one(
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Role: arn:aws:iam::123456789012:role/r\n"
        "      Code: {ZipFile: 'x'}\n"
        "      VpcConfig: !If [InVpc, {SubnetIds: [s], SecurityGroupIds: [g]}, !Ref AWS::NoValue]\n"
        "      FileSystemConfigs: [{Arn: a, LocalMountPath: /mnt/x}]\n"
        "      KmsKeyArn: null\n"
    )
    assert function.has("VpcConfig.SubnetIds")
    assert function.has("FileSystemConfigs.LocalMountPath")
    assert function.has("Code.ZipFile")
    assert not function.has("KmsKeyArn")  # null is not set
    assert not function.has("Code.ImageUri")
    paths = function.property_paths()
    assert "VpcConfig.SubnetIds" in paths
    assert "FileSystemConfigs.Arn" in paths
    assert "KmsKeyArn" not in paths


# -- physical names -------------------------------------------------------------------------------

NAMES = [
    ("AWS::SQS::Queue", "QueueName: orders", "app", "orders"),
    ("AWS::SQS::Queue", "QueueName: !Sub '${AWS::StackName}-orders'", "app", "app-orders"),
    ("AWS::SQS::Queue", "QueueName: !Sub '${AWS::StackName}-orders'", None, "*-orders"),
    ("AWS::SQS::Queue", "QueueName: !Sub '${Env}-${AWS::Region}-orders'", "app", "*-*-orders"),
    ("AWS::SQS::Queue", "QueueName: !Join ['-', [!Ref 'AWS::StackName', q]]", "app", "app-q"),
    ("AWS::SQS::Queue", "QueueName: !Ref QueueNameParameter", "app", "*"),
    ("AWS::SQS::Queue", "DelaySeconds: 0", "app", "app-Resource-*"),
    ("AWS::SQS::Queue", "DelaySeconds: 0", None, "*-Resource-*"),
    ("AWS::S3::Bucket", "Tags: []", "My-App", "my-app-resource-*"),
    ("AWS::S3::Bucket", "BucketNamePrefix: logs", "app", "*"),
    (
        "AWS::Lambda::LayerVersion",
        "LayerName: arn:aws:lambda:us-east-1:1:layer:deps",
        "app",
        "deps",
    ),
    ("AWS::Lambda::Function", "Handler: a.h", "a" * 40, "a" * 40 + "-Resource-*"),  # 63 fits
    ("AWS::Lambda::Function", "Handler: a.h", "a" * 41, "*"),  # 64: cut in an undocumented way
    ("AWS::Lambda::Function", "FunctionName: my-function", "a" * 41, "my-function"),
    ("AWS::ApiGateway::RestApi", "Name: api", "app", "*"),  # the physical id is a random id
]


@pytest.mark.parametrize(("kind", "prop", "stack", "expected"), NAMES)
def test_name_pattern(kind: str, prop: str, stack: str | None, expected: str) -> None:
    resource = _one(f"Resources:\n  Resource:\n    Type: {kind}\n    Properties:\n      {prop}\n")
    assert resource.name_pattern(stack) == expected


SCOPE_VALUES = {"Partition": "aws", "Region": "eu-west-1", "Account": "123456789012"}

# a name that uses pseudo parameters, with the scope's values (issue 14)
PSEUDO_NAMES = [
    ("!Sub '${AWS::StackName}-${AWS::Region}'", (), "app-eu-west-1"),
    ("!Sub '${AWS::AccountId}-${AWS::Partition}-${Env}'", (), "123456789012-aws-*"),
    ("!Join ['-', [orders, !Ref 'AWS::Region', !Ref 'AWS::AccountId']]", (), "orders-eu-west-1-123456789012"),
    ("!Sub '${AWS::URLSuffix}-q'", (), "*-q"),  # not a name part anyone uses: left unknown
    # in a nested stack AWS::StackName is the nested stack's own name, <parent>-<Id>-<random>
    ("!Sub '${AWS::StackName}-q'", ("Child",), "app-Child-*-q"),
    ("!Join ['-', [!Ref 'AWS::StackName', q]]", ("Child", "Inner"), "app-Child-*-Inner-*-q"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "stacks", "expected"), PSEUDO_NAMES)
def test_name_pattern_with_pseudo_parameters(
    name: str, stacks: tuple[str, ...], expected: str
) -> None:
    template = (
        f"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {name}\n"
    )
    resource = dataclasses.replace(_one(template), stacks=stacks)
    assert resource.name_pattern("app", SCOPE_VALUES) == expected
    # without the scope, the pseudo parameters other than the stack name are unknown
    assert "eu-west-1" not in resource.name_pattern("app")


def test_nested_names() -> None:
    template = load_template(FIXTURES / "nested-application.yaml")
    function = next(
        r
        for r in template.resources
        if r.stacks == ("LocalApplication",) and r.type == "AWS::Lambda::Function"
    )
    # app-LocalApplication-<13>-HelloWorldFunction-<13> is longer than Lambda's 64
    assert function.name_pattern("app") == "*"
    # a nested stack is named <stack>-<LogicalId>-<random>
    queue = TemplateResource("Q", "AWS::SQS::Queue", {}, None, ("Child",))
    assert queue.name_pattern("app") == "app-Child-*-Q-*"


def test_template_is_frozen() -> None:
    template = load_template(FIXTURES / "function.yaml")
    assert isinstance(template, Template)
    with pytest.raises(AttributeError):
        template.sam = False  # type: ignore[misc]


# -- real projects read right (tests/fixtures/templates/reading/) ---------------------------------

READING = FIXTURES / "reading"

# (fixture, --parameter-overrides or None, resources expected as (stacks, logical id, type),
#  parts of the notes expected; no other note may appear)
READ: list[
    tuple[str, dict[str, str] | None, set[tuple[tuple[str, ...], str, str]], tuple[str, ...]]
] = [
    (
        # sam init's starters leave CodeUri out: sam package zips the template's folder
        "no-codeuri.yaml",
        None,
        {
            ((), "SQSPayloadLogger", "AWS::Lambda::Function"),
            ((), "SQSPayloadLoggerRole", "AWS::IAM::Role"),
            ((), "SQSPayloadLoggerSQSQueueEvent", "AWS::Lambda::EventSourceMapping"),
            ((), "SimpleQueue", "AWS::SQS::Queue"),
        },
        (),
    ),
    (
        # a nested CloudFormation stack of a SAM template is read, not skipped
        "nested-sam-stack.yaml",
        None,
        {
            ((), "QueueStack", "AWS::CloudFormation::Stack"),
            (("QueueStack",), "Queue", "AWS::SQS::Queue"),
            (("QueueStack",), "Alarm", "AWS::CloudWatch::Alarm"),
            ((), "Consumer", "AWS::Lambda::Function"),
        },
        (),
    ),
    (
        # an AWS::Include DefinitionBody is included before the SAM transform adds the authorizers
        "include-definition.yaml",
        None,
        {
            ((), "OrdersApi", "AWS::ApiGateway::RestApi"),
            ((), "OrdersApiprodStage", "AWS::ApiGateway::Stage"),
            ((), "OrdersHttpApi", "AWS::ApiGatewayV2::Api"),
        },
        (),
    ),
    (
        # AWS::LanguageExtensions runs before the SAM transform
        "foreach-functions.yaml",
        None,
        {
            ((), "ordersQueue", "AWS::SQS::Queue"),
            ((), "invoicesQueue", "AWS::SQS::Queue"),
            ((), "ordersFunction", "AWS::Lambda::Function"),
            ((), "invoicesFunction", "AWS::Lambda::Function"),
            ((), "invoicesFunctionQueue", "AWS::Lambda::EventSourceMapping"),
        },
        (),
    ),
    (
        "foreach-functions.yaml",
        {"Services": "billing"},
        {((), "billingQueue", "AWS::SQS::Queue"), ((), "billingFunction", "AWS::Lambda::Function")},
        (),
    ),
    (
        # a macro's own types are its business: a note, not a refusal
        "macro-unknown-type.yaml",
        None,
        {((), "Bucket", "AWS::S3::Bucket")},
        (
            "the template declares the transform S3Objects",
            "Readme (AWS::S3::Object): AWS::S3::Object is not a CloudFormation type; the template's macro (S3Objects)",
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "parameters", "expected", "notes"), READ, ids=[f"{r[0]}-{r[1]}" for r in READ]
)
def test_reading(
    name: str,
    parameters: dict[str, str] | None,
    expected: set[tuple[tuple[str, ...], str, str]],
    notes: tuple[str, ...],
) -> None:
    template = load_template(READING / name, parameters=parameters)
    found = {(r.stacks, r.logical_id, r.type) for r in template.resources}
    assert expected <= found
    assert len(template.notes) == len(notes)
    for part in notes:
        assert any(part in note for note in template.notes), part


BAD_READING = [
    (
        "include-missing.yaml",
        "Resources.Api.Properties.DefinitionBody",
        "the AWS::Include of the definition: ",
    ),
    ("nested-missing.yaml", "Resources.Child", "nested template of Child: "),
    (
        "foreach-without-transform.yaml",
        "Resources.Fn::ForEach::Queues",
        "Fn::ForEach needs 'Transform: AWS::LanguageExtensions'",
    ),
    (
        "foreach-getatt.yaml",
        "Resources.Fn::ForEach::Queues[1]",
        "the collection uses Fn::GetAtt, which needs deployed resources",
    ),
]


@pytest.mark.parametrize(("name", "path", "message"), BAD_READING, ids=[b[0] for b in BAD_READING])
def test_bad_reading(name: str, path: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(READING / "bad" / name)
    assert caught.value.path == path
    assert message in str(caught.value)
    assert caught.value.source.endswith(name)


def test_no_codeuri_is_what_sam_package_uploads() -> None:
    template = load_template(READING / "no-codeuri.yaml")
    function = template.get("SQSPayloadLogger")
    assert function is not None
    assert function.properties["Code"]["S3Key"]  # the folder, zipped and uploaded
    layer = next(iter(template.of_type("AWS::Lambda::LayerVersion")))
    assert "S3Bucket" in layer.properties["Content"]
    # a function that inlines its code, or names an image, gets no code location
    inline = load_template(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: index.h, Runtime: nodejs22.x, InlineCode: 'exports.h = 1'}\n",
        text=True,
    ).get("F")
    assert inline is not None
    assert inline.properties["Code"] == {"ZipFile": "exports.h = 1"}


def test_included_definition_is_the_file() -> None:
    template = load_template(READING / "include-definition.yaml")
    api = template.get("OrdersApi")
    assert api is not None
    body = api.properties["Body"]
    assert "/orders" in body["paths"]
    assert "Cognito" in body["securityDefinitions"]  # the SAM transform added the authorizer
    http = template.get("OrdersHttpApi")
    assert http is not None
    assert http.properties["Body"]["info"]["title"] == "orders-http"
    # from text, the local file cannot be read: an empty definition stands in, with a note
    text = load_template((READING / "include-definition.yaml").read_text(), text=True)
    assert sum("AWS::Include of" in note for note in text.notes) == 2
    assert text.get("OrdersApi") is not None


def test_language_extensions_before_the_sam_transform() -> None:
    template = load_template(READING / "foreach-functions.yaml")
    queue = template.get("ordersQueue")
    assert queue is not None
    assert queue.properties == {"QueueName": "orders-queue", "DelaySeconds": 2}
    assert queue.name_pattern("app") == "orders-queue"
    function = template.get("invoicesFunction")
    assert function is not None
    assert function.properties["Environment"]["Variables"]["SETTINGS"] == (
        '{"service":"invoices","retries":3}'
    )
    # the transform is still one CloudFormation must be allowed to run
    assert template.transforms == ("AWS::LanguageExtensions",)


def test_parameters_resolve_names_in_nested_stacks() -> None:
    plain = load_template(READING / "nested-sam-stack.yaml")
    queue = plain.get("Queue", ("QueueStack",))
    assert queue is not None
    assert queue.name_pattern("app") == "*"  # !Ref QueueName: unknown without parameters
    given = load_template(READING / "nested-sam-stack.yaml", parameters={"Stage": "prod"})
    queue = given.get("Queue", ("QueueStack",))
    alarm = given.get("Alarm", ("QueueStack",))
    assert queue is not None
    assert alarm is not None
    # the parent's Stage reaches the child through the stack's Parameters
    assert queue.name_pattern("app") == "orders-prod"
    assert alarm.name_pattern("app") == "orders-prod-depth"
    defaults = load_template(READING / "nested-sam-stack.yaml", parameters={})
    queue = defaults.get("Queue", ("QueueStack",))
    assert queue is not None
    assert queue.name_pattern("app") == "orders-dev"  # the parent's default
