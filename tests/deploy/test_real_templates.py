"""Real templates nobody here wrote (``tests/fixtures/real-templates/``) are all read.

The corpus is copied from four public repositories (see its README: source, commit, licence);
each root template names the gap it guards (a starter without ``CodeUri``, a local nested stack
under the SAM transform, an ``AWS::Include`` definition with ``Auth``, ``Fn::ForEach``, types
whose registry schema lists no handlers ...). Every one must load with ``load_template`` (no
refusal), and what the gap is about must be in the result: the child stacks' resources, the
loop's copies, the included definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from lambda_perms.deploy.templates import Template, load_template
from tests._support import FIXTURES

pytest.importorskip("yaml")
pytest.importorskip("samtranslator")

CORPUS = FIXTURES / "real-templates"
SAM = "AWS::Serverless-2016-10-31"


def _types(*kinds: str) -> Callable[[Template], bool]:
    return lambda t: set(kinds) <= set(t.resource_types)


def _stacks(*names: str) -> Callable[[Template], bool]:
    return lambda t: {(n,) for n in names} <= {r.stacks for r in t.resources}


def _ids(*ids: str) -> Callable[[Template], bool]:
    return lambda t: set(ids) <= {r.logical_id for r in t.resources}


def _authorized_body(template: Template) -> bool:
    """A REST API whose definition (the included file) holds paths and the authorizers that
    the SAM transform adds from ``Auth``."""
    for api in template.of_type("AWS::ApiGateway::RestApi"):
        body = api.properties.get("Body", {})
        schemes = body.get("securityDefinitions") or body.get("components", {}).get(
            "securitySchemes"
        )
        if body.get("paths") and schemes:
            return True
    return False


def _note(part: str) -> Callable[[Template], bool]:
    return lambda t: any(part in note for note in t.notes)


# root template (relative to the corpus) -> (the gap it guards, what must be in the result)
ROOTS: dict[str, tuple[str, Callable[[Template], bool]]] = {
    # sam init's starters (rendered with cookiecutter.json's defaults): no CodeUri
    "aws-sam-cli-app-templates/nodejs20.x/scratch/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "aws-sam-cli-app-templates/nodejs22.x/cw-event/template.yaml": ("no CodeUri", _types("AWS::Events::Rule")),
    "aws-sam-cli-app-templates/nodejs22.x/s3/template.yaml": ("no CodeUri", _types("AWS::S3::Bucket")),
    "aws-sam-cli-app-templates/nodejs22.x/scratch/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "aws-sam-cli-app-templates/nodejs22.x/sns/template.yaml": ("no CodeUri", _types("AWS::SNS::Subscription")),
    "aws-sam-cli-app-templates/nodejs22.x/sqs/template.yaml": ("no CodeUri", _types("AWS::Lambda::EventSourceMapping")),
    "aws-sam-cli-app-templates/nodejs22.x/web/template.yaml": ("no CodeUri", _types("AWS::ApiGateway::RestApi", "AWS::DynamoDB::Table")),
    "aws-sam-cli-app-templates/nodejs24.x/sqs/template.yaml": ("no CodeUri", _types("AWS::Lambda::EventSourceMapping")),
    "aws-sam-cli-app-templates/python3.13/hello/template.yaml": ("baseline", _types("AWS::ApiGateway::RestApi")),
    "aws-sam-cli-app-templates/python3.13/step-func/template.yaml": ("baseline", _types("AWS::StepFunctions::StateMachine")),
    # aws-samples/serverless-patterns
    "serverless-patterns/apigw-lambda-observability/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "serverless-patterns/apigw-lambda-sfn-transcribe-translate-polly-sam/template.yaml": ("no CodeUri", _types("AWS::StepFunctions::StateMachine")),
    "serverless-patterns/dynamodb-streams-lambda-eventbridge-sam-node/template.yml": ("no CodeUri", _types("AWS::DynamoDB::Table")),
    "serverless-patterns/lambda-pinpoint/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "serverless-patterns/lambda-streaming-sdk-sam/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "serverless-patterns/rekognition-image-moderation-tagging/template.yaml": ("no CodeUri", _types("AWS::S3::Bucket")),
    "serverless-patterns/serverless-multi-tenant-api/template.yaml": ("no CodeUri", _types("AWS::ApiGateway::RestApi")),
    "serverless-patterns/textract-lambda-sam-python/template.yaml": ("no CodeUri", _types("AWS::Lambda::Function")),
    "serverless-patterns/apigw-kinesis-lambda-ddb/template.yaml": ("AWS::Include DefinitionBody with Auth", _authorized_body),
    "serverless-patterns/appsync-apigateway-dynamodb-sam/template.yaml": ("AWS::Include DefinitionBody with Auth", _authorized_body),
    "serverless-patterns/eventbridge-pipes-msk-to-lambda/template.yaml": ("local nested stacks under the SAM transform", _stacks("MSKVPCStack", "MSKCluster", "PipesStack")),
    "serverless-patterns/stepfunctions-fargate-lambda/template.yaml": ("local nested application", _stacks("VPC")),
    "serverless-patterns/cognito-restapi-vpclink/template.yml": ("local nested applications", _stacks("NetworkStack", "FargateStack", "TargetGroupStack", "AuthStack")),
    # aws-cloudformation/aws-cloudformation-templates
    "aws-cloudformation-templates/CloudFormation/fn-foreach-ddb.yaml": ("Fn::ForEach", _ids("DynamoDBPoints", "DynamoDBScore", "DynamoDBName", "DynamoDBLeaderboard")),
    "aws-cloudformation-templates/CloudFormation/fn-foreach-s3-outputs.yaml": ("Fn::ForEach", _ids("S3BucketA", "S3BucketB", "S3BucketC")),
    "aws-cloudformation-templates/AWSSupplyChain/SapPrivateLink/SapPrivateLink.yaml": ("AWS::LanguageExtensions", _types("AWS::ElasticLoadBalancingV2::LoadBalancer")),
    "aws-cloudformation-templates/CloudFormation/StackSets/log-setup-management.yaml": ("AWS::LanguageExtensions", _types("AWS::Events::EventBus")),
    "aws-cloudformation-templates/AutoScaling/AutoScalingMultiAZWithNotifications.yaml": ("AutoScalingGroup (wildcard handler entries)", _types("AWS::AutoScaling::AutoScalingGroup")),
    "aws-cloudformation-templates/AutoScaling/AutoScalingRollingUpdates.yaml": ("AutoScalingGroup (wildcard handler entries)", _types("AWS::AutoScaling::AutoScalingGroup")),
    "aws-cloudformation-templates/Solutions/CodeBuildAndCodePipeline/cloudformation-codebuild-template.yaml": ("CodeBuild::Project (no handlers: a fallback grant, tests/deploy/test_template_gaps.py)", _types("AWS::CodeBuild::Project")),
    "aws-cloudformation-templates/EMR/EMRClusterWithAdditionalSecurityGroups.yaml": ("EMR (no handlers: a fallback grant)", _types("AWS::EMR::Cluster")),
    "aws-cloudformation-templates/CloudFormation/MacrosExamples/S3Objects/example.yaml": ("a macro's own type", _note("AWS::S3::Object is not a CloudFormation type")),
    # aws/serverless-application-model translator inputs (SAM's tests add the transform)
    "serverless-application-model/tests/translator/input/api_with_auth_all_minimum.yaml": ("SAM translator input", _authorized_body),
    "serverless-application-model/tests/translator/input/api_with_auth_all_minimum_openapi.yaml": ("SAM translator input", _authorized_body),
    **{
        f"serverless-application-model/tests/translator/input/{name}.yaml": ("SAM translator input", _types(kind))
        for name, kind in (
            ("basic_layer", "AWS::Lambda::LayerVersion"),
            ("capacity_provider_minimal", "AWS::Lambda::CapacityProvider"),
            ("connector_function_to_table", "AWS::IAM::ManagedPolicy"),
            ("connector_sqs_to_function", "AWS::Lambda::EventSourceMapping"),
            ("function_with_auth_mechanism_for_self_managed_kafka", "AWS::Lambda::EventSourceMapping"),
            ("function_with_durable_config", "AWS::Lambda::Function"),
            ("function_with_event_source_mapping", "AWS::Lambda::EventSourceMapping"),
            ("function_with_function_url_config", "AWS::Lambda::Url"),
            ("graphqlapi_lambda_and_ddb_datasource", "AWS::AppSync::GraphQLApi"),
            ("valid_update_replace_policy_and_deletion_policy", "AWS::Lambda::Function"),
        )
    },
}  # fmt: skip

# files the roots read (nested templates, included definitions): not roots themselves
READ_BY_ROOTS = {
    "serverless-patterns/apigw-kinesis-lambda-ddb/api.yaml",
    "serverless-patterns/appsync-apigateway-dynamodb-sam/restapi/api.yaml",
    "serverless-patterns/eventbridge-pipes-msk-to-lambda/vpc-private.yaml",
    "serverless-patterns/eventbridge-pipes-msk-to-lambda/msk-cluster.yaml",
    "serverless-patterns/eventbridge-pipes-msk-to-lambda/pipes.yaml",
    "serverless-patterns/stepfunctions-fargate-lambda/vpc.yaml",
    "serverless-patterns/cognito-restapi-vpclink/network.yml",
    "serverless-patterns/cognito-restapi-vpclink/ecs.yml",
    "serverless-patterns/cognito-restapi-vpclink/targetgroup.yml",
    "serverless-patterns/cognito-restapi-vpclink/auth.yml",
}


def _load(name: str) -> Template:
    path = CORPUS / name
    if "/tests/translator/input/" in f"/{name}":
        text = path.read_text(encoding="utf-8")
        if not re.search(r"^Transform:", text, re.MULTILINE):
            text = f"Transform: {SAM}\n{text}"
        return load_template(text, text=True)
    return load_template(path)


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_real_template_is_read(name: str) -> None:
    template = _load(name)
    gap, check = ROOTS[name]
    assert template.resources
    assert check(template), f"{name}: {gap}"


def test_every_file_is_accounted_for() -> None:
    files = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
    }
    assert files == set(ROOTS) | READ_BY_ROOTS
    assert len(ROOTS) >= 30


def test_readme_names_every_source() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for source in sorted({name.split("/", 1)[0] for name in ROOTS}):
        section = readme.split(f"## {source}", 1)
        assert len(section) == 2, f"README has no section for {source}"
        body = section[1].split("\n## ", 1)[0]
        assert re.search(r"\b[0-9a-f]{40}\b", body), f"{source}: no commit"
        assert "Licence:" in body, f"{source}: no licence"
        licence = next(p for p in (CORPUS / source).iterdir() if p.name.startswith("LICENSE"))
        assert licence.stat().st_size > 0
