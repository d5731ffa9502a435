"""The variables of the exact mode's formula (:mod:`lambda_perms.algebra.exact`).

:class:`_Plan` gathers what the statements ask of each condition key before any variable is
made; :class:`_Key` and :class:`_Value` are the z3 variables of one key and of one of its values;
the helpers read policy variables, decimals and accounts as the evaluator does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lambda_perms.algebra._exact_text import _EMPTY_TEXT, _Lang, _languages
from lambda_perms.iam.conditions import (
    _DEFAULT,
    _VARIABLE,
    _VARIABLE_FAMILIES,
    _parse_binary,
    _parse_date,
    _parse_number,
    parse_operator,
)
from lambda_perms.iam.policy import ConditionEntry, Principal, Statement

__all__: list[str] = []


def __dir__() -> list[str]:
    return __all__


#: The kind of value a key is compared as, by operator family ("str" also serves ARN and Bool).
_DOMAIN = {"String": "str", "Arn": "str", "Bool": "str", "Numeric": "num", "Date": "date",
           "IpAddress": "ip", "Binary": "bin"}  # fmt: skip
_EMPTY, _JUNK, _VALID, _V6 = 0, 1, 2, 3  # value tags of the non-string domains
_JUNK_TEXT = {"num": "x", "date": "x", "ip": "x", "bin": "!", "null": "x"}

_Model = tuple[dict[str, Any], tuple[str, str] | None]  # (context, principal) of a model

#: (is a value of the operator's type, does it match one of the policy's values)
_Pred = tuple[Callable[["_Value"], Any], Callable[["_Value"], Any]]


class _Inexact(Exception):
    """An entry the encoding cannot decide exactly; the message is the note."""


@dataclass(slots=True)
class _Value:
    """The z3 variables of one context value (a scalar, or one item of a list)."""

    s: Any = None  # str: the string
    tag: Any = None  # other domains: _EMPTY, _JUNK, _VALID (or _V6 for addresses)
    r: Any = None  # num/date: the number (seconds for dates)
    n: Any = None  # num/date: r * 10**digits, an integer (so the witness is a finite decimal)
    a4: Any = None  # ip: IPv4 address
    a6: Any = None  # ip: IPv6 address
    idx: Any = None  # bin: which constant (len(constants): other bytes); text: which region


@dataclass(slots=True)
class _Key:
    name: str
    spelling: str
    domain: str
    mixed: bool
    shape: Any  # 0 absent, 1 one value, 2 a list
    scalar: _Value
    length: Any
    items: list[_Value]
    constants: list[bytes]  # bin: the byte strings policies name (b"" is the empty value)
    langs: dict[_Lang, int]  # text: the languages, numbered
    regions: tuple[tuple[frozenset[int], str], ...]  # text: (languages it is in, a string)

    def member(self, z3: Any, value: _Value, lang: _Lang) -> Any:
        """text: the value is in ``lang``."""
        number = self.langs[lang]
        return z3.Or(
            *(value.idx == j for j, (inside, _) in enumerate(self.regions) if number in inside),
            False,
        )

    @property
    def absent(self) -> Any:
        return self.shape == 0


@dataclass(slots=True)
class _Plan:
    """What the statements ask of each condition key, gathered before any variable is made."""

    families: dict[str, set[str]] = field(default_factory=dict)  # key -> domains compared as
    setops: dict[str, int] = field(default_factory=dict)  # key -> set-operator tests
    spellings: dict[str, str] = field(default_factory=dict)  # key -> as first written
    digits: dict[str, int] = field(default_factory=lambda: {"num": 0, "date": 0})
    constants: dict[str, set[bytes]] = field(default_factory=dict)  # binary values
    langs: dict[str, dict[_Lang, None]] = field(default_factory=dict)  # string languages
    strings: set[str] = field(default_factory=set)  # keys policy variables touch: z3 strings
    principals: list[Principal] = field(default_factory=list)

    @classmethod
    def of(cls, statements: Sequence[tuple[Statement, bool]]) -> _Plan:
        plan = cls()
        for statement, variables in statements:
            plan.principals += [p for p in (statement.principal, statement.not_principal) if p]
            for entry in statement.condition.entries:
                plan.add(entry, variables)
        return plan

    def add(self, entry: ConditionEntry, variables: bool) -> None:
        op = parse_operator(entry.operator)
        key = entry.key.lower()
        self.spellings.setdefault(key, entry.key)
        self.families.setdefault(key, set())
        if op.family != "Null":
            self.families[key].add(_DOMAIN[op.family])
        if op.set_operator is not None:
            self.setops[key] = self.setops.get(key, 0) + 1
        for value in entry.values:
            if op.family in ("Numeric", "Date"):
                parsed = (_parse_number if op.family == "Numeric" else _parse_date)(value)
                if parsed is not None:
                    domain = _DOMAIN[op.family]
                    self.digits[domain] = max(self.digits[domain], _decimals(parsed))
            elif op.family == "Binary":
                raw = _parse_binary(value)
                if raw:
                    self.constants.setdefault(key, set()).add(raw)
            elif variables and op.family in _VARIABLE_FAMILIES and isinstance(value, str):
                for match in _VARIABLE.finditer(value):
                    self.strings.add(key)
                    name = _variable(match.group(1))[0]
                    if name:
                        self.spellings.setdefault(name.lower(), name)
                        self.families.setdefault(name.lower(), set()).add("str")
                        self.strings.add(name.lower())
        if op.family in _VARIABLE_FAMILIES:
            found = self.langs.setdefault(key, dict.fromkeys([_EMPTY_TEXT]))
            found.update(dict.fromkeys(_languages(op, entry.values)))


class _Literal(str):
    """Text from ``${*}``, ``${?}``, ``${$}`` or a default: no wildcards in it."""

    __slots__ = ()


_Part = Any  # str | _Literal | a z3 string


def _anything(value: _Value) -> Any:
    return True


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _variable(body: str) -> tuple[str, str | None]:
    """``(key name, default)`` of a ``${...}`` body (as the evaluator reads it)."""
    match = _DEFAULT.fullmatch(body)
    if match:
        return match.group("name").strip(), match.group("default")
    return body.strip(), None


def _account(principal: str) -> str | None:
    if len(principal) == 12 and principal.isdigit():
        return principal
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None
