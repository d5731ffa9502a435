"""Run the real AWS SAM CLI in-process against moto and record every AWS API call it makes.

:func:`run_sam` (one command) and :func:`sam_session` (several commands sharing one moto
account, e.g. deploy then update) run ``samcli.cli.main.cli`` through click's ``CliRunner``
inside ``moto.mock_aws()``. A wrapper around ``botocore.client.BaseClient._make_api_call``
records each call as a :class:`Call` (service, operation, params, region, plus the response or
error code); every client SAM builds (paginators, waiters and s3transfer threads included)
goes through that method, so nothing SAM asks of AWS escapes the record.

Isolation, so that a run never leaves this process or this machine:

* credentials are fake (``AWS_ACCESS_KEY_ID=testing`` ...), ``AWS_CONFIG_FILE`` and
  ``AWS_SHARED_CREDENTIALS_FILE`` point at files that do not exist (a developer's profiles are
  never read), ``AWS_EC2_METADATA_DISABLED=true``, any ``AWS_PROFILE``/``AWS_ENDPOINT_URL*``
  and moto server/proxy settings are removed for the run;
* ``SAM_CLI_TELEMETRY=0``, and ``Telemetry._send`` is replaced as well (it would POST to
  AWS's metrics endpoint); SAM's weekly "newer version" check (an HTTP GET to PyPI after
  ``deploy``/``init``/...) is disabled; SAM's global config directory
  (``__SAM_CLI_APP_DIR``, normally ``~/.aws-sam``) is redirected into the work directory;
* every ``socket.connect`` to an address other than a Unix socket raises, and the attempt is
  kept in :attr:`SamRun.network` (the tests assert it is empty);
* waits are instant: ``SAM_CLI_POLL_DELAY`` is tiny and ``time.sleep`` is capped at 1 ms for
  the run. That covers the botocore waiters (``change_set_create_complete``,
  ``stack_create_complete`` ..., whose ``Delay`` SAM sets to 5-30 s) and SAM's own polling and
  back-off loops.

What moto cannot do, and how this harness deals with it (moto 5.2.5):

* **The AWS::Serverless transform is not expanded.** moto's CloudFormation ignores
  ``Transform:`` and warns ``Tried to parse AWS::Serverless::Function but it's not supported``;
  the stack reaches ``CREATE_COMPLETE`` with no Lambda function or role. What CloudFormation
  does with the caller's credentials server-side (``lambda:CreateFunction``, ``iam:CreateRole``,
  ``iam:PassRole`` ...) is not an API call SAM makes and is out of scope here; the tests
  ignore that warning explicitly. For the managed stack (``--resolve-s3``/``--guided``) moto
  creates the ``AWS::S3::Bucket`` (named ``aws-sam-cli-managed-default-samclisourcebucket-*``)
  but not the ``AWS::S3::BucketPolicy`` (warned and skipped); later uploads go to that bucket.
* **Stacks made by a change set get no Outputs** (moto's ``ChangeSet.apply`` updates the
  resources but not the stack's template or Outputs). SAM's managed-stack check then fails
  with "Stack aws-sam-cli-managed-default is missing Tags and/or Outputs", so ``--resolve-s3``
  and ``--guided`` could not run at all. The harness patches ``ChangeSet.apply`` to refresh
  the stack's template and Outputs, keeping none when moto cannot resolve them (``!GetAtt`` of
  a resource it did not create). This changes moto's answers only, never SAM's calls.
* **Templates behind ``TemplateURL``** are read back from moto's S3 (not through botocore, so
  not recorded) to fill :attr:`Call.transforms`; the id of an existing stack named by name
  is read from moto's CloudFormation state into :attr:`Call.stack_id`.
* **Empty change sets are not reported as FAILED.** Real CloudFormation fails a change set
  with no changes ("The submitted information didn't contain changes"), which makes SAM stop
  after ``DescribeChangeSet`` (exit 1 unless ``--no-fail-on-empty-changeset``). moto accepts
  any change set, so an unchanged re-deploy runs the whole execute path. The update test
  therefore changes the template so that the real service would also execute it.
* **Stack events are synthetic**: moto reports the root stack ``*_IN_PROGRESS`` then
  ``*_COMPLETE`` at once, so SAM's event polling ends after one page.
* **Image functions cannot be exercised**: ``ECRUploader`` needs a Docker daemon to tag and
  push, and the push itself (``ecr:InitiateLayerUpload`` ...) is made by the daemon, not by
  botocore, so it would never be recorded; moto has no registry API. Image deploys
  (``--resolve-image-repos``) are left to the source reading in the research note.
* **Failures cannot be provoked**: moto never fails a stack operation, so
  ``--on-failure DELETE`` (``RollbackStack``/``DeleteStack``) and ``DELETE_FAILED`` retries are
  not reached.
* **Access is never denied**: moto does not evaluate IAM (unless ``INITIAL_NO_AUTH_ACTION_COUNT``
  is set, which this harness leaves unset), so paths SAM takes only on ``AccessDenied`` are not
  reached; the recorded calls are those of a fully authorised user, which is what a deploy
  policy must allow.
* **sam build** is not run: it calls no AWS API for plain templates and would need the
  function's runtime (or Docker); the fixtures deploy a ``CodeUri`` directory as is.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import shutil
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "FIXTURES",
    "Call",
    "SamRun",
    "SamSession",
    "copy_fixture",
    "run_sam",
    "sam_session",
]

#: Fixture projects (each a directory with a ``template.yaml``).
FIXTURES = Path(__file__).parent / "fixtures"

#: Environment variables removed for a run: anything that could point botocore or moto at a
#: real account, a profile or another endpoint.
_REMOVED_ENV_PREFIXES = ("AWS_", "MOTO_", "TEST_SERVER_MODE", "TEST_PROXY_MODE", "SAM_CLI_")

_POLL_DELAY = "0.01"
_MAX_SLEEP = 0.001


@dataclass(frozen=True)
class Call:
    """One botocore API call SAM made.

    ``operation`` is the API name botocore sends (``HeadObject``, ``CreateChangeSet``), which is
    also the spelling of most IAM actions. ``params`` and ``response`` are JSON-like copies:
    streams and bytes are replaced by a ``"<...>"`` placeholder, ``ResponseMetadata`` is dropped.
    ``error`` is the AWS error code when the call failed (SAM treats some failures, such as
    ``DescribeStacks`` on a stack that does not exist yet, as answers).
    """

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str
    response: Mapping[str, Any] | None = None
    error: str | None = None
    #: For CloudFormation calls that submit a template (``TemplateBody``, or ``TemplateURL``
    #: read back from moto's S3): the ``Transform`` names it declares. ``("<unreadable>",)``
    #: when the template could not be read, so that a mapping cannot miss a transform.
    transforms: tuple[str, ...] = ()
    #: For CloudFormation calls naming a stack by name: the id of the stack of that name that
    #: existed (not deleted) in moto when the call was made, else ``None``.
    stack_id: str | None = None

    @property
    def name(self) -> str:
        """``service.Operation``, e.g. ``cloudformation.CreateChangeSet``."""
        return f"{self.service}.{self.operation}"


@dataclass(frozen=True)
class SamRun:
    """The outcome of one SAM CLI command line."""

    args: tuple[str, ...]
    exit_code: int
    output: str
    calls: tuple[Call, ...]
    account: str
    region: str
    exception: str | None = None
    traceback: str | None = None
    #: Non-Unix socket connections SAM attempted (each was refused).
    network: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.exception is None

    @property
    def operations(self) -> list[str]:
        """The recorded calls as ``service.Operation``, in order."""
        return [call.name for call in self.calls]

    def describe(self) -> str:
        """A failure message: command line, exit code, exception, calls and the output's tail."""
        lines = [
            f"sam {' '.join(self.args)} -> exit {self.exit_code}",
            f"exception: {self.exception}",
            "calls: " + ", ".join(self.operations),
            "network: " + ", ".join(self.network),
            "--- output (tail) ---",
            self.output[-4000:],
        ]
        if self.traceback:
            lines += ["--- traceback ---", self.traceback]
        return "\n".join(lines)


def _import(name: str) -> Any:
    """Import an optional dependency (samcli, moto, boto3 ...) without static typing."""
    return importlib.import_module(name)


def _plain(value: Any, depth: int = 0) -> Any:
    """A JSON-like copy of a botocore params or response value."""
    if depth > 12:
        return "<deep>"
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        return {
            str(key): _plain(item, depth + 1)
            for key, item in value.items()
            if key != "ResponseMetadata"
        }
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    return f"<{type(value).__name__}>"


def _s3_object_from_url(url: str) -> bytes:
    """The bytes of an object in moto's S3, given a path- or virtual-hosted-style URL."""
    parsed = urlsplit(url)
    host, path = parsed.hostname or "", unquote(parsed.path.lstrip("/"))
    if host.startswith(("s3.", "s3-")):
        bucket, _, key = path.partition("/")
    else:
        bucket, key = host.split(".s3", 1)[0], path
    backends = _import("moto.s3.models").s3_backends
    account = _import("moto.core").DEFAULT_ACCOUNT_ID
    return bytes(backends[account]["global"].get_object(bucket, key).value)


def _transforms(service: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``Transform`` names of the template a CloudFormation call submits."""
    if service != "cloudformation" or not ("TemplateBody" in params or "TemplateURL" in params):
        return ()
    try:
        body = params.get("TemplateBody")
        if body is None:
            body = _s3_object_from_url(str(params["TemplateURL"])).decode()
        template = _import("samcli.yamlhelper").yaml_parse(body)
        declared = template.get("Transform") if isinstance(template, Mapping) else None
    except Exception:
        return ("<unreadable>",)
    if declared is None:
        return ()
    names = declared if isinstance(declared, list) else [declared]
    return tuple(
        str(name.get("Name")) if isinstance(name, Mapping) else str(name) for name in names
    )


def _existing_stack_id(service: str, region: str, params: Mapping[str, Any]) -> str | None:
    """The id of the live stack a CloudFormation call names by name, from moto's state."""
    name = params.get("StackName")
    if service != "cloudformation" or not isinstance(name, str) or name.startswith("arn:"):
        return None
    backends = _import("moto.cloudformation.models").cloudformation_backends
    account = _import("moto.core").DEFAULT_ACCOUNT_ID
    for stack in backends[account][region].stacks.values():
        if stack.name == name and stack.status != "DELETE_COMPLETE":
            return str(stack.stack_id)
    return None


class _Recorder:
    """Wraps ``BaseClient._make_api_call``; records only while :attr:`active`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self.active = False

    def take(self) -> tuple[Call, ...]:
        with self._lock:
            calls, self._calls = tuple(self._calls), []
        return calls

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        recorder = self

        def _make_api_call(client: Any, operation_name: str, api_params: Any) -> Any:
            if not recorder.active:
                return original(client, operation_name, api_params)
            meta = client.meta
            service = str(meta.service_model.service_name)
            region = str(meta.region_name)
            params = _plain(api_params)
            stack_id = _existing_stack_id(service, region, api_params)
            try:
                response = original(client, operation_name, api_params)
            except Exception as error:
                code = getattr(error, "response", {}).get("Error", {}).get("Code")
                recorder._add(
                    Call(
                        service,
                        operation_name,
                        params,
                        region,
                        None,
                        str(code or error),
                        _transforms(service, api_params),
                        stack_id,
                    )
                )
                raise
            recorder._add(
                Call(
                    service,
                    operation_name,
                    params,
                    region,
                    _plain(response),
                    None,
                    _transforms(service, api_params),
                    stack_id,
                )
            )
            return response

        return _make_api_call

    def _add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)


class _NetworkGuard:
    """Refuses socket connections to anything but Unix sockets while :attr:`active`."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.active = False

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def connect(sock: socket.socket, address: Any) -> Any:
            if guard.active and sock.family != getattr(socket, "AF_UNIX", None):
                guard.attempts.append(repr(address))
                raise ConnectionRefusedError(f"network disabled in the SAM harness: {address!r}")
            return original(sock, address)

        return connect


@contextlib.contextmanager
def _patched(target: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith(_REMOVED_ENV_PREFIXES):
            del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _quiet_loggers() -> Iterator[None]:
    """Give SAM fresh loggers per run and restore them after.

    SAM adds a ``StreamHandler`` bound to the ``sys.stderr`` of the moment; under
    ``CliRunner`` that stream is closed after the run, and a later run would log into it.
    """
    names = ("samcli", "aws_lambda_builders", "botocore")
    saved = []
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, list(logger.handlers), logger.level, logger.propagate))
        logger.handlers = []
    try:
        yield
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers = handlers
            logger.setLevel(level)
            logger.propagate = propagate


def _capped_sleep(original: Callable[[float], None]) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        original(min(seconds, _MAX_SLEEP))

    return sleep


def _apply_with_outputs(original: Callable[[Any], None]) -> Callable[[Any], None]:
    """moto's ``ChangeSet.apply`` updates the resources but not the stack's template or
    Outputs, so a stack made by a change set has no Outputs; give it those of its template
    when moto can resolve them (it cannot resolve ``!GetAtt`` of a resource it did not create,
    such as an ``AWS::Serverless::Function``: such a stack keeps no Outputs)."""

    def apply(change_set: Any) -> None:
        original(change_set)
        stack = change_set.stack
        stack.template = change_set.template
        stack._parse_template()
        outputs = stack._create_output_map()
        try:
            list(outputs.values())
        except Exception:
            return
        stack.output_map = outputs

    return apply


class SamSession:
    """One mocked AWS account and region in which SAM CLI commands run one after another.

    Built by :func:`sam_session`; calls made outside :meth:`invoke` (for example through
    :meth:`client` to create a bucket) are not recorded.
    """

    def __init__(
        self, workdir: Path, region: str, recorder: _Recorder, guard: _NetworkGuard
    ) -> None:
        self.workdir = workdir
        self.region = region
        self._recorder = recorder
        self._guard = guard

    def client(self, service: str) -> Any:
        """A boto3 client on the mocked account (not recorded)."""
        return _import("boto3").client(service, region_name=self.region)

    @property
    def account(self) -> str:
        """The mocked account id (moto's default ``123456789012``)."""
        return str(self.client("sts").get_caller_identity()["Account"])

    def invoke(self, args: Sequence[str], *, stdin: str | None = None) -> SamRun:
        """Run ``sam ARGS`` in :attr:`workdir` and return its exit code, output and calls."""
        testing = _import("click.testing")
        main = _import("samcli.cli.main")
        global_config = _import("samcli.cli.global_config").GlobalConfig()
        app_dir = self.workdir / ".sam-cli-home"
        app_dir.mkdir(exist_ok=True)
        global_config.config_dir = app_dir

        runner = testing.CliRunner()
        previous = Path.cwd()
        self._recorder.take()
        del self._guard.attempts[:]
        os.chdir(self.workdir)
        self._recorder.active = self._guard.active = True
        try:
            with _quiet_loggers():
                result = runner.invoke(main.cli, list(args), input=stdin, catch_exceptions=True)
        finally:
            self._recorder.active = self._guard.active = False
            os.chdir(previous)
            # SAM registers a telemetry flush at exit on every run; this process outlives it.
            atexit.unregister(_import("samcli.lib.telemetry.metric").emit_all_metrics)
        calls = self._recorder.take()
        exception = result.exception
        if isinstance(exception, SystemExit):
            exception = None
        return SamRun(
            args=tuple(args),
            exit_code=int(result.exit_code),
            output=str(result.output),
            calls=calls,
            account=self.account,
            region=self.region,
            exception=None if exception is None else repr(exception),
            traceback=(
                "".join(traceback.format_exception(*result.exc_info))
                if exception is not None and result.exc_info
                else None
            ),
            network=tuple(self._guard.attempts),
        )


@contextlib.contextmanager
def sam_session(workdir: Path, *, region: str = "us-east-1") -> Iterator[SamSession]:
    """Set up the isolated environment, moto and the recorder; yield a :class:`SamSession`."""
    workdir = Path(workdir).resolve()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(workdir / ".no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / ".no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_POLL_DELAY": _POLL_DELAY,
        "__SAM_CLI_APP_DIR": str(workdir / ".sam-cli-home"),
        "NO_COLOR": "1",
    }
    recorder = _Recorder()
    guard = _NetworkGuard()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_environment(env))
        moto = _import("moto")
        botocore_client = _import("botocore.client")
        version_checker = _import("samcli.lib.utils.version_checker")
        telemetry = _import("samcli.lib.telemetry.telemetry")
        base = botocore_client.BaseClient
        stack.enter_context(_patched(base, "_make_api_call", recorder.wrap(base._make_api_call)))
        stack.enter_context(_patched(socket.socket, "connect", guard.wrap(socket.socket.connect)))
        stack.enter_context(
            _patched(socket.socket, "connect_ex", guard.wrap(socket.socket.connect_ex))
        )
        stack.enter_context(_patched(time, "sleep", _capped_sleep(time.sleep)))
        stack.enter_context(_patched(version_checker, "is_version_check_overdue", lambda *_: False))
        stack.enter_context(_patched(telemetry.Telemetry, "_send", lambda *_, **__: None))
        change_set = _import("moto.cloudformation.models").ChangeSet
        stack.enter_context(_patched(change_set, "apply", _apply_with_outputs(change_set.apply)))
        stack.enter_context(moto.mock_aws())
        yield SamSession(workdir, region, recorder, guard)


def run_sam(
    args: list[str],
    *,
    workdir: Path,
    region: str = "us-east-1",
    stdin: str | None = None,
    prepare: Callable[[SamSession], object] | None = None,
) -> SamRun:
    """Run one SAM CLI command line in a fresh moto account and record its AWS calls.

    ``prepare`` runs first inside the same mock (unrecorded): create a bucket with
    ``session.client("s3")``, or run an earlier SAM command with ``session.invoke``.
    """
    with sam_session(workdir, region=region) as session:
        if prepare is not None:
            prepare(session)
        return session.invoke(args, stdin=stdin)


def copy_fixture(name: str, destination: Path) -> Path:
    """Copy the fixture project ``name`` into ``destination`` (created) and return it."""
    shutil.copytree(FIXTURES / name, destination, dirs_exist_ok=True)
    return destination
