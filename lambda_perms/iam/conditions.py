"""IAM condition operators and policy variables, as the AWS IAM User Guide documents them.

One ``(operator, key, values)`` triple of a policy's ``Condition`` block is evaluated against
a request context by :func:`evaluate`; the caller ANDs the keys and operators of a block.

Pages this module follows (quoted next to the code where a rule is subtle):

* ``OPERATORS`` - "IAM JSON policy elements: Condition operators",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
* ``MULTI`` - "Single-valued vs. multivalued context keys",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
* ``MULTI-EXAMPLES`` - "Multivalued context key examples",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
* ``LOGIC`` - "Conditions with multiple context keys or values",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
* ``VARIABLES`` - "IAM policy elements: Variables and tags",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
* ``CONDITION`` - "IAM JSON policy elements: Condition",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html

Invalid policy values (a non-number for ``Numeric*``, a bad date, a bad CIDR, a non-boolean
for ``Bool``/``Null``, bad base64 for ``BinaryEquals``) never raise: the condition is false, in
an Allow (which then never applies) and in a Deny (which then never denies) alike; no page says
what IAM does with them. :func:`check_value` names them, and
:func:`lambda_perms.algebra.validation.validate` reports each as an error.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import enum
import ipaddress
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeAlias

from lambda_perms.errors import InvalidPolicyError

__all__ = [
    "COMPARISONS",
    "KNOWN_OPERATORS",
    "ConditionValue",
    "Context",
    "ContextScalar",
    "ContextValue",
    "Operator",
    "check_value",
    "evaluate",
    "parse_operator",
    "substitute",
]


def __dir__() -> list[str]:
    return __all__


#: A value as it appears in a policy's ``Condition`` block (JSON string, number or boolean).
ConditionValue: TypeAlias = str | int | float | bool
#: One value of a request context key.
ContextScalar: TypeAlias = str | int | float | bool
#: A request context value: one scalar (single-valued key) or a sequence (multivalued key).
ContextValue: TypeAlias = ContextScalar | Sequence[ContextScalar]
#: Condition key -> value. Keys compare case-insensitively (CONDITION: "Condition key *names*
#: are not case-sensitive"); values compare as the operator says.
Context: TypeAlias = Mapping[str, ContextValue]

Family: TypeAlias = Literal[
    "String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null"
]
SetOperator: TypeAlias = Literal["ForAllValues", "ForAnyValue"]

_FAMILIES: dict[str, Family] = {
    "StringEquals": "String",
    "StringNotEquals": "String",
    "StringEqualsIgnoreCase": "String",
    "StringNotEqualsIgnoreCase": "String",
    "StringLike": "String",
    "StringNotLike": "String",
    "NumericEquals": "Numeric",
    "NumericNotEquals": "Numeric",
    "NumericLessThan": "Numeric",
    "NumericLessThanEquals": "Numeric",
    "NumericGreaterThan": "Numeric",
    "NumericGreaterThanEquals": "Numeric",
    "DateEquals": "Date",
    "DateNotEquals": "Date",
    "DateLessThan": "Date",
    "DateLessThanEquals": "Date",
    "DateGreaterThan": "Date",
    "DateGreaterThanEquals": "Date",
    "Bool": "Bool",
    "BinaryEquals": "Binary",
    "IpAddress": "IpAddress",
    "NotIpAddress": "IpAddress",
    "ArnEquals": "Arn",
    "ArnLike": "Arn",
    "ArnNotEquals": "Arn",
    "ArnNotLike": "Arn",
    "Null": "Null",
}

#: The base operator names (no ``ForAllValues:``/``ForAnyValue:`` prefix, no ``IfExists``).
KNOWN_OPERATORS: tuple[str, ...] = tuple(sorted(_FAMILIES))

#: The operators the docs describe as "Negated matching" (NotIpAddress: "All IP addresses
#: except ..."). OPERATORS: "If the policy condition requires that the key is *not* matched,
#: such as StringNotLike or ArnNotLike, and the right key is not present, the condition is
#: *true*."  LOGIC: several values of a negated operator combine as NOR.
_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }
)

_SET_OPERATORS: tuple[SetOperator, ...] = ("ForAllValues", "ForAnyValue")
_IF_EXISTS = "IfExists"

#: Families whose policy values may hold policy variables. VARIABLES ("Condition element"):
#: "You can use a policy variable for Condition values in any condition that involves the
#: string operators or the ARN operators." OPERATORS also marks Bool "Policy variables -
#: Supported" (VARIABLES lists Boolean among the unsupported ones; we follow OPERATORS, the
#: page about the operator itself).
_VARIABLE_FAMILIES = frozenset({"String", "Arn", "Bool"})


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed condition operator such as ``ForAnyValue:StringLikeIfExists``."""

    text: str
    """The operator as written."""
    base: str
    """The base operator, one of :data:`KNOWN_OPERATORS` (``StringLike``)."""
    set_operator: SetOperator | None
    """``ForAllValues``, ``ForAnyValue`` or ``None``."""
    if_exists: bool
    """Whether the ``IfExists`` suffix was given."""
    family: Family
    """The operator category (``String``, ``Numeric``, ...)."""

    @property
    def negated(self) -> bool:
        """Whether the base operator is a negated-matching one (``StringNotEquals``, ...)."""
        return self.base in _NEGATED


def _spellings() -> tuple[str, ...]:
    spellings: list[str] = []
    for prefix in ("", *(f"{name}:" for name in _SET_OPERATORS)):
        for base in KNOWN_OPERATORS:
            spellings.append(f"{prefix}{base}")
            if base != "Null":
                spellings.append(f"{prefix}{base}{_IF_EXISTS}")
    return tuple(spellings)


_SPELLINGS = _spellings()


def _unknown(text: str) -> InvalidPolicyError:
    message = f"unknown condition operator {text!r}"
    close = difflib.get_close_matches(text, _SPELLINGS, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return InvalidPolicyError(message)


def parse_operator(text: str) -> Operator:
    """Parse a condition operator string.

    Accepts ``[ForAllValues:|ForAnyValue:]<base>[IfExists]``. Raises
    :class:`~lambda_perms.errors.InvalidPolicyError` (a ``ValueError``) for an unknown operator,
    with a close match when there is one, and for ``NullIfExists``: OPERATORS, "You can add
    IfExists to the end of any condition operator name except the Null condition".

    A set prefix on ``Null`` is accepted: no page says it is invalid (see :func:`evaluate`).
    """
    set_operator: SetOperator | None = None
    rest = text
    if ":" in text:
        head, rest = text.split(":", 1)
        if head == "ForAllValues":
            set_operator = "ForAllValues"
        elif head == "ForAnyValue":
            set_operator = "ForAnyValue"
        else:
            raise _unknown(text)
    base = rest
    if_exists = False
    if rest.endswith(_IF_EXISTS) and rest[: -len(_IF_EXISTS)] in _FAMILIES:
        base = rest[: -len(_IF_EXISTS)]
        if_exists = True
    family = _FAMILIES.get(base)
    if family is None:
        raise _unknown(text)
    if if_exists and family == "Null":
        raise InvalidPolicyError(
            f"invalid condition operator {text!r}: IfExists cannot be added to the Null "
            "condition operator"
        )
    return Operator(
        text=text, base=base, set_operator=set_operator, if_exists=if_exists, family=family
    )


# --------------------------------------------------------------------------------------------
# Context access


def _lookup(context: Context, key: str) -> ContextValue | None:
    """The value of ``key`` (case-insensitive; an exact-case entry wins), ``None`` if absent."""
    if key in context:
        return context[key]
    folded = key.lower()
    for name, value in context.items():
        if name.lower() == folded:
            return value
    return None


def _is_empty(value: ContextValue) -> bool:
    # MULTI: ForAllValues "returns true if there are no context keys in the request or if the
    # context key value resolves to a null dataset, such as an empty string" (OPERATORS, ARN
    # section, says the same), and the Null check with false guards against "missing context
    # keys or context keys with empty values". So "" and [] are empty values there.
    if isinstance(value, str):
        return value == ""
    if isinstance(value, int | float | bool):
        return False
    return len(value) == 0


def _scalar_text(value: ConditionValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


# --------------------------------------------------------------------------------------------
# Policy variables


class _Wild(enum.Enum):
    STAR = "*"
    ONE = "?"


_Token: TypeAlias = str | _Wild
#: A policy value after substitution: (text, literal) pieces. Literal pieces (substituted
#: values and ``${*}``/``${?}``/``${$}``) carry no wildcards; the others are policy text.
_Pieces: TypeAlias = list[tuple[str, bool]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# VARIABLES, "Specifying default values": "surround the default value with single quotes
# (' '), and separate the variable text and the default value with a comma and space".
# Whitespace around the comma is optional here.
_DEFAULT = re.compile(r"(?P<name>[^,]*?)\s*,\s*'(?P<default>[^']*)'\s*", re.DOTALL)
# VARIABLES, "Special characters": ${*}, ${?} and ${$} stand for a literal *, ? and $.
_SPECIAL = frozenset({"*", "?", "$"})


def _resolve(body: str, context: Context) -> str | None:
    if body in _SPECIAL:
        return body
    default: str | None = None
    match = _DEFAULT.fullmatch(body)
    if match:
        name, default = match.group("name").strip(), match.group("default")
    else:
        name = body.strip()
    value = _lookup(context, name) if name else None
    if value is None:
        # VARIABLES, "Policy variables with no value": the value "is effectively null. There
        # is no equal or like value."
        return default
    if not isinstance(value, str | int | float | bool):
        # VARIABLES: "You can use any single-valued condition key as a variable. You can't
        # use a multivalued condition key as a variable." No value, and the default (meant for
        # keys without a value) does not apply either.
        return None
    return _scalar_text(value)


def _expand(text: str, context: Context) -> _Pieces | None:
    pieces: _Pieces = []
    position = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        value = _resolve(match.group(1), context)
        if value is None:
            return None
        pieces.append((value, True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def substitute(text: str, context: Context) -> str | None:
    """Replace the policy variables in ``text`` with values from ``context``.

    ``${key}`` takes the value of the context key (looked up case-insensitively; VARIABLES:
    "Key names are case-insensitive"); ``${key, 'default'}`` falls back to ``default``;
    ``${*}``, ``${?}`` and ``${$}`` are a literal ``*``, ``?`` and ``$``. Booleans become
    ``true``/``false``. Returns ``None`` when a variable has no value: its key is absent (and
    no default is given) or multivalued (VARIABLES: "You can't use a multivalued condition key
    as a variable"). Text outside ``${...}`` is kept as is.
    """
    pieces = _expand(text, context)
    if pieces is None:
        return None
    return "".join(piece for piece, _ in pieces)


def _pieces(value: ConditionValue, context: Context, variables: bool) -> _Pieces | None:
    text = _scalar_text(value)
    if not variables:
        return [(text, False)]
    return _expand(text, context)


# --------------------------------------------------------------------------------------------
# Wildcards: ``*`` any run of characters (possibly empty), ``?`` exactly one, nothing else is
# special (OPERATORS, StringLike: "multi-character match wildcards (*) and single-character
# match wildcards (?) anywhere in the string").


def _tokens(pieces: _Pieces) -> list[_Token]:
    tokens: list[_Token] = []
    for text, literal in pieces:
        for char in text:
            if not literal and char == "*":
                tokens.append(_Wild.STAR)
            elif not literal and char == "?":
                tokens.append(_Wild.ONE)
            else:
                tokens.append(char)
    return tokens


def _glob(tokens: Sequence[_Token], text: str) -> bool:
    """Whether ``tokens`` match all of ``text`` (greedy star with backtracking, O(n*m))."""
    t = p = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(tokens) and (tokens[p] is _Wild.ONE or tokens[p] == text[t]):
            p += 1
            t += 1
        elif p < len(tokens) and tokens[p] is _Wild.STAR:
            star = p
            mark = t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(tokens) and tokens[p] is _Wild.STAR:
        p += 1
    return p == len(tokens)


def _arn_components(tokens: Sequence[_Token]) -> list[list[_Token]] | None:
    components: list[list[_Token]] = [[]]
    for token in tokens:
        if token == ":" and len(components) < 6:
            components.append([])
        else:
            components[-1].append(token)
    return components if len(components) == 6 else None


# --------------------------------------------------------------------------------------------
# Value parsing

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")
_YEAR = re.compile(r"\d{4}")
# The W3C profile of ISO 8601 (http://www.w3.org/TR/NOTE-datetime): YYYY, YYYY-MM,
# YYYY-MM-DD, YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ssTZD, YYYY-MM-DDThh:mm:ss.sTZD. A missing
# TZD is read as UTC.
_ISO = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_EPOCH_START = datetime(1970, 1, 1)


def _parse_number(value: ConditionValue) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def _parse_date(value: ConditionValue) -> Decimal | None:
    """Seconds since the epoch of a W3C ISO 8601 date/time or an epoch (UNIX) time.

    OPERATORS, "Date condition operators": "You must specify date/time values with one of the
    W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time." A four-digit
    string is a year (``"2020"``); other digit strings and JSON numbers are epoch seconds.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _parse_number(value)
    if _EPOCH.fullmatch(value) and not _YEAR.fullmatch(value):
        return Decimal(value)
    match = _ISO.fullmatch(value)
    if match is None:
        return None
    part = match.groupdict()
    try:
        moment = datetime(
            int(part["year"]),
            int(part["month"] or 1),
            int(part["day"] or 1),
            int(part["hour"] or 0),
            int(part["minute"] or 0),
            int(part["second"] or 0),
        )
    except ValueError:
        return None
    offset = 0
    tz = part["tz"]
    if tz and tz != "Z":
        hours, minutes = int(tz[1:3]), int(tz[4:6])
        if hours > 23 or minutes > 59:
            return None
        offset = (hours * 60 + minutes) * 60 * (1 if tz[0] == "+" else -1)
    delta = moment - _EPOCH_START
    seconds = Decimal(delta.days * 86400 + delta.seconds - offset)
    if part["fraction"]:
        seconds += Decimal(f"0.{part['fraction']}")
    return seconds


def _parse_bool(value: ConditionValue) -> bool | None:
    # OPERATORS: Boolean conditions compare "a key to true or false"; the Null check takes
    # "either true ... or false". JSON booleans and any letter case are accepted.
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return None


def _parse_binary(value: ConditionValue) -> bytes | None:
    # OPERATORS, BinaryEquals: "compares the value of the specified key byte for byte against
    # a base-64 encoded representation of the binary value in the policy". The request value
    # is given base-64 encoded as well (the page's table shows it so).
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


_Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_network(value: ConditionValue) -> _Network | None:
    # OPERATORS, "IP address condition operators": "The value must be in the standard CIDR
    # format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you specify an IP
    # address without the associated routing prefix, IAM uses the default prefix value of
    # /32." A bare IPv6 address gets /128 (a single address, as /32 is for IPv4).
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _parse_address(value: ContextScalar) -> _Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Predicates: for each family, turn the policy values into a function that says whether one
# request value matches at least one policy value (``None``: the request value is not of the
# family's type). ``None`` instead of a function: a policy value is invalid.

_Predicate: TypeAlias = Callable[[ContextScalar], bool | None]

#: The numeric and date comparisons by operator suffix, over any ordered values: Decimals
#: here, z3 terms in the exact mode (:mod:`lambda_perms.algebra._encoder`). ``NotEquals`` is
#: ``==``: the caller negates it.
COMPARISONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "Equals": operator.eq,
    "NotEquals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}


def _string_predicate(
    op: Operator, values: Sequence[ConditionValue], context: Context, variables: bool
) -> _Predicate:
    # VARIABLES, "Policy variables with no value": a value whose variable has no value matches
    # nothing ("StringEquals or StringLike do not match"; "Inverted condition operators like
    # StringNotEquals or StringNotLike do match against a null value").
    resolved = [p for p in (_pieces(v, context, variables) for v in values) if p is not None]
    if op.base in ("StringLike", "StringNotLike"):
        patterns = [_tokens(pieces) for pieces in resolved]
        return lambda request: any(_glob(p, _scalar_text(request)) for p in patterns)
    texts = ["".join(text for text, _ in pieces) for pieces in resolved]
    if op.base.endswith("IgnoreCase"):
        lowered = {text.lower() for text in texts}
        return lambda request: _scalar_text(request).lower() in lowered
    exact = set(texts)
    return lambda request: _scalar_text(request) in exact


def _arn_predicate(
    values: Sequence[ConditionValue], context: Context, variables: bool
) -> _Predicate:
    # OPERATORS, ARN operators: "Case-sensitive matching of the ARN. Each of the six
    # colon-delimited components of the ARN is checked separately and each can include
    # multi-character match wildcards (*) or single-character match wildcards (?). The
    # ArnEquals and ArnLike condition operators behave identically." The sixth component (the
    # resource) keeps its own colons. A policy value that is not a six-component ARN matches
    # no ARN.
    patterns: list[list[list[_Token]]] = []
    for value in values:
        pieces = _pieces(value, context, variables)
        components = None if pieces is None else _arn_components(_tokens(pieces))
        if components is not None:
            patterns.append(components)

    def predicate(request: ContextScalar) -> bool | None:
        if not isinstance(request, str):
            return None
        parts = request.split(":", 5)
        if len(parts) != 6:
            return None
        return any(all(map(_glob, pattern, parts)) for pattern in patterns)

    return predicate


def _ordered_predicate(
    op: Operator,
    values: Sequence[ConditionValue],
    parse: Callable[[ConditionValue], Decimal | None],
) -> _Predicate | None:
    parsed: list[Decimal] = []
    for value in values:
        number = parse(value)
        if number is None:
            return None
        parsed.append(number)
    compare = COMPARISONS[op.base.removeprefix(op.family)]

    def predicate(request: ContextScalar) -> bool | None:
        number = parse(request)
        if number is None:
            return None
        return any(compare(number, policy) for policy in parsed)

    return predicate


def _bool_predicate(
    values: Sequence[ConditionValue], context: Context, variables: bool
) -> _Predicate | None:
    wanted: set[bool] = set()
    for value in values:
        if variables and isinstance(value, str) and _VARIABLE.search(value):
            text = substitute(value, context)
            parsed = None if text is None else _parse_bool(text)
            if parsed is not None:  # a variable without a (boolean) value matches nothing
                wanted.add(parsed)
            continue
        parsed = _parse_bool(value)
        if parsed is None:
            return None
        wanted.add(parsed)

    def predicate(request: ContextScalar) -> bool | None:
        parsed = _parse_bool(request)
        return None if parsed is None else parsed in wanted

    return predicate


def _binary_predicate(values: Sequence[ConditionValue]) -> _Predicate | None:
    wanted: set[bytes] = set()
    for value in values:
        parsed = _parse_binary(value)
        if parsed is None:
            return None
        wanted.add(parsed)

    def predicate(request: ContextScalar) -> bool | None:
        parsed = _parse_binary(request)
        return None if parsed is None else parsed in wanted

    return predicate


def _ip_predicate(values: Sequence[ConditionValue]) -> _Predicate | None:
    networks: list[_Network] = []
    for value in values:
        network = _parse_network(value)
        if network is None:
            return None
        networks.append(network)

    def predicate(request: ContextScalar) -> bool | None:
        address = _parse_address(request)
        if address is None:
            return None
        # ``in`` is False across IP versions.
        return any(address in network for network in networks)

    return predicate


def _predicate(
    op: Operator, values: Sequence[ConditionValue], context: Context, variables: bool
) -> _Predicate | None:
    if op.family == "String":
        return _string_predicate(op, values, context, variables)
    if op.family == "Arn":
        return _arn_predicate(values, context, variables)
    if op.family == "Numeric":
        return _ordered_predicate(op, values, _parse_number)
    if op.family == "Date":
        return _ordered_predicate(op, values, _parse_date)
    if op.family == "Bool":
        return _bool_predicate(values, context, variables)
    if op.family == "Binary":
        return _binary_predicate(values)
    if op.family == "IpAddress":
        return _ip_predicate(values)
    raise AssertionError(f"no predicate for {op.family}")  # pragma: no cover - Null elsewhere


def _evaluate_null(values: Sequence[ConditionValue], value: ContextValue | None) -> bool:
    # OPERATORS, "Condition operator to check existence of condition keys": "use either true
    # (the key doesn't exist - it is null) or false (the key exists and its value is not
    # null)". An empty value ("" or []) is null (see _is_empty). Policy variables are not
    # supported, so "${...}" is an invalid value here.
    wanted: set[bool] = set()
    for policy in values:
        parsed = _parse_bool(policy)
        if parsed is None:
            return False
        wanted.add(parsed)
    is_null = value is None or _is_empty(value)
    return is_null in wanted


def evaluate(
    operator: Operator | str,
    key: str,
    values: Sequence[ConditionValue],
    context: Context,
    *,
    variables: bool = True,
) -> bool:
    """Evaluate one ``{operator: {key: values}}`` entry of a ``Condition`` block.

    The policy ``values`` are ORed (NORed for a negated operator: LOGIC, "If a single negated
    matching condition operator includes multiple values for a context key, those values are
    evaluated using a logical NOR"); the caller ANDs keys and operators. A single string is
    taken as a one-value list. ``variables`` substitutes policy variables in the values of
    String, ARN and Bool operators (policy ``Version`` 2012-10-17); ``False`` reads them
    literally, as AWS does for policies without that version (VARIABLES).

    Rules, in order:

    * ``Null`` is true when the key's absence (or empty value) is what a policy value says;
      a set prefix on ``Null`` changes nothing.
    * An invalid policy value (see :func:`check_value`) makes the condition false.
    * Key absent: with a set operator, ``ForAllValues:`` is true and ``ForAnyValue:`` false,
      ``IfExists`` or not (MULTI: ForAllValues "also returns true if there are no context keys
      in the request"; ForAnyValue: "For no matching context key or if the key does not
      exist, the condition returns false" - the classic ForAllValues over-grant; pair it with
      ``Null: false``). Otherwise ``...IfExists`` is true (OPERATORS: "If the key is not
      present, evaluate the condition element as true"), a negated operator is true and any
      other false (OPERATORS, "Important"). Where the two sentences meet
      (``ForAnyValue:StringLikeIfExists`` on an absent key) the set operator's rule wins: it
      is the page about multivalued keys, AWS users observe a deny for exactly this shape, and
      reading it as true would turn an ``Allow`` into an over-grant.
    * A set operator tests every request value (``[]`` and ``""`` are the empty set: true for
      ``ForAllValues``, false for ``ForAnyValue``). With a negated base a request value
      "matches" when it equals/is like none of the policy values (OPERATORS:
      ``ForAllValues:StringNotEquals`` - "None of the values of the context key in the request
      can match any of the context key values in your policy").
    * Without a set operator a multivalued (sequence) request value makes the condition false
      for every operator: MULTI says "Multivalued context keys require a condition set
      operator" and documents no meaning for a plain operator on them.
    * A request value not of the operator's type (not a number for Numeric, not an ARN for
      ARN operators, ...) makes the condition false, negated or not.
    """
    op = operator if isinstance(operator, Operator) else parse_operator(operator)
    if isinstance(values, str):
        values = [values]
    value = _lookup(context, key)
    if op.family == "Null":
        return _evaluate_null(values, value)
    predicate = _predicate(op, values, context, variables and op.family in _VARIABLE_FAMILIES)
    if predicate is None:
        return False
    if value is None:
        if op.set_operator is not None:
            # MULTI, ForAnyValue: "For no matching context key or if the key does not exist,
            # the condition returns false" - IfExists does not make an absent set true.
            return op.set_operator == "ForAllValues"
        if op.if_exists:
            return True
        return op.negated
    request: list[ContextScalar]
    if isinstance(value, str | int | float | bool):
        if op.set_operator is not None and value == "":
            return op.set_operator == "ForAllValues"
        request = [value]
    else:
        if op.set_operator is None:
            return False
        request = list(value)
        if not request:
            return op.set_operator == "ForAllValues"
    results: list[bool] = []
    for item in request:
        hit = predicate(item)
        if hit is None:
            return False
        results.append(not hit if op.negated else hit)
    return any(results) if op.set_operator == "ForAnyValue" else all(results)


def check_value(operator: Operator | str, value: ConditionValue) -> str | None:
    """Why ``value`` is not a valid policy value for ``operator``, or ``None`` if it is.

    Only the formats the docs require are checked (OPERATORS): Numeric "an integer or decimal
    value", Date "one of the W3C implementations of the ISO 8601 date formats or in epoch
    (UNIX) time", Bool "true or false" (or a policy variable), BinaryEquals base-64, IP "the
    standard CIDR format" (or a bare address), Null "true or false". String and ARN values
    are never rejected.
    """
    op = operator if isinstance(operator, Operator) else parse_operator(operator)
    shown = repr(value)
    if op.family == "Numeric" and _parse_number(value) is None:
        return f"{op.text} needs an integer or decimal value, not {shown}"
    if op.family == "Date" and _parse_date(value) is None:
        return (
            f"{op.text} needs a W3C ISO 8601 date/time (2020-01-01T00:00:00Z) or an epoch "
            f"time, not {shown}"
        )
    if op.family == "Bool" and _parse_bool(value) is None:
        if isinstance(value, str) and _VARIABLE.search(value):
            return None
        return f"{op.text} needs true or false, not {shown}"
    if op.family == "Null" and _parse_bool(value) is None:
        return f"{op.text} needs true (key absent) or false (key present), not {shown}"
    if op.family == "Binary" and _parse_binary(value) is None:
        return f"{op.text} needs a base-64 encoded value, not {shown}"
    if op.family == "IpAddress" and _parse_network(value) is None:
        return f"{op.text} needs an IPv4 or IPv6 address or CIDR range, not {shown}"
    return None
