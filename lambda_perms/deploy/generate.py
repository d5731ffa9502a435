"""Deploy policies: a SAM CLI command line and a scope in, an explained least-privilege policy out.

>>> from lambda_perms import DeployOptions, Scope, deploy_policy
>>> options, notes = DeployOptions.from_sam_args(["deploy", "--stack-name", "my-app",
...                                               "--s3-bucket", "my-artifacts"])
>>> result = deploy_policy(options, Scope(account="123456789012", region="ap-northeast-1"))
>>> result.policy.statements[0].sid
'CloudFormationDeploy'

:func:`deploy_policy` runs the steps the package's other modules own: the command line
(:mod:`~lambda_perms.deploy.samcli`), the scope and the ARNs rendered in it
(:mod:`~lambda_perms.deploy.scope`), which catalogue needs apply
(:mod:`~lambda_perms.deploy.select`), what a template adds
(:mod:`~lambda_perms.deploy.from_template`) and the statements
(:mod:`~lambda_perms.deploy.statements`); it decides who holds each permission and what to
warn about, and returns a :class:`~lambda_perms.deploy.result.DeployPolicy`.

Who holds a permission: the SAM CLI's and the docker daemon's calls use the caller's
credentials, and so do CloudFormation's unless a service role is given (``--role-arn``). With
``--role-arn`` the result holds two policies: the caller's (the SAM CLI's calls plus
``iam:PassRole`` on that role for ``cloudformation.amazonaws.com``) and the service role's (what
CloudFormation does with the template's resources). CloudFormation's work on the stacks SAM
bootstraps itself (``aws-sam-cli-managed-default`` with its bucket, the ECR companion stack and
its repositories, the WebFunction code stack: phase ``bootstrap`` or their templates, including
their rollback) is never done with the service role, so it stays with the caller.

Permissions boundary (``boundary=ARN``): the ``iam:CreateRole`` + ``iam:PassRole`` path lets
whoever may deploy create a role with any policy and hand it to a function, an escalation. With
a boundary, every role-creating or role-changing action that supports the
``iam:PermissionsBoundary`` condition key
(:data:`~lambda_perms.deploy.statements.BOUNDARY_ACTIONS`, from the IAM Service Authorization
Reference) is allowed only with ``{"StringEquals": {"iam:PermissionsBoundary": ARN}}``: roles
can be created, and their policies changed, only when they carry that boundary.
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
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from lambda_perms.catalogues.catalogue import Catalogue, catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.catalogues.terms import Caller, Command, Phase
from lambda_perms.deploy.from_template import TemplateAdditions, origins_of, template_additions
from lambda_perms.deploy.result import DeployPolicy
from lambda_perms.deploy.samcli import DeployOptions
from lambda_perms.deploy.scope import (
    Grant,
    Scope,
    artifact_objects,
    need_grants,
    placeholder_values,
)
from lambda_perms.deploy.select import Context, effective_flags
from lambda_perms.deploy.statements import build_policy
from lambda_perms.deploy.templates import Template, load_template
from lambda_perms.errors import InvalidArnError, TemplateError
from lambda_perms.iam.arn import ResourcePattern

__all__ = ["ROLLBACK_WARNING", "deploy_policy"]


def __dir__() -> list[str]:
    return __all__


ROLLBACK_WARNING: Final[str] = (
    "rollback permissions are excluded: a failed first deploy cannot roll back and leaves the "
    "stack in ROLLBACK_FAILED (delete it by hand with broader permissions)"
)

#: Not granted at all with a boundary: it would remove the very boundary it is conditioned on.
_NOT_WITH_BOUNDARY: Final[str] = "iam:deleterolepermissionsboundary"


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
    parameters: Mapping[str, str] | None = None,
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

    ``parameters`` are the template's ``--parameter-overrides`` (and samconfig's
    ``parameter_overrides``; see :func:`~lambda_perms.deploy.samconfig.parameter_overrides_of`):
    names written with ``!Ref``/``!Sub`` of a parameter are then resolved. A parameter
    without an override takes its ``Default``, the value of a stack's first deploy; on an
    update CloudFormation keeps the stack's previous value (SAM CLI sends ``UsePreviousValue``),
    so a warning names every parameter resolved from its default: give its value if an
    earlier deploy set another. Without ``parameters`` (``None``) names that use parameters
    stay ``*``. A parsed :class:`~lambda_perms.deploy.templates.Template` is used as it is.

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
    loaded = load_template(template, parameters=parameters) if template is not None else None
    resource_types = loaded.resource_types if loaded is not None else options.resource_types
    properties = loaded.properties if loaded is not None else options.properties
    context = Context(
        command=options.command,
        flags=effective_flags(options, filled),
        resource_types=frozenset(t.lower() for t in resource_types),
        properties=frozenset(p.lower() for p in properties),
        rollback=rollback,
        full_handlers=loaded is not None and not tight,
    )
    values = placeholder_values(filled, options)
    managed = "--s3-bucket" not in context.flags
    extra = (
        template_additions(
            loaded,
            context,
            values,
            filled.stack,
            cat,
            tight=tight,
            service_role=options.role_arn,
            artifacts=artifact_objects(cat, values, managed=managed),
        )
        if loaded is not None
        else TemplateAdditions()
    )
    split = options.role_arn is not None
    mine: list[tuple[Need, list[Grant]]] = []
    role: list[tuple[Need, list[Grant]]] = []
    dropped_boundary = False
    for service in cat.services:
        for need in service.needs:
            if not context.applies(need):
                continue
            if boundary is not None and need.action.key == _NOT_WITH_BOUNDARY:
                dropped_boundary = True
                continue
            grants = need_grants(
                need, cat, values, options, managed=managed, overrides=extra.overrides
            )
            if loaded is not None and (found := origins_of(need, loaded)):
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
    if loaded is not None:
        _check_resources(loaded, (*mine, *role))
    policy, reasons, origins = build_policy(mine, boundary, options.command)
    service_policy = None
    if split:
        service_policy, role_reasons, role_origins = build_policy(role, boundary, options.command)
        reasons = {**reasons, **{f"service_role:{k}": v for k, v in role_reasons.items()}}
        origins = {**origins, **{f"service_role:{k}": v for k, v in role_origins.items()}}
    return DeployPolicy(policy, service_policy, tuple(warnings), reasons, origins)


def _check_resources(template: Template, pairs: Sequence[tuple[Need, list[Grant]]]) -> None:
    """A resource the template's own values make that IAM cannot take (``arn::iam...``, an
    empty service segment): an error naming the template resource it comes from."""
    for _need, grants in pairs:
        for grant in grants:
            try:
                ResourcePattern(grant.resource)
            except InvalidArnError as e:
                origin = grant.origins[0] if grant.origins else "the template"
                logical = origin.split(" ", 1)[0].rsplit("/", 1)[-1]
                raise TemplateError(
                    f"{origin}: {grant.action} cannot be granted: the {e}; fix the ARN the "
                    "template gives",
                    source=template.source,
                    path=f"Resources.{logical}" if grant.origins else "",
                ) from None


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
