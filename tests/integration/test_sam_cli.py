"""The real AWS SAM CLI, run in-process under moto: every AWS call it makes, mapped to IAM.

Each test runs one ``sam`` command line on the ``hello`` fixture (a zip function whose
``CodeUri`` is a source directory, so no ``sam build`` is needed), checks that it succeeded,
pins the exact ordered list of API calls it made, and maps every call to IAM requests with
:func:`~tests.integration.iam_mapping.to_requests` (which raises on an unmapped call). Those
request lists are what a generated deploy policy must allow.

The SAM tests are skipped when ``samcli`` or ``moto`` is not installed (the ``integration``
extra). The mapping tests at the end need neither.

Warnings: the project turns every warning into an error. The SAM CLI 1.170.0 path that
validates templates calls APIs that samtranslator 1.115.0 itself marks deprecated, and moto
warns about each resource type its CloudFormation does not model; those exact warnings are
ignored here and nowhere else.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

import lambda_perms
from tests._support import FIXTURES
from tests.integration.iam_mapping import (
    MAPPED_OPERATIONS,
    TRANSFORMS,
    Request,
    UnmappedCallError,
    assert_policy_allows,
    denied,
    to_requests,
)
from tests.integration.sam_harness import (
    Call,
    SamRun,
    SamSession,
    copy_fixture,
    run_sam,
    sam_session,
)

HAVE_SAM = find_spec("samcli") is not None and find_spec("moto") is not None

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:validate is deprecated:DeprecationWarning:samcli"),
    pytest.mark.filterwarnings("ignore:__init__ is deprecated:DeprecationWarning:samtranslator"),
    pytest.mark.filterwarnings("ignore:get_errors is deprecated:DeprecationWarning:samtranslator"),
    pytest.mark.filterwarnings(
        "ignore:jsonschema.RefResolver is deprecated:DeprecationWarning:samtranslator"
    ),
    pytest.mark.filterwarnings(
        "ignore:Tried to parse AWS.* but it's not supported by moto:UserWarning:moto"
    ),
]

requires_sam = pytest.mark.skipif(
    not HAVE_SAM,
    reason="samcli or moto is not importable: pip install -e '.[test,integration]'",
)

REGION = "us-east-1"
BUCKET = "lambda-perms-artifacts"
STACK = "hello"
MANAGED_STACK = "aws-sam-cli-managed-default"
TRANSFORM_ARN = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
BROAD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

DEPLOY = [
    "deploy",
    "--stack-name",
    STACK,
    "--s3-bucket",
    BUCKET,
    "--capabilities",
    "CAPABILITY_IAM",
    "--no-confirm-changeset",
    "--region",
    REGION,
]

# The exact call sequences of SAM CLI 1.170.0 (see the research note's section 1 for the source
# of each call). Upload = HeadObject (404) then PutObject.
UPLOAD = ["s3.HeadObject", "s3.PutObject"]
CHANGE_SET = [
    "cloudformation.CreateChangeSet",
    "cloudformation.DescribeChangeSet",  # waiter change_set_create_complete
    "cloudformation.DescribeChangeSet",  # paginated listing of the changes
]
EXECUTE = [
    "cloudformation.DescribeStackEvents",  # last event time
    "cloudformation.ExecuteChangeSet",
    "cloudformation.DescribeStackEvents",  # event polling
    "cloudformation.DescribeStacks",  # waiter stack_create_complete / stack_update_complete
    "cloudformation.DescribeStacks",  # outputs
]
CREATE_CALLS = [
    *UPLOAD,  # function code
    "cloudformation.DescribeStacks",  # has_stack: ValidationError, stack does not exist
    *UPLOAD,  # the template itself, passed as TemplateURL
    *CHANGE_SET,
    *EXECUTE,
]
UPDATE_CALLS = [
    *UPLOAD,
    "cloudformation.DescribeStacks",
    "cloudformation.GetTemplateSummary",
    *UPLOAD,
    *CHANGE_SET,
    *EXECUTE,
]
MANAGED_STACK_CALLS = [
    "cloudformation.DescribeStacks",  # ValidationError: not there yet
    "cloudformation.CreateChangeSet",  # InitialCreation, TemplateBody with the transform
    "cloudformation.DescribeChangeSet",  # waiter
    "cloudformation.ExecuteChangeSet",
    "cloudformation.DescribeStacks",  # waiter stack_create_complete
    "cloudformation.DescribeStacks",  # outputs: SourceBucket
]


# -- helpers ----------------------------------------------------------------------------------


def requests_of(run: SamRun) -> list[Request]:
    """Every IAM request of a run's calls (raises on an unmapped call)."""
    return [
        request
        for call in run.calls
        for request in to_requests(call, account=run.account, region=run.region)
    ]


def _arn_pattern(arn_format: str) -> re.Pattern[str]:
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    return re.compile(".+".join(re.escape(part) for part in parts) + r"\Z")


def ungrounded(requests: Sequence[Request]) -> list[str]:
    """Requests whose action is unknown to the Service Authorization Reference snapshot, or
    whose resource fits none of the action's ARN formats (the documented transform ARN of
    ``CreateChangeSet`` excepted)."""
    universe = lambda_perms.universe()
    problems = []
    for request in requests:
        if not universe.exists(request.action):
            problems.append(f"unknown action {request.action}")
            continue
        types = universe.resource_types(request.action)
        if request.resource == "*":
            if any(t.required for t in types):
                problems.append(f"{request}: the action requires a resource ARN")
            continue
        if request.action == "cloudformation:CreateChangeSet" and re.fullmatch(
            r"arn:[\w-]+:cloudformation:[\w-]+:aws:transform/Serverless-2016-10-31",
            request.resource,
        ):
            continue
        formats = [f for t in types for f in t.arn_formats]
        if not any(_arn_pattern(f).match(request.resource) for f in formats):
            problems.append(f"{request}: fits none of {formats}")
    return problems


def check(run: SamRun) -> list[Request]:
    """Assert the run succeeded without network access; map and ground all its calls."""
    assert run.ok, run.describe()
    assert run.network == (), run.describe()
    requests = requests_of(run)
    assert ungrounded(requests) == []
    assert_policy_allows(BROAD, requests)
    return requests


def only(run: SamRun, operation: str) -> list[Call]:
    return [call for call in run.calls if call.name == operation]


def create_bucket(session: SamSession) -> None:
    session.client("s3").create_bucket(Bucket=BUCKET)


def deployed(session: SamSession, *extra: str) -> None:
    """prepare: the bucket, a first deploy, then a code change (so an update has changes)."""
    create_bucket(session)
    first = session.invoke([*DEPLOY, *extra])
    assert first.ok, first.describe()
    app = session.workdir / "src" / "app.py"
    app.write_text(app.read_text() + "\n# version 2\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("hello", tmp_path / "hello")


@pytest.fixture(scope="module")
def create_run(tmp_path_factory: pytest.TempPathFactory) -> SamRun:
    """``sam deploy`` of a new stack, shared by the tests that only read its trace."""
    if not HAVE_SAM:
        pytest.skip("samcli or moto is not importable: pip install -e '.[test,integration]'")
    project = copy_fixture("hello", tmp_path_factory.mktemp("create") / "hello")
    with sam_session(project, region=REGION) as session:
        create_bucket(session)
        return session.invoke(DEPLOY)


@pytest.fixture(scope="module")
def delete_run(tmp_path_factory: pytest.TempPathFactory) -> SamRun:
    """``sam delete`` of a stack deployed with ``--s3-prefix`` (so SAM lists the prefix)."""
    if not HAVE_SAM:
        pytest.skip("samcli or moto is not importable: pip install -e '.[test,integration]'")
    project = copy_fixture("hello", tmp_path_factory.mktemp("delete") / "hello")
    with sam_session(project, region=REGION) as session:
        deployed(session, "--s3-prefix", STACK)
        return session.invoke(["delete", "--stack-name", STACK, "--no-prompts"])


# -- sam deploy -------------------------------------------------------------------------------


@requires_sam
def test_deploy_create(create_run: SamRun) -> None:
    requests = check(create_run)
    assert create_run.operations == CREATE_CALLS

    created = only(create_run, "cloudformation.CreateChangeSet")[0]
    assert created.params["ChangeSetType"] == "CREATE"
    assert created.params["Capabilities"] == ["CAPABILITY_IAM"]
    assert created.transforms == ("AWS::Serverless-2016-10-31",)
    assert created.response is not None
    stack_id = created.response["StackId"]
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/hello/")
    assert [(r.action, r.resource) for r in to_requests(created, account="1", region="x")] == [
        ("cloudformation:CreateChangeSet", stack_id),
        (
            "cloudformation:CreateChangeSet",
            "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31",
        ),
    ]
    # The stack does not exist yet when SAM first asks for it: IAM sees the name only.
    assert requests[2] == Request(
        "cloudformation:DescribeStacks",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/hello/*",
        {"aws:SecureTransport": "true", "aws:RequestedRegion": REGION},
    )
    # Uploads go to the bucket root, AES256-encrypted, as s3:PutObject on the object.
    puts = [r for r in requests if r.action == "s3:PutObject"]
    assert [r.resource.rsplit("/", 1)[0] for r in puts] == [f"arn:aws:s3:::{BUCKET}"] * 2
    assert puts[1].resource.endswith(".template")
    assert {r.context["s3:x-amz-server-side-encryption"] for r in puts} == {"AES256"}


@requires_sam
def test_deploy_update(project: Path) -> None:
    with sam_session(project, region=REGION) as session:
        deployed(session)
        run = session.invoke(DEPLOY)
    check(run)
    assert run.operations == UPDATE_CALLS
    (created,) = only(run, "cloudformation.CreateChangeSet")
    assert created.params["ChangeSetType"] == "UPDATE"
    # The stack exists: every stack request names its id, not NAME/*.
    stack_requests = [r for r in requests_of(run) if ":stack/" in r.resource]
    assert len(stack_requests) == 10
    assert {r.resource for r in stack_requests} == {created.stack_id}


@requires_sam
def test_deploy_no_execute_changeset(project: Path) -> None:
    with sam_session(project, region=REGION) as session:
        create_bucket(session)
        run = session.invoke([*DEPLOY, "--no-execute-changeset"])
        status = session.client("cloudformation").describe_stacks(StackName=STACK)
    check(run)
    assert run.operations == [*UPLOAD, "cloudformation.DescribeStacks", *UPLOAD, *CHANGE_SET]
    assert status["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"


@requires_sam
@pytest.mark.parametrize(
    ("flags", "disable_rollback"),
    [
        (["--disable-rollback"], True),
        (["--on-failure", "DO_NOTHING"], False),  # no API effect on the change-set path
        (["--on-failure", "DELETE"], False),  # client-side only, after a failed deploy
    ],
    ids=["disable-rollback", "on-failure-do-nothing", "on-failure-delete"],
)
def test_deploy_rollback_flags(project: Path, flags: list[str], disable_rollback: bool) -> None:
    run = run_sam([*DEPLOY, *flags], workdir=project, region=REGION, prepare=create_bucket)
    check(run)
    assert run.operations == CREATE_CALLS
    (execute,) = only(run, "cloudformation.ExecuteChangeSet")
    assert execute.params["DisableRollback"] is disable_rollback
    assert "OnStackFailure" not in only(run, "cloudformation.CreateChangeSet")[0].params


@requires_sam
def test_deploy_resolve_s3(project: Path) -> None:
    args = [a for a in DEPLOY if a not in ("--s3-bucket", BUCKET)] + ["--resolve-s3"]
    with sam_session(project, region=REGION) as session:
        run = session.invoke(args)
    requests = check(run)
    assert run.operations == [*MANAGED_STACK_CALLS, *CREATE_CALLS]

    bootstrap = only(run, "cloudformation.CreateChangeSet")[0]
    assert bootstrap.params["StackName"] == MANAGED_STACK
    assert bootstrap.params["ChangeSetName"] == "InitialCreation"
    assert bootstrap.params["Tags"] == [{"Key": "ManagedStackSource", "Value": "AwsSamCli"}]
    assert bootstrap.transforms == ("AWS::Serverless-2016-10-31",)
    bootstrap_requests = to_requests(bootstrap, account=run.account, region=run.region)
    assert [r.resource for r in bootstrap_requests][1] == TRANSFORM_ARN
    assert bootstrap_requests[0].context["aws:RequestTag/ManagedStackSource"] == "AwsSamCli"
    # Artifacts go to the bucket CloudFormation generated for the managed stack.
    buckets = {
        r.resource.split(":::")[1].split("/")[0] for r in requests if r.action.startswith("s3:")
    }
    assert len(buckets) == 1
    assert buckets.pop().startswith("aws-sam-cli-managed-default-samclisourcebucket-")


@requires_sam
def test_deploy_guided(project: Path) -> None:
    answers = [
        "guided-app",  # Stack Name
        "",  # AWS Region [us-east-1]
        "N",  # Confirm changes before deploy
        "Y",  # Allow SAM CLI IAM role creation
        "N",  # Disable rollback
        "Y",  # Save arguments to configuration file
        "",  # SAM configuration file [samconfig.toml]
        "",  # SAM configuration environment [default]
    ]
    with sam_session(project, region=REGION) as session:
        run = session.invoke(["deploy", "--guided"], stdin="\n".join(answers) + "\n")
    requests = check(run)
    companion = "guided-app-dee52a24-CompanionStack"
    assert run.operations == [
        *MANAGED_STACK_CALLS,
        "sts.GetCallerIdentity",
        "cloudformation.DescribeStacks",  # companion stack: get_unreferenced_repos
        "cloudformation.DescribeStacks",  # companion stack: sync_repos
        *CREATE_CALLS,
    ]
    assert [c.params["StackName"] for c in run.calls[7:9]] == [companion, companion]
    assert to_requests(run.calls[6], account=run.account, region=run.region) == []
    # Guided always prefixes artifacts with the stack name and sends CAPABILITY_IAM.
    keys = [r.resource.split("/", 1)[1] for r in requests if r.action == "s3:PutObject"]
    assert all(key.startswith("guided-app/") for key in keys), keys
    app_change_set = only(run, "cloudformation.CreateChangeSet")[1]
    assert app_change_set.params["Capabilities"] == ["CAPABILITY_IAM"]
    config = (project / "samconfig.toml").read_text()
    assert 'stack_name = "guided-app"' in config
    assert "resolve_s3 = true" in config


# -- sam package / sam delete ------------------------------------------------------------------


@requires_sam
def test_package(project: Path) -> None:
    with sam_session(project, region=REGION) as session:
        create_bucket(session)
        run = session.invoke(
            ["package", "--s3-bucket", BUCKET, "--output-template-file", "packaged.yaml"]
        )
        again = session.invoke(
            ["package", "--s3-bucket", BUCKET, "--output-template-file", "packaged.yaml"]
        )
    requests = check(run)
    assert run.operations == UPLOAD  # no CloudFormation call, the template is not uploaded
    assert [r.action for r in requests] == ["s3:GetObject", "s3:PutObject"]
    check(again)
    assert again.operations == ["s3.HeadObject"]  # already there: no upload
    packaged = (project / "packaged.yaml").read_text()
    assert f"s3://{BUCKET}/" in packaged


@requires_sam
def test_delete(delete_run: SamRun) -> None:
    requests = check(delete_run)
    head_delete = ["s3.HeadObject", "s3.DeleteObject"]
    assert delete_run.operations == [
        "cloudformation.DescribeStacks",
        "cloudformation.GetTemplate",
        "cloudformation.DescribeStacks",  # hello-5d41402a-CompanionStack: does not exist
        *head_delete,  # the code artifact the deployed template names
        "s3.ListObjectsV2",  # then everything left under the prefix hello/:
        *head_delete,  # the template
        "cloudformation.DeleteStack",
        "cloudformation.DescribeStacks",  # waiter stack_delete_complete
        "cloudformation.DescribeStacks",  # hello-5d41402a-WebFunctionCode: does not exist
    ]
    listing = next(r for r in requests if r.action == "s3:ListBucket")
    assert listing.resource == f"arn:aws:s3:::{BUCKET}"
    assert listing.context["s3:prefix"] == "hello/"
    names = [c.params["StackName"] for c in delete_run.calls if c.service == "cloudformation"]
    assert "hello-5d41402a-CompanionStack" in names
    assert "hello-5d41402a-WebFunctionCode" in names


@requires_sam
def test_delete_without_prefix(project: Path) -> None:
    with sam_session(project, region=REGION) as session:
        deployed(session)
        run = session.invoke(["delete", "--stack-name", STACK, "--no-prompts"])
    check(run)
    assert run.operations == [
        "cloudformation.DescribeStacks",
        "cloudformation.GetTemplate",
        "cloudformation.DescribeStacks",
        "s3.HeadObject",  # the code
        "s3.DeleteObject",
        "s3.HeadObject",  # <md5 of the deployed template>.template
        "s3.DeleteObject",
        "cloudformation.DeleteStack",
        "cloudformation.DescribeStacks",
        "cloudformation.DescribeStacks",
    ]


# -- policies against the traces ----------------------------------------------------------------


@requires_sam
def test_broad_policy_allows_everything(create_run: SamRun, delete_run: SamRun) -> None:
    for run in (create_run, delete_run):
        assert_policy_allows(BROAD, requests_of(run))


@requires_sam
def test_narrow_policy_reports_each_denial(create_run: SamRun) -> None:
    stack_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "cloudformation:*",
                "Resource": "arn:aws:cloudformation:*:*:stack/hello/*",
            }
        ],
    }
    requests = requests_of(create_run)
    missing = {(r.action, r.resource.split("/")[0]) for r in denied(stack_only, requests)}
    assert missing == {
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}"),
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}"),
        ("cloudformation:CreateChangeSet", "arn:aws:cloudformation:us-east-1:aws:transform"),
    }
    with pytest.raises(AssertionError, match=r"does not allow 5 of") as failure:
        assert_policy_allows(stack_only, requests)
    assert f"s3:PutObject on arn:aws:s3:::{BUCKET}/" in str(failure.value)
    assert f"cloudformation:CreateChangeSet on {TRANSFORM_ARN}" in str(failure.value)


@requires_sam
def test_sam_docs_example_policy(create_run: SamRun, delete_run: SamRun) -> None:
    """The SAM Developer Guide's example policy covers ``sam deploy`` but not ``sam delete``."""
    fixture = FIXTURES / "policies" / "sam-docs-hello-world.json"
    document = json.loads(fixture.read_text().replace("111122223333", create_run.account))
    assert_policy_allows(document, requests_of(create_run))
    missing = {r.action for r in denied(document, requests_of(delete_run))}
    assert missing == {"cloudformation:GetTemplate", "s3:ListBucket", "s3:DeleteObject"}


# -- the mapping alone (no SAM CLI needed) ------------------------------------------------------

ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hello/0a1b2c3d"
CHANGE_SET_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:changeSet/samcli-deploy1/9f8e"


def _call(name: str, params: dict[str, Any], **extra: Any) -> Call:
    service, operation = name.split(".")
    return Call(service, operation, params, REGION, **extra)


#: One representative call per mapped operation, with the requests it must map to.
SAMPLES: list[tuple[Call, list[tuple[str, str]]]] = [
    (
        _call("s3.HeadObject", {"Bucket": "b", "Key": "p/k"}),
        [("s3:GetObject", "arn:aws:s3:::b/p/k")],
    ),
    (
        _call("s3.GetObject", {"Bucket": "b", "Key": "k", "VersionId": "v1"}),
        [("s3:GetObjectVersion", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.PutObject", {"Bucket": "b", "Key": "k", "ServerSideEncryption": "AES256"}),
        [("s3:PutObject", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.PutObject", {"Bucket": "b", "Key": "k", "ACL": "private", "Tagging": "a=b"}),
        [
            ("s3:PutObject", "arn:aws:s3:::b/k"),
            ("s3:PutObjectAcl", "arn:aws:s3:::b/k"),
            ("s3:PutObjectTagging", "arn:aws:s3:::b/k"),
        ],
    ),
    (
        _call("s3.CreateMultipartUpload", {"Bucket": "b", "Key": "k"}),
        [("s3:PutObject", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.UploadPart", {"Bucket": "b", "Key": "k", "PartNumber": 1, "UploadId": "u"}),
        [("s3:PutObject", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.CompleteMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
        [("s3:PutObject", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.AbortMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
        [("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.ListParts", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
        [("s3:ListMultipartUploadParts", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.DeleteObject", {"Bucket": "b", "Key": "k"}),
        [("s3:DeleteObject", "arn:aws:s3:::b/k")],
    ),
    (
        _call(
            "s3.DeleteObjects",
            {
                "Bucket": "b",
                "Delete": {"Objects": [{"Key": "k1"}, {"Key": "k2", "VersionId": "v"}]},
            },
        ),
        [("s3:DeleteObject", "arn:aws:s3:::b/k1"), ("s3:DeleteObjectVersion", "arn:aws:s3:::b/k2")],
    ),
    (
        _call("s3.ListObjectsV2", {"Bucket": "b", "Prefix": "p/"}),
        [("s3:ListBucket", "arn:aws:s3:::b")],
    ),
    (_call("s3.ListObjects", {"Bucket": "b"}), [("s3:ListBucket", "arn:aws:s3:::b")]),
    (
        _call("s3.ListObjectVersions", {"Bucket": "b"}),
        [("s3:ListBucketVersions", "arn:aws:s3:::b")],
    ),
    (
        _call("s3.GetObjectTagging", {"Bucket": "b", "Key": "k"}),
        [("s3:GetObjectTagging", "arn:aws:s3:::b/k")],
    ),
    (
        _call("s3.GetBucketVersioning", {"Bucket": "b"}),
        [("s3:GetBucketVersioning", "arn:aws:s3:::b")],
    ),
    (_call("s3.GetBucketPolicy", {"Bucket": "b"}), [("s3:GetBucketPolicy", "arn:aws:s3:::b")]),
    (_call("s3.HeadBucket", {"Bucket": "b"}), [("s3:ListBucket", "arn:aws:s3:::b")]),
    (_call("cloudformation.DescribeStacks", {}), [("cloudformation:DescribeStacks", "*")]),
    (
        _call(
            "cloudformation.DescribeStacks",
            {"StackName": "hello"},
            response={"Stacks": [{"StackName": "hello", "StackId": STACK_ID}]},
        ),
        [("cloudformation:DescribeStacks", STACK_ID)],
    ),
    (
        _call("cloudformation.DescribeStacks", {"StackName": "hello"}, error="ValidationError"),
        [
            (
                "cloudformation:DescribeStacks",
                f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hello/*",
            )
        ],
    ),
    (
        _call("cloudformation.GetTemplateSummary", {"StackName": STACK_ID}),
        [("cloudformation:GetTemplateSummary", STACK_ID)],
    ),
    (
        _call("cloudformation.GetTemplateSummary", {"TemplateURL": "https://s3.amazonaws.com/b/t"}),
        [("cloudformation:GetTemplateSummary", "*")],
    ),
    (
        _call(
            "cloudformation.CreateChangeSet",
            {"StackName": "hello", "ChangeSetName": "cs", "TemplateBody": "{}"},
            response={"Id": CHANGE_SET_ID, "StackId": STACK_ID},
        ),
        [("cloudformation:CreateChangeSet", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.CreateChangeSet",
            {
                "StackName": "hello",
                "ChangeSetName": "cs",
                "TemplateURL": "https://s3.amazonaws.com/b/t",
            },
            transforms=("AWS::Serverless-2016-10-31",),
        ),
        [
            (
                "cloudformation:CreateChangeSet",
                f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hello/*",
            ),
            ("cloudformation:CreateChangeSet", TRANSFORM_ARN),
        ],
    ),
    (
        _call(
            "cloudformation.DescribeChangeSet",
            {"StackName": "hello", "ChangeSetName": CHANGE_SET_ID},
            response={"StackId": STACK_ID, "StackName": "hello"},
        ),
        [("cloudformation:DescribeChangeSet", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.ExecuteChangeSet",
            {"StackName": "hello", "ChangeSetName": CHANGE_SET_ID},
            response={},
        ),
        [
            (
                "cloudformation:ExecuteChangeSet",
                f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hello/*",
            )
        ],
    ),
    (
        _call(
            "cloudformation.ExecuteChangeSet",
            {"StackName": "hello", "ChangeSetName": CHANGE_SET_ID},
            response={},
            stack_id=STACK_ID,
        ),
        [("cloudformation:ExecuteChangeSet", STACK_ID)],
    ),
    (
        _call("cloudformation.DeleteChangeSet", {"StackName": STACK_ID, "ChangeSetName": "cs"}),
        [("cloudformation:DeleteChangeSet", STACK_ID)],
    ),
    (
        _call("cloudformation.ListChangeSets", {"StackName": STACK_ID}),
        [("cloudformation:ListChangeSets", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.DescribeStackEvents",
            {"StackName": "hello"},
            response={"StackEvents": [{"StackId": STACK_ID, "StackName": "hello"}]},
        ),
        [("cloudformation:DescribeStackEvents", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.DescribeStackResource",
            {"StackName": STACK_ID, "LogicalResourceId": "Child"},
        ),
        [("cloudformation:DescribeStackResource", STACK_ID)],
    ),
    (
        _call("cloudformation.ListStackResources", {"StackName": STACK_ID}),
        [("cloudformation:ListStackResources", STACK_ID)],
    ),
    (
        _call("cloudformation.GetTemplate", {"StackName": STACK_ID, "TemplateStage": "Original"}),
        [("cloudformation:GetTemplate", STACK_ID)],
    ),
    (
        _call("cloudformation.DeleteStack", {"StackName": STACK_ID, "RetainResources": []}),
        [("cloudformation:DeleteStack", STACK_ID)],
    ),
    (
        _call("cloudformation.RollbackStack", {"StackName": STACK_ID}),
        [("cloudformation:RollbackStack", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.UpdateTerminationProtection",
            {"StackName": STACK_ID, "EnableTerminationProtection": True},
        ),
        [("cloudformation:UpdateTerminationProtection", STACK_ID)],
    ),
    (
        _call(
            "cloudformation.CreateStack",
            {
                "StackName": "hello-5d41402a-CompanionStack",
                "TemplateURL": "https://s3.amazonaws.com/b/t",
            },
            transforms=("AWS::Serverless-2016-10-31",),
        ),
        [
            (
                "cloudformation:CreateStack",
                f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hello-5d41402a-CompanionStack/*",
            ),
            ("cloudformation:CreateChangeSet", TRANSFORM_ARN),
        ],
    ),
    (
        _call(
            "cloudformation.UpdateStack",
            {"StackName": STACK_ID, "TemplateURL": "https://s3.amazonaws.com/b/t"},
        ),
        [("cloudformation:UpdateStack", STACK_ID)],
    ),
    (
        _call("cloudformation.ListImports", {"ExportName": "x"}),
        [("cloudformation:ListImports", "*")],
    ),
    (_call("ecr.GetAuthorizationToken", {}), [("ecr:GetAuthorizationToken", "*")]),
    (
        _call("ecr.DeleteRepository", {"repositoryName": "hello/fnrepo", "force": True}),
        [("ecr:DeleteRepository", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/hello/fnrepo")],
    ),
    (
        _call("ecr.BatchDeleteImage", {"repositoryName": "r", "imageIds": [{"imageTag": "t"}]}),
        [("ecr:BatchDeleteImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/r")],
    ),
    (_call("sts.GetCallerIdentity", {}), []),
    (
        _call(
            "serverlessrepo.CreateCloudFormationTemplate",
            {
                "ApplicationId": f"arn:aws:serverlessrepo:{REGION}:{ACCOUNT}:applications/app",
                "SemanticVersion": "1.0.0",
            },
        ),
        [
            (
                "serverlessrepo:CreateCloudFormationTemplate",
                f"arn:aws:serverlessrepo:{REGION}:{ACCOUNT}:applications/app",
            )
        ],
    ),
]


def _mapped(call: Call) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in to_requests(call, account=ACCOUNT, region=REGION)]


@pytest.mark.parametrize(("call", "expected"), SAMPLES, ids=[c.name for c, _ in SAMPLES])
def test_mapping(call: Call, expected: list[tuple[str, str]]) -> None:
    assert _mapped(call) == expected


def test_every_mapped_operation_has_a_sample() -> None:
    assert {call.name for call, _ in SAMPLES} == MAPPED_OPERATIONS


def test_samples_are_grounded_in_the_service_authorization_reference() -> None:
    requests = [r for call, _ in SAMPLES for r in to_requests(call, account=ACCOUNT, region=REGION)]
    assert ungrounded(requests) == []


def test_context_keys() -> None:
    put = _call(
        "s3.PutObject",
        {"Bucket": "b", "Key": "k", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key"},
    )
    (request,) = to_requests(put, account=ACCOUNT, region="eu-west-1")
    assert request.context == {
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": REGION,  # the call's own region wins
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": "key",
    }
    change_set = _call(
        "cloudformation.CreateChangeSet",
        {
            "StackName": "s",
            "ChangeSetName": "cs",
            "TemplateURL": "https://s3.amazonaws.com/b/t",
            "RoleARN": "arn:aws:iam::123456789012:role/cfn",
            "Tags": [{"Key": "team", "Value": "a"}],
        },
    )
    (request,) = to_requests(change_set, account=ACCOUNT, region=REGION)
    assert request.context["cloudformation:ChangeSetName"] == "cs"
    assert request.context["cloudformation:TemplateUrl"] == "https://s3.amazonaws.com/b/t"
    assert request.context["cloudformation:RoleArn"] == "arn:aws:iam::123456789012:role/cfn"
    assert request.context["aws:TagKeys"] == ["team"]
    assert request.context["aws:RequestTag/team"] == "a"
    describe = _call(
        "cloudformation.DescribeChangeSet", {"StackName": "s", "ChangeSetName": CHANGE_SET_ID}
    )
    (request,) = to_requests(describe, account=ACCOUNT, region=REGION)
    assert request.context["cloudformation:ChangeSetName"] == "samcli-deploy1"
    listing = _call("s3.ListObjectsV2", {"Bucket": "b", "Prefix": "p/", "MaxKeys": 1000})
    (request,) = to_requests(listing, account=ACCOUNT, region=REGION)
    assert request.context["s3:prefix"] == "p/"
    assert request.context["s3:max-keys"] == "1000"


def test_partition_and_context_feed_the_policy() -> None:
    call = _call("s3.PutObject", {"Bucket": "b", "Key": "k", "ServerSideEncryption": "AES256"})
    requests = to_requests(call, account=ACCOUNT, region="cn-north-1", partition="aws-cn")
    assert requests[0].resource == "arn:aws-cn:s3:::b/k"
    encrypted_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws-cn:s3:::b/*",
                "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
            }
        ]
    }
    assert_policy_allows(encrypted_only, requests)


@pytest.mark.parametrize(
    "call",
    [
        _call("lambda.UpdateFunctionCode", {"FunctionName": "f"}),
        _call("s3.CreateBucket", {"Bucket": "b"}),
        _call(
            "cloudformation.CreateChangeSet",
            {"StackName": "s", "ChangeSetName": "c"},
            transforms=("AWS::Include",),
        ),
        _call(
            "cloudformation.CreateChangeSet",
            {"StackName": "s", "ChangeSetName": "c"},
            transforms=("<unreadable>",),
        ),
        _call("cloudformation.ExecuteChangeSet", {"ChangeSetName": CHANGE_SET_ID}),
        _call("s3.PutObject", {"Bucket": "b"}),
    ],
    ids=["unmapped-operation", "unmapped-s3", "macro", "unreadable-template", "no-stack", "no-key"],
)
def test_unmapped_calls_raise(call: Call) -> None:
    with pytest.raises(UnmappedCallError):
        to_requests(call, account=ACCOUNT, region=REGION)


def test_transform_table() -> None:
    assert dict(TRANSFORMS) == {"AWS::Serverless-2016-10-31": "Serverless-2016-10-31"}


def test_network_guard_refuses_and_records() -> None:
    from tests.integration.sam_harness import _NetworkGuard

    guard = _NetworkGuard()
    connect = guard.wrap(socket.socket.connect)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        guard.active = True
        with pytest.raises(ConnectionRefusedError, match="network disabled"):
            connect(sock, ("127.0.0.1", 9))
    assert guard.attempts == ["('127.0.0.1', 9)"]
