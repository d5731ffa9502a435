"""The deploy catalogue's data models: one pydantic model per file and entry.

The data format is documented in ``docs/catalogue-format.md``; the files live in the top-level
``data/`` directory (``lambda_perms/data`` in the wheel)::

    data/
      resources.toml            ResourcesFile: the shared ARN templates (``[templates.<name>]``)
      services/<prefix>.toml    ServiceCatalogue: one IAM service prefix (``[actions.<Name>]``)
      profiles/<name>.toml      Profile: a named selection (``article``: the seed article's list)

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

The models check what one file shows; the rules across files (file names, template names, the
universe) are checked by the loader, :class:`lambda_perms.catalogues.catalogue.Catalogue`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from lambda_perms.catalogues._schema import Model, Text, first_message, pattern, rule
from lambda_perms.catalogues.terms import (
    AnyTrigger,
    Caller,
    CommandTrigger,
    EvidenceKind,
    Phase,
    Trigger,
    Verdict,
    trigger_key,
)
from lambda_perms.errors import InvalidActionError, InvalidArnError
from lambda_perms.iam.actions import Action
from lambda_perms.iam.arn import ArnTemplate

if TYPE_CHECKING:
    from lambda_perms.iam.policy import Condition

__all__ = [
    "PLACEHOLDERS",
    "ActionEntry",
    "Evidence",
    "Need",
    "NeedEntry",
    "Profile",
    "ProfileEntry",
    "ResourceTemplate",
    "ResourcesFile",
    "ServiceCatalogue",
    "TemplateEntry",
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

# -- evidence and conditions -------------------------------------------------------------


class Evidence(Model):
    """Where a fact comes from: ``sam-cli`` (``source`` = "file: function", ``version``
    required), ``trace``, ``cfn-schema`` (``source`` = "AWS::Type handlers.create"),
    ``aws-docs`` (``url`` required) or ``article`` (the seed article)."""

    kind: EvidenceKind
    source: Text
    version: Text | None = None
    url: Text | None = None

    @field_validator("url", mode="after")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith("https://"):
            raise ValueError(f"{url!r} is not an https:// URL")
        return url

    @model_validator(mode="after")
    def _required(self) -> Self:
        if self.kind is EvidenceKind.SAM_CLI and self.version is None:
            raise rule("version", "sam-cli evidence needs the SAM CLI version it was read from")
        if self.kind is EvidenceKind.AWS_DOCS and self.url is None:
            raise rule("url", "aws-docs evidence needs the page's url")
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
    entries = []
    for operator, block in value.items():
        if not isinstance(block, Mapping) or not block:
            raise rule(str(operator), "expected a table of condition keys and values")
        for key, values in block.items():
            try:
                entries.append(
                    ConditionEntry.model_validate(
                        {"operator": operator, "key": key, "values": values}
                    )
                )
            except ValidationError as e:
                raise rule(f"{operator}.{key}", first_message(e)) from None
    try:
        return Condition(entries=tuple(entries))
    except ValidationError as e:
        raise ValueError(first_message(e)) from None


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


class NeedEntry(Model):
    """One ``[[actions.<Name>.needs]]`` entry as written in a service file."""

    phases: tuple[Phase, ...] = Field(min_length=1)
    rollback_only: StrictBool = False
    caller: Caller
    triggers: tuple[Trigger, ...] = Field(min_length=1)
    resources: tuple[str, ...] = Field(min_length=1)
    star_reason: Text | None = None
    condition: _ConditionField | None = None
    why: Text
    evidence: tuple[Evidence, ...] = Field(min_length=1)

    @field_validator("phases", mode="after")
    @classmethod
    def _phases(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        order = list(Phase)
        return tuple(sorted(set(phases), key=order.index))

    @field_validator("triggers", mode="after")
    @classmethod
    def _triggers(cls, triggers: tuple[AnyTrigger, ...]) -> tuple[AnyTrigger, ...]:
        return tuple(sorted(set(triggers), key=trigger_key))

    @field_validator("resources", mode="after")
    @classmethod
    def _resources(cls, resources: tuple[str, ...]) -> tuple[str, ...]:
        for i, name in enumerate(resources):
            if name != "*" and not _TEMPLATE_NAME.fullmatch(name):
                raise rule(
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
            raise rule("phases", "rollback_only = true needs 'rollback' among the phases")
        if self.resources == ("*",) and self.star_reason is None:
            raise rule(
                "star_reason",
                'resources = ["*"] needs a star_reason saying why the action cannot be scoped',
            )
        if self.resources != ("*",) and self.star_reason is not None:
            raise rule("star_reason", 'star_reason is only for resources = ["*"]')
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


class ActionEntry(Model):
    """``[actions.<Name>]``: the reasons one action is needed."""

    needs: tuple[NeedEntry, ...] = Field(min_length=1)


_PREFIX = pattern(re.compile(r"[a-z0-9][a-z0-9-]*"), "lower-case letters, digits and '-'")


class ServiceCatalogue(Model):
    """``data/services/<prefix>.toml``: the deploy permissions of one IAM service prefix."""

    schema_version: Literal[1]
    prefix: str = Field(pattern=_PREFIX)
    name: Text
    entries: dict[str, ActionEntry] = Field(alias="actions", min_length=1)

    @field_validator("entries", mode="after")
    @classmethod
    def _entries(cls, entries: dict[str, ActionEntry]) -> dict[str, ActionEntry]:
        seen: dict[str, str] = {}
        for name in entries:
            if name.lower() in seen:
                raise rule(
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
                raise rule(f"actions.{name}", f"not an action name: {e}") from None
            if f"{self.prefix}:{name}".lower() == "iam:passrole":
                for i, need in enumerate(entry.needs):
                    keys = {e.key.lower() for e in need.condition.entries} if need.condition else ()
                    if "iam:passedtoservice" not in keys:
                        raise rule(
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


class TemplateEntry(Model):
    """``[templates.<name>]`` of ``data/resources.toml``: an ARN template."""

    arn: Text
    description: Text

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


class ResourcesFile(Model):
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
                raise rule(name, f"{name!r} is not lower-case words joined by '-'")
        return dict(sorted(templates.items()))


# -- profiles ----------------------------------------------------------------------------


class ProfileEntry(Model):
    """One action of a profile, with its verdict."""

    action: Action
    verdict: Verdict
    note: StrictStr = ""

    @model_validator(mode="after")
    def _note(self) -> Self:
        if self.verdict is not Verdict.REQUIRED and not self.note.strip():
            raise rule("note", f"a {self.verdict.value} verdict needs a note saying why")
        return self


class Profile(Model):
    """``data/profiles/<name>.toml``: a named selection of actions, in the order given."""

    schema_version: Literal[1]
    name: str = Field(pattern=_PREFIX)
    title: Text
    description: StrictStr = ""
    actions: tuple[ProfileEntry, ...] = Field(min_length=1)

    @field_validator("actions", mode="after")
    @classmethod
    def _unique(cls, actions: tuple[ProfileEntry, ...]) -> tuple[ProfileEntry, ...]:
        seen: dict[str, int] = {}
        for i, entry in enumerate(actions):
            key = entry.action.key
            if key in seen:
                raise rule(
                    f"[{i}].action",
                    f"{entry.action.text!r} repeats actions[{seen[key]}] (unique ignoring case)",
                )
            seen[key] = i
        return actions

    def entry(self, action: Action | str) -> ProfileEntry | None:
        """The entry of ``action`` (any case), if the profile has one."""
        key = Action.parse(str(action)).key
        return next((e for e in self.actions if e.action.key == key), None)
