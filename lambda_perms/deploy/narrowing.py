"""Handler grants narrowed by the template's own names, where the IAM data alone is broad.

Three of CloudFormation's handler permissions would otherwise take any resource of their
kind (issue: "default mode grants broadly where a name is unknown"); each is narrowed by what
the type's data in ``data/cloudformation/types.toml`` says its handlers touch, and stays broad,
with a warning naming the resource, only where the template does not tell:

* **S3 reads** (``s3:GetObject``, ``s3:GetObjectVersion``): a handler reads only the object its
  ``reads`` property names (a REST API's ``BodyS3Location``, a state machine's
  ``DefinitionS3Location``, a layer's ``Content`` ...). A location ``sam deploy`` packaged (a
  local ``DefinitionUri``/``ContentUri``) is in the deploy bucket under the prefix; a written
  ``{Bucket, Key}`` or ``s3://bucket/key`` is that object. Without the property (an inline
  ``Body``) no object is read: the grant is the deploy bucket's objects, which the deployment
  uploads anyway (the narrowest grant that still lets a change that adds the property through).
  A bucket that is a parameter nobody resolved, or an access point alias, stays any bucket.
* **ARNs of a service's actions** (``handler_arns``): API Gateway's HTTP verbs act on every
  path of the service, but a REST API's handlers touch ``/restapis``, ``/restapis/*`` and
  ``/tags/*`` only (the service authorization reference's resource types of each path).
* **Roles passed** are found by :func:`role_values`: the properties named like a role
  (``Role``, ``RoleArn``, ``SnsCallerArn``) and like API Gateway's credentials
  (``Credentials``, ``AuthorizerCredentials``, an OpenAPI definition's ``credentials`` and
  ``authorizerCredentials``); a value another transform produces is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

from lambda_perms.catalogues.cloudformation import TypeInfo
from lambda_perms.deploy.sam_transform import PLACEHOLDER_BUCKET
from lambda_perms.deploy.template_model import TemplateResource, render_name
from lambda_perms.iam._glob import collapse_stars
from lambda_perms.iam.arn import fill_placeholders

__all__ = [
    "UNKNOWN",
    "fill",
    "handler_arns",
    "is_object_action",
    "passes_no_role",
    "read_objects",
    "role_values",
    "scoped",
]


def __dir__() -> list[str]:
    return __all__


#: What :func:`role_values` yields for a value no one can read here (a transform's output).
UNKNOWN: Final[object] = object()

_ROLE_KEY = re.compile(r".*Role(Arn|ARN)?|SnsCallerArn|(.*C|c)redentials(Arn)?")
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
# S3 object actions: the ones whose resource is an object (arn:aws:s3:::bucket/key)
_OBJECT_TYPE: Final[str] = "object"


def role_values(value: Any) -> Iterator[Any]:
    """The values of the properties that name a role, anywhere under ``value``: ``Role``,
    ``RoleArn``, ``...RoleArn``, ``SnsCallerArn``, and API Gateway's integration and
    authorizer credentials (``Credentials``, ``CredentialsArn``, ``AuthorizerCredentials``,
    ``credentials``/``authorizerCredentials`` in an OpenAPI definition); :data:`UNKNOWN` for
    an ``Fn::Transform`` (what it includes is not known here)."""
    if isinstance(value, Mapping):
        if "Fn::Transform" in value:
            yield UNKNOWN
            return
        for key, item in value.items():
            names_role = isinstance(key, str) and _ROLE_KEY.fullmatch(key) is not None
            if names_role and (
                isinstance(item, str) or (isinstance(item, Mapping) and set(item) & _INTRINSICS)
            ):
                yield item
            else:
                yield from role_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from role_values(item)


def passes_no_role(value: str) -> bool:
    """Whether a literal credentials value names no role (API Gateway's caller credentials,
    ``arn:aws:iam::*:user/*``, which SAM writes for ``InvokeRole: CALLER_CREDENTIALS``)."""
    return value.startswith("arn:") and ":iam::" in value and ":role/" not in value


def handler_arns(
    info: TypeInfo | None, action: str, values: Mapping[str, str]
) -> tuple[str, ...] | None:
    """The ARNs the type's data says its handler actions of ``action``'s service act on,
    filled with the scope's partition and region (account: its own, else ``*``); ``None``:
    no such data."""
    service = action.split(":", 1)[0].lower()
    found = info.handler_arns.get(service) if info is not None else None
    if not found:
        return None

    def one(key: str) -> str:
        if key == "Partition":
            return values.get("Partition", "aws")
        return values.get(key, "*")

    return tuple(sorted({collapse_stars(fill_placeholders(t, one)) for t in found}))


def is_object_action(action: str) -> bool:
    """Whether an S3 action acts on objects (``arn:aws:s3:::bucket/key``)."""
    return any(name == _OBJECT_TYPE for name, _, _ in _formats(action))


def read_objects(
    resource: TemplateResource,
    info: TypeInfo | None,
    artifacts: str,
    stack: str | None,
    partition: str,
) -> tuple[str, ...] | None:
    """The object ARNs the resource's handlers may read, by the type's ``reads`` data;
    ``None``: not known (no data, or a location the template does not name)."""
    if info is None or not info.reads:
        return None
    out: set[str] = set()
    for read in info.reads:
        if not resource.has(read.property):
            continue
        location = _get(resource.properties, read.property)
        if read.bucket is None or read.key is None:
            url = render_name(location, resource.stack_names(stack))
            match = re.fullmatch(r"s3://([^/]+)/(.+)", url)
            if match is None:
                return None
            bucket, key = match.group(1), match.group(2)
        elif isinstance(location, Mapping):
            names = resource.stack_names(stack)
            bucket = render_name(location.get(read.bucket), names)
            key = render_name(location.get(read.key), names)
        else:
            return None
        if bucket == PLACEHOLDER_BUCKET:  # a local path sam deploy uploads
            out.add(artifacts)
            continue
        if bucket.strip("*") == "" or bucket.endswith("-s3alias"):
            return None  # any bucket, or an access point alias (its ARN is the access point's)
        out.add(f"arn:{partition}:s3:::{bucket}/{key}{'*' if read.prefix else ''}")
    return tuple(sorted(out)) if out else (artifacts,)


def _get(properties: Mapping[str, Any], path: str) -> Any:
    value: Any = properties
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def fill(arn: str, values: Mapping[str, str], name: str = "*") -> str:
    """An ARN format with the scope's partition, region and account; other parts ``*``."""

    def one(key: str) -> str:
        if key == "Name":
            return name
        if key == "Partition":
            return values.get("Partition", "aws")
        return values.get(key, "*") if key in ("Region", "Account") else "*"

    return collapse_stars(fill_placeholders(arn, one))


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


def scoped(
    action: str, own: Mapping[str, tuple[str, ...]], values: Mapping[str, str]
) -> tuple[tuple[str, ...], bool]:
    """The resources to grant a handler's action on by the IAM data alone: the instance
    itself when the action acts on its type, else every resource of the types the action acts
    on in the scope's account and region, else (an action without resource-level permissions)
    ``*``; and whether many resource types were folded into one broad pattern."""
    formats = _formats(action)
    if not formats:
        return ("*",), False
    prefix = action.split(":", 1)[0].lower()
    mine = sorted({arn for name, _, _ in formats for arn in own.get(f"{prefix}:{name}", ())})
    if mine:
        return tuple(mine), False
    filled = sorted({fill(f, values) for _, _, fs in formats for f in fs})
    # a handler acts on its own service's resources: another service's resource types the
    # action also accepts (ssm:AddTagsToResource on EC2 instances ...) are not its business
    own_service = [f for f in filled if f.split(":", 3)[2] == prefix]
    filled = own_service or filled
    if len(filled) <= _MAX_FORMATS:
        return tuple(filled), False
    # many resource types (API Gateway's verbs act on dozens of paths): the service's
    # resources in the scope's region and account, cut at the last separator they share
    common = _common_prefix(filled)
    cut = max(common.rfind(":"), common.rfind("/"))
    if common[: cut + 1].count(":") < 3:  # not even one service: keep them all
        return tuple(filled), False
    folded = common[: cut + 1] + "*"
    return (folded + ":*" * max(0, 5 - folded.count(":")),), True
