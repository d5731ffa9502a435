"""The policy ``lambda-perms policy`` prints allows every AWS call the real SAM CLI makes.

Each test runs one ``sam`` command line in-process under moto (the harness of
:mod:`tests.integration.sam_harness`), maps every recorded call to its IAM request
(:func:`~tests.integration.iam_mapping.to_requests`), builds the policy for the same command line
and scope with :func:`lambda_perms.deploy_policy` (and, for one case, through the
``lambda-perms policy`` command itself), and asserts that the policy allows every request,
evaluated by ``Policy.allows``. The scope is what a user would give: the account and region, and
what the command line does not carry (the stack name typed into ``--guided``, the bucket a
``sam delete`` finds in the deployed template).

What moto cannot show (so these tests cannot prove it):

* calls CloudFormation makes on the caller's behalf while it creates the template's resources
  (``iam:CreateRole``, ``iam:PassRole``, ``lambda:CreateFunction``, the managed bucket's
  ``s3:CreateBucket`` ...): moto creates them without any authorisation check, so only the SAM
  CLI's own calls are recorded; those permissions rest on the catalogue's evidence
  (CloudFormation resource schemas' handler permissions);
* a failed deploy and its rollback (moto's change sets do not fail), so the rollback-only
  permissions are not exercised;
* the ``aws:transform`` authorisation of ``CreateChangeSet`` is mapped by the harness from the
  CloudFormation User Guide, not observed (moto has no IAM enforcement for it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from lambda_perms import DeployOptions, Scope, deploy_policy
from lambda_perms.cli import main
from tests.integration import test_sam_cli
from tests.integration.iam_mapping import Request, assert_policy_allows, to_requests
from tests.integration.sam_harness import SamRun, copy_fixture, run_sam, sam_session
from tests.integration.test_sam_cli import (
    BUCKET,
    DEPLOY,
    REGION,
    STACK,
    create_bucket,
    deployed,
    requires_sam,
)

pytestmark = test_sam_cli.pytestmark  # the same markers and warning filters


def requests_of(run: SamRun) -> list[Request]:
    assert run.ok, run.describe()
    assert run.network == (), run.describe()
    return [
        request
        for call in run.calls
        for request in to_requests(call, account=run.account, region=run.region)
    ]


def policy_for(args: Sequence[str], run: SamRun, **scope: str) -> dict[str, object]:
    """The caller's policy for ``sam ARGS`` in the run's account and region."""
    options, notes = DeployOptions.from_sam_args(args)
    assert notes == ()
    result = deploy_policy(options, Scope(account=run.account, region=run.region, **scope))
    return result.policy.to_dict()


def assert_allowed(args: Sequence[str], run: SamRun, **scope: str) -> None:
    assert_policy_allows(policy_for(args, run, **scope), requests_of(run))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("hello", tmp_path / "hello")


@requires_sam
def test_deploy_create(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_sam(DEPLOY, workdir=project, region=REGION, prepare=create_bucket)
    assert_allowed(DEPLOY, run)
    # the command itself prints the same policy
    capsys.readouterr()
    assert main(["policy", "--account", run.account, "--", "sam", *DEPLOY]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == policy_for(DEPLOY, run)
    assert_policy_allows(printed, requests_of(run))


@requires_sam
def test_deploy_update(project: Path) -> None:
    with sam_session(project, region=REGION) as session:
        deployed(session)
        run = session.invoke(DEPLOY)
    assert_allowed(DEPLOY, run)


@requires_sam
def test_deploy_no_execute_changeset(project: Path) -> None:
    args = [*DEPLOY, "--no-execute-changeset"]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_allowed(args, run)
    # ExecuteChangeSet is not granted, and not needed
    assert "cloudformation:ExecuteChangeSet" not in json.dumps(policy_for(args, run))


@requires_sam
@pytest.mark.parametrize(
    "flags",
    [["--disable-rollback"], ["--on-failure", "DO_NOTHING"], ["--on-failure=DELETE"]],
    ids=["disable-rollback", "on-failure-do-nothing", "on-failure-delete"],
)
def test_deploy_rollback_flags(project: Path, flags: list[str]) -> None:
    args = [*DEPLOY, *flags]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_allowed(args, run)


@requires_sam
def test_deploy_resolve_s3(project: Path) -> None:
    args = [a for a in DEPLOY if a not in ("--s3-bucket", BUCKET)] + ["--resolve-s3"]
    with sam_session(project, region=REGION) as session:
        run = session.invoke(args)
    assert_allowed(args, run)


@requires_sam
def test_deploy_role_arn(project: Path) -> None:
    role = "arn:aws:iam::123456789012:role/cfn-deployer"
    args = [*DEPLOY, "--role-arn", role]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    options, _ = DeployOptions.from_sam_args(args)
    result = deploy_policy(options, Scope(account=run.account))
    assert result.service_role_policy is not None
    # the caller's policy alone covers every call the SAM CLI makes
    assert_policy_allows(result.policy.to_dict(), requests_of(run))
    created = next(c for c in run.calls if c.name == "cloudformation.CreateChangeSet")
    assert created.params["RoleARN"] == role
    assert result.policy.allows(
        "iam:PassRole", role, {"iam:PassedToService": "cloudformation.amazonaws.com"}
    )
    assert not result.policy.allows("lambda:CreateFunction", "*")


@requires_sam
def test_deploy_with_prefix(project: Path) -> None:
    args = [*DEPLOY, "--s3-prefix", "apps/hello"]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_allowed(args, run)


@requires_sam
def test_deploy_guided(project: Path) -> None:
    answers = ["guided-app", "", "N", "Y", "N", "Y", "", ""]
    with sam_session(project, region=REGION) as session:
        run = session.invoke(["deploy", "--guided"], stdin="\n".join(answers) + "\n")
    # the stack name is typed in, not on the command line: the user gives it as the scope
    assert_allowed(["deploy", "--guided"], run, stack="guided-app")


@requires_sam
def test_package(project: Path) -> None:
    args = ["package", "--s3-bucket", BUCKET, "--output-template-file", "packaged.yaml"]
    run = run_sam(args, workdir=project, region=REGION, prepare=create_bucket)
    assert_allowed(args, run)
    # sam package calls no CloudFormation API and creates nothing
    assert "cloudformation:" not in json.dumps(policy_for(args, run))


@requires_sam
@pytest.mark.parametrize("prefix", [[], ["--s3-prefix", STACK]], ids=["root", "prefix"])
def test_delete(project: Path, prefix: list[str]) -> None:
    args = ["delete", "--stack-name", STACK, "--no-prompts"]
    with sam_session(project, region=REGION) as session:
        deployed(session, *prefix)
        run = session.invoke(args)
    # sam delete reads the bucket from the deployed template: the user names it in the scope
    assert_allowed(args, run, bucket=BUCKET)


# -- samconfig: a bare `sam deploy` reads its options from samconfig.toml ------------------------

_SAMCONFIG = f"""version = 0.1
[default.deploy.parameters]
stack_name = "{STACK}"
resolve_s3 = true
capabilities = "CAPABILITY_IAM"
confirm_changeset = false
[default.global.parameters]
region = "{REGION}"

[prod.deploy.parameters]
stack_name = "hello-prod"
s3_bucket = "{BUCKET}"
s3_prefix = "releases"
capabilities = ["CAPABILITY_IAM"]
confirm_changeset = false
region = "{REGION}"
"""


@requires_sam
@pytest.mark.parametrize(
    ("args", "bucket"),
    [
        (["deploy"], False),  # the default environment, resolve_s3
        (["deploy", "--config-env", "prod"], True),  # a named environment, an explicit bucket
        (["deploy", "--config-file", "samconfig.toml"], False),
    ],
    ids=["default-env-resolve-s3", "named-env-bucket", "config-file"],
)
def test_deploy_with_samconfig(
    project: Path,
    args: list[str],
    bucket: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real SAM CLI reads the samconfig; ``lambda-perms policy -- sam ARGS`` in the same
    directory reads it too, and its policy (only the account given) allows every call."""
    (project / "samconfig.toml").write_text(_SAMCONFIG)
    with sam_session(project, region=REGION) as session:
        if bucket:
            create_bucket(session)
        run = session.invoke(args)
    requests = requests_of(run)
    assert any(r.action == "cloudformation:ExecuteChangeSet" for r in requests), run.describe()
    capsys.readouterr()
    monkeypatch.chdir(project)
    assert main(["policy", "--account", run.account, "--", "sam", *args]) == 0
    captured = capsys.readouterr()
    assert "samconfig: read" in captured.err
    printed = json.loads(captured.out)
    assert_policy_allows(printed, requests)
    # scoped by the samconfig: its stack and region, never stack/*
    text = json.dumps(printed)
    stack = "hello-prod" if bucket else STACK
    assert f"arn:aws:cloudformation:{REGION}:{run.account}:stack/{stack}/*" in text
    assert ":stack/*" not in text
