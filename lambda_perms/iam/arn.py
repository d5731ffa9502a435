"""ARNs, ARN templates and resource patterns.

* :class:`Arn` parses ``arn:partition:service:region:account:resource``; the resource part may
  itself contain ``:`` and ``/`` (``function:my-fn:prod``, ``stack/name/uuid``).
* :class:`ArnTemplate` holds ARN formats with placeholders such as ``${Partition}``,
  ``${Region}``, ``${Account}`` and named ones (``${FunctionName}``), as the Service
  Authorization Reference writes them. Placeholders that contain ``:`` (``${aws:username}``)
  are IAM policy variables and stay literal.
* :class:`ResourcePattern` is a ``Resource`` entry of a policy: ``*`` or an ARN glob, matched
  case-sensitively with ``*`` and ``?`` (see :mod:`lambda_perms.iam._glob` for the segment rule).

>>> Arn.parse("arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod").resource
'function:my-fn:prod'
>>> ArnTemplate("arn:${Partition}:s3:::${BucketName}").render(Partition="aws", BucketName="b")
'arn:aws:s3:::b'
>>> ResourcePattern.parse("arn:aws:s3:::my-bucket/*").matches("arn:aws:s3:::my-bucket/a/b")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Self

from lambda_perms.errors import InvalidArnError, MissingPlaceholderError
from lambda_perms.iam._glob import has_wildcard, resource_regex
from lambda_perms.iam._text import bad_character, describe_character
from lambda_perms.iam._value import TextValue

__all__ = [
    "PARTITIONS",
    "Arn",
    "ArnTemplate",
    "ResourcePattern",
    "fill_placeholders",
    "partition_of_region",
]


def __dir__() -> list[str]:
    return __all__


#: The partitions the IAM User Guide documents ("IAM ARNs"). Others (isolated regions such
#: as ``aws-iso``) are accepted everywhere; this tuple only names the common ones.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")

_REGION_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
    ("eusc-", "aws-eusc"),
)


def partition_of_region(region: str) -> str:
    """The partition a region belongs to (``cn-north-1`` → ``aws-cn``; default ``aws``)."""
    for start, partition in _REGION_PARTITIONS:
        if region.startswith(start):
            return partition
    return "aws"


@dataclass(frozen=True, slots=True)
class Arn:
    """A parsed, concrete ARN. Field values are kept exactly as written."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split ``text`` into its six parts.

        :raises InvalidArnError: when ``text`` does not start with ``arn:`` or has fewer than
            six colon-separated parts, or an empty partition, service or resource.
        """
        if not isinstance(text, str):
            raise InvalidArnError(f"expected an ARN string, got {type(text).__name__}")
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            raise InvalidArnError(
                f"{text!r} is not an ARN; expected 'arn:partition:service:region:account:resource'"
            )
        _, partition, service, region, account, resource = parts
        for label, value in (("partition", partition), ("service", service)):
            if not value:
                raise InvalidArnError(f"{text!r} has an empty {label}")
        if not resource:
            raise InvalidArnError(f"{text!r} has an empty resource part")
        return cls(partition, service, region, account, resource)

    def __str__(self) -> str:
        return ":".join(
            ("arn", self.partition, self.service, self.region, self.account, self.resource)
        )


# any ``${...}`` (CloudFormation's ``${AWS::Region}`` and ``${!Literal}`` too)
_ANY_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# the same spans; the group holds an ARN template's own placeholders: those with a plain name
_PLACEHOLDER = re.compile(r"\$\{(?:([A-Za-z][A-Za-z0-9_]*)|[^}]*)\}")


def fill_placeholders(text: str, value: Callable[[str], str | None]) -> str:
    """``text`` with each ``${name}`` replaced by ``value(name)``; a placeholder for which
    ``value`` gives ``None`` is kept as written.

    The one way placeholders are filled: ARN templates, the ARN formats of the universe and
    of CloudFormation's resource types, and the strings of CloudFormation's ``Fn::Sub``.

    >>> fill_placeholders("arn:${Partition}:s3:::${Bucket}/${aws:userid}", {"Partition": "aws"}.get)
    'arn:aws:s3:::${Bucket}/${aws:userid}'
    """

    def one(match: re.Match[str]) -> str:
        found = value(match.group(1))
        return match.group(0) if found is None else found

    return _ANY_PLACEHOLDER.sub(one, text)


class ArnTemplate:
    """An ARN format with ``${Name}`` placeholders.

    >>> t = ArnTemplate("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")
    >>> t.placeholders
    ('Partition', 'Account', 'RoleNameWithPath')
    >>> t.render({"Partition": "aws", "Account": "123456789012"}, default="*")
    'arn:aws:iam::123456789012:role/*'
    """

    __slots__ = ("_placeholders", "_text")

    _text: str
    _placeholders: tuple[str, ...]

    def __init__(self, text: str) -> None:
        raw: object = text  # callers without type checking may pass anything
        if not isinstance(raw, str) or not raw:
            raise InvalidArnError(f"an ARN template must be a non-empty string, got {raw!r}")
        if text != "*" and not text.startswith("arn:"):
            raise InvalidArnError(f"ARN template {text!r} does not start with 'arn:'")
        names = tuple(dict.fromkeys(n for n in _PLACEHOLDER.findall(text) if n))
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_placeholders", names)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ArnTemplate is immutable")

    @property
    def text(self) -> str:
        return self._text

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The placeholder names in order of first appearance (policy variables excluded)."""
        return self._placeholders

    def render(
        self,
        values: Mapping[str, str] | None = None,
        /,
        *,
        default: str | None = None,
        **kwargs: str,
    ) -> str:
        """Fill the placeholders from ``values`` (and keyword arguments).

        A placeholder without a value takes ``default`` when one is given (``"*"`` turns an
        unknown segment into a wildcard in that segment only); otherwise it is an error.

        :raises MissingPlaceholderError: naming the placeholder and the template.
        """
        given: dict[str, str] = {**(values or {}), **kwargs}

        def fill(name: str) -> str | None:
            if name not in self._placeholders:
                return None  # a policy variable, such as ${aws:username}
            value = given.get(name, default)
            if value is None:
                known = ", ".join(sorted(given)) or "none"
                raise MissingPlaceholderError(
                    f"no value for placeholder ${{{name}}} in ARN template {self._text!r} "
                    f"(values given: {known})",
                    placeholder=name,
                )
            return value

        return fill_placeholders(self._text, fill)

    def as_pattern(self) -> str:
        """The resource glob that matches every rendering (each placeholder becomes ``*``)."""
        return self.render(default="*")

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"ArnTemplate({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArnTemplate):
            return NotImplemented
        return self._text == other._text

    def __hash__(self) -> int:
        return hash(self._text)


def _resource_problem(text: object) -> str | None:
    if not isinstance(text, str):
        return f"expected a string like 'arn:aws:s3:::my-bucket' or '*', got {type(text).__name__}"
    if text == "*":
        return None
    char = bad_character(text)
    if char is not None:
        return f"{text!r} contains {describe_character(char)}, which IAM does not accept"
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return f"resource {text!r} must be in ARN format ('arn:partition:service:...') or '*'"
    if not parts[2]:
        return f"resource {text!r} has an empty service segment"
    if has_wildcard(parts[2]):
        # IAM User Guide, Resource element: "You can't use a wildcard in the service segment".
        return f"resource {text!r} has a wildcard in the service segment, which IAM rejects"
    return None


class ResourcePattern(TextValue):
    """A ``Resource``/``NotResource`` entry: ``*`` or an ARN, possibly with wildcards.

    Compared case-sensitively (IAM user and role names are case-sensitive in ``Resource``).
    """

    __slots__ = ()

    def __init__(self, text: str) -> None:
        problem = _resource_problem(text)
        if problem is not None:
            raise InvalidArnError(problem)
        object.__setattr__(self, "_text", text)

    @classmethod
    def parse(cls, text: str) -> Self:
        """:raises InvalidArnError: when ``text`` is neither ``*`` nor ARN-shaped."""
        return cls(text)

    @property
    def is_wildcard(self) -> bool:
        return has_wildcard(self._text)

    @property
    def has_variables(self) -> bool:
        """Whether the pattern contains a policy variable such as ``${aws:username}``."""
        return "${" in self._text

    def matches(self, resource: str) -> bool:
        """Whether the concrete ``resource`` string is matched (no policy variables resolved)."""
        return resource_regex(self._text).fullmatch(resource) is not None


ResourcePattern._family = ResourcePattern
