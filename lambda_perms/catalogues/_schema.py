"""The shared machinery of the data models: pydantic validation errors become
:class:`~lambda_perms.errors.DataError` s that name the file and the field.

Both :mod:`lambda_perms.catalogues.model` (the deploy catalogue's files) and
:mod:`lambda_perms.catalogues.cloudformation` (``data/cloudformation/types.toml``) build their
models on :class:`Model`, report rule violations with :func:`rule` and read a file with
:func:`load`::

    data/services/iam.toml: actions.PassRole.needs[0].phases: must have at least 1 item

pydantic's error locations carry the tags of discriminated unions, which are no field names:
a model module declares them with :func:`tag`, and :func:`field_path` drops them. A string
pattern declared with :func:`pattern` is explained in words when a value does not match it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from lambda_perms import _data
from lambda_perms.errors import DataError

__all__ = [
    "Model",
    "Text",
    "did_you_mean",
    "field_path",
    "first",
    "first_message",
    "load",
    "pattern",
    "problems",
    "rule",
    "tag",
]


def __dir__() -> list[str]:
    return __all__


_RULE = "catalogue_rule"

#: The tags of discriminated unions (see :func:`tag`).
_TAGS: set[str] = set()

#: ``^regex$`` -> what a matching string is, in words (see :func:`pattern`).
_PATTERNS: dict[str, str] = {}


class Model(BaseModel):
    """A data file's model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


#: A string that is not empty or blank.
Text = Annotated[StrictStr, AfterValidator(_not_blank)]


def rule(field: str, message: str) -> PydanticCustomError:
    """A rule violation located at ``field`` below the validator's own location."""
    return PydanticCustomError(_RULE, "{message}", {"message": message, "field": field})


def tag(name: str) -> str:
    """``name`` as a discriminated union's tag, which error locations leave out."""
    _TAGS.add(name)
    return name


def pattern(regex: re.Pattern[str], meaning: str) -> str:
    """The ``Field(pattern=...)`` of a whole string matching ``regex``; an error says
    ``expected <meaning>``."""
    anchored = f"^{regex.pattern}$"
    _PATTERNS[anchored] = meaning
    return anchored


def did_you_mean(suggestions: Iterable[str]) -> str:
    """``"; did you mean 'a', 'b'?"``, or nothing without suggestions."""
    names = list(suggestions)
    return f"; did you mean {', '.join(map(repr, names))}?" if names else ""


# -- pydantic errors -> DataError --------------------------------------------------------


def first_message(error: ValidationError) -> str:
    """The message of the first error, without pydantic's prefixes."""
    return _clean(error.errors(include_url=False)[0]["msg"])


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def field_path(loc: tuple[int | str, ...], extra: object = None) -> str:
    """The dotted field path of a pydantic location (``actions.X.needs[0]``), with ``extra``
    (a :func:`rule`'s field) appended."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _TAGS:
            out += f".{part}" if out else part
    if isinstance(extra, str) and extra:
        out += extra if extra.startswith("[") or not out else f".{extra}"
    return out


def problems(error: ValidationError, file: str) -> list[DataError]:
    """Every error of ``error`` as a :class:`DataError` of ``file``, in pydantic's order."""
    items = error.errors(include_url=False)
    locs = [tuple(item["loc"]) for item in items]
    out: list[DataError] = []
    for item, loc in zip(items, locs, strict=True):
        # pydantic also reports a list as too short once an item of it failed: skip that echo
        if item["type"] == "too_short" and any(o[: len(loc)] == loc != o for o in locs):
            continue
        ctx = item.get("ctx") or {}
        field = field_path(loc, ctx.get("field") if item["type"] == _RULE else None)
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
        regex = str(ctx.get("pattern"))
        return f"expected {_PATTERNS.get(regex, f'a string matching {regex!r}')}"
    return _clean(message)


def first(found: list[DataError]) -> DataError:
    """The first problem of a file, saying how many more there are."""
    head = found[0]
    if len(found) == 1:
        return head
    more = len(found) - 1
    return DataError(
        f"{head.message} (and {more} more problem{'s' if more > 1 else ''} in this file)",
        file=head.file,
        field=head.field,
    )


# -- reading a data file -----------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)


def load(
    model: type[_M], relative: str, *, root: Traversable | None = None, label: str = "data"
) -> tuple[_M | None, list[DataError]]:
    """The TOML file ``relative`` (``/``-separated) validated as ``model``, or its problems.

    ``root`` is the data directory (default: the shipped one) and ``label`` how errors name
    it (``data/services/iam.toml``). Nothing is raised for a bad file: a loader stops at the
    first problem (:func:`first`), a linter collects them all.
    """
    file = f"{label}/{relative}"
    try:
        raw = tomllib.loads(_data.read_text(relative, root=root, label=label))
    except DataError as e:
        return None, [e]
    except tomllib.TOMLDecodeError as e:
        return None, [DataError(f"not valid TOML ({e})", file=file)]
    try:
        return model.model_validate(raw), []
    except ValidationError as e:
        return None, problems(e, file)
