"""Deploy policies: SAM command line parsing, selection, scoping, rendering, determinism."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import lambda_perms
from lambda_perms.algebra.validation import Severity, validate
from lambda_perms.catalogues.catalogue import catalogue
from lambda_perms.catalogues.terms import Command
from lambda_perms.deploy.generate import ROLLBACK_WARNING, deploy_policy
from lambda_perms.deploy.result import DeployPolicy
from lambda_perms.deploy.samcli import DEFAULT_RESOURCE_TYPES, DeployOptions
from lambda_perms.deploy.scope import Scope
from lambda_perms.deploy.statements import BOUNDARY_ACTIONS
from lambda_perms.deploy.templates import load_template
from lambda_perms.errors import InvalidArnError, UnknownNameError
from lambda_perms.iam.policy import Policy
from tests._support import FIXTURES

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
SCOPE = Scope(account=ACCOUNT, region=REGION, stack="my-app", bucket="my-artifacts")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cfn-deployer"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/deploy-boundary"


def build(args: list[str], scope: Scope = SCOPE, **kwargs: Any) -> DeployPolicy:
    options, _ = DeployOptions.from_sam_args(args)
    return deploy_policy(options, scope, **kwargs)


def actions(policy: Policy) -> set[str]:
    return {a.text for s in policy.statements for a in s.action or ()}


def grants(policy: Policy) -> set[tuple[str, str]]:
    return {
        (a.text, r.text)
        for s in policy.statements
        for a in s.action or ()
        for r in s.resource or ()
    }


# -- parsing the SAM command line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "flags", "fields", "notes"),
    [
        ([], (), {"command": Command.DEPLOY}, ()),
        (["sam", "deploy"], (), {}, ()),
        (["package"], (), {"command": Command.PACKAGE}, ()),
        (
            ["deploy", "--stack-name", "app", "--s3-bucket=b", "--s3-prefix", "p"],
            ("--s3-bucket", "--s3-prefix"),
            {"stack_name": "app", "s3_bucket": "b", "s3_prefix": "p"},
            (),
        ),
        (["deploy", "-g"], ("--guided",), {}, ()),
        (["deploy", "--resolve-s3", "--force-upload"], ("--force-upload", "--resolve-s3"), {}, ()),
        (["deploy", "--resolve-s3=false"], (), {}, ()),
        (["deploy", "--on-failure", "delete"], ("--on-failure DELETE",), {}, ()),
        (["deploy", "--on-failure=DO_NOTHING"], ("--on-failure DO_NOTHING",), {}, ()),
        (
            ["deploy", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--debug"],
            (),
            {"capabilities": ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")},
            (),
        ),
        (
            ["deploy", "--capabilities", "CAPABILITY_IAM CAPABILITY_NAMED_IAM"],
            (),
            {"capabilities": ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")},
            (),
        ),
        (
            ["deploy", "--signing-profiles", "Fn=Prof", "--region", "eu-west-1"],
            ("--signing-profiles",),
            {"signing_profiles": ("Fn=Prof",), "region": "eu-west-1"},
            (),
        ),
        (
            ["deploy", "--role-arn", ROLE, "--kms-key-id", "k", "--image-repository", "r"],
            ("--image-repository", "--kms-key-id", "--role-arn"),
            {"role_arn": ROLE, "kms_key_id": "k", "image_repository": "r"},
            (),
        ),
        (
            [
                "deploy",
                "--no-confirm-changeset",
                "--tags",
                "a=b",
                "c=d",
                "--parameter-overrides",
                "X=1",
                "--template-file",
                "t.yaml",
                "--config-env=dev",
                "--profile",
                "p",
                "--no-fail-on-empty-changeset",
                "--use-json",
                "--metadata",
                "{}",
                "--notification-arns",
                "arn:aws:sns:us-east-1:1:t",
                "--disable-rollback",
                "--no-execute-changeset",
            ],
            ("--disable-rollback", "--no-execute-changeset"),
            {},
            (),
        ),
        (
            ["deploy", "--frobnicate", "x", "--stack-name", "s"],
            (),
            {"stack_name": "s"},
            ("unknown flag --frobnicate for sam deploy: it is ignored",),
        ),
        (
            ["deploy", "--new-flag=1"],
            (),
            {},
            ("unknown flag --new-flag for sam deploy: it is ignored",),
        ),
        (
            ["deploy", "stray"],
            (),
            {},
            ("ignored the argument 'stray': sam deploy takes no positional argument",),
        ),
        (["deploy", "--s3-bucket"], (), {}, ("--s3-bucket needs a value; ignored",)),
        (["delete", "--stack-name", "s", "--no-prompts"], (), {"command": Command.DELETE}, ()),
    ],
)
def test_from_sam_args(
    args: list[str], flags: tuple[str, ...], fields: dict[str, Any], notes: tuple[str, ...]
) -> None:
    options, found = DeployOptions.from_sam_args(args)
    assert options.flags == flags
    for name, value in fields.items():
        assert getattr(options, name) == value
    assert found == notes
    assert options.resource_types == DEFAULT_RESOURCE_TYPES


def test_unknown_command_is_an_error() -> None:
    with pytest.raises(UnknownNameError, match="sam build"):
        DeployOptions.from_sam_args(["build"])


def test_options_are_frozen_and_hashable() -> None:
    options, _ = DeployOptions.from_sam_args(["deploy", "--resolve-s3"])
    assert hash(options) == hash(DeployOptions.from_sam_args(["deploy", "--resolve-s3"])[0])
    with pytest.raises(AttributeError):
        options.command = Command.SYNC  # type: ignore[misc]


# -- the scope ------------------------------------------------------------------------------------


def test_scope_is_filled_from_the_command_line() -> None:
    options, _ = DeployOptions.from_sam_args(
        ["deploy", "--stack-name", "s", "--s3-bucket", "b", "--region", "cn-north-1"]
    )
    assert Scope(account=ACCOUNT).filled(options) == Scope(
        partition="aws-cn", region="cn-north-1", account=ACCOUNT, stack="s", bucket="b"
    )
    assert Scope(stack="mine").filled(options).stack == "mine"


@pytest.mark.parametrize(
    "scope",
    [
        {"account": "1234"},
        {"region": "us-east-1:x"},
        {"stack": "a/b"},
        {"bucket": "*"},
    ],
)
def test_scope_rejects_what_cannot_be_in_an_arn(scope: dict[str, str]) -> None:
    with pytest.raises(InvalidArnError):
        Scope(**scope)


def test_unknown_values_become_a_wildcard_in_their_segment_only() -> None:
    policy = deploy_policy().policy
    resources = {r.text for s in policy.statements for r in s.resource or ()}
    assert "arn:aws:cloudformation:*:*:stack/*/*" in resources
    assert "arn:aws:s3:::*/*" in resources
    partial = deploy_policy(scope=Scope(region="eu-west-1")).policy
    assert "arn:aws:cloudformation:eu-west-1:*:stack/*/*" in {
        r.text for s in partial.statements for r in s.resource or ()
    }


def test_partition_from_region() -> None:
    policy = build(["deploy"], Scope(region="cn-north-1", account=ACCOUNT)).policy
    assert all(
        r.text.startswith("arn:aws-cn:") for s in policy.statements for r in s.resource or ()
    )


# -- the default policy -----------------------------------------------------------------------


def test_default_policy_is_sam_deploy_of_a_zip_function_with_rollback() -> None:
    result = deploy_policy()
    assert result.warnings == ()
    assert result.service_role_policy is None
    got = actions(result.policy)
    assert {
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DescribeStackEvents",
        "s3:PutObject",
        "iam:CreateRole",
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:DeleteFunction",  # rollback
        "iam:DeleteRole",  # rollback
    } <= got
    assert not any(a.startswith(("ecr:", "signer:", "kms:", "ec2:")) for a in got)
    assert [f for f in validate(result.policy) if f.severity is Severity.ERROR] == []


def test_sids_are_readable_unique_and_alphanumeric() -> None:
    sids = [s.sid for s in build(["deploy"]).policy.statements]
    assert sids[:3] == ["CloudFormationDeploy", "CloudFormationTransform", "S3Artifacts"]
    assert {"IamExecutionRole", "IamPassExecutionRole", "LambdaFunction", "LambdaRollback"} <= set(
        sids
    )
    assert len(sids) == len(set(sids))
    assert all(sid is not None and sid.isalnum() for sid in sids)


# -- many command lines: validity, scoping, PassRole --------------------------------------------

COMMAND_LINES = [
    ["deploy"],
    ["deploy", "--resolve-s3"],
    ["deploy", "--guided"],
    ["deploy", "--no-execute-changeset"],
    ["deploy", "--on-failure", "DELETE"],
    ["deploy", "--disable-rollback"],
    ["deploy", "--resolve-image-repos"],
    ["deploy", "--image-repository", "repo"],
    ["deploy", "--kms-key-id", "key"],
    ["deploy", "--signing-profiles", "Fn=Prof"],
    ["deploy", "--role-arn", ROLE],
    ["deploy", "--force-upload"],
    ["package"],
    ["package", "--resolve-s3"],
    ["package", "--resolve-image-repos"],
    ["delete"],
    ["delete", "--s3-bucket", "other"],
    ["sync"],
    ["sync", "--s3-bucket", "b"],
]
SCOPES = [Scope(), SCOPE, Scope(account=ACCOUNT, region="us-gov-west-1", stack="s")]


def _policies(result: DeployPolicy) -> list[Policy]:
    return [result.policy] + (
        [result.service_role_policy] if result.service_role_policy is not None else []
    )


@pytest.mark.parametrize("args", COMMAND_LINES, ids=" ".join)
@pytest.mark.parametrize("scope", SCOPES, ids=["unknown", "scoped", "gov"])
@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "no-rollback"])
def test_every_policy_validates_without_errors(
    args: list[str], scope: Scope, rollback: bool
) -> None:
    result = build(args, scope, rollback=rollback, boundary=BOUNDARY)
    for policy in _policies(result):
        assert policy.statements
        assert [str(f) for f in validate(policy) if f.severity is Severity.ERROR] == []
        assert not [f for f in validate(policy) if f.code.startswith("passrole")]
        Policy.from_json(policy.to_json())  # IAM's JSON shape


@pytest.mark.parametrize("args", COMMAND_LINES, ids=" ".join)
def test_every_passrole_carries_passed_to_service(args: list[str]) -> None:
    for policy in _policies(build(args)):
        for statement in policy.statements:
            if any(a.key == "iam:passrole" for a in statement.action or ()):
                keys = {e.key for e in statement.condition.entries}
                assert "iam:PassedToService" in keys


def _star_justified() -> set[str]:
    return {n.action.key for s in catalogue().services for n in s.needs if n.resources == ("*",)}


@pytest.mark.parametrize("args", COMMAND_LINES, ids=" ".join)
def test_scoped_policy_has_no_star_resource_except_justified(args: list[str]) -> None:
    justified = _star_justified()
    for policy in _policies(build(args)):
        for statement in policy.statements:
            if any(r.text == "*" for r in statement.resource or ()):
                assert {a.key for a in statement.action or ()} <= justified, statement.sid


def test_scoped_default_names_the_stack_bucket_account_region() -> None:
    got = grants(build(["deploy"]).policy)
    assert (
        "cloudformation:CreateChangeSet",
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/my-app/*",
    ) in got
    assert (
        "cloudformation:CreateChangeSet",
        f"arn:aws:cloudformation:{REGION}:aws:transform/Serverless-2016-10-31",
    ) in got
    assert ("s3:PutObject", "arn:aws:s3:::my-artifacts/*") in got
    assert ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/my-app-*") in got
    assert ("lambda:CreateFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-app-*") in got
    assert all(resource != "*" for _, resource in got)


def test_prefix_narrows_the_objects() -> None:
    got = grants(build(["deploy", "--s3-prefix", "apps/a"]).policy)
    assert ("s3:PutObject", "arn:aws:s3:::my-artifacts/apps/a*") in got


def test_guided_uses_the_stack_name_as_prefix() -> None:
    got = grants(build(["deploy", "--guided"]).policy)
    assert (
        "s3:AbortMultipartUpload",
        "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*/my-app*",
    ) in got
    # the data also has --guided write the ECR companion stack's template anywhere in the
    # bucket, and a grant covered by a broader one of the same action is folded into it
    assert (
        "s3:PutObject",
        "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*/*",
    ) in got
    assert (
        "s3:PutObject",
        "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*/my-app*",
    ) not in got


# -- selection per command and flag ------------------------------------------------------------


def test_resolve_s3_uses_the_managed_bucket_not_the_scope_bucket() -> None:
    result = build(["deploy", "--resolve-s3"])
    resources = {r for _, r in grants(result.policy)}
    assert not any("my-artifacts" in r for r in resources)
    assert "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*" in resources
    assert (
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/aws-sam-cli-managed-default/*"
        in resources
    )


def test_no_execute_changeset_drops_execute_and_events() -> None:
    got = actions(build(["deploy", "--no-execute-changeset"]).policy)
    assert "cloudformation:CreateChangeSet" in got
    assert "cloudformation:ExecuteChangeSet" not in got
    assert "cloudformation:DescribeStackEvents" not in got


def test_force_upload_needs_no_get_object_by_sam() -> None:
    plain = build(["deploy"])
    forced = build(["deploy", "--force-upload"])
    assert "s3:GetObject" in plain.explain()
    why = [n.why for n in forced.reasons["S3Artifacts"].get("s3:GetObject", ())]
    assert all(
        n.caller.value == "cloudformation" for n in forced.reasons["S3Artifacts"]["s3:GetObject"]
    )
    assert why


def test_on_failure_delete_adds_rollback_stack_calls() -> None:
    got = actions(build(["deploy", "--on-failure", "DELETE"]).policy)
    assert {"cloudformation:DeleteStack", "cloudformation:RollbackStack"} <= got
    assert "cloudformation:DeleteStack" not in actions(build(["deploy"]).policy)


def test_package_calls_no_cloudformation_and_creates_nothing() -> None:
    got = actions(build(["package"]).policy)
    assert got == {"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}


def test_delete_runs_the_delete_handlers_only() -> None:
    result = build(["delete"])
    assert result.policy.statements[0].sid == "CloudFormationDelete"
    got = actions(result.policy)
    assert {"cloudformation:DeleteStack", "lambda:DeleteFunction", "iam:DeleteRole"} <= got
    assert {"s3:DeleteObject", "s3:ListBucket"} <= got
    assert not {"lambda:CreateFunction", "iam:CreateRole", "cloudformation:CreateChangeSet"} & got
    # deleting is sam delete's job: --no-rollback changes nothing there, and warns nothing
    no_rollback = build(["delete"], rollback=False)
    assert actions(no_rollback.policy) == got
    assert no_rollback.warnings == ()


def test_image_repository_flags_bring_in_ecr() -> None:
    got = grants(build(["deploy", "--image-repository", "repo"]).policy)
    assert ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/repo") in got
    assert ("ecr:GetAuthorizationToken", "*") in got


def test_resource_types_and_properties() -> None:
    options = DeployOptions(resource_types=("AWS::Lambda::Function", "AWS::Lambda::Permission"))
    got = actions(deploy_policy(options, SCOPE).policy)
    assert "lambda:AddPermission" in got
    assert "iam:CreateRole" not in got
    assert "iam:PassRole" in got  # the function's role is passed even when it is not created
    assert "ec2:DescribeSecurityGroups" not in got
    vpc = DeployOptions(properties=("AWS::Lambda::Function.VpcConfig",))
    assert "ec2:DescribeSecurityGroups" in actions(deploy_policy(vpc, SCOPE).policy)


# -- rollback -------------------------------------------------------------------------------------


def test_no_rollback_drops_exactly_the_rollback_only_needs_and_warns() -> None:
    with_rollback = build(["deploy"])
    without = build(["deploy"], rollback=False)
    assert without.warnings == (ROLLBACK_WARNING,)
    assert "ROLLBACK_FAILED" in ROLLBACK_WARNING
    dropped = grants(with_rollback.policy) - grants(without.policy)
    assert grants(without.policy) <= grants(with_rollback.policy)
    rollback_sids = {
        s.sid for s in with_rollback.policy.statements if s.sid and "Rollback" in s.sid
    }
    assert rollback_sids == {"IamRollback", "LambdaRollback"}
    rollback_grants = grants(
        Policy.of(*(s for s in with_rollback.policy.statements if s.sid in rollback_sids))
    )
    assert dropped == rollback_grants
    for sid in rollback_sids:
        assert all(n.rollback_only for ns in with_rollback.reasons[sid].values() for n in ns)


def test_an_action_granted_outside_rollback_is_not_repeated_there() -> None:
    policy = build(["deploy"]).policy
    lambda_rollback = next(s for s in policy.statements if s.sid == "LambdaRollback")
    assert [a.text for a in lambda_rollback.action or ()] == ["lambda:DeleteFunction"]


# -- --role-arn -----------------------------------------------------------------------------------


def test_role_arn_gives_two_policies() -> None:
    result = build(["deploy", "--role-arn", ROLE])
    assert result.service_role_policy is not None
    caller, role = result.policy, result.service_role_policy
    assert caller.allows(
        "iam:PassRole", ROLE, {"iam:PassedToService": "cloudformation.amazonaws.com"}
    )
    assert not caller.allows("iam:PassRole", ROLE, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert not caller.allows("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/other")
    assert "lambda:CreateFunction" not in actions(caller)
    assert "iam:CreateRole" not in actions(caller)
    assert {"lambda:CreateFunction", "iam:CreateRole", "iam:PassRole"} <= actions(role)
    assert "cloudformation:CreateChangeSet" in actions(caller)
    assert "cloudformation:CreateChangeSet" not in actions(role)
    document = result.to_dict()
    assert set(document) == {"caller", "service_role"}


def test_role_arn_keeps_bootstrap_with_the_caller() -> None:
    result = build(["deploy", "--role-arn", ROLE, "--resolve-s3"])
    assert result.service_role_policy is not None
    assert "s3:CreateBucket" in actions(result.policy)
    assert "s3:CreateBucket" not in actions(result.service_role_policy)
    assert "s3:DeleteBucket" in actions(result.policy)  # the managed stack's rollback


# -- permissions boundary ----------------------------------------------------------------------


def test_boundary_actions_match_the_universe() -> None:
    universe = lambda_perms.universe()
    cat_iam = {n.action.key for n in catalogue().service("iam").needs}
    supporting = {a for a in cat_iam if "iam:PermissionsBoundary" in universe.condition_keys(a)} - {
        "iam:getrole",
        "iam:deleterolepermissionsboundary",
    }  # reading, and never granted
    assert supporting == BOUNDARY_ACTIONS


def test_boundary_is_required_on_every_role_changing_action() -> None:
    result = build(["deploy"], boundary=BOUNDARY)
    boundary_context = {"iam:PermissionsBoundary": BOUNDARY}
    policy = result.policy
    role = f"arn:aws:iam::{ACCOUNT}:role/my-app-Fn-1"
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"):
        assert policy.allows(action, role, boundary_context), action
        assert not policy.allows(action, role), action
        assert not policy.allows(
            action, role, {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/x"}
        )
    assert policy.allows("iam:TagRole", role)  # supports no such key
    assert "iam:DeleteRolePermissionsBoundary" not in actions(policy)
    assert "iam:DeleteRolePermissionsBoundary" in actions(build(["deploy"]).policy)
    assert any("DeleteRolePermissionsBoundary" in w for w in result.warnings)
    sids = [s.sid for s in policy.statements]
    assert "IamExecutionRoleWithBoundary" in sids


def test_boundary_goes_to_the_service_role_with_role_arn() -> None:
    result = build(["deploy", "--role-arn", ROLE], boundary=BOUNDARY)
    assert result.service_role_policy is not None
    role = f"arn:aws:iam::{ACCOUNT}:role/my-app-Fn-1"
    assert not result.service_role_policy.allows("iam:CreateRole", role)
    assert result.service_role_policy.allows(
        "iam:CreateRole", role, {"iam:PermissionsBoundary": BOUNDARY}
    )


@pytest.mark.parametrize("bad", ["boundary", "arn:aws:iam::123456789012:role/x", "arn:aws:s3:::b"])
def test_boundary_must_be_a_managed_policy_arn(bad: str) -> None:
    with pytest.raises(InvalidArnError, match="permissions boundary"):
        deploy_policy(boundary=bad)


# -- determinism and explanation ----------------------------------------------------------------


@pytest.mark.parametrize("args", COMMAND_LINES, ids=" ".join)
def test_deterministic(args: list[str]) -> None:
    first = json.dumps(build(args).to_dict(), indent=2)
    catalogue.cache_clear()
    try:
        assert json.dumps(build(args).to_dict(), indent=2) == first
    finally:
        catalogue.cache_clear()


def test_explain_names_each_statement_and_reason() -> None:
    result = build(["deploy"])
    text = result.explain()
    for statement in result.policy.statements:
        assert statement.sid is not None
        assert statement.sid in text
    assert "cloudformation:CreateChangeSet" in text
    assert "sam deploy" in text


def test_module_doctest() -> None:
    import doctest

    import lambda_perms.deploy.generate

    assert doctest.testmod(lambda_perms.deploy.generate).failed == 0


# -- with a template ------------------------------------------------------------------------------

TEMPLATES = FIXTURES / "templates"
CORPUS = sorted(p for p in TEMPLATES.iterdir() if p.suffix in (".yaml", ".json"))
DEPLOY = ["deploy", "--stack-name", "my-app", "--s3-bucket", "my-artifacts"]
needs_sam = pytest.mark.skipif(
    importlib.util.find_spec("samtranslator") is None, reason="needs the templates extra"
)


@needs_sam
@pytest.mark.parametrize("tight", [False, True], ids=["default", "tight"])
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_template_policies_are_valid_and_scoped(path: Path, tight: bool) -> None:
    result = build(DEPLOY, template=path, tight=tight)
    errors = [f for f in validate(result.policy) if f.severity is Severity.ERROR]
    assert errors == []
    for statement in result.policy.to_dict()["Statement"]:
        if "iam:PassRole" in json.dumps(statement["Action"]):
            assert "iam:PassedToService" in json.dumps(statement["Condition"])
    # the same again, byte for byte
    again = build(DEPLOY, template=path, tight=tight)
    assert again.policy.to_json() == result.policy.to_json()


@needs_sam
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_tight_grants_a_subset(path: Path) -> None:
    full = build(DEPLOY, template=path)
    tight = build(DEPLOY, template=path, tight=True)
    assert full.policy.covers(tight.policy)


@needs_sam
def test_template_names_scope_functions_and_roles() -> None:
    result = build(DEPLOY, template=TEMPLATES / "explicit-role.yaml")
    role = f"arn:aws:iam::{ACCOUNT}:role/my-app-execution"
    assert result.policy.allows(
        "iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}
    )
    assert not result.policy.allows(
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/other",
        {"iam:PassedToService": "lambda.amazonaws.com"},
    )
    assert result.policy.allows("iam:CreateRole", role)
    named = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-app-named"
    generated = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-app-RoleFunction-AbC123"
    assert result.policy.allows("lambda:CreateFunction", named)
    assert result.policy.allows("lambda:CreateFunction", generated)
    assert not result.policy.allows(
        "lambda:CreateFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"
    )


@needs_sam
def test_an_unresolvable_role_is_any_role_with_a_warning() -> None:
    template = {
        "Parameters": {"RoleArn": {"Type": "String"}},
        "Resources": {
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Role": {"Ref": "RoleArn"}, "Code": {"ZipFile": "x"}},
            }
        },
    }
    result = build(DEPLOY, template=template)
    assert any("the role of F" in w for w in result.warnings)
    assert result.policy.allows(
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/anything",
        {"iam:PassedToService": "lambda.amazonaws.com"},
    )
    assert not result.policy.allows(
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/anything",
        {"iam:PassedToService": "ec2.amazonaws.com"},
    )


@needs_sam
def test_custom_resources_invoke_their_service_token() -> None:
    result = build(DEPLOY, template=TEMPLATES / "custom-resource.yaml")
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-app-SeedFunction-X1"
    assert result.policy.allows("lambda:InvokeFunction", function)
    assert not result.policy.allows(
        "lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"
    )
    assert any("custom resource SeedData" in w for w in result.warnings)


def test_macros_need_create_change_set_on_their_transform() -> None:
    template = {
        "Transform": ["MyMacro", "AWS::LanguageExtensions"],
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
    }
    result = build(DEPLOY, template=template)
    assert result.policy.allows(
        "cloudformation:CreateChangeSet",
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:transform/MyMacro",
    )
    assert result.policy.allows(
        "cloudformation:CreateChangeSet",
        f"arn:aws:cloudformation:{REGION}:aws:transform/LanguageExtensions",
    )
    # the macro is not known here; AWS::LanguageExtensions is expanded, so it warns of nothing
    assert sum("transform" in w for w in result.warnings) == 1
    assert not any("LanguageExtensions" in w for w in result.warnings)


def test_generic_types_are_scoped_to_the_instance() -> None:
    template = {
        "Resources": {"Orders": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders"}}}
    }
    result = build(DEPLOY, template=template)
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
    assert result.policy.allows("sqs:CreateQueue", queue)
    assert not result.policy.allows("sqs:CreateQueue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:other")
    # delete is the rollback set
    rollback = [s for s in result.policy.statements if (s.sid or "").endswith("Rollback")]
    assert any(a.text == "sqs:DeleteQueue" for s in rollback for a in s.action or ())
    assert "brought in by Orders (AWS::SQS::Queue)" in result.explain()


def test_delete_and_package_with_a_template() -> None:
    template = {"Resources": {"Orders": {"Type": "AWS::SQS::Queue"}}}
    deleted = build(["delete", "--stack-name", "my-app"], template=template)
    assert "sqs:DeleteQueue" in actions(deleted.policy)
    assert "sqs:CreateQueue" not in actions(deleted.policy)
    assert not any((s.sid or "").endswith("Rollback") for s in deleted.policy.statements)
    packaged = build(["package", "--s3-bucket", "my-artifacts"], template=template)
    assert not any(a.startswith("sqs:") for a in actions(packaged.policy))


def test_role_arn_sends_template_grants_to_the_service_role() -> None:
    template = {"Resources": {"Orders": {"Type": "AWS::SQS::Queue"}}}
    result = build([*DEPLOY, "--role-arn", ROLE], template=template)
    assert result.service_role_policy is not None
    assert "sqs:CreateQueue" in actions(result.service_role_policy)
    assert "sqs:CreateQueue" not in actions(result.policy)


def test_non_iam_handler_entries_are_skipped_with_a_warning() -> None:
    template = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}
    result = build(DEPLOY, template=template)
    assert "logs:CreateLogGroup" in actions(result.policy)
    assert any("s3:REST.PUT.OBJECT" in w and "not an IAM action" in w for w in result.warnings)


@needs_sam
def test_image_functions_without_a_repository_warn() -> None:
    path = TEMPLATES / "image-function.yaml"
    bare = build(DEPLOY, template=path)
    assert any("names no repository" in w for w in bare.warnings)
    resolved = build([*DEPLOY, "--resolve-image-repos"], template=path)
    assert not any("names no repository" in w for w in resolved.warnings)
    assert any(a.startswith("ecr:") for a in actions(resolved.policy))
    # sam delete's image clean-up is not part of a deploy
    assert "ecr:BatchDeleteImage" not in actions(resolved.policy)


def test_code_signing_without_signing_profiles_warns() -> None:
    template = {
        "Resources": {
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
                    "Code": {"S3Bucket": "b", "S3Key": "k"},
                    "CodeSigningConfigArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-1",
                },
            }
        }
    }
    unsigned = build(DEPLOY, template=template)
    assert any("--signing-profiles" in w for w in unsigned.warnings)
    signed = build([*DEPLOY, "--signing-profiles", "F=MyProfile"], template=template)
    assert not any("--signing-profiles" in w for w in signed.warnings)
    assert any(a.startswith("signer:") for a in actions(signed.policy))


def test_nested_stacks_pass_only_the_service_role() -> None:
    template = {
        "Resources": {
            "Child": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/child.yaml"},
            }
        }
    }
    plain = build(DEPLOY, template=template)
    assert "cloudformation:CreateStack" in actions(plain.policy)
    assert "iam:PassRole" not in actions(plain.policy)  # no service role: nothing to pass
    with_role = build([*DEPLOY, "--role-arn", ROLE], template=template)
    assert with_role.service_role_policy is not None
    assert with_role.service_role_policy.allows(
        "iam:PassRole", ROLE, {"iam:PassedToService": "cloudformation.amazonaws.com"}
    )
    assert not with_role.service_role_policy.allows(
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/admin",
        {"iam:PassedToService": "cloudformation.amazonaws.com"},
    )


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/literal", "role/literal", "role/other"),
        ({"Fn::GetAtt": ["Named", "Arn"]}, "role/named-role", "role/other"),
        ({"Fn::GetAtt": "Named.Arn"}, "role/named-role", "role/other"),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-x"},
            "role/my-app-x",
            "role/other-x",
        ),
        (
            {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/${Env}-worker"},
            "role/prod-worker",
            "role/prod-other",
        ),
        ({"Ref": "RoleParameter"}, "role/anything", None),
        ({"Fn::ImportValue": "shared-role"}, "role/anything", None),
    ],
)
def test_function_roles_are_resolved(role: object, allowed: str, denied: str | None) -> None:
    template = {
        "Resources": {
            "Named": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "named-role", "AssumeRolePolicyDocument": {}},
            },
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Role": role, "Code": {"ZipFile": "x"}},
            },
        }
    }
    policy = build(DEPLOY, template=template).policy
    lambda_only = {"iam:PassedToService": "lambda.amazonaws.com"}
    arn = f"arn:aws:iam::{ACCOUNT}:"
    assert policy.allows("iam:PassRole", arn + allowed, lambda_only)
    if denied is not None:
        assert not policy.allows("iam:PassRole", arn + denied, lambda_only)


def test_stack_name_in_a_nested_stack_is_its_own(tmp_path: Path) -> None:
    """``AWS::StackName`` in a nested stack is that stack's name, ``<parent>-<Id>-<random>``
    (issue 14): a role ARN or a name built from it is not the parent's."""
    (tmp_path / "child.yaml").write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      FunctionName: !Sub '${AWS::StackName}-fn'\n"
        "      Role: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-x'\n"
        "      Runtime: python3.12\n"
        "      Handler: a.h\n"
        "      Code: {ZipFile: 'x'}\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n      TemplateURL: child.yaml\n"
    )
    found = build(DEPLOY, template=tmp_path / "template.yaml")
    passed = {"iam:PassedToService": "lambda.amazonaws.com"}
    role = f"arn:aws:iam::{ACCOUNT}:role/my-app-Child-ABC123DEF456-x"
    assert found.policy.allows("iam:PassRole", role, passed)
    assert not found.policy.allows("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/my-app-x", passed)
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-app-Child-ABC123DEF456-fn"
    assert found.policy.allows("lambda:CreateFunction", function)


# a name written with the Ref of another resource (issue 14): followed where Ref is the name
REF_NAMES = [
    # LogGroupName -> the log-group ARN's name part it must allow, and one it must not
    ("!Sub '/aws/lambda/${Fn}'", "/aws/lambda/orders-fn", "/aws/lambda/other"),
    ("!Join ['', [/aws/lambda/, !Ref Fn]]", "/aws/lambda/orders-fn", "/aws/lambda/other"),
    ("!Sub '/queues/${Queue}'", "/queues/anything", None),  # a queue's Ref is its URL
    ("!Sub '/aws/lambda/${Fn.Arn}'", "/aws/lambda/anything", None),  # not a name
    ("!Sub '/cycle/${Logs}'", "/cycle/anything", None),  # its own Ref: unknown
]


@pytest.mark.parametrize(("name", "allowed", "denied"), REF_NAMES)
def test_names_follow_refs_of_named_resources(name: str, allowed: str, denied: str | None) -> None:
    template = load_template(
        "Resources:\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      FunctionName: orders-fn\n      Runtime: python3.12\n      Handler: a.h\n"
        "      Role: arn:aws:iam::123456789012:role/r\n      Code: {ZipFile: 'x'}\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n"
        f"  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: {name}\n",
        text=True,
    )
    found = build(DEPLOY, template=template)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    assert found.policy.allows("logs:CreateLogGroup", arn + allowed)
    if denied is not None:
        assert not found.policy.allows("logs:CreateLogGroup", arn + denied)
