"""Coverage of the catalogue against the research: every permission the SAM CLI's calls need,
and every handler permission of the resource types a default SAM function produces.

``SAM_CLI_CALLS`` is the research's list of the AWS calls the SAM CLI makes (SAM CLI 1.170.0,
read from its source and traced under moto): one row per (command, IAM action, when).
Extend the table when the research grows; each row must be met by a catalogue need for that
action whose trigger is the same command, or a template property or resource type (for calls
that only some templates cause). Handler coverage reads the cfn-lint schema data directly
(``data/cloudformation/handlers.json.gz``), not through the catalogue.
"""

from __future__ import annotations

import gzip
import json

import pytest

import lambda_perms
from lambda_perms import CommandTrigger, PropertyTrigger, ResourceTypeTrigger
from tests._support import ROOT

# (command, IAM action, when the SAM CLI needs it)
SAM_CLI_CALLS: list[tuple[str, str, str]] = [
    (
        "deploy",
        "s3:GetObject",
        "per local artifact (code zip, AWS::Include, nested template) unless --force-upload; 403/40",
    ),
    ("deploy", "s3:PutObject", "artifact not yet in bucket, size < 8 MiB (s3transfer default)"),
    ("deploy", "s3:PutObject", "artifact >= 8 MiB"),
    ("deploy", "s3:AbortMultipartUpload", "multipart upload fails"),
    (
        "deploy",
        "kms:GenerateDataKey",
        "--kms-key-id given (SSE-KMS on upload; default is SSE AES256)",
    ),
    ("deploy", "kms:Decrypt", "--kms-key-id given (SSE-KMS on upload; default is SSE AES256)"),
    ("deploy", "s3:GetObjectTagging", "--signing-profiles for a function/layer"),
    ("deploy", "signer:StartSigningJob", "--signing-profiles for a function/layer"),
    (
        "deploy",
        "signer:DescribeSigningJob",
        "--signing-profiles (waiter successful_signing_job + direct call)",
    ),
    (
        "deploy",
        "serverlessrepo:CreateCloudFormationTemplate",
        "template has AWS::Serverless::Application with Location {ApplicationId, SemanticVersion} (",
    ),
    ("deploy", "ecr:GetAuthorizationToken", "image function: first image pushed"),
    (
        "deploy",
        "ecr:BatchCheckLayerAvailability",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "ecr:InitiateLayerUpload",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "ecr:UploadLayerPart",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "ecr:CompleteLayerUpload",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "ecr:PutImage",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "ecr:BatchGetImage",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "deploy",
        "s3:GetBucketVersioning",
        "--s3-bucket given and template has AWS::Serverless::WebFunction with local code",
    ),
    (
        "deploy",
        "s3:GetBucketPolicy",
        "--s3-bucket given and template has AWS::Serverless::WebFunction with local code",
    ),
    ("deploy", "kms:DescribeKey", "as above plus --kms-key-id"),
    ("deploy", "kms:GetKeyPolicy", "as above plus --kms-key-id, key is customer managed"),
    (
        "package",
        "s3:GetObject",
        "per local artifact (code zip, AWS::Include, nested template) unless --force-upload; 403/40",
    ),
    ("package", "s3:PutObject", "artifact not yet in bucket, size < 8 MiB (s3transfer default)"),
    ("package", "s3:PutObject", "artifact >= 8 MiB"),
    ("package", "s3:AbortMultipartUpload", "multipart upload fails"),
    (
        "package",
        "kms:GenerateDataKey",
        "--kms-key-id given (SSE-KMS on upload; default is SSE AES256)",
    ),
    ("package", "kms:Decrypt", "--kms-key-id given (SSE-KMS on upload; default is SSE AES256)"),
    ("package", "s3:GetObjectTagging", "--signing-profiles for a function/layer"),
    ("package", "signer:StartSigningJob", "--signing-profiles for a function/layer"),
    (
        "package",
        "signer:DescribeSigningJob",
        "--signing-profiles (waiter successful_signing_job + direct call)",
    ),
    (
        "package",
        "serverlessrepo:CreateCloudFormationTemplate",
        "template has AWS::Serverless::Application with Location {ApplicationId, SemanticVersion} (",
    ),
    ("package", "ecr:GetAuthorizationToken", "image function: first image pushed"),
    (
        "package",
        "ecr:BatchCheckLayerAvailability",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "ecr:InitiateLayerUpload",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "ecr:UploadLayerPart",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "ecr:CompleteLayerUpload",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "ecr:PutImage",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "ecr:BatchGetImage",
        "image function: docker daemon push with the token (BatchGetImage listed only in newer AWS ",
    ),
    (
        "package",
        "s3:GetBucketVersioning",
        "--s3-bucket given and template has AWS::Serverless::WebFunction with local code",
    ),
    (
        "package",
        "s3:GetBucketPolicy",
        "--s3-bucket given and template has AWS::Serverless::WebFunction with local code",
    ),
    ("package", "kms:DescribeKey", "as above plus --kms-key-id"),
    ("package", "kms:GetKeyPolicy", "as above plus --kms-key-id, key is customer managed"),
    ("deploy", "cloudformation:DescribeStacks", "always"),
    (
        "deploy",
        "cloudformation:GetTemplateSummary",
        "stack exists and status != REVIEW_IN_PROGRESS (ChangeSetType UPDATE)",
    ),
    (
        "deploy",
        "s3:GetObject",
        "an S3 bucket is in use (--s3-bucket, --resolve-s3, --guided): stack template uploaded, pas",
    ),
    ("deploy", "s3:PutObject", "as above, template object not yet present"),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "always (changeset samcli-deploy<epoch>, CREATE or UPDATE)",
    ),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "template has Transform AWS::Serverless-2016-10-31 (IAM resource arn:<partition>:cloudforma",
    ),
    (
        "deploy",
        "cloudformation:DescribeChangeSet",
        "always (waiter change_set_create_complete, Delay=SAM_CLI_POLL_DELAY default 5s)",
    ),
    (
        "deploy",
        "cloudformation:DescribeChangeSet",
        "changeset not empty (paginator, to print changes)",
    ),
    (
        "deploy",
        "cloudformation:DescribeStackEvents",
        "unless --no-execute-changeset / confirm prompt declined / empty changeset",
    ),
    (
        "deploy",
        "cloudformation:ExecuteChangeSet",
        "unless --no-execute-changeset / confirm prompt declined / empty changeset (DisableRollback",
    ),
    (
        "deploy",
        "cloudformation:DescribeStackEvents",
        "after execute (paginator, polled until root stack event not IN_PROGRESS)",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "after execute (waiter stack_create_complete / stack_update_complete, Delay 30s)",
    ),
    ("deploy", "cloudformation:DescribeStacks", "after successful execute (print Outputs)"),
    ("deploy", "iam:PassRole", "--role-arn given (RoleARN on CreateChangeSet)"),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--on-failure DELETE and execute/wait failed (DeployFailedError)",
    ),
    ("deploy", "cloudformation:DescribeStackEvents", "--on-failure DELETE, failed"),
    ("deploy", "cloudformation:RollbackStack", "--on-failure DELETE, stack status UPDATE_FAILED"),
    (
        "deploy",
        "cloudformation:DeleteStack",
        "--on-failure DELETE, status CREATE_FAILED/ROLLBACK_COMPLETE/ROLLBACK_FAILED",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--on-failure DELETE: _rollback_wait polling and waiter stack_delete_complete",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--resolve-s3 or --guided (guided: always): look up aws-sam-cli-managed-default",
    ),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "--resolve-s3 or --guided (guided: always), stack missing (any DescribeStacks ClientError):",
    ),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "--resolve-s3 or --guided (guided: always), stack missing: template has Transform AWS::Serv",
    ),
    (
        "deploy",
        "cloudformation:DescribeChangeSet",
        "--resolve-s3 or --guided (guided: always), stack missing (waiter change_set_create_complet",
    ),
    (
        "deploy",
        "cloudformation:ExecuteChangeSet",
        "--resolve-s3 or --guided (guided: always), stack missing",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--resolve-s3 or --guided (guided: always), stack missing (waiter stack_create_complete + f",
    ),
    (
        "deploy",
        "s3:CreateBucket",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:PutBucketPublicAccessBlock",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:PutEncryptionConfiguration",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:PutBucketVersioning",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:PutBucketTagging",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:PutBucketPolicy",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "deploy",
        "s3:GetBucketPolicy",
        "--resolve-s3 or --guided (guided: always), stack missing: CloudFormation creates AWS::S3::",
    ),
    (
        "package",
        "cloudformation:DescribeStacks",
        "--resolve-s3: look up aws-sam-cli-managed-default",
    ),
    (
        "package",
        "cloudformation:CreateChangeSet",
        "--resolve-s3, stack missing (any DescribeStacks ClientError): ChangeSetName InitialCreatio",
    ),
    (
        "package",
        "cloudformation:CreateChangeSet",
        "--resolve-s3, stack missing: template has Transform AWS::Serverless-2016-10-31",
    ),
    (
        "package",
        "cloudformation:DescribeChangeSet",
        "--resolve-s3, stack missing (waiter change_set_create_complete, Delay 15, 60 attempts)",
    ),
    ("package", "cloudformation:ExecuteChangeSet", "--resolve-s3, stack missing"),
    (
        "package",
        "cloudformation:DescribeStacks",
        "--resolve-s3, stack missing (waiter stack_create_complete + final read)",
    ),
    (
        "package",
        "s3:CreateBucket",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:PutBucketPublicAccessBlock",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:PutEncryptionConfiguration",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:PutBucketVersioning",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:PutBucketTagging",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:PutBucketPolicy",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "package",
        "s3:GetBucketPolicy",
        "--resolve-s3, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket + A",
    ),
    (
        "sync",
        "cloudformation:DescribeStacks",
        "no --s3-bucket: look up aws-sam-cli-managed-default",
    ),
    (
        "sync",
        "cloudformation:CreateChangeSet",
        "no --s3-bucket, stack missing (any DescribeStacks ClientError): ChangeSetName InitialCreat",
    ),
    (
        "sync",
        "cloudformation:CreateChangeSet",
        "no --s3-bucket, stack missing: template has Transform AWS::Serverless-2016-10-31",
    ),
    (
        "sync",
        "cloudformation:DescribeChangeSet",
        "no --s3-bucket, stack missing (waiter change_set_create_complete, Delay 15, 60 attempts)",
    ),
    ("sync", "cloudformation:ExecuteChangeSet", "no --s3-bucket, stack missing"),
    (
        "sync",
        "cloudformation:DescribeStacks",
        "no --s3-bucket, stack missing (waiter stack_create_complete + final read)",
    ),
    (
        "sync",
        "s3:CreateBucket",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:PutBucketPublicAccessBlock",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:PutEncryptionConfiguration",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:PutBucketVersioning",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:PutBucketTagging",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:PutBucketPolicy",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "sync",
        "s3:GetBucketPolicy",
        "no --s3-bucket, stack missing: CloudFormation creates AWS::S3::Bucket SamCliSourceBucket +",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--guided (always, 2x) or --resolve-image-repos: <stack[:104]>-<md5(stack)[:8]>-CompanionSt",
    ),
    (
        "deploy",
        "cloudformation:ListStackResources",
        "companion stack exists (list its ECR repos; boto3 resource Stack.resource_summaries)",
    ),
    (
        "deploy",
        "ecr:DeleteRepository",
        "companion stack exists and has repos no longer referenced by an image function",
    ),
    (
        "deploy",
        "s3:GetObject",
        "image functions need SAM-managed repos: companion template uploaded (<prefix>/<md5>.templa",
    ),
    (
        "deploy",
        "s3:PutObject",
        "image functions need SAM-managed repos: companion template uploaded (<prefix>/<md5>.templa",
    ),
    (
        "deploy",
        "cloudformation:CreateStack",
        "companion stack to be created (Capabilities [CAPABILITY_AUTO_EXPAND], TemplateURL)",
    ),
    ("deploy", "cloudformation:UpdateStack", "companion stack exists and still has repos"),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "after create/update/delete of companion stack (waiters, Delay 10, 120 attempts)",
    ),
    (
        "deploy",
        "cloudformation:DeleteStack",
        "companion stack exists but no image function needs a repo any more",
    ),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "companion template has Transform AWS::Serverless-2016-10-31 (CreateStack/UpdateStack)",
    ),
    (
        "deploy",
        "ecr:CreateRepository",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:SetRepositoryPolicy",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:TagResource",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:DescribeRepositories",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:GetRepositoryPolicy",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:ListTagsForResource",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "ecr:DeleteRepository",
        "CloudFormation creates/updates/deletes AWS::ECR::Repository (RepositoryName, Tags, Reposit",
    ),
    (
        "deploy",
        "cloudformation:DescribeStacks",
        "--resolve-s3 or --guided and template has AWS::Serverless::WebFunction with local code: ge",
    ),
    (
        "deploy",
        "cloudformation:CreateChangeSet",
        "--resolve-s3 or --guided and template has AWS::Serverless::WebFunction with local code: ge",
    ),
    (
        "deploy",
        "cloudformation:DescribeChangeSet",
        "--resolve-s3 or --guided and template has AWS::Serverless::WebFunction with local code: ge",
    ),
    (
        "deploy",
        "cloudformation:ExecuteChangeSet",
        "--resolve-s3 or --guided and template has AWS::Serverless::WebFunction with local code: ge",
    ),
    ("delete", "cloudformation:DescribeStacks", "always (can_delete_stack)"),
    ("delete", "cloudformation:GetTemplate", "stack exists (TemplateStage Original)"),
    ("delete", "cloudformation:ListChangeSets", "stack exists but GetTemplate returned no body"),
    (
        "delete",
        "cloudformation:DescribeStacks",
        "stack exists: <stack[:104]>-<md5[:8]>-CompanionStack (AccessDenied aborts the delete)",
    ),
    ("delete", "cloudformation:GetTemplate", "companion stack exists"),
    (
        "delete",
        "ecr:DeleteRepository",
        "companion stack exists, per repo not retained (force=True)",
    ),
    (
        "delete",
        "cloudformation:DeleteStack",
        "companion stack exists (RetainResources=[]; retried with retained repos on DELETE_FAILED)",
    ),
    (
        "delete",
        "cloudformation:DescribeStacks",
        "after each delete_stack (waiter stack_delete_complete, Delay 30)",
    ),
    (
        "delete",
        "s3:GetObject",
        "per zip artifact referenced by the template (and template file / each key under <prefix>/)",
    ),
    ("delete", "s3:DeleteObject", "as above, object found"),
    (
        "delete",
        "s3:ListBucket",
        "s3 prefix known (option, samconfig or inferred from first artifact key): list first page o",
    ),
    ("delete", "ecr:BatchDeleteImage", "image function with ECR ImageUri in the template"),
    (
        "delete",
        "ecr:DeleteRepository",
        "AWS::ECR::Repository with literal RepositoryName in the main template",
    ),
    (
        "delete",
        "cloudformation:DescribeStackResource",
        "template has nested stacks (AWS::CloudFormation::Stack / AWS::Serverless::Application)",
    ),
    ("delete", "cloudformation:GetTemplate", "as above, child stack exists"),
    (
        "delete",
        "cloudformation:DeleteStack",
        "stack exists (RetainResources=[], DeploymentConfig with --express)",
    ),
    (
        "delete",
        "cloudformation:DescribeStacks",
        "always, also when the stack does not exist: <stack[:100]>-<md5[:8]>-WebFunctionCode (Acces",
    ),
    (
        "delete",
        "cloudformation:ListImports",
        "WebFunctionCode stack exists, SAM-tagged, not termination-protected",
    ),
    (
        "delete",
        "s3:ListBucketVersions",
        "WebFunctionCode stack, no importers: empty the versioned bucket",
    ),
    ("delete", "s3:DeleteObjectVersion", "WebFunctionCode stack: DeleteObjects with VersionId"),
    ("delete", "cloudformation:DeleteStack", "as above"),
    (
        "delete",
        "cloudformation:UpdateTerminationProtection",
        "a Web Function is retained or the bucket is imported by another stack",
    ),
    (
        "sync",
        "cloudformation:GetTemplate",
        "first sync with --skip-deploy-sync (default): compare to deployed template",
    ),
    ("sync", "cloudformation:DescribeStacks", "skip check: read stack parameters"),
    ("sync", "cloudformation:DescribeStackResource", "skip check, nested stacks"),
    ("sync", "s3:GetObject", "skip check, nested template stored in S3"),
    (
        "sync",
        "s3:PutObject",
        "infra sync: package with force_upload=True (no HeadObject), template upload",
    ),
    ("sync", "cloudformation:DescribeStacks", "infra sync: existence + params"),
    ("sync", "cloudformation:GetTemplateSummary", "infra sync: existence + params"),
    (
        "sync",
        "cloudformation:CreateStack",
        "infra sync, stack missing (no change set; DeploymentConfig Mode EXPRESS by default; Capabi",
    ),
    ("sync", "cloudformation:UpdateStack", "infra sync, stack exists"),
    ("sync", "cloudformation:DescribeStackEvents", "infra sync: events + waiter"),
    ("sync", "cloudformation:DescribeStacks", "infra sync: events + waiter"),
    (
        "sync",
        "cloudformation:CreateChangeSet",
        "transform in template with CreateStack/UpdateStack",
    ),
    ("sync", "cloudformation:ListStackResources", "code sync: physical IDs"),
    ("sync", "lambda:GetFunction", "zip/image/layer flows: compare, poll LastUpdateStatus"),
    (
        "sync",
        "lambda:UpdateFunctionCode",
        "zip (ZipFile if < 50 MiB else S3Bucket/S3Key) or image (ImageUri)",
    ),
    ("sync", "lambda:GetFunctionConfiguration", "waiter function_updated"),
    (
        "sync",
        "lambda:PublishVersion",
        "AutoPublishAlias, or capacity-provider publish_to_latest_published",
    ),
    ("sync", "lambda:UpdateAlias", "AutoPublishAlias"),
    ("sync", "lambda:ListLayerVersions", "layer changed / auto dependency layer"),
    ("sync", "lambda:GetLayerVersion", "layer changed / auto dependency layer"),
    ("sync", "lambda:PublishLayerVersion", "layer changed / auto dependency layer"),
    ("sync", "lambda:DeleteLayerVersion", "layer changed / auto dependency layer"),
    ("sync", "lambda:UpdateFunctionConfiguration", "function layers updated"),
    ("sync", "apigateway:PUT", "REST API definition changed"),
    ("sync", "apigateway:POST", "REST API definition changed"),
    ("sync", "apigateway:GET", "REST API definition changed"),
    ("sync", "apigateway:PATCH", "REST API definition changed"),
    ("sync", "apigateway:DELETE", "REST API definition changed"),
    ("sync", "apigateway:PUT", "HTTP API definition changed"),
    ("sync", "states:UpdateStateMachine", "state machine definition changed"),
    (
        "build",
        "serverlessrepo:CreateCloudFormationTemplate",
        "never, except: template has AWS::Serverless::Application with Location {ApplicationId, Sem",
    ),
]

# Commands the catalogue does not cover, with the reason (rows for them are skipped).
OUT_OF_SCOPE = {
    "build": "sam build is not a deployment command; its SAR call is covered by sam package/deploy"
}

# Handler permissions the catalogue leaves out on purpose, with the reason.
NOT_IAM_ACTIONS = {
    "lambda:AssociateRuntimeAlias": "listed by the AWS::Lambda::Function schema but not an IAM action",
}
DEFAULT_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::IAM::Role")


# Calls that depend on what the template holds may be catalogued under the template property
# or resource type that causes them rather than under the command.
_TEMPLATE_WORDS = (
    "template",
    "image",
    "WebFunction",
    "Web Function",
    "Application",
    "nested",
    "AWS::",
)


def _needs_with_trigger(command: str, action: str, when: str) -> list[object]:
    template_dependent = any(word in when for word in _TEMPLATE_WORDS)
    found: list[object] = []
    for need in lambda_perms.catalogue().needs(action):
        for trigger in need.triggers:
            by_command = isinstance(trigger, CommandTrigger) and trigger.command.value == command
            by_template = template_dependent and isinstance(
                trigger, PropertyTrigger | ResourceTypeTrigger
            )
            if by_command or by_template:
                found.append(trigger)
    return found


@pytest.mark.parametrize(("command", "action", "when"), SAM_CLI_CALLS)
def test_every_sam_cli_call_is_catalogued(command: str, action: str, when: str) -> None:
    if command in OUT_OF_SCOPE:
        pytest.skip(OUT_OF_SCOPE[command])
    assert _needs_with_trigger(command, action, when), (
        f"sam {command}: {action} ({when}) is not catalogued"
    )


def _handlers() -> dict[str, dict[str, list[str]]]:
    data = json.loads(
        gzip.decompress((ROOT / "data" / "cloudformation" / "handlers.json.gz").read_bytes())
    )
    types: dict[str, dict[str, list[str]]] = data["types"]
    return types


HANDLER_ROWS = [
    (resource_type, handler, permission)
    for resource_type in DEFAULT_FUNCTION_TYPES
    for handler in ("create", "update", "delete")
    for permission in _handlers()[resource_type].get(handler, [])
]


@pytest.mark.parametrize(("resource_type", "handler", "permission"), HANDLER_ROWS)
def test_every_handler_permission_of_a_default_function_is_catalogued(
    resource_type: str, handler: str, permission: str
) -> None:
    if permission in NOT_IAM_ACTIONS:
        pytest.skip(NOT_IAM_ACTIONS[permission])
    needs = lambda_perms.catalogue().needs(permission)
    triggered = [
        t
        for need in needs
        for t in need.triggers
        if (isinstance(t, ResourceTypeTrigger) and t.resource_type == resource_type)
        or (isinstance(t, PropertyTrigger) and t.property.startswith(resource_type + "."))
    ]
    assert triggered, f"{permission} ({resource_type} {handler}) has no trigger on that type"
