"""The catalogue's vocabulary: phases, callers, commands, handlers, evidence kinds and verdicts,
and the triggers (a SAM CLI command line, a resource type, a template property) built from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Final, Self, TypeAlias

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from lambda_perms.catalogues._schema import Model, pattern, rule, tag

__all__ = [
    "RESOURCE_TYPE",
    "AnyTrigger",
    "Caller",
    "Command",
    "CommandTrigger",
    "EvidenceKind",
    "Handler",
    "Phase",
    "PropertyTrigger",
    "ResourceTypeTrigger",
    "Trigger",
    "Verdict",
    "trigger_key",
]


def __dir__() -> list[str]:
    return __all__


# -- enumerations ------------------------------------------------------------------------


class Phase(StrEnum):
    """When in a deployment's life a permission is used (declaration order is life order)."""

    PACKAGE = "package"
    DEPLOY = "deploy"
    UPDATE = "update"
    ROLLBACK = "rollback"
    DELETE = "delete"
    BOOTSTRAP = "bootstrap"


class Caller(StrEnum):
    """Who calls the API: the SAM CLI, CloudFormation on the user's behalf, the docker daemon."""

    SAM_CLI = "sam-cli"
    CLOUDFORMATION = "cloudformation"
    DOCKER = "docker"


class Command(StrEnum):
    """The SAM CLI commands that need AWS permissions."""

    DEPLOY = "deploy"
    PACKAGE = "package"
    DELETE = "delete"
    SYNC = "sync"


class Handler(StrEnum):
    """A CloudFormation resource handler."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    LIST = "list"


class EvidenceKind(StrEnum):
    """Where a fact comes from."""

    SAM_CLI = "sam-cli"
    TRACE = "trace"
    CFN_SCHEMA = "cfn-schema"
    AWS_DOCS = "aws-docs"
    ARTICLE = "article"


class Verdict(StrEnum):
    """A profile entry's verdict."""

    REQUIRED = "required"
    CONDITIONAL = "conditional"
    UNNEEDED = "unneeded"


# -- triggers ----------------------------------------------------------------------------

_FLAG = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9-]*(?: \S.*)?")
#: A CloudFormation resource type name (``AWS::Lambda::Function``).
RESOURCE_TYPE: Final = re.compile(r"[A-Za-z0-9]+(?:::[A-Za-z0-9]+){1,3}")
_RESOURCE_TYPE = pattern(
    RESOURCE_TYPE, "a CloudFormation resource type like 'AWS::Lambda::Function'"
)
_PROPERTY = pattern(
    re.compile(r"[A-Za-z0-9]+(?:::[A-Za-z0-9]+){1,3}(?:\.[A-Za-z0-9]+)+"),
    "a resource type's property like 'AWS::Lambda::Function.VpcConfig'",
)


def _flag_name(flag: str) -> str:
    return flag.split(" ", 1)[0]


def _flag_given(flag: str, given: Iterable[str]) -> bool:
    """Whether the trigger flag ``flag`` is on a command line with ``given`` flags.

    A trigger flag without a value (``--resolve-s3``) is on the line whatever its value; one
    with a value (``--on-failure DELETE``) only with that value.
    """
    return any(g == flag or (" " not in flag and _flag_name(g) == flag) for g in given)


class CommandTrigger(Model):
    """``{ command = "deploy", flags = [...], without = [...] }``: a SAM CLI command line.

    ``flags`` must all be on the command line, ``without`` all absent.
    """

    command: Command
    flags: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    @field_validator("flags", "without", mode="after")
    @classmethod
    def _flags(cls, flags: tuple[str, ...]) -> tuple[str, ...]:
        for i, flag in enumerate(flags):
            if not _FLAG.fullmatch(flag):
                raise rule(
                    f"[{i}]",
                    f"{flag!r} is not a flag as written on the command line "
                    "(e.g. '--resolve-s3' or '--on-failure DELETE')",
                )
        return tuple(sorted(set(flags)))

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = {_flag_name(f) for f in self.flags} & {_flag_name(f) for f in self.without}
        if both:
            raise rule("without", f"{sorted(both)[0]!r} is both required and excluded")
        return self

    def applies(self, command: Command | str, flags: Iterable[str] = ()) -> bool:
        """Whether a ``sam <command>`` line with ``flags`` brings this trigger in."""
        given = tuple(flags)
        return (
            self.command == command
            and all(_flag_given(f, given) for f in self.flags)
            and not any(_flag_given(f, given) for f in self.without)
        )

    def __str__(self) -> str:
        text = " ".join(("sam", self.command.value, *self.flags))
        if self.without:
            text += " without " + ", ".join(self.without)
        return text


class ResourceTypeTrigger(Model):
    """``{ resource_type = "AWS::Lambda::Function", handler = "create" }``: a CloudFormation
    resource handler of a type in the template."""

    resource_type: str = Field(pattern=_RESOURCE_TYPE)
    handler: Handler

    def __str__(self) -> str:
        return f"{self.resource_type} {self.handler.value}"


class PropertyTrigger(Model):
    """``{ property = "AWS::Lambda::Function.VpcConfig" }``: a template property."""

    property: str = Field(pattern=_PROPERTY)

    def __str__(self) -> str:
        return self.property


AnyTrigger: TypeAlias = CommandTrigger | ResourceTypeTrigger | PropertyTrigger

# the union's tags, which pydantic puts into error locations (DataError fields leave them out)
_TAGS = {
    "command": tag("command-trigger"),
    "resource_type": tag("resource-type-trigger"),
    "property": tag("property-trigger"),
}


def _trigger_tag(value: Any) -> str | None:
    if isinstance(value, CommandTrigger):
        return _TAGS["command"]
    if isinstance(value, ResourceTypeTrigger):
        return _TAGS["resource_type"]
    if isinstance(value, PropertyTrigger):
        return _TAGS["property"]
    if isinstance(value, Mapping):
        for key, name in _TAGS.items():
            if key in value:
                return name
    return None


#: One trigger; which kind is told by the key present (``command``, ``resource_type``,
#: ``property``).
Trigger = Annotated[
    Annotated[CommandTrigger, Tag(_TAGS["command"])]
    | Annotated[ResourceTypeTrigger, Tag(_TAGS["resource_type"])]
    | Annotated[PropertyTrigger, Tag(_TAGS["property"])],
    Discriminator(
        _trigger_tag,
        custom_error_type="trigger_kind",
        custom_error_message="a trigger is a table with one of the keys 'command', "
        "'resource_type' or 'property'",
    ),
]


def trigger_key(
    trigger: CommandTrigger | ResourceTypeTrigger | PropertyTrigger,
) -> tuple[Any, ...]:
    if isinstance(trigger, CommandTrigger):
        return (0, list(Command).index(trigger.command), trigger.flags, trigger.without)
    if isinstance(trigger, ResourceTypeTrigger):
        return (1, trigger.resource_type, list(Handler).index(trigger.handler))
    return (2, trigger.property)
