"""The deploy catalogue: every IAM permission deploying AWS Lambda with the SAM CLI can need.

The data format is documented in ``docs/catalogue-format.md``; the files live in the top-level
``data/`` directory (``lambda_perms/data`` in the wheel)::

    data/
      resources.toml            the shared ARN templates (``[templates.<name>]``)
      services/<prefix>.toml    one IAM service prefix: ``[actions.<Name>]`` with ``[[...needs]]``
      profiles/<name>.toml      named selections (``article``: the seed article's list)

>>> import lambda_perms
>>> cat = lambda_perms.catalogue()
>>> "cloudformation:createchangeset" in cat
True
>>> cat.needs("cloudformation:CreateChangeSet")[0].action
Action('cloudformation:CreateChangeSet')

Loading is lazy and cached: :func:`catalogue` lists ``services/`` without reading it, a service
file is parsed (``tomllib``) and validated (pydantic) the first time one of its actions is asked
for, and ``catalogue.cache_clear()`` drops everything. :meth:`Catalogue.from_directory` loads
another directory of the same layout (fixture catalogues in tests, a user's own catalogue).

Beyond the types, a file must satisfy these rules; a violation is a
:class:`~lambda_perms.errors.DataError` naming the file and the field
(``actions.CreateChangeSet.needs[0].phases``):

* a service file's ``prefix`` is its file name and a profile's ``name`` is its file name;
* action names are unique ignoring case, and are action names (no wildcard);
* ``resources`` names templates of ``resources.toml``, or is exactly ``["*"]`` with a
  ``star_reason``; templates use only the documented placeholders (:data:`PLACEHOLDERS`);
* ``rollback_only = true`` lists ``rollback`` among the phases;
* ``condition`` is a valid IAM ``Condition`` block, and every ``iam:PassRole`` need has an
  ``iam:PassedToService`` condition;
* every action exists in the action universe, spelled as AWS spells it.

The last rule needs the universe snapshot, whose load costs more than the whole catalogue's.
:meth:`Catalogue.from_directory` checks it as each file is loaded; the shipped catalogue
(:func:`catalogue`) is checked by the test suite instead (``Catalogue.problems()`` runs every
rule over every file), so that a look-up stays cheap.
"""

from __future__ import annotations

import difflib
import os
import pathlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from functools import cache, cached_property
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeAlias, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictStr,
    Tag,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lambda_perms import _data
from lambda_perms.errors import DataError, InvalidActionError, InvalidArnError, UnknownNameError
from lambda_perms.iam.actions import Action
from lambda_perms.iam.arn import ArnTemplate

if TYPE_CHECKING:
    from lambda_perms._universe import Universe
    from lambda_perms.iam.policy import Condition

__all__ = [
    "PLACEHOLDERS",
    "ActionEntry",
    "Caller",
    "Catalogue",
    "Command",
    "CommandTrigger",
    "Evidence",
    "EvidenceKind",
    "Handler",
    "Need",
    "NeedEntry",
    "Phase",
    "Profile",
    "ProfileEntry",
    "PropertyTrigger",
    "ResourceTemplate",
    "ResourceTypeTrigger",
    "ResourcesFile",
    "ServiceCatalogue",
    "TemplateEntry",
    "Trigger",
    "Verdict",
    "catalogue",
]


def __dir__() -> list[str]:
    return __all__


#: The placeholders an ARN template of ``resources.toml`` may use (docs/catalogue-format.md).
PLACEHOLDERS: tuple[str, ...] = (
    "Partition",
    "Region",
    "Account",
    "StackName",
    "Bucket",
    "Prefix",
    "RoleArn",
    "KmsKeyArn",
    "ImageRepository",
    "SigningProfile",
)

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


_E = TypeVar("_E", bound=StrEnum)


def _member(enum: type[_E], value: str | _E, what: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        known = [m.value for m in enum]
        raise UnknownNameError(
            f"unknown {what} {value!r} (known: {', '.join(known)})",
            name=str(value),
            suggestions=tuple(difflib.get_close_matches(str(value).lower(), known, 3, 0.5)),
        ) from None


# -- validation helpers ------------------------------------------------------------------

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_RULE = "catalogue_rule"


def _rule(field: str, message: str) -> PydanticCustomError:
    """A rule violation located at ``field`` below the validator's own location."""
    return PydanticCustomError(_RULE, "{message}", {"message": message, "field": field})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


_Text = Annotated[StrictStr, AfterValidator(_not_blank)]


def _first_message(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    return _clean(first["msg"])


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


class _Model(BaseModel):
    model_config = _FROZEN


# -- triggers ----------------------------------------------------------------------------

_FLAG = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9-]*(?: \S.*)?")
_RESOURCE_TYPE = re.compile(r"[A-Za-z0-9]+(?:::[A-Za-z0-9]+){1,3}")
_PROPERTY = re.compile(r"[A-Za-z0-9]+(?:::[A-Za-z0-9]+){1,3}(?:\.[A-Za-z0-9]+)+")


def _flag_name(flag: str) -> str:
    return flag.split(" ", 1)[0]


def _flag_given(flag: str, given: Iterable[str]) -> bool:
    """Whether the trigger flag ``flag`` is on a command line with ``given`` flags.

    A trigger flag without a value (``--resolve-s3``) is on the line whatever its value; one
    with a value (``--on-failure DELETE``) only with that value.
    """
    return any(g == flag or (" " not in flag and _flag_name(g) == flag) for g in given)


class CommandTrigger(_Model):
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
                raise _rule(
                    f"[{i}]",
                    f"{flag!r} is not a flag as written on the command line "
                    "(e.g. '--resolve-s3' or '--on-failure DELETE')",
                )
        return tuple(sorted(set(flags)))

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = {_flag_name(f) for f in self.flags} & {_flag_name(f) for f in self.without}
        if both:
            raise _rule("without", f"{sorted(both)[0]!r} is both required and excluded")
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


class ResourceTypeTrigger(_Model):
    """``{ resource_type = "AWS::Lambda::Function", handler = "create" }``: a CloudFormation
    resource handler of a type in the template."""

    resource_type: str = Field(pattern=f"^{_RESOURCE_TYPE.pattern}$")
    handler: Handler

    def __str__(self) -> str:
        return f"{self.resource_type} {self.handler.value}"


class PropertyTrigger(_Model):
    """``{ property = "AWS::Lambda::Function.VpcConfig" }``: a template property."""

    property: str = Field(pattern=f"^{_PROPERTY.pattern}$")

    def __str__(self) -> str:
        return self.property


_AnyTrigger: TypeAlias = CommandTrigger | ResourceTypeTrigger | PropertyTrigger

# tags are not field names (they show in pydantic's error locations and are dropped there)
_TAGS = {
    "command": "command-trigger",
    "resource_type": "resource-type-trigger",
    "property": "property-trigger",
}


def _trigger_tag(value: Any) -> str | None:
    if isinstance(value, CommandTrigger):
        return _TAGS["command"]
    if isinstance(value, ResourceTypeTrigger):
        return _TAGS["resource_type"]
    if isinstance(value, PropertyTrigger):
        return _TAGS["property"]
    if isinstance(value, Mapping):
        for key, tag in _TAGS.items():
            if key in value:
                return tag
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


def _trigger_key(
    trigger: CommandTrigger | ResourceTypeTrigger | PropertyTrigger,
) -> tuple[Any, ...]:
    if isinstance(trigger, CommandTrigger):
        return (0, list(Command).index(trigger.command), trigger.flags, trigger.without)
    if isinstance(trigger, ResourceTypeTrigger):
        return (1, trigger.resource_type, list(Handler).index(trigger.handler))
    return (2, trigger.property)


# -- evidence and conditions -------------------------------------------------------------


class Evidence(_Model):
    """Where a fact comes from: ``sam-cli`` (``source`` = "file: function", ``version``
    required), ``trace``, ``cfn-schema`` (``source`` = "AWS::Type handlers.create"),
    ``aws-docs`` (``url`` required) or ``article`` (the seed article)."""

    kind: EvidenceKind
    source: _Text
    version: _Text | None = None
    url: _Text | None = None

    @field_validator("url", mode="after")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith("https://"):
            raise ValueError(f"{url!r} is not an https:// URL")
        return url

    @model_validator(mode="after")
    def _required(self) -> Self:
        if self.kind is EvidenceKind.SAM_CLI and self.version is None:
            raise _rule("version", "sam-cli evidence needs the SAM CLI version it was read from")
        if self.kind is EvidenceKind.AWS_DOCS and self.url is None:
            raise _rule("url", "aws-docs evidence needs the page's url")
        return self

    def __str__(self) -> str:
        version = f" ({self.version})" if self.version else ""
        return f"{self.kind.value}: {self.source}{version}"


def _condition(value: object) -> Condition:
    # lambda_perms.iam.policy is imported on first use: most service files have no condition
    from lambda_perms.iam.policy import Condition, ConditionEntry

    if isinstance(value, Condition):
        return value
    if not isinstance(value, Mapping) or not value:
        raise ValueError(
            "expected an IAM Condition block, e.g. "
            '{ StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }'
        )
    for operator, block in value.items():
        if not isinstance(block, Mapping) or not block:
            raise _rule(str(operator), "expected a table of condition keys and values")
        for key, values in block.items():
            try:
                ConditionEntry.model_validate({"operator": operator, "key": key, "values": values})
            except ValidationError as e:
                raise _rule(f"{operator}.{key}", _first_message(e)) from None
    try:
        return Condition.of(value)
    except ValidationError as e:
        raise ValueError(_first_message(e)) from None


_CONDITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An IAM Condition block: operator -> condition key -> value(s).",
    "minProperties": 1,
    "additionalProperties": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {
            "anyOf": [
                {"type": ["string", "number", "boolean"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ]
        },
    },
}


def _condition_document(condition: Condition) -> dict[str, Any]:
    return dict(condition.to_document())


if TYPE_CHECKING:
    _ConditionField: TypeAlias = Condition
else:  # validated by _condition(), so that the policy models load only when needed
    _ConditionField = Annotated[
        Any,
        PlainValidator(_condition),
        PlainSerializer(_condition_document),
        WithJsonSchema(_CONDITION_SCHEMA),
    ]

# -- needs, actions, services ------------------------------------------------------------

_TEMPLATE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class NeedEntry(_Model):
    """One ``[[actions.<Name>.needs]]`` entry as written in a service file."""

    phases: tuple[Phase, ...] = Field(min_length=1)
    rollback_only: StrictBool = False
    caller: Caller
    triggers: tuple[Trigger, ...] = Field(min_length=1)
    resources: tuple[str, ...] = Field(min_length=1)
    star_reason: _Text | None = None
    condition: _ConditionField | None = None
    why: _Text
    evidence: tuple[Evidence, ...] = Field(min_length=1)

    @field_validator("phases", mode="after")
    @classmethod
    def _phases(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        order = list(Phase)
        return tuple(sorted(set(phases), key=order.index))

    @field_validator("triggers", mode="after")
    @classmethod
    def _triggers(cls, triggers: tuple[_AnyTrigger, ...]) -> tuple[_AnyTrigger, ...]:
        return tuple(sorted(set(triggers), key=_trigger_key))

    @field_validator("resources", mode="after")
    @classmethod
    def _resources(cls, resources: tuple[str, ...]) -> tuple[str, ...]:
        for i, name in enumerate(resources):
            if name != "*" and not _TEMPLATE_NAME.fullmatch(name):
                raise _rule(
                    f"[{i}]",
                    f"{name!r} is not a template name (lower-case words joined by '-') or '*'",
                )
        if "*" in resources and len(set(resources)) > 1:
            raise ValueError("'*' must stand alone: resources = [\"*\"]")
        return tuple(sorted(set(resources)))

    @field_validator("evidence", mode="after")
    @classmethod
    def _evidence(cls, evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        return tuple(dict.fromkeys(evidence))  # the order given: the first is the main source

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.rollback_only and Phase.ROLLBACK not in self.phases:
            raise _rule("phases", "rollback_only = true needs 'rollback' among the phases")
        if self.resources == ("*",) and self.star_reason is None:
            raise _rule(
                "star_reason",
                'resources = ["*"] needs a star_reason saying why the action cannot be scoped',
            )
        if self.resources != ("*",) and self.star_reason is not None:
            raise _rule("star_reason", 'star_reason is only for resources = ["*"]')
        return self

    @property
    def is_unscoped(self) -> bool:
        """Whether the permission is granted on ``"*"``."""
        return self.resources == ("*",)

    def command_triggers(self) -> tuple[CommandTrigger, ...]:
        return tuple(t for t in self.triggers if isinstance(t, CommandTrigger))


class Need(NeedEntry):
    """One reason an action is needed: a :class:`NeedEntry` with its action."""

    action: Action

    @classmethod
    def of(cls, action: Action | str, entry: NeedEntry) -> Need:
        """The need ``entry`` of ``action``."""
        fields = {name: getattr(entry, name) for name in NeedEntry.model_fields}
        return cls.model_validate({**fields, "action": action})


class ActionEntry(_Model):
    """``[actions.<Name>]``: the reasons one action is needed."""

    needs: tuple[NeedEntry, ...] = Field(min_length=1)


_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]*")


class ServiceCatalogue(_Model):
    """``data/services/<prefix>.toml``: the deploy permissions of one IAM service prefix."""

    schema_version: Literal[1]
    prefix: str = Field(pattern=f"^{_PREFIX.pattern}$")
    name: _Text
    entries: dict[str, ActionEntry] = Field(alias="actions", min_length=1)

    @field_validator("entries", mode="after")
    @classmethod
    def _entries(cls, entries: dict[str, ActionEntry]) -> dict[str, ActionEntry]:
        seen: dict[str, str] = {}
        for name in entries:
            if name.lower() in seen:
                raise _rule(
                    name,
                    f"{name!r} repeats {seen[name.lower()]!r} (action names are unique "
                    "ignoring case)",
                )
            seen[name.lower()] = name
        return dict(sorted(entries.items(), key=lambda item: (item[0].lower(), item[0])))

    @model_validator(mode="after")
    def _rules(self) -> Self:
        for name, entry in self.entries.items():
            try:
                Action.parse(f"{self.prefix}:{name}")
            except InvalidActionError as e:
                raise _rule(f"actions.{name}", f"not an action name: {e}") from None
            if f"{self.prefix}:{name}".lower() == "iam:passrole":
                for i, need in enumerate(entry.needs):
                    keys = {e.key.lower() for e in need.condition.entries} if need.condition else ()
                    if "iam:passedtoservice" not in keys:
                        raise _rule(
                            f"actions.{name}.needs[{i}].condition",
                            "every iam:PassRole need has an iam:PassedToService condition, "
                            'e.g. { StringEquals = { "iam:PassedToService" = '
                            '"lambda.amazonaws.com" } }',
                        )
        return self

    def __hash__(self) -> int:  # the dict field is not hashable; its items are
        return hash((self.prefix, self.name, tuple(self.entries.items())))

    @cached_property
    def needs(self) -> tuple[Need, ...]:
        """Every need of the service, by action (case-insensitive order), then as written."""
        return tuple(
            Need.of(Action(f"{self.prefix}:{name}"), need)
            for name, entry in self.entries.items()
            for need in entry.needs
        )

    @cached_property
    def actions(self) -> tuple[Action, ...]:
        """The service's actions, sorted."""
        return tuple(Action(f"{self.prefix}:{name}") for name in self.entries)

    def needs_of(self, action: Action | str) -> tuple[Need, ...]:
        """The needs of one of this service's actions (empty when it has none)."""
        key = Action.parse(str(action)).key
        return tuple(n for n in self.needs if n.action.key == key)


# -- resources ---------------------------------------------------------------------------


class TemplateEntry(_Model):
    """``[templates.<name>]`` of ``data/resources.toml``: an ARN template."""

    arn: _Text
    description: _Text

    @field_validator("arn", mode="after")
    @classmethod
    def _arn(cls, arn: str) -> str:
        try:
            template = ArnTemplate(arn)
        except InvalidArnError as e:
            raise ValueError(str(e)) from None
        for name in template.placeholders:
            if name not in PLACEHOLDERS:
                close = difflib.get_close_matches(name, PLACEHOLDERS, 1, 0.6)
                hint = f"; did you mean ${{{close[0]}}}?" if close else ""
                raise ValueError(
                    f"unknown placeholder ${{{name}}} (known: {', '.join(PLACEHOLDERS)}){hint}"
                )
        return arn


class ResourceTemplate(TemplateEntry):
    """A named ARN template."""

    name: str

    @property
    def template(self) -> ArnTemplate:
        return ArnTemplate(self.arn)

    def render(self, values: Mapping[str, str] | None = None, *, default: str = "*") -> str:
        """The ARN with ``values`` filled in; an unknown value is ``default`` (``*``)."""
        return self.template.render(values or {}, default=default)


class ResourcesFile(_Model):
    """``data/resources.toml``: the ARN templates the service files name."""

    schema_version: Literal[1]
    templates: dict[str, TemplateEntry]

    def __hash__(self) -> int:  # the dict field is not hashable; its items are
        return hash(tuple(self.templates.items()))

    @field_validator("templates", mode="after")
    @classmethod
    def _names(cls, templates: dict[str, TemplateEntry]) -> dict[str, TemplateEntry]:
        for name in templates:
            if not _TEMPLATE_NAME.fullmatch(name):
                raise _rule(name, f"{name!r} is not lower-case words joined by '-'")
        return dict(sorted(templates.items()))


# -- profiles ----------------------------------------------------------------------------


class ProfileEntry(_Model):
    """One action of a profile, with its verdict."""

    action: Action
    verdict: Verdict
    note: StrictStr = ""

    @model_validator(mode="after")
    def _note(self) -> Self:
        if self.verdict is not Verdict.REQUIRED and not self.note.strip():
            raise _rule("note", f"a {self.verdict.value} verdict needs a note saying why")
        return self


class Profile(_Model):
    """``data/profiles/<name>.toml``: a named selection of actions, in the order given."""

    schema_version: Literal[1]
    name: str = Field(pattern=f"^{_PREFIX.pattern}$")
    title: _Text
    description: StrictStr = ""
    actions: tuple[ProfileEntry, ...] = Field(min_length=1)

    @field_validator("actions", mode="after")
    @classmethod
    def _unique(cls, actions: tuple[ProfileEntry, ...]) -> tuple[ProfileEntry, ...]:
        seen: dict[str, int] = {}
        for i, entry in enumerate(actions):
            key = entry.action.key
            if key in seen:
                raise _rule(
                    f"[{i}].action",
                    f"{entry.action.text!r} repeats actions[{seen[key]}] (unique ignoring case)",
                )
            seen[key] = i
        return actions

    def entry(self, action: Action | str) -> ProfileEntry | None:
        """The entry of ``action`` (any case), if the profile has one."""
        key = Action.parse(str(action)).key
        return next((e for e in self.actions if e.action.key == key), None)


# -- errors ------------------------------------------------------------------------------


def _field_path(loc: tuple[int | str, ...], extra: object = None) -> str:
    tags = set(_TAGS.values())
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in tags:
            out += f".{part}" if out else part
    if isinstance(extra, str) and extra:
        out += extra if extra.startswith("[") or not out else f".{extra}"
    return out


def _problems(error: ValidationError, file: str) -> list[DataError]:
    items = error.errors(include_url=False)
    locs = [tuple(item["loc"]) for item in items]
    out: list[DataError] = []
    for item, loc in zip(items, locs, strict=True):
        # pydantic also reports a list as too short once an item of it failed: skip that echo
        if item["type"] == "too_short" and any(o[: len(loc)] == loc != o for o in locs):
            continue
        ctx = item.get("ctx") or {}
        field = _field_path(loc, ctx.get("field") if item["type"] == _RULE else None)
        message = _message(item["type"], item["msg"], ctx)
        value = item.get("input")
        quoted = item["type"] in (_RULE, "value_error")
        if not quoted and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
        out.append(DataError(message, file=file, field=field))
    return out


def _message(kind: str, message: str, ctx: Mapping[str, Any]) -> str:
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"must have at least {least} item{'s' if least != 1 else ''}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        return f"expected {_PATTERNS.get(pattern, f'a string matching {pattern!r}')}"
    return _clean(message)


def _first(problems: list[DataError]) -> DataError:
    first = problems[0]
    if len(problems) == 1:
        return first
    more = len(problems) - 1
    return DataError(
        f"{first.message} (and {more} more problem{'s' if more > 1 else ''} in this file)",
        file=first.file,
        field=first.field,
    )


_PATTERNS = {
    f"^{_RESOURCE_TYPE.pattern}$": "a CloudFormation resource type like 'AWS::Lambda::Function'",
    f"^{_PROPERTY.pattern}$": "a resource type's property like 'AWS::Lambda::Function.VpcConfig'",
    f"^{_PREFIX.pattern}$": "lower-case letters, digits and '-'",
}

_M = TypeVar("_M", bound=BaseModel)

# -- the catalogue -----------------------------------------------------------------------


class Catalogue:
    """The catalogue of one data directory, loaded lazily and cached per instance.

    Use :func:`catalogue` for the shipped one and :meth:`from_directory` for another.
    """

    __slots__ = (
        "__weakref__",
        "_check_universe",
        "_label",
        "_listing",
        "_profiles",
        "_root",
        "_services",
        "_templates",
        "_universe",
    )

    def __init__(
        self,
        root: Traversable,
        *,
        label: str,
        universe: Universe | None = None,
        check_universe: bool = True,
    ) -> None:
        self._root = root
        self._label = label.rstrip("/")
        self._universe = universe
        self._check_universe = check_universe
        self._listing: dict[str, tuple[str, ...]] = {}
        self._services: dict[str, ServiceCatalogue] = {}
        self._profiles: dict[str, Profile] = {}
        self._templates: dict[str, ResourceTemplate] | None = None

    @classmethod
    def from_directory(
        cls,
        path: str | os.PathLike[str],
        *,
        universe: Universe | None = None,
        check_universe: bool = True,
    ) -> Catalogue:
        """The catalogue in ``path`` (``resources.toml``, ``services/``, ``profiles/``).

        ``universe`` is the action universe its actions are checked against (default: the
        shipped snapshot); ``check_universe=False`` skips that check while loading.

        :raises DataError: when ``path`` is not a directory.
        """
        root = pathlib.Path(path)
        if not root.is_dir():
            raise DataError("not a directory", file=str(path))
        return cls(root, label=str(path), universe=universe, check_universe=check_universe)

    def __repr__(self) -> str:
        return f"Catalogue({self._label!r})"

    # -- files -------------------------------------------------------------------------

    def _file(self, relative: str) -> str:
        return f"{self._label}/{relative}"

    def _names(self, folder: str) -> tuple[str, ...]:
        """The stems of the ``.toml`` files in ``folder`` (sorted), listed once."""
        if folder not in self._listing:
            node = self._root.joinpath(folder)
            stems = (
                sorted(
                    child.name[: -len(".toml")]
                    for child in node.iterdir()
                    if child.name.endswith(".toml") and not child.name.startswith(".")
                )
                if node.is_dir()
                else []
            )
            self._listing[folder] = tuple(stems)
        return self._listing[folder]

    def _read(self, relative: str) -> tuple[Any, list[DataError]]:
        file = self._file(relative)
        node = self._root
        for part in relative.split("/"):
            node = node.joinpath(part)
        try:
            text = node.read_bytes().decode("utf-8")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None, [DataError("the data file is missing", file=file)]
        except UnicodeDecodeError as e:
            return None, [DataError(f"not valid UTF-8 ({e.reason})", file=file)]
        try:
            return tomllib.loads(text), []
        except tomllib.TOMLDecodeError as e:
            return None, [DataError(f"not valid TOML ({e})", file=file)]

    def _parse(self, model: type[_M], relative: str) -> tuple[_M | None, list[DataError]]:
        raw, problems = self._read(relative)
        if problems:
            return None, problems
        try:
            return model.model_validate(raw), []
        except ValidationError as e:
            return None, _problems(e, self._file(relative))

    @property
    def label(self) -> str:
        """How file names start in errors and listings (``data`` for the shipped catalogue)."""
        return self._label

    @property
    def files(self) -> tuple[str, ...]:
        """The catalogue's files, labelled (``data/services/lambda.toml``), sorted."""
        return (
            self._file("resources.toml"),
            *(self._file(f"profiles/{n}.toml") for n in self._names("profiles")),
            *(self._file(f"services/{n}.toml") for n in self._names("services")),
        )

    @property
    def universe(self) -> Universe:
        """The action universe the catalogue is checked against (loaded on first use)."""
        if self._universe is None:
            from lambda_perms._universe import universe

            self._universe = universe()
        return self._universe

    # -- loading and checking ----------------------------------------------------------

    def _load_templates(self) -> tuple[dict[str, ResourceTemplate] | None, list[DataError]]:
        parsed, problems = self._parse(ResourcesFile, "resources.toml")
        if parsed is None:
            return None, problems
        return {
            name: ResourceTemplate(name=name, arn=entry.arn, description=entry.description)
            for name, entry in parsed.templates.items()
        }, []

    def _templates_or_raise(self) -> dict[str, ResourceTemplate]:
        if self._templates is None:
            templates, problems = self._load_templates()
            if templates is None:
                raise _first(problems)
            self._templates = templates
        return self._templates

    def _check_action(self, text: str, file: str, field: str) -> DataError | None:
        universe = self.universe
        if not universe.exists(text):
            return DataError(
                f"{text!r} is not an action in the universe snapshot {universe.version}"
                + _did_you_mean(universe.suggest(text)),
                file=file,
                field=field,
            )
        canonical = universe.canonical(text).text
        if canonical != text:
            return DataError(f"AWS spells {text!r} as {canonical!r}", file=file, field=field)
        return None

    def _load_service(
        self,
        prefix: str,
        templates: Mapping[str, ResourceTemplate] | None,
        *,
        check_universe: bool,
    ) -> tuple[ServiceCatalogue | None, list[DataError]]:
        relative = f"services/{prefix}.toml"
        file = self._file(relative)
        service, problems = self._parse(ServiceCatalogue, relative)
        if service is None:
            return None, problems
        if service.prefix != prefix:
            problems.append(
                DataError(
                    f"the prefix {service.prefix!r} differs from the file name {prefix!r}",
                    file=file,
                    field="prefix",
                )
            )
            check_universe = False  # the names would all be reported under the wrong prefix
        for name, entry in service.entries.items():
            if check_universe:
                problem = self._check_action(f"{service.prefix}:{name}", file, f"actions.{name}")
                if problem is not None:
                    problems.append(problem)
            for i, need in enumerate(entry.needs):
                for j, resource in enumerate(need.resources):
                    if templates is not None and resource != "*" and resource not in templates:
                        close = difflib.get_close_matches(resource, list(templates), 3, 0.6)
                        problems.append(
                            DataError(
                                f"no template {resource!r} in {self._file('resources.toml')}"
                                + _did_you_mean(close),
                                file=file,
                                field=f"actions.{name}.needs[{i}].resources[{j}]",
                            )
                        )
        return service, problems

    def _load_profile(
        self, name: str, *, check_universe: bool
    ) -> tuple[Profile | None, list[DataError]]:
        relative = f"profiles/{name}.toml"
        file = self._file(relative)
        profile, problems = self._parse(Profile, relative)
        if profile is None:
            return None, problems
        if profile.name != name:
            problems.append(
                DataError(
                    f"the name {profile.name!r} differs from the file name {name!r}",
                    file=file,
                    field="name",
                )
            )
        if check_universe:
            for i, entry in enumerate(profile.actions):
                problem = self._check_action(entry.action.text, file, f"actions[{i}].action")
                if problem is not None:
                    problems.append(problem)
        return profile, problems

    def problems(self) -> tuple[DataError, ...]:
        """Every rule violation of every file (the universe check included), in file order.

        Loading stops at a file's first problem; this collects them all (for a linter).
        """
        out: list[DataError] = []
        templates, problems = self._load_templates()
        out += problems
        for name in self._names("profiles"):
            out += self._load_profile(name, check_universe=True)[1]
        if not self._root.joinpath("services").is_dir():
            out.append(DataError("the services directory is missing", file=self._file("services")))
        for prefix in self._names("services"):
            out += self._load_service(prefix, templates, check_universe=True)[1]
        return tuple(out)

    # -- services and needs ------------------------------------------------------------

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The service prefixes the catalogue has files for (no file is read)."""
        if not self._root.joinpath("services").is_dir():
            raise DataError("the services directory is missing", file=self._file("services"))
        return self._names("services")

    def service(self, prefix: str) -> ServiceCatalogue:
        """The catalogue of one service prefix (any case), loaded on first use.

        :raises UnknownNameError: when the catalogue has no such service.
        :raises DataError: when its file breaks a rule.
        """
        key = prefix.lower()
        cached = self._services.get(key)
        if cached is not None:
            return cached
        if key not in self.prefixes:
            raise UnknownNameError(
                f"the catalogue has no service {prefix!r}",
                name=prefix,
                suggestions=tuple(difflib.get_close_matches(key, self.prefixes, 3, 0.6)),
            )
        templates = self._templates_or_raise()
        service, problems = self._load_service(key, templates, check_universe=self._check_universe)
        if service is None or problems:
            raise _first(problems)
        self._services[key] = service
        return service

    @property
    def services(self) -> tuple[ServiceCatalogue, ...]:
        """Every service, by prefix (loads them all)."""
        return tuple(self.service(prefix) for prefix in self.prefixes)

    def _all_needs(self) -> Iterator[Need]:
        for service in self.services:
            yield from service.needs

    def needs(self, action: Action | str) -> tuple[Need, ...]:
        """Why ``action`` (any case) is needed: its needs, as written.

        :raises UnknownNameError: when the catalogue does not have it (with close matches
            from the catalogue and the universe).
        :raises InvalidActionError: when ``action`` is not an action name.
        """
        parsed = Action.parse(str(action))
        if parsed.prefix.lower() in self.prefixes:
            found = self.service(parsed.prefix).needs_of(parsed)
            if found:
                return found
        raise self._unknown(parsed)

    def __contains__(self, action: object) -> bool:
        if not isinstance(action, str | Action):
            return False
        try:
            parsed = Action.parse(str(action))
        except InvalidActionError:
            return False
        prefix = parsed.prefix.lower()
        return prefix in self.prefixes and bool(self.service(prefix).needs_of(parsed))

    def _unknown(self, action: Action) -> UnknownNameError:
        prefix = action.prefix.lower()
        if prefix in self.prefixes:  # close names of the same service
            mine = {a.name.lower(): a.text for a in self.service(prefix).actions}
            close = [mine[k] for k in difflib.get_close_matches(action.name.lower(), list(mine))]
        else:
            mine = {a.key: a.text for a in self.actions()}
            close = [mine[k] for k in difflib.get_close_matches(action.key, list(mine), 3, 0.8)]
        universe = self.universe
        if universe.exists(action):
            canonical = universe.canonical(action).text
            return UnknownNameError(
                f"{canonical!r} is an IAM action, but no Lambda deployment in the catalogue "
                "needs it",
                name=action.text,
                suggestions=tuple(close),
            )
        suggestions = dict.fromkeys([*close, *universe.suggest(action)])
        return UnknownNameError(
            f"{action.text!r} is neither in the catalogue nor an IAM action",
            name=action.text,
            suggestions=tuple(suggestions)[:5],
        )

    def evidence_versions(self) -> tuple[str, ...]:
        """The versioned sources the catalogue's evidence cites (``sam-cli 1.170.0``, ...),
        sorted."""
        found = {
            f"{evidence.kind.value} {evidence.version}"
            for need in self._all_needs()
            for evidence in need.evidence
            if evidence.version
        }
        return tuple(sorted(found))

    def actions(self) -> tuple[Action, ...]:
        """Every action of the catalogue, sorted, in AWS's spelling."""
        return tuple(sorted(a for s in self.services for a in s.actions))

    # -- queries -----------------------------------------------------------------------

    def by_phase(self, phase: Phase | str) -> tuple[Need, ...]:
        """The needs used in ``phase``.

        :raises UnknownNameError: for an unknown phase.
        """
        wanted = _member(Phase, phase, "phase")
        return tuple(n for n in self._all_needs() if wanted in n.phases)

    def by_trigger(
        self,
        *,
        command: Command | str | None = None,
        flags: Iterable[str] | str = (),
        resource_type: str | None = None,
        handler: Handler | str | None = None,
        property: str | None = None,  # the data format's own word
    ) -> tuple[Need, ...]:
        """The needs that a situation brings in (any criterion given suffices).

        * ``command`` (with ``flags`` as on the command line: ``["--resolve-s3",
          "--on-failure DELETE"]``): the needs of ``sam <command>`` with those flags; without
          ``command``, ``flags`` selects the command triggers that name all of them.
        * ``resource_type`` (with an optional ``handler``): the resource handlers of a type in
          the template.
        * ``property``: a template property (``AWS::Lambda::Function.VpcConfig``).

        :raises TypeError: when no criterion is given.
        :raises UnknownNameError: for an unknown command or handler.
        """
        given = (flags,) if isinstance(flags, str) else tuple(flags)
        if command is None and not given and resource_type is None and property is None:
            raise TypeError("by_trigger() needs a command, flags, a resource_type or a property")
        wanted_command = None if command is None else _member(Command, command, "command")
        wanted_handler = None if handler is None else _member(Handler, handler, "handler")

        def brings_in(trigger: _AnyTrigger) -> bool:
            if isinstance(trigger, CommandTrigger):
                if wanted_command is not None:
                    return trigger.applies(wanted_command, given)
                return bool(given) and all(f in trigger.flags for f in given)
            if isinstance(trigger, ResourceTypeTrigger):
                return (
                    resource_type is not None
                    and trigger.resource_type.lower() == resource_type.lower()
                    and (wanted_handler is None or trigger.handler is wanted_handler)
                )
            return property is not None and trigger.property.lower() == property.lower()

        return tuple(n for n in self._all_needs() if any(brings_in(t) for t in n.triggers))

    def by_resource_type(
        self, resource_type: str, handler: Handler | str | None = None
    ) -> tuple[Need, ...]:
        """The needs of a CloudFormation resource type's handlers (optionally one handler)."""
        return self.by_trigger(resource_type=resource_type, handler=handler)

    def rollback_only(self) -> tuple[Need, ...]:
        """The needs used only when a failed deployment rolls back."""
        return tuple(n for n in self._all_needs() if n.rollback_only)

    # -- templates and profiles --------------------------------------------------------

    @property
    def templates(self) -> tuple[ResourceTemplate, ...]:
        """Every ARN template of ``resources.toml``, by name."""
        return tuple(self._templates_or_raise().values())

    def template(self, name: str) -> ResourceTemplate:
        """The ARN template ``name``.

        :raises UnknownNameError: when there is none.
        """
        templates = self._templates_or_raise()
        found = templates.get(name)
        if found is None:
            raise UnknownNameError(
                f"no ARN template {name!r}",
                name=name,
                suggestions=tuple(difflib.get_close_matches(name, list(templates), 3, 0.6)),
            )
        return found

    def profile(self, name: str) -> Profile:
        """The profile ``name`` (``article``: the seed article's list).

        :raises UnknownNameError: when there is none.
        :raises DataError: when its file breaks a rule.
        """
        cached = self._profiles.get(name)
        if cached is not None:
            return cached
        names = self._names("profiles")
        if name not in names:
            raise UnknownNameError(
                f"the catalogue has no profile {name!r}",
                name=name,
                suggestions=tuple(difflib.get_close_matches(name, names, 3, 0.6)),
            )
        profile, problems = self._load_profile(name, check_universe=self._check_universe)
        if profile is None or problems:
            raise _first(problems)
        self._profiles[name] = profile
        return profile

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """Every profile, by name (loads them all)."""
        return tuple(self.profile(name) for name in self._names("profiles"))


def _did_you_mean(suggestions: Iterable[str]) -> str:
    names = list(suggestions)
    return f"; did you mean {', '.join(map(repr, names))}?" if names else ""


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded lazily (a file on first use) and cached.

    ``catalogue.cache_clear()`` drops the cached copy. The universe rule is checked by the
    test suite for the shipped data (see the module docstring).
    """
    return Catalogue(_data.data_root(), label="data", check_universe=False)
