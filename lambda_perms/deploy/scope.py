"""Where a deployment goes (:class:`Scope`), and a need's ARN templates rendered there.

Rendering: each need's ARN templates are filled from the scope (partition, region, account,
stack name, bucket, prefix) and the command line (``--role-arn`` replaces the service-role
template by the role's exact ARN); an unknown value becomes ``*`` in its own segment only. The
partition is the scope's, else the region's, else ``aws``. An unknown prefix is empty (the
templates end in ``${Prefix}*``, which then covers any key); ``--guided`` uses the stack name as
prefix, as SAM does. Each rendered resource is one :class:`Grant` of the need's action.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lambda_perms.catalogues.catalogue import Catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.deploy.samcli import DeployOptions
from lambda_perms.errors import InvalidArnError
from lambda_perms.iam.arn import partition_of_region
from lambda_perms.iam.policy import Condition

__all__ = ["Grant", "Scope", "artifact_objects", "need_grants", "placeholder_values"]


def __dir__() -> list[str]:
    return __all__


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


def placeholder_values(scope: Scope, options: DeployOptions) -> dict[str, str]:
    """The values of the catalogue's ARN placeholders (``Partition``, ``Region``, ``Account``,
    ``StackName``, ``Bucket``, ``Prefix``, ...) that the scope and the command line know."""
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


@dataclass(frozen=True)
class Grant:
    """A need's action on one rendered resource, under a condition; ``template`` names the ARN
    template it came from, ``origins`` the template resources that brought it in."""

    action: str
    resource: str
    condition: Condition
    template: str
    origins: tuple[str, ...] = ()


def _bucket_templates(templates: tuple[str, ...], *, managed: bool) -> tuple[str, ...]:
    """A need naming both the artifacts bucket and SAM's managed bucket keeps the one in use."""
    artifacts = tuple(t for t in templates if t.startswith("artifacts-"))
    managed_ones = tuple(t for t in templates if t.startswith("managed-bucket"))
    if not artifacts or not managed_ones:
        return templates
    unused = artifacts if managed else managed_ones
    return tuple(t for t in templates if t not in unused)


def need_grants(
    need: Need,
    cat: Catalogue,
    values: Mapping[str, str],
    options: DeployOptions,
    *,
    managed: bool,
    overrides: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Grant]:
    """A need's grants: its ARN templates rendered with ``values`` (``overrides``: rendered
    resources that replace a template, such as the template's own functions)."""
    condition = need.condition or Condition()
    out: list[Grant] = []
    for template in _bucket_templates(need.resources, managed=managed):
        if template == "*":
            resources: tuple[str, ...] = ("*",)
        elif template == "cloudformation-service-role" and options.role_arn:
            resources = (options.role_arn,)
        elif overrides and template in overrides:
            resources = overrides[template]
        else:
            resources = (cat.template(template).render(values, default="*"),)
        out.extend(Grant(need.action.text, r, condition, template) for r in resources)
    return out


def artifact_objects(cat: Catalogue, values: Mapping[str, str], *, managed: bool) -> str:
    """The objects of the bucket ``sam deploy`` uploads the template's artifacts to (SAM's
    managed bucket, or the one named), under the prefix: what a packaged local ``CodeUri``,
    ``ContentUri`` or ``DefinitionUri`` points to."""
    name = "managed-bucket-objects" if managed else "artifacts-objects"
    return cat.template(name).render(values, default="*")
