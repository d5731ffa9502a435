"""Template-aware policies allow every AWS call the real SAM CLI makes for the template corpus.

For a representative subset of ``tests/fixtures/templates/`` each test copies the template and
the local directories it references (``src/``, ``layer/``, ``statemachine/``, ``nested/``) into
a temporary project, runs ``sam deploy --template-file NAME`` (and, for a few templates,
``sam package`` or a deploy followed by ``sam delete``) in-process under moto through
:mod:`tests.integration.sam_harness`, maps every recorded call to its IAM request, and asserts
that the policy of :func:`lambda_perms.deploy_policy` for the same command line, scope
and ``template=`` the copied template allows each request (``Policy.allows``), with no network
attempt. What the templates change on the SAM CLI's side is which artifacts it uploads (one
object per ``CodeUri``/``ContentUri``/``DefinitionUri``, a packaged child template per local
nested application) and which capabilities and transforms the change set carries.

What moto cannot show (so these tests cannot prove it):

* the template's resources are created by CloudFormation on the caller's behalf
  (``lambda:CreateFunction``, ``iam:CreateRole``, ``iam:PassRole``, ``states:CreateStateMachine``
  ...); moto does not expand the ``AWS::Serverless`` transform and never authorises those
  handler calls, so the template-driven part of the policy rests on the catalogue's evidence
  (CloudFormation resource schemas' handler permissions), checked offline by
  ``tests/deploy/test_templates_corpus.py``;
* the Serverless Application Repository: moto does not implement it, so a SAR application
  stops the deploy at the SAM CLI's own ``serverlessrepo:CreateCloudFormationTemplate`` (that
  one call is checked; the full runs use a copy of ``nested-application.yaml`` without it);
* the nested stack of a local application (moto does not create it), so ``sam delete`` cannot
  read the child's template and takes a path real CloudFormation does not lead to (see
  :func:`test_delete_nested_application`);
* a failed deploy and its rollback (moto's change sets do not fail);
* image functions: pushing an image needs a Docker daemon, whose registry calls botocore never
  sees, so ``image-function.yaml`` is left out.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambda_perms import DeployOptions, Scope, deploy_policy
from tests._support import FIXTURES
from tests.integration import test_sam_cli
from tests.integration.iam_mapping import assert_policy_allows, to_requests
from tests.integration.sam_harness import SamRun, run_sam, sam_session
from tests.integration.test_deploy_policy import requests_of
from tests.integration.test_sam_cli import BUCKET, REGION, create_bucket, requires_sam

pytestmark = test_sam_cli.pytestmark  # the same markers and warning filters

TEMPLATES = FIXTURES / "templates"
STACK = "corpus-app"


@dataclass(frozen=True)
class Case:
    """A corpus template and the local directories it references."""

    template: str
    directories: tuple[str, ...] = ("src",)
    parameters: tuple[str, ...] = ()
    #: Resources removed from the copy (YAML templates only): what moto cannot serve.
    dropped: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        name = self.template.rsplit(".", 1)[0]
        return name + "".join(f"-without-{logical_id}" for logical_id in self.dropped)


# Left out: image-function.yaml (no Docker daemon: the image push is not a botocore call).
CASES = [
    Case("function.yaml"),
    Case("api.yaml"),
    Case("http-api.yaml"),
    Case("sqs.yaml"),
    Case("layers.yaml", ("src", "layer")),
    Case("explicit-role.yaml"),
    Case("step-functions.yaml", ("src", "statemachine")),
    Case("plain-cloudformation.json", ()),
    Case("short-forms.yaml", parameters=("Stage=prod",)),
    # moto has no Serverless Application Repository: the SAR application is dropped here and
    # its one SAM CLI call is checked on its own by test_deploy_sar_application.
    Case("nested-application.yaml", ("src", "nested"), dropped=("SarApplication",)),
]


def project_for(case: Case, root: Path) -> Path:
    """A project directory holding the case's template and the directories it references."""
    root.mkdir(parents=True)
    text = (TEMPLATES / case.template).read_text()
    for logical_id in case.dropped:
        # a top-level resource: its line at two spaces of indent, up to the next such line
        text, count = re.subn(rf"(?ms)^  {logical_id}:\n.*?(?=^  \S)", "", text)
        assert count == 1, f"{logical_id} not found in {case.template}"
    (root / case.template).write_text(text)
    for directory in case.directories:
        shutil.copytree(TEMPLATES / directory, root / directory)
    return root


def deploy_args(case: Case) -> list[str]:
    args = [
        "deploy",
        "--template-file",
        case.template,
        "--stack-name",
        STACK,
        "--s3-bucket",
        BUCKET,
        "--capabilities",
        "CAPABILITY_IAM",
        "CAPABILITY_AUTO_EXPAND",
        "--no-confirm-changeset",
        "--region",
        REGION,
    ]
    if case.parameters:
        args += ["--parameter-overrides", *case.parameters]
    return args


def assert_template_allowed(args: Sequence[str], run: SamRun, template: Path, **scope: str) -> None:
    """The template-aware policy for ``sam ARGS`` allows every request of the run."""
    options, notes = DeployOptions.from_sam_args(args)
    assert notes == ()
    result = deploy_policy(
        options, Scope(account=run.account, region=run.region, **scope), template=template
    )
    assert_policy_allows(result.policy.to_dict(), requests_of(run))


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    value: Case = request.param
    return value


@requires_sam
def test_deploy(case: Case, tmp_path: Path) -> None:
    project = project_for(case, tmp_path / "project")
    args = deploy_args(case)
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_template_allowed(args, run, project / case.template)
    # every local artifact was uploaded (the template itself, the code, the child template ...)
    assert "s3.PutObject" in run.operations, run.describe()


PACKAGED = [CASES[4], CASES[6], CASES[9]]  # layers, step-functions, nested-application


@requires_sam
@pytest.mark.parametrize("case", PACKAGED, ids=[case.id for case in PACKAGED])
def test_package(case: Case, tmp_path: Path) -> None:
    project = project_for(case, tmp_path / "project")
    args = [
        "package",
        "--template-file",
        case.template,
        "--s3-bucket",
        BUCKET,
        "--output-template-file",
        "packaged.yaml",
        "--region",
        REGION,
    ]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_template_allowed(args, run, project / case.template)


# nested-application is deleted by test_delete_nested_application: moto cannot describe the
# nested stack it never created, which sends sam delete down a path real CloudFormation avoids.
DELETED = [CASES[0], CASES[6]]  # function, step-functions


@requires_sam
@pytest.mark.parametrize("case", DELETED, ids=[case.id for case in DELETED])
def test_delete(case: Case, tmp_path: Path) -> None:
    project = project_for(case, tmp_path / "project")
    args = ["delete", "--stack-name", STACK, "--no-prompts", "--region", REGION]
    with sam_session(project, region=REGION) as session:
        create_bucket(session)
        first = session.invoke(deploy_args(case))
        assert first.ok, first.describe()
        run = session.invoke(args)
    # sam delete reads the bucket from the deployed template: the user names it in the scope
    assert_template_allowed(args, run, project / case.template, bucket=BUCKET)


SAR = Case("nested-application.yaml", ("src", "nested"))


@requires_sam
def test_deploy_sar_application(tmp_path: Path) -> None:
    """With a SAR application the SAM CLI itself asks the repository for the template.

    SAM CLI's template provider runs aws-sam-translator's ``ServerlessAppPlugin`` with the
    caller's credentials, which calls ``serverlessrepo:CreateCloudFormationTemplate`` before
    anything is uploaded. moto does not implement that API (404 "Not yet implemented"), so the
    deploy stops there; the call it made must still be allowed.
    """
    project = project_for(SAR, tmp_path / "project")
    args = deploy_args(SAR)
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert not run.ok
    assert run.network == (), run.describe()
    assert run.operations == ["serverlessrepo.CreateCloudFormationTemplate"], run.describe()
    assert run.calls[0].error == "404", run.describe()
    assert run.calls[0].params["ApplicationId"] == (
        "arn:aws:serverlessrepo:us-east-1:077246666028:applications/hello-world"
    )
    options, notes = DeployOptions.from_sam_args(args)
    assert notes == ()
    policy = deploy_policy(
        options, Scope(account=run.account, region=run.region), template=project / SAR.template
    ).policy
    requests = [
        request
        for call in run.calls
        for request in to_requests(call, account=run.account, region=run.region)
    ]
    assert requests
    assert_policy_allows(policy.to_dict(), requests)


@requires_sam
def test_delete_nested_application(tmp_path: Path) -> None:
    """``sam delete`` of a stack with a local nested application, as far as moto goes.

    SAM CLI looks for Web Functions in nested stacks: ``DescribeStackResource`` of the nested
    application, then ``GetTemplate`` of the child stack it names. moto never created the child
    (it does not expand the transform) and fails that ``DescribeStackResource`` with an internal
    error, so SAM treats the child as unreadable and tries ``UpdateTerminationProtection`` on
    its Web Function code stack, which moto does not implement either (with real CloudFormation
    the child template is read and that call is not made). Every call before it must be
    allowed, and so must the ``GetTemplate`` of the child stack that real CloudFormation leads to.
    """
    case = CASES[9]
    project = project_for(case, tmp_path / "project")
    args = ["delete", "--stack-name", STACK, "--no-prompts", "--region", REGION]
    with sam_session(project, region=REGION) as session:
        create_bucket(session)
        first = session.invoke(deploy_args(case))
        assert first.ok, first.describe()
        run = session.invoke(args)
    assert run.network == (), run.describe()
    *calls, last = run.calls
    assert last.name == "cloudformation.UpdateTerminationProtection", run.describe()
    assert "has not been implemented" in str(last.error), run.describe()
    names = [call.name for call in calls]
    assert "cloudformation.DeleteStack" in names, run.describe()
    described = calls[names.index("cloudformation.DescribeStackResource")]
    assert described.params["LogicalResourceId"] == "LocalApplication"
    options, notes = DeployOptions.from_sam_args(args)
    assert notes == ()
    scope = Scope(account=run.account, region=run.region, bucket=BUCKET)
    policy = deploy_policy(options, scope, template=project / case.template).policy
    requests = [
        request
        for call in calls
        for request in to_requests(call, account=run.account, region=run.region)
    ]
    assert_policy_allows(policy.to_dict(), requests)
    child = (
        f"arn:aws:cloudformation:{REGION}:{run.account}:stack/"
        f"{STACK}-LocalApplication-1A2B3C4D5E6F7/0f0e0d0c-1111-2222-3333-444455556666"
    )
    assert policy.allows("cloudformation:GetTemplate", child)
