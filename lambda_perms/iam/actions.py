"""IAM action names and action patterns.

An action is ``prefix:Name``. IAM compares both parts case-insensitively
(``iam:ListAccessKeys`` is ``IAM:listaccesskeys``, IAM User Guide, "IAM JSON policy elements:
Action"), so equality and hashing use the lower-cased text while display keeps the spelling
given (the universe's canonical spelling once it knows the action).

An action string in a policy is a glob over the whole ``prefix:Name``: ``*`` matches any run of
characters (also the empty one), ``?`` exactly one; nothing else is special, so
``s3:[gp]etobject`` matches only itself. ``"*"`` alone matches every action.

>>> ActionPattern.parse("s3:Get*").matches("S3:GETOBJECT")
True
>>> ActionPattern.parse("s3:[gp]etobject").matches("s3:GetObject")
False
>>> Action.parse("s3:GetObject") == Action.parse("S3:getobject")
True
"""

from __future__ import annotations

from typing import Self

from lambda_perms.errors import InvalidActionError
from lambda_perms.iam._glob import action_key, action_regex, has_wildcard
from lambda_perms.iam._text import bad_character, describe_character
from lambda_perms.iam._value import TextValue

__all__ = ["Action", "ActionPattern"]


def __dir__() -> list[str]:
    return __all__


def _problem(text: object) -> str | None:
    """Why ``text`` is not an action pattern, or ``None`` when it is one."""
    if not isinstance(text, str):
        return f"expected a string like 's3:GetObject', got {type(text).__name__}"
    if text == "*":
        return None
    if not text:
        return "an action must not be empty"
    char = bad_character(text)
    if char is not None:
        return f"{text!r} contains {describe_character(char)}, which IAM does not accept"
    if any(c.isspace() for c in text):
        return f"{text!r} contains white space; actions look like 's3:GetObject'"
    prefix, colon, name = text.partition(":")
    if not colon:
        return f"{text!r} has no service prefix; actions look like 's3:GetObject' (or '*')"
    if not prefix:
        return f"{text!r} has an empty service prefix"
    if not name:
        return f"{text!r} has an empty action name"
    return None


class ActionPattern(TextValue):
    """An action glob as written in a policy (``s3:Get*``, ``iam:GetRol?``, ``*``).

    Immutable; equal (and equally hashed) when equal ignoring case.
    """

    __slots__ = ("_key",)

    _key: str

    def __new__(cls, text: str) -> Self:
        problem = _problem(text)
        if problem is not None:
            raise InvalidActionError(problem)
        concrete = cls is ActionPattern and not has_wildcard(text)
        self = object.__new__(Action if concrete else cls)
        if isinstance(self, Action) and has_wildcard(text):
            raise InvalidActionError(f"{text!r} is a pattern, not an action name")
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_key", action_key(text))
        return self  # type: ignore[return-value]  # Action is an ActionPattern

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``text``; an :class:`Action` when it has no wildcard.

        :raises InvalidActionError: when ``text`` is not of the form ``prefix:Name`` or ``*``.
        """
        return cls(text)

    @property
    def identity(self) -> str:
        return self._key

    @property
    def key(self) -> str:
        """The case-insensitive identity (lower case)."""
        return self._key

    @property
    def prefix(self) -> str:
        """The service prefix as written (``*`` for the bare ``*``)."""
        return self._text.partition(":")[0]

    @property
    def name(self) -> str:
        """The action name (or name pattern) as written (``*`` for the bare ``*``)."""
        return self._text.partition(":")[2] or "*"

    @property
    def is_wildcard(self) -> bool:
        """Whether the pattern can match more than one action."""
        return has_wildcard(self._text)

    def matches(self, action: str | ActionPattern) -> bool:
        """Whether this pattern matches the concrete ``action`` (any case)."""
        subject = action.key if isinstance(action, ActionPattern) else action_key(action)
        return action_regex(self._text).fullmatch(subject) is not None


ActionPattern._family = ActionPattern


class Action(ActionPattern):
    """A concrete action name such as ``lambda:CreateFunction`` (no wildcard)."""

    __slots__ = ()

    @property
    def is_wildcard(self) -> bool:
        return False
