"""Policies read back from what lambda-perms prints: its own outputs are its inputs.

:func:`read_policies` accepts every JSON shape the ``policy`` command prints:

* a policy document (``{"Version": ..., "Statement": ...}``);
* an object of named policies: the parts of ``--fit`` (``{"deploy-policy-part-1": {...},
  ...}``), the ``--role-arn`` pair (``{"caller": {...}, "service_role": {...}}``), or both
  (``deploy-policy-service-role-part-2`` ...);
* a CloudFormation template in JSON (``--format cloudformation-json``): each
  ``AWS::IAM::ManagedPolicy``, ``AWS::IAM::Policy`` or ``AWS::IAM::RolePolicy`` resource's
  ``PolicyDocument``, named by its logical id.

Each :class:`PolicyPart` keeps its name, the JSON path of its document inside the input (so
that an error or a finding names the part: ``caller.Statement[0].Action[1]``), the policy and
the document as written (for :func:`~lambda_perms.algebra.validation.validate`'s
``document=``). :func:`principal_of` groups parts: the ``-part-N`` pieces of one name are
one policy, attached together.

>>> parts = read_policies('{"caller": {"Statement": {"Effect": "Allow", "Action": "s3:GetObject",'
...                       ' "Resource": "*"}}, "service_role": {"Statement": []}}')
>>> [(p.name, p.path) for p in parts]
[('caller', 'caller'), ('service_role', 'service_role')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lambda_perms.errors import InvalidPolicyError
from lambda_perms.iam.policy import (
    Policy,
    PolicyKind,
    _ConstantError,
    _join,
    _JsonObject,
    _reject_constant,
)

__all__ = [
    "SERVICE_ROLE_NAMES",
    "PolicyPart",
    "by_principal",
    "decode_json",
    "is_service_role",
    "principal_of",
    "read_policies",
]


def __dir__() -> list[str]:
    return __all__


_POLICY_TYPES: Final[tuple[str, ...]] = (
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
)

#: The names ``policy`` gives the CloudFormation service role's policy (``--role-arn``).
SERVICE_ROLE_NAMES: Final[tuple[str, ...]] = ("service_role", "service-role")

# the parts of one policy: NAME-part-N as JSON names them, NamePartN as CloudFormation's
# logical ids do
_PART = re.compile(r"(.+)-part-\d+|(.+[a-z0-9])Part\d+")


@dataclass(frozen=True, slots=True)
class PolicyPart:
    """One policy of an input: ``name`` (``None`` for a plain document), ``path`` (the JSON
    path of its document in the input; ``""`` for the input itself), the ``policy`` and the
    ``document`` as written."""

    name: str | None
    path: str
    policy: Policy
    document: Any


def principal_of(name: str | None) -> str | None:
    """The policy a part belongs to: ``deploy-policy-part-2`` → ``deploy-policy``,
    ``DeployPolicyPart2`` → ``DeployPolicy``."""
    if name is None:
        return None
    match = _PART.fullmatch(name)
    return (match.group(1) or match.group(2)) if match else name


def decode_json(text: str | bytes, source: str = "<text>") -> Any:
    """JSON text decoded as policies are: UTF-8, a byte order mark ignored, ``NaN`` and
    ``Infinity`` refused, repeated keys remembered for the policy parser to refuse.

    :raises InvalidPolicyError: naming ``source``.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidPolicyError(
                f"{source}: not UTF-8 text (byte 0x{text[e.start]:02x} at offset {e.start})"
            ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidPolicyError(f"{source}: empty input: expected a JSON policy document")
    try:
        return json.loads(
            text, object_pairs_hook=_JsonObject.from_pairs, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as e:
        raise InvalidPolicyError(
            f"{source}: invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    except RecursionError:
        raise InvalidPolicyError(f"{source}: invalid JSON: nested too deeply") from None
    except _ConstantError as e:
        raise InvalidPolicyError(
            f"{source}: invalid JSON: {e.args[0]} is not a JSON value"
        ) from None


def read_policies(
    text: str | bytes,
    *,
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    source: str = "<text>",
) -> tuple[PolicyPart, ...]:
    """Every policy in ``text`` (see the module documentation), in input order.

    :raises InvalidPolicyError: for text that is not JSON, a shape that is none of those
        above, or a policy IAM would reject; the message names ``source`` and the JSON path
        inside the input.
    """
    document = decode_json(text, source)
    return tuple(_parts(document, kind, source))


def _parts(document: Any, kind: PolicyKind | str, source: str) -> list[PolicyPart]:
    if not isinstance(document, dict):
        raise _shape(source, "got " + _what(document))
    if "Statement" in document or "Version" in document:
        return [_part(None, "", document, kind, source)]
    resources = document.get("Resources")
    if isinstance(resources, dict):
        return _template_parts(resources, kind, source)
    if document and all(isinstance(v, dict) for v in document.values()):
        return [_part(name, _join("", name), v, kind, source) for name, v in document.items()]
    keys = ", ".join(map(repr, list(document)[:3]))
    raise _shape(source, f"got an object with {keys}" if keys else "got an empty object")


def _template_parts(
    resources: Mapping[str, Any], kind: PolicyKind | str, source: str
) -> list[PolicyPart]:
    out = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in _POLICY_TYPES:
            continue
        properties = resource.get("Properties")
        path = _join(_join("Resources", logical_id), "Properties")
        if not isinstance(properties, dict) or "PolicyDocument" not in properties:
            raise InvalidPolicyError(
                f"{source}: {path}: a {resource['Type']} needs Properties.PolicyDocument",
                path=path,
            )
        document = properties["PolicyDocument"]
        out.append(_part(logical_id, _join(path, "PolicyDocument"), document, kind, source))
    if not out:
        raise InvalidPolicyError(
            f"{source}: a template without an {', '.join(_POLICY_TYPES[:-1])} or "
            f"{_POLICY_TYPES[-1]} resource: no policy to read"
        )
    return out


def _part(
    name: str | None, path: str, document: Any, kind: PolicyKind | str, source: str
) -> PolicyPart:
    try:
        policy = Policy.from_dict(document, kind=kind)
    except InvalidPolicyError as e:
        inner = e.path
        if path and inner:
            joined = path + ("" if inner.startswith("[") else ".") + inner
        else:
            joined = path or inner
        where = f"{source}: {joined}: " if joined else f"{source}: "
        raise InvalidPolicyError(f"{where}{e.message}", path=joined) from None
    return PolicyPart(name, path, policy, document)


def _what(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _shape(source: str, got: str) -> InvalidPolicyError:
    return InvalidPolicyError(
        f"{source}: expected a policy document (an object with Statement), an object of named "
        "policies (as 'policy --fit' and '--role-arn' print) or a CloudFormation template in "
        f"JSON; {got}"
    )


def is_service_role(name: str | None) -> bool:
    """Whether a part's policy is the CloudFormation service role's (``--role-arn``)."""
    principal = principal_of(name)
    return principal is not None and (
        principal in SERVICE_ROLE_NAMES
        or principal.endswith(("-service-role", "_service_role", "ServiceRole"))
    )


def by_principal(parts: Sequence[PolicyPart]) -> dict[str | None, tuple[PolicyPart, ...]]:
    """The parts grouped by :func:`principal_of`, in input order."""
    out: dict[str | None, list[PolicyPart]] = {}
    for part in parts:
        out.setdefault(principal_of(part.name), []).append(part)
    return {k: tuple(v) for k, v in out.items()}
