"""The shared base of immutable values that are one validated string.

:class:`~lambda_perms.iam.actions.ActionPattern` and :class:`~lambda_perms.iam.arn.ResourcePattern`
are both "a string IAM accepts in one element, compared by an identity": case-folded for
actions, exact for resources. This base gives them immutability, pickling, display, ordering,
equality and hashing from that one identity, and their pydantic schema (validated from a
string, serialised as the string).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

__all__ = ["TextValue", "order"]


class TextValue:
    """An immutable string value; subclasses validate in ``__new__``/``__init__``, set
    ``_text`` (and what ``identity`` needs) with ``object.__setattr__``, and name their
    ``_family`` (values compare only within one family)."""

    __slots__ = ("_text",)

    _text: str
    _family: ClassVar[type[TextValue]]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[type[TextValue], tuple[str]]:
        return (type(self), (self._text,))

    @property
    def text(self) -> str:
        """The string as given."""
        return self._text

    @property
    def identity(self) -> str:
        """What equality and hashing compare (the text itself unless a subclass folds it)."""
        return self._text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, self._family):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, self._family):
            return NotImplemented
        return self.order < other.order

    @property
    def order(self) -> tuple[str, str]:
        """The key ``<`` compares (identity, then text): ``sorted(values, key=order)`` sorts
        as ``sorted(values)`` with one call per value instead of one per comparison."""
        return (self.identity, self._text)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
            json_schema_input_schema=core_schema.str_schema(),
        )

    @classmethod
    def _coerce(cls, value: object) -> TextValue:
        if isinstance(value, cls):
            return value
        if isinstance(value, TextValue):  # e.g. a pattern where a concrete action is required
            value = value.text
        return cls(value)  # type: ignore[call-arg]  # subclasses validate non-strings


def order(value: TextValue) -> tuple[str, str]:
    """:attr:`TextValue.order` as a function, for ``sorted(..., key=order)``."""
    return value.order
