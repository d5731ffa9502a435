"""Deploy policies: a SAM CLI command line and a scope in, an explained least-privilege policy out.

>>> from lambda_perms.deploy._deploy import DeployOptions, Scope, deploy_policy
>>> options, notes = DeployOptions.from_sam_args(["deploy", "--stack-name", "my-app",
...                                               "--s3-bucket", "my-artifacts"])
>>> result = deploy_policy(options, Scope(account="123456789012", region="ap-northeast-1"))
>>> result.policy.statements[0].sid
'CloudFormationDeploy'

Selection (which catalogue needs a command line brings in):

* a need applies when any one of its triggers applies;
* a command trigger (``sam deploy --resolve-s3 without --force-upload``) applies to the command
  and the permission-relevant flags on the line (:attr:`DeployOptions.flags`); a bucket in the
  scope stands for ``--s3-bucket``, and ``sam deploy`` / ``sam package`` without any of
  ``--s3-bucket``, ``--resolve-s3`` or ``--guided`` is taken to upload to a bucket of unknown
  name (``--s3-bucket``, rendered ``*``): SAM refuses to deploy a zip function otherwise;
* a resource-type trigger (``AWS::Lambda::Function create``) applies when the type is among
  :attr:`DeployOptions.resource_types` (default: one zip function with a SAM-created execution
  role) and the handler is one the command runs: ``sam deploy`` / ``sam sync`` run the create,
  read and update handlers, and the delete handlers when rollback is included (a failed first
  deploy deletes what it created); ``sam delete`` runs the delete handlers; ``sam package`` runs
  none;
* a property trigger (``AWS::Lambda::Function.VpcConfig``) applies when the property is named
  in :attr:`DeployOptions.properties` (or set in the template) and the need's phases are ones
  the command goes through (``sam delete``'s clean-up is not part of a deploy); without a
  template none is named, so they are off. With a template in the default mode, a
  CloudFormation need whose property belongs to a type the template deploys applies whether or
  not the property is set: the full handler lists, which ``tight=True`` narrows;
* rollback-only needs are dropped by ``rollback=False`` (``--no-rollback``), with a warning;
  ``sam delete`` keeps the delete handlers whatever the flag says, since deleting is its job.

Who holds a permission: the SAM CLI's and the docker daemon's calls use the caller's
credentials, and so do CloudFormation's unless a service role is given (``--role-arn``). With
``--role-arn`` the result holds two policies: the caller's (the SAM CLI's calls plus
``iam:PassRole`` on that role for ``cloudformation.amazonaws.com``) and the service role's (what
CloudFormation does with the template's resources). CloudFormation's work on the stacks SAM
bootstraps itself (``aws-sam-cli-managed-default`` with its bucket, the ECR companion stack and
its repositories, the WebFunction code stack: phase ``bootstrap`` or their templates, including
their rollback) is never done with the service role, so it stays with the caller.

Rendering: each need's ARN templates are filled from the scope (partition, region, account,
stack name, bucket, prefix) and the command line (``--role-arn`` replaces the service-role
template by the role's exact ARN); an unknown value becomes ``*`` in its own segment only. The
partition is the scope's, else the region's, else ``aws``. An unknown prefix is empty (the
templates end in ``${Prefix}*``, which then covers any key); ``--guided`` uses the stack name as
prefix, as SAM does.

Statements are grouped by service, rendered resource, condition and rollback-only-ness, with a
readable, unique Sid: service + purpose (``CloudFormationDeploy``, ``S3Artifacts``,
``IamExecutionRole``, ``IamPassExecutionRole``, ``LambdaFunction``, ``LambdaRollback``...). An
action granted outside rollback on a resource is not repeated in the rollback statement of that
resource, and a grant whose resource is contained (exactly, as patterns) in another grant's of
the same action and condition is folded into it. Output is deterministic.

With a template (``template=``, see :mod:`lambda_perms.deploy.templates`): the types the catalogue
curates (``AWS::Lambda::Function``, ``AWS::IAM::Role``, ``AWS::Lambda::Permission``) keep their
needs, with ``function``, ``execution-role`` and ``function-role`` rendered as the template's
own functions and roles; every other type gets its CloudFormation handler lists from
``data/cloudformation`` (create and update; delete as rollback, or alone for ``sam delete``),
each action on the instance's own ARN when it acts on the instance's type, else on the
resources of its types in the account and region, else ``*``; ``iam:PassRole`` on the roles the
instance names, conditioned on ``iam:PassedToService``. Custom resources add
``lambda:InvokeFunction`` (or ``sns:Publish``) on their ServiceToken, macros
``cloudformation:CreateChangeSet`` on their transform. :attr:`DeployPolicy.origins` and
:meth:`DeployPolicy.explain` name the template resource or property behind each action.

Permissions boundary (``boundary=ARN``): the ``iam:CreateRole`` + ``iam:PassRole`` path lets
whoever may deploy create a role with any policy and hand it to a function, an escalation. With
a boundary, every role-creating or role-changing action that supports the
``iam:PermissionsBoundary`` condition key (:data:`BOUNDARY_ACTIONS`, from the IAM Service
Authorization Reference) is allowed only with ``{"StringEquals": {"iam:PermissionsBoundary":
ARN}}``: roles can be created, and their policies changed, only when they carry that boundary.
``iam:DeleteRolePermissionsBoundary`` is then not granted at all (allowing it under the
condition would allow removing the very boundary it names), and a warning says so. No explicit
Deny is added: an identity policy without the Allow already refuses it, and a Deny would also
block other policies of the same principal that the user may want. The template must set the
boundary on its roles (``PermissionsBoundary`` in SAM's ``Globals.Function`` or on each
``AWS::IAM::Role``), or CloudFormation's ``iam:CreateRole`` is denied. ``iam:TagRole``,
``iam:UntagRole``, ``iam:GetRole`` ... support no such key and stay unconditioned on the
execution-role ARNs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.catalogues.catalogue import Catalogue, catalogue
from lambda_perms.catalogues.model import (
    Caller,
    Command,
    CommandTrigger,
    Handler,
    Need,
    Phase,
    PropertyTrigger,
    ResourceTypeTrigger,
)
from lambda_perms.deploy.templates import Template, TemplateResource, load_template
from lambda_perms.errors import InvalidArnError, UnknownNameError
from lambda_perms.iam.arn import ResourcePattern, partition_of_region
from lambda_perms.iam.policy import Condition, Policy, Statement

__all__ = [
    "BOUNDARY_ACTIONS",
    "DEFAULT_RESOURCE_TYPES",
    "DeployOptions",
    "DeployPolicy",
    "Scope",
    "deploy_policy",
]


def __dir__() -> list[str]:
    return __all__


#: The resource types of one zip function with a SAM-created execution role.
DEFAULT_RESOURCE_TYPES: Final[tuple[str, ...]] = ("AWS::Lambda::Function", "AWS::IAM::Role")

#: Role-creating or role-changing IAM actions that support the ``iam:PermissionsBoundary``
#: condition key (IAM Service Authorization Reference; checked against the universe snapshot by
#: the tests). ``iam:DeleteRolePermissionsBoundary`` supports it too but is never granted with a
#: boundary (see the module docstring).
BOUNDARY_ACTIONS: Final[frozenset[str]] = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:createrole",
        "iam:deleterole",
        "iam:deleterolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepermissionsboundary",
        "iam:putrolepolicy",
        "iam:updateassumerolepolicy",
        "iam:updaterole",
        "iam:updateroledescription",
    }
)
_NOT_WITH_BOUNDARY = "iam:deleterolepermissionsboundary"

ROLLBACK_WARNING: Final[str] = (
    "rollback permissions are excluded: a failed first deploy cannot roll back and leaves the "
    "stack in ROLLBACK_FAILED (delete it by hand with broader permissions)"
)

# -- the SAM CLI command line ------------------------------------------------------------------

# Flags that change which permissions are needed. Valued flags take one value, multi-valued
# ones every following token up to the next flag.
_BOOLEAN: Final[frozenset[str]] = frozenset(
    {
        "--guided",
        "--resolve-s3",
        "--resolve-image-repos",
        "--disable-rollback",
        "--no-execute-changeset",
        "--force-upload",
    }
)
_VALUED: Final[frozenset[str]] = frozenset(
    {
        "--s3-bucket",
        "--s3-prefix",
        "--image-repository",
        "--role-arn",
        "--on-failure",
        "--kms-key-id",
        "--stack-name",
        "--region",
    }
)
_MULTI: Final[frozenset[str]] = frozenset(
    {"--capabilities", "--signing-profiles", "--image-repositories"}
)
_ALIASES: Final[Mapping[str, str]] = {"-g": "--guided"}

# Flags that change no permission: accepted silently.
_SILENT_BOOLEAN: Final[frozenset[str]] = frozenset(
    {
        "--confirm-changeset",
        "--no-confirm-changeset",
        "--fail-on-empty-changeset",
        "--no-fail-on-empty-changeset",
        "--use-json",
        "--debug",
        "--no-progressbar",
        "--no-disable-rollback",
        "--no-resolve-s3",
        "--no-force-upload",
        "--no-prompts",
        "--save-params",
        "--beta-features",
        "--no-beta-features",
        "--watch",
        "--no-watch",
        "--code",
        "--dependency-layer",
        "--no-dependency-layer",
        "--skip-deploy-sync",
        "--no-skip-deploy-sync",
        "--use-container",
        "--build-in-source",
        "--no-build-in-source",
        "--mount-symlinks",
        "--no-mount-symlinks",
        "--no-use-container",
        "--help",
    }
)
_SILENT_VALUED: Final[frozenset[str]] = frozenset(
    {
        "--template-file",
        "--template",
        "-t",
        "--config-file",
        "--config-env",
        "--profile",
        "--output-template-file",
        "--metadata",
        "--base-dir",
        "-s",
        "--resource-id",
        "--resource",
        "--build-image",
        "--max-wait-duration",
        "--watch-exclude",
        "--container-env-var-file",
        "--build-dir",
        "--cache-dir",
    }
)
_SILENT_MULTI: Final[frozenset[str]] = frozenset(
    {"--parameter-overrides", "--tags", "--notification-arns"}
)


def _is_flag(token: str) -> bool:
    return token.startswith("-") and len(token) > 1 and not token[1:2].isdigit()


class _SamLine:
    """The flags of one SAM command line, read token by token."""

    def __init__(self, command: Command, tokens: list[str]) -> None:
        self.command = command
        self.tokens = tokens
        self.i = 0
        self.flags: set[str] = set()
        self.values: dict[str, list[str]] = {}
        self.notes: list[str] = []

    def _next_value(self) -> str | None:
        if self.i < len(self.tokens) and not _is_flag(self.tokens[self.i]):
            self.i += 1
            return self.tokens[self.i - 1]
        return None

    def parse(self) -> None:
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            self.i += 1
            if not _is_flag(token):
                self.notes.append(
                    f"ignored the argument {token!r}: sam {self.command} takes no positional "
                    "argument"
                )
                continue
            name, eq, inline = token.partition("=")
            self._flag(_ALIASES.get(name, name), inline if eq else None)

    def _flag(self, name: str, inline: str | None) -> None:
        if name in _BOOLEAN or name in _SILENT_BOOLEAN:
            off = inline is not None and inline.lower() in ("false", "0", "no")
            if name in _BOOLEAN and not off:
                self.flags.add(name)
            return
        if name in _VALUED or name in _SILENT_VALUED:
            value = inline if inline is not None else self._next_value()
            if not value:
                self.notes.append(f"{name} needs a value; ignored")
            elif name in _VALUED:
                self.values[name] = [value]
            return
        if name in _MULTI or name in _SILENT_MULTI:
            following = [inline] if inline is not None else []
            if inline is None:
                while (value := self._next_value()) is not None:
                    following.append(value)
            if not following:
                self.notes.append(f"{name} needs a value; ignored")
            elif name in _MULTI:
                self.values.setdefault(name, []).extend(
                    part for value in following for part in value.split()
                )
            return
        self.notes.append(f"unknown flag {name} for sam {self.command}: it is ignored")
        if inline is None:
            self._next_value()  # its value, most likely


@dataclass(frozen=True)
class DeployOptions:
    """A SAM CLI command line, reduced to what decides permissions.

    ``flags`` are the permission-relevant flags present, as the catalogue writes them (with a
    value only for ``--on-failure``: ``"--on-failure DELETE"``); the values the command line
    carries are kept in their own fields. ``resource_types`` are the CloudFormation types the
    template produces, ``properties`` the template properties that switch permissions on
    (none by default); ``deploy_policy(..., template=...)`` takes both from the template.
    """

    command: Command = Command.DEPLOY
    flags: tuple[str, ...] = ()
    stack_name: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    region: str | None = None
    role_arn: str | None = None
    kms_key_id: str | None = None
    image_repository: str | None = None
    signing_profiles: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = DEFAULT_RESOURCE_TYPES
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "command", _command(self.command))
        object.__setattr__(self, "flags", tuple(sorted(set(self.flags))))
        object.__setattr__(self, "resource_types", tuple(dict.fromkeys(self.resource_types)))
        object.__setattr__(self, "properties", tuple(dict.fromkeys(self.properties)))

    def has(self, flag: str) -> bool:
        """Whether ``flag`` (a name: ``--resolve-s3``) is on the command line."""
        return any(f.split(" ", 1)[0] == flag for f in self.flags)

    @classmethod
    def from_sam_args(
        cls,
        args: Sequence[str],
        *,
        resource_types: Iterable[str] = DEFAULT_RESOURCE_TYPES,
        properties: Iterable[str] = (),
    ) -> tuple[DeployOptions, tuple[str, ...]]:
        """Parse ``[sam] COMMAND FLAGS...``: the options and notes about what was not understood.

        Both ``--flag value`` and ``--flag=value`` are read; multi-valued flags
        (``--capabilities``, ``--signing-profiles``, ...) take every token up to the next flag,
        and each token may hold several space-separated values. Flags that change no
        permission are accepted silently; an unknown flag is a note (its value, if one
        follows, is skipped), never an error.

        :raises UnknownNameError: for a command other than deploy, package, delete, sync.
        """
        tokens = list(args)
        if tokens and tokens[0] == "sam":
            tokens = tokens[1:]
        command = Command.DEPLOY if not tokens or _is_flag(tokens[0]) else _command(tokens.pop(0))
        line = _SamLine(command, tokens)
        line.parse()
        flags, values, notes = line.flags, line.values, line.notes

        def one(name: str) -> str | None:
            found = values.get(name)
            return found[-1] if found else None

        for name in values:
            if name == "--on-failure":
                flags.add(f"--on-failure {values[name][-1].upper()}")
            elif name not in ("--stack-name", "--region", "--capabilities"):
                flags.add(name)
        options = cls(
            command=command,
            flags=tuple(flags),
            stack_name=one("--stack-name"),
            s3_bucket=one("--s3-bucket"),
            s3_prefix=one("--s3-prefix"),
            region=one("--region"),
            role_arn=one("--role-arn"),
            kms_key_id=one("--kms-key-id"),
            image_repository=one("--image-repository"),
            signing_profiles=tuple(values.get("--signing-profiles", ())),
            capabilities=tuple(values.get("--capabilities", ())),
            resource_types=tuple(resource_types),
            properties=tuple(properties),
        )
        return options, tuple(notes)


def _command(value: Command | str) -> Command:
    try:
        return Command(value)
    except ValueError:
        known = ", ".join(c.value for c in Command)
        raise UnknownNameError(
            f"sam {value} needs no AWS permission this tool knows (known commands: {known})",
            name=str(value),
        ) from None


# -- the scope -------------------------------------------------------------------------------------

_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Scope:
    """Where the deployment goes: each known value narrows the ARNs; ``None`` means unknown."""

    partition: str | None = None
    region: str | None = None
    account: str | None = None
    stack: str | None = None
    bucket: str | None = None
    prefix: str | None = None

    def __post_init__(self) -> None:
        if self.account is not None and not _ACCOUNT.fullmatch(self.account):
            raise InvalidArnError(f"an account id is 12 digits, got {self.account!r}")
        for name in ("partition", "region", "stack", "bucket"):
            value = getattr(self, name)
            if value is not None and (not value or any(c in value for c in ":/*? ")):
                raise InvalidArnError(f"the {name} {value!r} cannot be part of an ARN")

    def filled(self, options: DeployOptions) -> Scope:
        """The scope with the gaps filled from the command line (the scope's values win)."""
        region = self.region or options.region
        return Scope(
            partition=self.partition or (partition_of_region(region) if region else None),
            region=region,
            account=self.account,
            stack=self.stack or options.stack_name,
            bucket=self.bucket or options.s3_bucket,
            prefix=self.prefix if self.prefix is not None else options.s3_prefix,
        )


# -- the result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployPolicy:
    """A generated deploy policy: the caller's, the service role's (with ``--role-arn``), the
    warnings, and for each statement which needs brought each action in."""

    policy: Policy
    service_role_policy: Policy | None = None
    warnings: tuple[str, ...] = ()
    reasons: Mapping[str, Mapping[str, tuple[Need, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: With a template: per statement (by Sid), each action with the template resources (and
    #: properties) that brought it in.
    origins: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def to_dict(self) -> dict[str, object]:
        """The caller's policy document, or ``{"caller": ..., "service_role": ...}``."""
        if self.service_role_policy is None:
            return self.policy.to_dict()
        return {"caller": self.policy.to_dict(), "service_role": self.service_role_policy.to_dict()}

    def explain(self) -> str:
        """Per statement (by Sid), each action with the reasons it is there."""
        lines: list[str] = []
        for sid, actions in self.reasons.items():
            lines.append(sid)
            brought = self.origins.get(sid, {})
            for action, needs in actions.items():
                lines.append(f"  {action}")
                for need in needs:
                    triggers = ", ".join(str(t) for t in need.triggers)
                    lines.append(f"    - {need.why} ({need.caller.value}; {triggers})")
                for origin in brought.get(action, ()):
                    lines.append(f"    brought in by {origin}")
        return "\n".join(lines)


# -- selection -------------------------------------------------------------------------------------

_DEPLOY_HANDLERS = frozenset({Handler.CREATE, Handler.READ, Handler.UPDATE})
_DEPLOYING = frozenset({Phase.PACKAGE, Phase.DEPLOY, Phase.UPDATE, Phase.ROLLBACK, Phase.BOOTSTRAP})
_COMMAND_PHASES: Final[Mapping[Command, frozenset[Phase]]] = {
    Command.DEPLOY: _DEPLOYING,
    Command.SYNC: _DEPLOYING,
    Command.PACKAGE: frozenset({Phase.PACKAGE, Phase.BOOTSTRAP}),
    Command.DELETE: frozenset({Phase.DELETE}),
}


@dataclass(frozen=True)
class _Context:
    command: Command
    flags: tuple[str, ...]
    resource_types: frozenset[str]
    properties: frozenset[str]
    rollback: bool
    # with a template in the default (not tight) mode, every property rule of CloudFormation's
    # handlers for the template's types applies: the full handler lists
    full_handlers: bool = False

    def handlers(self) -> frozenset[Handler]:
        if self.command is Command.DELETE:
            return frozenset({Handler.DELETE})
        if self.command is Command.PACKAGE:
            return frozenset()
        return _DEPLOY_HANDLERS | ({Handler.DELETE} if self.rollback else set())

    def applies(self, need: Need) -> bool:
        if need.rollback_only and not self.rollback and self.command is not Command.DELETE:
            return False
        handlers = self.handlers()
        for trigger in need.triggers:
            if isinstance(trigger, CommandTrigger):
                if trigger.applies(self.command, self.flags):
                    return True
            elif isinstance(trigger, ResourceTypeTrigger):
                if trigger.resource_type.lower() in self.resource_types and (
                    trigger.handler in handlers
                ):
                    return True
            elif not self.in_command(need):
                continue
            elif trigger.property.lower() in self.properties or (
                self.full_handlers
                and need.caller is Caller.CLOUDFORMATION
                and trigger.property.split(".", 1)[0].lower() in self.resource_types
            ):
                return True
        return False

    def in_command(self, need: Need) -> bool:
        """Whether a need's phases are ones the command goes through (a property trigger names
        no command: ``sam deploy`` packages, deploys and may roll back, ``sam package`` only
        packages, ``sam delete`` only deletes)."""
        return not _COMMAND_PHASES[self.command].isdisjoint(need.phases)


def _effective_flags(options: DeployOptions, scope: Scope) -> tuple[str, ...]:
    flags = set(options.flags)
    managed = options.has("--resolve-s3") or options.has("--guided")
    if not options.has("--s3-bucket") and not managed:
        uploads = options.command in (Command.DEPLOY, Command.PACKAGE)
        if scope.bucket is not None or uploads:
            flags.add("--s3-bucket")
    return tuple(sorted(flags))


# -- rendering -------------------------------------------------------------------------------------

_SERVICE_NAMES: Final[Mapping[str, str]] = {
    "apigateway": "ApiGateway",
    "cloudformation": "CloudFormation",
    "ec2": "Ec2",
    "ecr": "Ecr",
    "elasticfilesystem": "Efs",
    "iam": "Iam",
    "kms": "Kms",
    "lambda": "Lambda",
    "s3": "S3",
    "s3files": "S3Files",
    "serverlessrepo": "ServerlessRepo",
    "signer": "Signer",
    "states": "States",
}
_PURPOSES: Final[Mapping[str, str]] = {
    "stack": "Deploy",
    "sam-transform": "Transform",
    "artifacts-objects": "Artifacts",
    "managed-bucket-objects": "ManagedArtifacts",
    "managed-bucket-any-object": "ManagedArtifacts",
    "cloudformation-service-role": "ServiceRole",
    "function-role": "ExecutionRole",
    "*": "AnyResource",
}
_SERVICE_ORDER: Final[tuple[str, ...]] = ("cloudformation", "s3", "iam", "lambda")
# within a service, the application's own resources come first
_TEMPLATE_ORDER: Final[tuple[str, ...]] = (
    "stack",
    "sam-transform",
    "artifacts-objects",
    "artifacts-bucket",
    "managed-bucket-objects",
    "managed-bucket-any-object",
    "managed-bucket",
    "execution-role",
    "function-role",
    "function",
)


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))


def _service_name(prefix: str) -> str:
    return _SERVICE_NAMES.get(prefix, _camel(prefix))


def _purpose(template: str) -> str:
    return _PURPOSES.get(template, _camel(template))


@dataclass(frozen=True)
class _Grant:
    action: str
    resource: str
    condition: Condition
    template: str
    origins: tuple[str, ...] = ()


def _values(scope: Scope, options: DeployOptions) -> dict[str, str]:
    values = {
        "Partition": scope.partition or "aws",
        "Region": scope.region,
        "Account": scope.account,
        "StackName": scope.stack,
        "Bucket": scope.bucket,
        "ImageRepository": options.image_repository,
        "SigningProfile": (
            options.signing_profiles[0].split("=", 1)[-1].split(":", 1)[0]
            if len(options.signing_profiles) == 1
            else None
        ),
    }
    prefix = scope.prefix
    if prefix is None and options.has("--guided"):
        prefix = scope.stack
    values["Prefix"] = prefix or ""
    return {k: v for k, v in values.items() if v is not None}


def _bucket_templates(templates: tuple[str, ...], *, managed: bool) -> tuple[str, ...]:
    """A need naming both the artifacts bucket and SAM's managed bucket keeps the one in use."""
    artifacts = tuple(t for t in templates if t.startswith("artifacts-"))
    managed_ones = tuple(t for t in templates if t.startswith("managed-bucket"))
    if not artifacts or not managed_ones:
        return templates
    unused = artifacts if managed else managed_ones
    return tuple(t for t in templates if t not in unused)


def _grants(
    need: Need,
    cat: Catalogue,
    values: Mapping[str, str],
    options: DeployOptions,
    *,
    managed: bool,
    overrides: Mapping[str, tuple[str, ...]] | None = None,
) -> list[_Grant]:
    condition = need.condition or Condition()
    out: list[_Grant] = []
    for template in _bucket_templates(need.resources, managed=managed):
        if template == "*":
            resources: tuple[str, ...] = ("*",)
        elif template == "cloudformation-service-role" and options.role_arn:
            resources = (options.role_arn,)
        elif overrides and template in overrides:
            resources = overrides[template]
        else:
            resources = (cat.template(template).render(values, default="*"),)
        out.extend(_Grant(need.action.text, r, condition, template) for r in resources)
    return out


def _boundary_condition(boundary: str) -> Condition:
    return Condition.of({"StringEquals": {"iam:PermissionsBoundary": boundary}})


def _drop_covered(
    reasons: dict[tuple[str, str, Condition], list[Need]],
    origins: dict[tuple[str, str, Condition], set[str]],
) -> None:
    """Fold a grant into another of the same action and condition whose resource covers it."""
    by_action: dict[tuple[str, Condition], list[str]] = {}
    for action, resource, condition in reasons:
        by_action.setdefault((action, condition), []).append(resource)
    for (action, condition), resources in by_action.items():
        if len(resources) < 2:
            continue
        kept = sorted(resources, key=lambda r: (len(r), r))
        for resource in sorted(resources, key=lambda r: (-len(r), r)):
            others = [o for o in kept if o != resource]
            outer = next((o for o in others if _covers(o, resource)), None)
            if outer is not None:
                kept.remove(resource)
                for need in reasons.pop((action, resource, condition)):
                    if need not in reasons[(action, outer, condition)]:
                        reasons[(action, outer, condition)].append(need)
                folded = origins.pop((action, resource, condition), set())
                origins.setdefault((action, outer, condition), set()).update(folded)


_WILD = re.compile(r"[*?]")


@lru_cache(maxsize=1024)
def _covers(outer: str, inner: str) -> bool:
    """Whether the resource pattern ``outer`` matches everything ``inner`` matches (exact)."""
    from lambda_perms.iam import _reglang

    if outer in (inner, "*"):
        return True
    # quick refusal: every name ``inner`` matches starts with its literal head, which must
    # then start with ``outer``'s literal head
    head, inner_head = _WILD.split(outer, 1)[0], _WILD.split(inner, 1)[0]
    if not inner_head.startswith(head) and not (
        len(inner_head) < len(head) and head.startswith(inner_head)
    ):
        return False
    # ``outer`` is ``inner``'s start (ending in a plain character) and a final '*', which
    # matches whatever follows, across any separator
    start = outer[:-1]
    if outer.endswith("*") and start[-1:] not in ("*", "?", "") and inner.startswith(start):
        return True
    # a name ``inner`` matches (its wildcards as little as they can be) that ``outer`` misses
    witness = inner.replace("*", "").replace("?", "x")
    if not ResourcePattern(outer).matches(witness):
        return False
    # ... and ends with its literal tail, which must then end with ``outer``'s
    tail, inner_tail = _WILD.split(outer)[-1], _WILD.split(inner)[-1]
    if not inner_tail.endswith(tail) and not (
        len(inner_tail) < len(tail) and tail.endswith(inner_tail)
    ):
        return False

    return _reglang.is_subset([_reglang.compile_pattern(inner)], [_reglang.compile_pattern(outer)])


_GrantKey = tuple[str, str, Condition]


def _collect(
    needs: Sequence[tuple[Need, list[_Grant]]], boundary: str | None
) -> tuple[dict[_GrantKey, list[Need]], dict[_GrantKey, str], dict[_GrantKey, set[str]]]:
    """(action, resource, condition) -> the needs behind it, its first template's name, and the
    template resources that brought it in."""
    reasons: dict[_GrantKey, list[Need]] = {}
    templates: dict[_GrantKey, str] = {}
    origins: dict[_GrantKey, set[str]] = {}
    for need, grants in needs:
        for grant in grants:
            condition = grant.condition
            if boundary is not None and grant.action.lower() in BOUNDARY_ACTIONS:
                condition = _boundary_condition(boundary)
            grant_key = (grant.action, grant.resource, condition)
            why = reasons.setdefault(grant_key, [])
            if need not in why:
                why.append(need)
            templates[grant_key] = min(templates.get(grant_key, grant.template), grant.template)
            origins.setdefault(grant_key, set()).update(grant.origins)
    _drop_covered(reasons, origins)
    return reasons, templates, origins


_GroupKey = tuple[str, tuple[str, ...], Condition, bool]
_Explained = dict[str, dict[str, tuple[Need, ...]]]
_Origins = dict[str, dict[str, tuple[str, ...]]]


def _groups(
    reasons: dict[_GrantKey, list[Need]],
    templates: dict[_GrantKey, str],
    origins: dict[_GrantKey, set[str]],
) -> tuple[
    dict[_GroupKey, dict[str, list[Need]]],
    dict[_GroupKey, str],
    dict[_GroupKey, dict[str, set[str]]],
]:
    """The statements to be: (service, resources, condition, rollback-only) -> actions -> needs,
    each group's first template name, and the template resources behind each action."""
    # the resources one ARN template renders to for an action (several with a template: one
    # per function, role ...) go in one statement, with the other actions of its service that
    # have exactly the same resources, condition and rollback-only-ness
    spread: dict[tuple[str, Condition, bool, str], set[str]] = {}
    for (action, resource, condition), why in reasons.items():
        rollback = all(n.rollback_only for n in why)
        template = templates[(action, resource, condition)]
        spread.setdefault((action, condition, rollback, template), set()).add(resource)
    groups: dict[_GroupKey, dict[str, list[Need]]] = {}
    group_template: dict[_GroupKey, str] = {}
    action_origins: dict[_GroupKey, dict[str, set[str]]] = {}
    for (action, condition, rollback, _), resources in spread.items():
        ordered = tuple(sorted(resources))
        group = (action.split(":", 1)[0], ordered, condition, rollback)
        why_all: list[Need] = []
        for resource in ordered:
            grant_key = (action, resource, condition)
            why_all.extend(n for n in reasons[grant_key] if n not in why_all)
            found = origins.get(grant_key)
            if found:
                action_origins.setdefault(group, {}).setdefault(action, set()).update(found)
            template = templates[grant_key]
            group_template[group] = min(group_template.get(group, template), template)
        known = groups.setdefault(group, {}).setdefault(action, [])
        known.extend(n for n in why_all if n not in known)
    return groups, group_template, action_origins


def _build(
    needs: Sequence[tuple[Need, list[_Grant]]], boundary: str | None, command: Command
) -> tuple[Policy, _Explained, _Origins]:
    groups, group_template, action_origins = _groups(*_collect(needs, boundary))

    def base_sid(key: _GroupKey) -> list[str]:
        service, _, condition, rollback = key
        name = _service_name(service)
        template = group_template[key]
        purpose, plain = _purpose(template), _camel(template)
        if template == "stack" and command is Command.DELETE:
            purpose = "Delete"
        actions = groups[key]
        if any(a.lower() == "iam:passrole" for a in actions):
            purpose, plain = "Pass" + purpose, "Pass" + plain
        elif any(e.key.lower() == "iam:permissionsboundary" for e in condition.entries):
            purpose, plain = purpose + "WithBoundary", plain + "WithBoundary"
        if rollback:
            return [f"{name}Rollback", f"{name}{purpose}Rollback"]
        return [f"{name}{purpose}", f"{name}{plain}"]

    def order(key: _GroupKey) -> tuple[object, ...]:
        service = key[0]
        rank = _SERVICE_ORDER.index(service) if service in _SERVICE_ORDER else len(_SERVICE_ORDER)
        template = group_template[key]
        first = _TEMPLATE_ORDER.index(template) if template in _TEMPLATE_ORDER else 99
        return (rank, service, key[3], first, base_sid(key)[-1], key[1], key[2].model_dump_json())

    keys = sorted(groups, key=order)
    # every group whose preferred Sid is shared falls back to the next candidate, then numbers
    wanted: dict[str, int] = {}
    for key in keys:
        first = base_sid(key)[0]
        wanted[first] = wanted.get(first, 0) + 1
    used: set[str] = set()
    statements = []
    explained: _Explained = {}
    brought: _Origins = {}
    for key in keys:
        candidates = base_sid(key)
        sid = candidates[0] if wanted[candidates[0]] == 1 else candidates[-1]
        if sid in used:
            n = 2
            while f"{sid}{n}" in used:
                n += 1
            sid = f"{sid}{n}"
        used.add(sid)
        actions = groups[key]
        where: str | list[str] = key[1][0] if len(key[1]) == 1 else list(key[1])
        statements.append(
            Statement.allow(sorted(actions), where, sid=sid, condition=key[2] or None)
        )
        explained[sid] = {a: tuple(actions[a]) for a in sorted(actions, key=str.lower)}
        if key in action_origins:
            brought[sid] = {
                a: tuple(sorted(action_origins[key][a]))
                for a in sorted(action_origins[key], key=str.lower)
            }
    return Policy.of(*statements), explained, brought


# -- templates -------------------------------------------------------------------------------------

_HANDLER_PHASES: Final[Mapping[Handler, tuple[Phase, ...]]] = {
    Handler.CREATE: (Phase.DEPLOY, Phase.UPDATE),
    Handler.UPDATE: (Phase.UPDATE,),
    Handler.DELETE: (Phase.ROLLBACK,),
}
_HANDLER_VERBS: Final[Mapping[Handler, str]] = {
    Handler.CREATE: "creates",
    Handler.UPDATE: "updates",
    Handler.DELETE: "deletes (rollback of a failed deploy, replacement, removal from the template)",
}
_ROLE_KEY = re.compile(r".*Role(Arn|ARN)?$")
_CLOUDFORMATION_PRINCIPAL: Final[str] = "cloudformation.amazonaws.com"
_CUSTOM_EVIDENCE: Final[Mapping[str, str]] = {
    "kind": "aws-docs",
    "source": "Using AWS Lambda with CloudFormation: CloudFormation invokes the ServiceToken",
    "url": "https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html",
}
_TRANSFORM_EVIDENCE: Final[Mapping[str, str]] = {
    "kind": "aws-docs",
    "source": "Actions, resources, and condition keys for AWS CloudFormation: transform",
    "url": "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "list_awscloudformation.html",
}


@lru_cache(maxsize=8)
def _covered_types(cat: Catalogue) -> frozenset[str]:
    """The resource types whose handler permissions the catalogue curates (lower case)."""
    return frozenset(
        t.resource_type.lower()
        for service in cat.services
        for need in service.needs
        for t in need.triggers
        if isinstance(t, ResourceTypeTrigger)
    )


@lru_cache(maxsize=4096)
def _handler_need(action: str, resource_type: str, handler: Handler, delete_command: bool) -> Need:
    from lambda_perms._data import cloudformation_version

    phases = (Phase.DELETE,) if delete_command else _HANDLER_PHASES[handler]
    version = cloudformation_version().split(" of ", 1)[0]
    return Need.model_validate(
        {
            "action": action,
            "phases": phases,
            "rollback_only": handler is Handler.DELETE and not delete_command,
            "caller": Caller.CLOUDFORMATION,
            "triggers": ({"resource_type": resource_type, "handler": handler},),
            "resources": ("*",),
            "star_reason": "scoped per template resource (see the statement's Resource)",
            "why": (
                f"CloudFormation's {resource_type} {handler.value} handler lists it: it may call "
                f"it when it {_HANDLER_VERBS[handler]} the resource."
            ),
            "evidence": (
                {
                    "kind": "cfn-schema",
                    "source": f"{resource_type} handlers.{handler.value}",
                    "version": version,
                },
            ),
        }
    )


@lru_cache(maxsize=64)
def _plain_need(
    action: str, caller: Caller, phases: tuple[Phase, ...], why: str, evidence: str
) -> Need:
    return Need.model_validate(
        {
            "action": action,
            "phases": phases,
            "caller": caller,
            # the commands whose phases these are (custom resources run on delete too)
            "triggers": tuple(
                {"command": c.value}
                for c in (Command.DEPLOY, Command.SYNC, Command.DELETE)
                if not _COMMAND_PHASES[c].isdisjoint(phases)
            ),
            "resources": ("*",),
            "star_reason": "scoped per template resource (see the statement's Resource)",
            "why": why,
            "evidence": (json.loads(evidence),),
        }
    )


def _fill(arn: str, values: Mapping[str, str], name: str = "*") -> str:
    """An ARN format with the scope's partition, region and account; other parts ``*``."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "Name":
            return name
        if key == "Partition":
            return values.get("Partition", "aws")
        return values.get(key, "*") if key in ("Region", "Account") else "*"

    return re.sub(r"\*+", "*", re.sub(r"\$\{([^}]*)\}", one, arn))


class _TemplateScope:
    """Instance ARNs of a template's resources, and references between them, in a scope."""

    def __init__(
        self,
        template: Template,
        values: Mapping[str, str],
        stack: str | None,
        service_role: str | None = None,
    ) -> None:
        self.template = template
        self.values = values
        self.stack = stack
        self.service_role = service_role  # --role-arn
        self.warnings: list[str] = []

    def arns(self, resource: TemplateResource) -> dict[str, tuple[str, ...]]:
        """``service:resource-type`` (lower case) -> ARN patterns of this instance."""
        info = _cloudformation.type_info(resource.type)
        name = resource.name_pattern(self.stack)
        out: dict[str, tuple[str, ...]] = {}
        if resource.type == "AWS::IAM::Role":
            path = resource.properties.get("Path", "/")
            path = path if isinstance(path, str) and path.startswith("/") else "/*/"
            arn = _fill(
                f"arn:${{Partition}}:iam::${{Account}}:role{path}${{Name}}", self.values, name
            )
            return {"iam:role": (re.sub(r"\*+", "*", arn),)}
        for iam_type, template in (info.arns if info is not None else {}).items():
            arn = _fill(template, self.values, name)
            found = [arn]
            if resource.type == "AWS::Lambda::Function" and not arn.endswith("*"):
                found.append(f"{arn}:*")  # its versions and aliases
            service = template.split(":", 3)[2]
            out[f"{service}:{iam_type}".lower()] = tuple(found)
        return out

    def resolve(self, value: Any, stacks: tuple[str, ...], kind: str) -> tuple[str, ...] | None:
        """The ARN patterns a property value (an ARN of ``kind``, ``service:resource-type``)
        can take; ``None``: not known."""
        if isinstance(value, str):
            return (value,) if value.startswith("arn:") and "*" not in value else None
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        ((key, arg),) = value.items()
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2 and parts[1] == "Arn":
                target = self.template.get(str(parts[0]), stacks)
                if target is not None:
                    return self.arns(target).get(kind)
            return None
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if not isinstance(text, str):
                return None
            pseudo = {
                "AWS::Partition": self.values.get("Partition", "aws"),
                "AWS::Region": self.values.get("Region", "*"),
                "AWS::AccountId": self.values.get("Account", "*"),
                "AWS::StackName": self.stack or "*",
            }
            rendered = re.sub(r"\$\{([^}]*)\}", lambda m: pseudo.get(m.group(1), "*"), text)
            rendered = re.sub(r"\*+", "*", rendered)
            return (rendered,) if rendered.startswith("arn:") else None
        return None

    def roles_of(self, resource: TemplateResource) -> tuple[tuple[str, ...], bool]:
        """The role ARNs a resource's role properties name, and whether one is unknown."""
        found: set[str] = set()
        unknown = False
        for value in _role_values(resource.properties):
            arns = self.resolve(value, resource.stacks, "iam:role")
            if arns is None:
                unknown = True
            else:
                found.update(arns)
        return tuple(sorted(found)), unknown


_INTRINSICS: Final[frozenset[str]] = frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Select",
        "Fn::FindInMap",
    }
)


def _role_values(value: Any) -> Iterator[Any]:
    """The values of the properties that name a role (``Role``, ``RoleArn``, ...), anywhere."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            names_role = isinstance(key, str) and _ROLE_KEY.fullmatch(key) is not None
            if names_role and (
                isinstance(item, str) or (isinstance(item, Mapping) and set(item) & _INTRINSICS)
            ):
                yield item
            else:
                yield from _role_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _role_values(item)


def _passed_to(resource_type: str) -> tuple[str, bool]:
    """The service ``iam:PassRole`` passes a type's roles to, and whether it is only derived
    from the type's name."""
    info = _cloudformation.type_info(resource_type)
    if info is not None and info.passed_to is not None:
        return info.passed_to, False
    return f"{resource_type.split('::')[1].lower()}.amazonaws.com", True


_Pairs = list[tuple[Need, list[_Grant]]]


@dataclass
class _FromTemplate:
    """What a template adds: needs with their grants, ARN overrides of catalogue templates,
    and what to warn about."""

    pairs: _Pairs = field(default_factory=list)
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, set[str]] = field(default_factory=dict)  # non-IAM action -> types
    derived: set[str] = field(default_factory=set)  # "type -> service" guessed for PassRole
    # service -> resources whose handlers may pass a role the template does not name
    any_role: dict[str, list[str]] = field(default_factory=dict)

    def finish(self) -> None:
        """One warning per kind of thing, however many resources share it."""
        if self.skipped:
            listed = "; ".join(
                f"{action} ({', '.join(sorted(self.skipped[action]))})"
                for action in sorted(self.skipped, key=str.lower)
            )
            self.warnings.append(
                "handler lists name what is not an IAM action in the universe snapshot, so it "
                f"is not granted: {listed}"
            )
        if self.derived:
            self.warnings.append(
                "iam:PassRole is limited to the service named after the resource type (no data "
                f"on it): {', '.join(sorted(self.derived))}"
            )
        for service in sorted(self.any_role):
            names = ", ".join(dict.fromkeys(self.any_role[service]))
            self.warnings.append(
                f"iam:PassRole to {service} is granted on any role of the account: the "
                f"handlers of {names} may pass a role the template does not name (--tight "
                "leaves it out where a rule shows no role property is set)"
            )


def _from_template(
    template: Template,
    context: _Context,
    values: Mapping[str, str],
    stack: str | None,
    cat: Catalogue,
    *,
    tight: bool,
    service_role: str | None = None,
) -> _FromTemplate:
    out = _FromTemplate(warnings=list(template.notes))
    where = _TemplateScope(template, values, stack, service_role)
    _catalogue_overrides(template, where, out)
    handlers = context.handlers()
    if handlers:
        covered = _covered_types(cat)
        order = tuple(h for h in (Handler.CREATE, Handler.UPDATE, Handler.DELETE) if h in handlers)
        for resource in template.resources:
            if resource.is_custom:
                out.pairs.extend(_custom(resource, where, values, context))
            elif resource.type.lower() not in covered:
                _handler_grants(resource, order, where, context, out, tight=tight)
        out.pairs.extend(_transform_needs(template, context, values))
    out.finish()
    out.warnings.extend(where.warnings)
    return out


def _catalogue_overrides(template: Template, where: _TemplateScope, out: _FromTemplate) -> None:
    """The template's functions and roles in place of the catalogue's generic patterns."""
    values = where.values
    functions = template.of_type("AWS::Lambda::Function")
    roles = template.of_type("AWS::IAM::Role")
    if functions:
        out.overrides["function"] = tuple(
            sorted({a for f in functions for a in where.arns(f).get("lambda:function", ())})
        ) or (_fill("arn:${Partition}:lambda:${Region}:${Account}:function:*", values),)
        passed: set[str] = set()
        for function in functions:
            found = where.resolve(function.properties.get("Role"), function.stacks, "iam:role")
            if found is None:
                found = (_fill("arn:${Partition}:iam::${Account}:role/*", values),)
                out.warnings.append(
                    f"the role of {function.label} cannot be resolved from the template: "
                    "iam:PassRole is granted on any role of the account (still only to "
                    "lambda.amazonaws.com); name the role in the template to narrow it"
                )
            passed.update(found)
        out.overrides["function-role"] = tuple(sorted(passed))
    if roles:
        out.overrides["execution-role"] = tuple(
            sorted({a for r in roles for a in where.arns(r)["iam:role"]})
        )


def _handler_grants(
    resource: TemplateResource,
    order: tuple[Handler, ...],
    where: _TemplateScope,
    context: _Context,
    out: _FromTemplate,
    *,
    tight: bool,
) -> None:
    """The handler permissions of one resource of a type the catalogue does not curate."""
    from lambda_perms._universe import universe

    known = universe()
    values = where.values
    info = _cloudformation.type_info(resource.type)
    lists = _cloudformation.handlers(resource.type)
    own = where.arns(resource)
    delete_command = context.command is Command.DELETE
    granted: set[str] = set()
    for handler in order:
        for action in lists.get(handler.value, ()):
            if not known.exists(action):
                out.skipped.setdefault(action, set()).add(resource.type)
                continue
            if tight and info is not None and _narrowed(info, resource, action, handler):
                continue
            canonical = known.canonical(action).text
            if handler is Handler.DELETE and canonical in granted and not delete_command:
                continue  # also needed outside rollback: no rollback-only duplicate
            granted.add(canonical)
            condition = Condition()
            if canonical == "iam:PassRole":
                service, guessed = _passed_to(resource.type)
                if service == _CLOUDFORMATION_PRINCIPAL:
                    # a nested stack runs with its parent's service role (its schema has no
                    # role property: CloudFormation sets it), so only --role-arn is passed
                    if where.service_role is None:
                        continue
                    arns: tuple[str, ...] = (where.service_role,)
                    unknown = False
                else:
                    arns, unknown = where.roles_of(resource)
                if guessed:
                    out.derived.add(f"{resource.type} -> {service}")
                condition = Condition.of({"StringEquals": {"iam:PassedToService": service}})
                if unknown or not arns:
                    out.any_role.setdefault(service, []).append(resource.logical_id)
                    arns = (*arns, _fill("arn:${Partition}:iam::${Account}:role/*", values))
                resources = tuple(sorted(set(arns)))
            else:
                resources = _scoped(canonical, own, values)
            need = _handler_need(canonical, resource.type, handler, delete_command)
            out.pairs.append(
                (
                    need,
                    [
                        _Grant(canonical, r, condition, _short(resource.type), (resource.label,))
                        for r in resources
                    ],
                )
            )


def _narrowed(info: Any, resource: TemplateResource, action: str, handler: Handler) -> bool:
    """Whether a data rule drops ``action`` of ``handler`` for this resource (tight mode)."""
    key = action.lower()
    rules = [
        r for r in info.rules if handler in r.handlers and key in {a.lower() for a in r.actions}
    ]
    return bool(rules) and not any(resource.has(r.property) for r in rules)


def _short(resource_type: str) -> str:
    return resource_type.rsplit("::", maxsplit=1)[-1]


@lru_cache(maxsize=4096)
def _formats(action: str) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
    from lambda_perms._universe import universe

    return tuple(
        (t.name.lower(), t.required, tuple(p for f in t.arn_formats for p in f.split(", ")))
        for t in universe().resource_types(action)
    )


def _common_prefix(texts: Sequence[str]) -> str:
    first, last = min(texts), max(texts)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first[: len(last)] if size is None else first[:size]


#: More ARN formats than this for one action are folded into one pattern.
_MAX_FORMATS: Final[int] = 4


def _scoped(
    action: str, own: Mapping[str, tuple[str, ...]], values: Mapping[str, str]
) -> tuple[str, ...]:
    """The resources to grant a handler's action on: the instance itself when the action acts
    on its type, else every resource of the types the action acts on in the scope's account
    and region, else (an action without resource-level permissions) ``*``."""
    formats = _formats(action)
    if not formats:
        return ("*",)
    prefix = action.split(":", 1)[0].lower()
    mine = sorted({arn for name, _, _ in formats for arn in own.get(f"{prefix}:{name}", ())})
    if mine:
        return tuple(mine)
    filled = sorted({_fill(f, values) for _, _, fs in formats for f in fs})
    # a handler acts on its own service's resources: another service's resource types the
    # action also accepts (ssm:AddTagsToResource on EC2 instances ...) are not its business
    own_service = [f for f in filled if f.split(":", 3)[2] == prefix]
    filled = own_service or filled
    if len(filled) <= _MAX_FORMATS:
        return tuple(filled)
    # many resource types (API Gateway's verbs act on dozens of paths): the service's
    # resources in the scope's region and account, cut at the last separator they share
    common = _common_prefix(filled)
    cut = max(common.rfind(":"), common.rfind("/"))
    if common[: cut + 1].count(":") < 3:  # not even one service: keep them all
        return tuple(filled)
    folded = common[: cut + 1] + "*"
    return (folded + ":*" * max(0, 5 - folded.count(":")),)


def _custom(
    resource: TemplateResource,
    where: _TemplateScope,
    values: Mapping[str, str],
    context: _Context,
) -> _Pairs:
    token = resource.properties.get("ServiceToken")
    action, arns = "lambda:InvokeFunction", where.resolve(token, resource.stacks, "lambda:function")
    if isinstance(token, str) and token.startswith("arn:") and ":sns:" in token:
        action = "sns:Publish"
    if arns is None:
        arns = (_fill("arn:${Partition}:lambda:${Region}:${Account}:function:*", values),)
        where.warnings.append(
            f"custom resource {resource.label}: its ServiceToken cannot be resolved from the "
            "template: lambda:InvokeFunction is granted on any function of the account"
        )
    phases = (
        (Phase.DELETE,)
        if context.command is Command.DELETE
        else (Phase.DEPLOY, Phase.UPDATE, Phase.ROLLBACK)
    )
    need = _plain_need(
        action,
        Caller.CLOUDFORMATION,
        phases,
        "CloudFormation invokes a custom resource's ServiceToken (a function, or an SNS topic) "
        "when it creates, updates or deletes the resource.",
        json.dumps(dict(_CUSTOM_EVIDENCE), sort_keys=True),
    )
    return [(need, [_Grant(action, a, Condition(), "custom", (resource.label,)) for a in arns])]


def _transform_needs(template: Template, context: _Context, values: Mapping[str, str]) -> _Pairs:
    if context.command not in (Command.DEPLOY, Command.SYNC) or not template.transforms:
        return []
    grants = []
    for name in template.transforms:
        if name.startswith("AWS::"):
            arn = f"arn:${{Partition}}:cloudformation:${{Region}}:aws:transform/{name[5:]}"
        else:
            arn = f"arn:${{Partition}}:cloudformation:${{Region}}:${{Account}}:transform/{name}"
        grants.append(
            _Grant(
                "cloudformation:CreateChangeSet",
                _fill(arn, values),
                Condition(),
                "stack",
                (f"Transform {name}",),
            )
        )
    need = _plain_need(
        "cloudformation:CreateChangeSet",
        Caller.SAM_CLI,
        (Phase.DEPLOY, Phase.UPDATE),
        "A change set of a template that declares a transform (macro) must be allowed on the "
        "transform's ARN.",
        json.dumps(dict(_TRANSFORM_EVIDENCE), sort_keys=True),
    )
    return [(need, grants)]


#: Templates of the stacks SAM bootstraps itself (never deployed with the service role).
_BOOTSTRAP_TEMPLATES: Final[frozenset[str]] = frozenset(
    {
        "managed-stack",
        "managed-bucket",
        "companion-stack",
        "companion-repositories",
        "web-function-code-stack",
        "web-function-code-bucket",
    }
)


def _bootstrap(need: Need) -> bool:
    """Whether CloudFormation does this for a stack SAM bootstraps (with the caller's keys)."""
    return Phase.BOOTSTRAP in need.phases or any(r in _BOOTSTRAP_TEMPLATES for r in need.resources)


def _check_boundary(boundary: str) -> None:
    if not re.fullmatch(r"arn:[a-z0-9-]+:iam::(\d{12}|aws):policy/\S+", boundary):
        raise InvalidArnError(
            f"a permissions boundary is a managed policy ARN "
            f"(arn:aws:iam::123456789012:policy/NAME), got {boundary!r}"
        )


def deploy_policy(
    options: DeployOptions | None = None,
    scope: Scope | None = None,
    *,
    rollback: bool = True,
    boundary: str | None = None,
    template: str | os.PathLike[str] | Mapping[str, Any] | Template | None = None,
    tight: bool = False,
    catalogue_: Catalogue | None = None,
) -> DeployPolicy:
    """The least-privilege policy for a SAM command line (default: ``sam deploy`` of one zip
    function with a SAM-created execution role) in a scope.

    ``rollback=False`` drops the rollback-only permissions (with a warning); ``boundary`` (a
    managed policy ARN) is required on every role-creating or role-changing action. With
    ``--role-arn`` on the command line the result also holds the service role's policy.

    ``template`` (a path, a parsed mapping, or a :class:`~lambda_perms.deploy.templates.Template`)
    replaces ``options.resource_types`` and ``options.properties`` by what the template
    deploys: every resource type it produces brings in its CloudFormation handler permissions
    (create and update; delete as the rollback set), scoped to the template's resources, and
    its properties switch on the SAM CLI paths they imply. By default each type gets its whole
    handler lists; ``tight=True`` drops what a narrowing rule of the data justifies (an action
    the handler calls only when a property the template does not set is set).

    :raises InvalidArnError: for a boundary that is not a managed policy ARN.
    :raises TemplateError: for a template that cannot be read (see
        :func:`~lambda_perms.deploy.templates.load_template`).
    """
    options = options or DeployOptions()
    if boundary is not None:
        _check_boundary(boundary)
    if options.role_arn is not None and not re.fullmatch(
        r"arn:[a-z0-9-]+:iam::\d{12}:role/\S+", options.role_arn
    ):
        raise InvalidArnError(
            f"--role-arn takes an IAM role ARN (arn:aws:iam::123456789012:role/NAME), "
            f"got {options.role_arn!r}"
        )
    cat = catalogue_ if catalogue_ is not None else catalogue()
    filled = (scope or Scope()).filled(options)
    loaded = load_template(template) if template is not None else None
    resource_types = loaded.resource_types if loaded is not None else options.resource_types
    properties = loaded.properties if loaded is not None else options.properties
    context = _Context(
        command=options.command,
        flags=_effective_flags(options, filled),
        resource_types=frozenset(t.lower() for t in resource_types),
        properties=frozenset(p.lower() for p in properties),
        rollback=rollback,
        full_handlers=loaded is not None and not tight,
    )
    values = _values(filled, options)
    extra = (
        _from_template(
            loaded, context, values, filled.stack, cat, tight=tight, service_role=options.role_arn
        )
        if loaded is not None
        else _FromTemplate()
    )
    managed = "--s3-bucket" not in context.flags
    split = options.role_arn is not None
    mine: list[tuple[Need, list[_Grant]]] = []
    role: list[tuple[Need, list[_Grant]]] = []
    dropped_boundary = False
    for service in cat.services:
        for need in service.needs:
            if not context.applies(need):
                continue
            if boundary is not None and need.action.key == _NOT_WITH_BOUNDARY:
                dropped_boundary = True
                continue
            grants = _grants(need, cat, values, options, managed=managed, overrides=extra.overrides)
            if loaded is not None and (found := _origins_of(need, loaded)):
                grants = [dataclasses.replace(g, origins=found) for g in grants]
            to_role = split and need.caller is Caller.CLOUDFORMATION and not _bootstrap(need)
            (role if to_role else mine).append((need, grants))
    for need, grants in extra.pairs:
        to_role = split and need.caller is Caller.CLOUDFORMATION
        (role if to_role else mine).append((need, grants))
    warnings: list[str] = list(dict.fromkeys(extra.warnings))
    if loaded is not None:
        warnings.extend(_image_warning(loaded, options))
        warnings.extend(_signing_warning(loaded, options))
    if not rollback and options.command is not Command.DELETE:
        warnings.append(ROLLBACK_WARNING)
    if dropped_boundary:
        warnings.append(
            "with a permissions boundary, iam:DeleteRolePermissionsBoundary is not granted: "
            "a stack update cannot remove a role's boundary"
        )
    policy, reasons, origins = _build(mine, boundary, options.command)
    service_policy = None
    if split:
        service_policy, role_reasons, role_origins = _build(role, boundary, options.command)
        reasons = {**reasons, **{f"service_role:{k}": v for k, v in role_reasons.items()}}
        origins = {**origins, **{f"service_role:{k}": v for k, v in role_origins.items()}}
    return DeployPolicy(policy, service_policy, tuple(warnings), reasons, origins)


_IMAGE_FLAGS: Final[tuple[str, ...]] = (
    "--image-repository",
    "--image-repositories",
    "--resolve-image-repos",
    "--guided",
)


def _image_warning(template: Template, options: DeployOptions) -> list[str]:
    """SAM refuses to push images without somewhere to push them: say so."""
    pushes = options.command in (Command.DEPLOY, Command.PACKAGE, Command.SYNC)
    if not template.local_images or not pushes or any(options.has(f) for f in _IMAGE_FLAGS):
        return []
    names = ", ".join(template.local_images)
    return [
        f"the template has image functions to build and push ({names}) but the command line "
        "names no repository: SAM CLI needs --image-repository, --image-repositories or "
        "--resolve-image-repos, and no ECR push permission is granted without one"
    ]


def _signing_warning(template: Template, options: DeployOptions) -> list[str]:
    """Functions that name a code signing configuration, deployed without signing."""
    uploads = options.command in (Command.DEPLOY, Command.PACKAGE, Command.SYNC)
    signed = [
        f.logical_id
        for f in template.of_type("AWS::Lambda::Function")
        if f.has("CodeSigningConfigArn")
    ]
    if not signed or not uploads or options.has("--signing-profiles"):
        return []
    return [
        f"{', '.join(signed)} name a CodeSigningConfigArn but the command line has no "
        "--signing-profiles: SAM CLI uploads unsigned code (no signer permission is granted), "
        "which a configuration with UntrustedArtifactOnDeployment: Enforce rejects"
    ]


def _origins_of(need: Need, template: Template) -> tuple[str, ...]:
    """The template resources (or properties) that bring a catalogue need in."""
    labels: list[str] = []
    for trigger in need.triggers:
        if isinstance(trigger, ResourceTypeTrigger):
            labels.extend(r.label for r in template.of_type(trigger.resource_type))
        elif isinstance(trigger, PropertyTrigger):
            kind, _, path = trigger.property.partition(".")
            found = [r for r in template.of_type(kind) if r.has(path)]
            labels.extend(f"{r.label} property {path}" for r in found)
            if not found and kind.startswith("AWS::Serverless::"):
                labels.append(f"the template's {trigger.property}")
            elif not found:
                labels.extend(
                    f"{r.label}: the {path} rule of its handlers (not set; dropped by --tight)"
                    for r in template.of_type(kind)
                )
    return tuple(dict.fromkeys(labels))
