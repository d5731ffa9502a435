"""Deploy policies: a SAM CLI command line and a scope in, an explained least-privilege policy out.

>>> from lambda_perms.deploy import DeployOptions, Scope, deploy_policy
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
* a property trigger (``AWS::Lambda::Function.VpcConfig``) applies only when the property is
  named in :attr:`DeployOptions.properties`: templates are not read yet, so it is off by default;
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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from lambda_perms._catalogue import (
    Caller,
    Catalogue,
    Command,
    CommandTrigger,
    Handler,
    Need,
    Phase,
    ResourceTypeTrigger,
    catalogue,
)
from lambda_perms.arn import partition_of_region
from lambda_perms.errors import InvalidArnError, UnknownNameError
from lambda_perms.policy import Condition, Policy, Statement

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
    (templates are not read yet: none by default).
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
            for action, needs in actions.items():
                lines.append(f"  {action}")
                for need in needs:
                    triggers = ", ".join(str(t) for t in need.triggers)
                    lines.append(f"    - {need.why} ({need.caller.value}; {triggers})")
        return "\n".join(lines)


# -- selection -------------------------------------------------------------------------------------

_DEPLOY_HANDLERS = frozenset({Handler.CREATE, Handler.READ, Handler.UPDATE})


@dataclass(frozen=True)
class _Context:
    command: Command
    flags: tuple[str, ...]
    resource_types: frozenset[str]
    properties: frozenset[str]
    rollback: bool

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
            elif trigger.property.lower() in self.properties:
                return True
        return False


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
) -> list[_Grant]:
    condition = need.condition or Condition()
    out = []
    for template in _bucket_templates(need.resources, managed=managed):
        if template == "*":
            resource = "*"
        elif template == "cloudformation-service-role" and options.role_arn:
            resource = options.role_arn
        else:
            resource = cat.template(template).render(values, default="*")
        out.append(_Grant(need.action.text, resource, condition, template))
    return out


def _boundary_condition(boundary: str) -> Condition:
    return Condition.of({"StringEquals": {"iam:PermissionsBoundary": boundary}})


def _drop_covered(reasons: dict[tuple[str, str, Condition], list[Need]]) -> None:
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


@lru_cache(maxsize=1024)
def _covers(outer: str, inner: str) -> bool:
    """Whether the resource pattern ``outer`` matches everything ``inner`` matches (exact)."""
    from lambda_perms import _reglang

    return _reglang.is_subset([_reglang.compile_pattern(inner)], [_reglang.compile_pattern(outer)])


_GrantKey = tuple[str, str, Condition]


def _collect(
    needs: Sequence[tuple[Need, list[_Grant]]], boundary: str | None
) -> tuple[dict[_GrantKey, list[Need]], dict[_GrantKey, str]]:
    """(action, resource, condition) -> the needs behind it, and its first template's name."""
    reasons: dict[_GrantKey, list[Need]] = {}
    templates: dict[_GrantKey, str] = {}
    for need, grants in needs:
        for grant in grants:
            condition = grant.condition
            if boundary is not None and grant.action.lower() in BOUNDARY_ACTIONS:
                condition = _boundary_condition(boundary)
            grant_key = (grant.action, grant.resource, condition)
            reasons.setdefault(grant_key, []).append(need)
            templates[grant_key] = min(templates.get(grant_key, grant.template), grant.template)
    _drop_covered(reasons)
    return reasons, templates


def _build(
    needs: Sequence[tuple[Need, list[_Grant]]], boundary: str | None, command: Command
) -> tuple[Policy, dict[str, dict[str, tuple[Need, ...]]]]:
    reasons, templates = _collect(needs, boundary)

    # group: (service, resource, condition, rollback-only) -> actions
    groups: dict[tuple[str, str, Condition, bool], dict[str, list[Need]]] = {}
    group_template: dict[tuple[str, str, Condition, bool], str] = {}
    for (action, resource, condition), why in reasons.items():
        rollback = all(n.rollback_only for n in why)
        service = action.split(":", 1)[0]
        group = (service, resource, condition, rollback)
        groups.setdefault(group, {})[action] = why
        template = templates[(action, resource, condition)]
        group_template[group] = min(group_template.get(group, template), template)

    def base_sid(key: tuple[str, str, Condition, bool]) -> list[str]:
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

    def order(key: tuple[str, str, Condition, bool]) -> tuple[object, ...]:
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
    explained: dict[str, dict[str, tuple[Need, ...]]] = {}
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
        statements.append(
            Statement.allow(sorted(actions), key[1], sid=sid, condition=key[2] or None)
        )
        explained[sid] = {a: tuple(actions[a]) for a in sorted(actions, key=str.lower)}
    return Policy.of(*statements), explained


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
    catalogue_: Catalogue | None = None,
) -> DeployPolicy:
    """The least-privilege policy for a SAM command line (default: ``sam deploy`` of one zip
    function with a SAM-created execution role) in a scope.

    ``rollback=False`` drops the rollback-only permissions (with a warning); ``boundary`` (a
    managed policy ARN) is required on every role-creating or role-changing action. With
    ``--role-arn`` on the command line the result also holds the service role's policy.

    :raises InvalidArnError: for a boundary that is not a managed policy ARN.
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
    context = _Context(
        command=options.command,
        flags=_effective_flags(options, filled),
        resource_types=frozenset(t.lower() for t in options.resource_types),
        properties=frozenset(p.lower() for p in options.properties),
        rollback=rollback,
    )
    values = _values(filled, options)
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
            grants = _grants(need, cat, values, options, managed=managed)
            to_role = split and need.caller is Caller.CLOUDFORMATION and not _bootstrap(need)
            (role if to_role else mine).append((need, grants))
    warnings: list[str] = []
    if not rollback and options.command is not Command.DELETE:
        warnings.append(ROLLBACK_WARNING)
    if dropped_boundary:
        warnings.append(
            "with a permissions boundary, iam:DeleteRolePermissionsBoundary is not granted: "
            "a stack update cannot remove a role's boundary"
        )
    policy, reasons = _build(mine, boundary, options.command)
    service_policy = None
    if split:
        service_policy, role_reasons = _build(role, boundary, options.command)
        reasons = {**reasons, **{f"service_role:{k}": v for k, v in role_reasons.items()}}
    return DeployPolicy(policy, service_policy, tuple(warnings), reasons)
