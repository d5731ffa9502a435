"""The z3 encoding of condition operators and principals (:mod:`lambda_perms.algebra.exact`).

:class:`_Encoder` builds the formula of statements' conditions and principals exactly as
:func:`lambda_perms.iam.conditions.evaluate` decides them, and reads a request context back
from a model.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from lambda_perms.algebra._exact_model import (
    _EMPTY,
    _JUNK,
    _JUNK_TEXT,
    _V6,
    _VALID,
    _account,
    _anything,
    _Inexact,
    _Key,
    _Literal,
    _Model,
    _Part,
    _Plan,
    _Pred,
    _Value,
    _variable,
)
from lambda_perms.algebra._exact_text import (
    _EMPTY_TEXT,
    _FALSE,
    _TRUE,
    _fold_class,
    _Lang,
    _languages,
    _text_regions,
)
from lambda_perms.iam.conditions import (
    _SPECIAL,
    _VARIABLE,
    _VARIABLE_FAMILIES,
    COMPARISONS,
    Operator,
    _arn_components,
    _parse_binary,
    _parse_bool,
    _parse_date,
    _parse_network,
    _parse_number,
    _scalar_text,
    _tokens,
    _Wild,
    parse_operator,
)
from lambda_perms.iam.policy import ConditionEntry, Principal, Statement

__all__: list[str] = []


def __dir__() -> list[str]:
    return __all__


class _Encoder:
    """Builds the z3 formula of statements' conditions and principals, and reads a request
    context back from a model."""

    def __init__(self, z3: Any, statements: Sequence[tuple[Statement, bool]]) -> None:
        self.z3 = z3
        self.constraints: list[Any] = []
        self.key_constraints: dict[str, list[Any]] = {}
        self.notes: set[str] = set()
        self._entries: dict[tuple[Any, ...], tuple[Any, frozenset[str]]] = {}
        self._free: dict[tuple[Any, ...], Any] = {}
        self._applies: dict[tuple[int, bool], tuple[Any, frozenset[str]]] = {}
        self._using: set[str] = set()
        plan = _Plan.of(statements)
        families, setops, spellings = plan.families, plan.setops, plan.spellings
        constants, langs, strings, digits = plan.constants, plan.langs, plan.strings, plan.digits
        self.digits = {domain: d + 1 for domain, d in digits.items()}
        self.keys: dict[str, _Key] = {}
        for number, (key, kinds) in enumerate(sorted(families.items())):
            before = len(self.constraints)
            domain = "null" if not kinds else next(iter(kinds)) if len(kinds) == 1 else "str"
            if domain == "str" and len(kinds) == 1 and key not in strings:
                domain = "text"
            self.keys[key] = self._key(
                f"k{number}",
                key,
                spellings[key],
                domain=domain,
                mixed=len(kinds) > 1,
                size=setops.get(key, 0) + 1,
                constants=sorted(constants.get(key, ())),
                langs=tuple(langs.get(key, {})) if domain == "text" else (),
            )
            self.key_constraints[key] = self.constraints[before:]
        before = len(self.constraints)
        self._principals(plan.principals)
        self.principal_constraints = self.constraints[before:]

    # -- variables ------------------------------------------------------------------------

    def _key(
        self,
        prefix: str,
        name: str,
        spelling: str,
        *,
        domain: str,
        mixed: bool,
        size: int,
        constants: list[bytes],
        langs: tuple[_Lang, ...],
    ) -> _Key:
        z3 = self.z3
        shape = z3.Int(f"{prefix}.shape")
        length = z3.Int(f"{prefix}.length")
        self.constraints += [shape >= 0, shape <= 2, length >= 0, length <= size]
        regions = _text_regions(langs) if domain == "text" else ()
        count = len(regions) if domain == "text" else len(constants)
        values = [self._value(f"{prefix}.{i}", domain, count) for i in range(size + 1)]
        numbered = {lang: i for i, lang in enumerate(langs)}
        return _Key(name, spelling, domain, mixed, shape, values[0], length, values[1:],
                    constants, numbered, regions)  # fmt: skip

    def _value(self, name: str, domain: str, constants: int) -> _Value:
        z3 = self.z3
        if domain == "str":
            return _Value(s=z3.String(f"{name}.s"))
        if domain == "text":
            idx = z3.Int(f"{name}.idx")
            self.constraints += [idx >= 0, idx < constants]
            return _Value(idx=idx)
        tag = z3.Int(f"{name}.tag")
        top = {"ip": _V6, "null": _JUNK}.get(domain, _VALID)
        self.constraints += [tag >= 0, tag <= top]
        value = _Value(tag=tag)
        if domain in ("num", "date"):
            value.r, value.n = z3.Real(f"{name}.r"), z3.Int(f"{name}.n")
            self.constraints.append(value.r * 10 ** self.digits[domain] == z3.ToReal(value.n))
        elif domain == "ip":
            value.a4, value.a6 = z3.BitVec(f"{name}.a4", 32), z3.BitVec(f"{name}.a6", 128)
        elif domain == "bin":
            value.idx = z3.Int(f"{name}.idx")
            self.constraints += [value.idx >= 0, value.idx <= constants]
        return value

    def _empty(self, key: _Key, value: _Value) -> Any:
        if key.domain == "str":
            return value.s == self._string("")
        if key.domain == "text":
            return key.member(self.z3, value, _EMPTY_TEXT)
        return value.tag == _EMPTY

    def _string(self, text: str) -> Any:
        # z3 reads \\u{...} escapes in string literals: write a backslash as one
        return self.z3.StringVal(text.replace("\\", "\\u{5c}"))

    # -- statements -----------------------------------------------------------------------

    def applies(self, statement: Statement, variables: bool) -> tuple[Any, frozenset[str]]:
        """The condition (and principal) of ``statement`` holds, and the keys (``""``: the
        principal) that this depends on."""
        slot = (id(statement), variables)
        if slot not in self._applies:
            z3 = self.z3
            parts: list[Any] = []
            keys: set[str] = set()
            for entry in statement.condition.entries:
                expr, used = self.entry(entry, variables)
                parts.append(expr)
                keys |= used
            if statement.principal is not None:
                parts.append(self._principal_is(statement.principal))
                keys.add("")
            if statement.not_principal is not None:
                parts.append(z3.Not(self._principal_is(statement.not_principal)))
                keys.add("")
            self._applies[slot] = (z3.And(*parts, True), frozenset(keys))
        return self._applies[slot]

    def constraints_of(self, keys: Iterable[str]) -> list[Any]:
        """The range constraints of the variables of ``keys``."""
        out: list[Any] = []
        for key in sorted(keys):
            out += self.principal_constraints if key == "" else self.key_constraints[key]
        return out

    def entry(self, entry: ConditionEntry, variables: bool) -> tuple[Any, frozenset[str]]:
        slot = (entry.operator, entry.key.lower(), entry.values, variables)
        if slot not in self._entries:
            self._using = {entry.key.lower()}
            try:
                expr = self._entry(entry, variables)
            except _Inexact as e:
                self.notes.add(str(e))
                expr = self._free.setdefault(slot, self.z3.Bool(f"atom{len(self._free)}"))
            self._entries[slot] = (expr, frozenset(self._using))
        return self._entries[slot]

    def _entry(self, entry: ConditionEntry, variables: bool) -> Any:
        z3 = self.z3
        op = parse_operator(entry.operator)
        key = self.keys[entry.key.lower()]
        if op.family == "Null":
            wanted: set[bool] = set()
            for value in entry.values:
                parsed = _parse_bool(value)
                if parsed is None:
                    return z3.BoolVal(False)
                wanted.add(parsed)
            null = z3.Or(
                key.absent,
                z3.And(key.shape == 1, self._empty(key, key.scalar)),
                z3.And(key.shape == 2, key.length == 0),
            )
            tests = [null] if True in wanted else []
            return z3.Or(*tests, *([z3.Not(null)] if False in wanted else []))
        if key.mixed:
            raise _Inexact(
                f"condition key {key.spelling!r} is compared by operators of different kinds; "
                "its conditions are independent atoms"
            )
        variables = variables and op.family in _VARIABLE_FAMILIES
        predicate = self._predicate(op, entry.values, key, variables)
        if predicate is None:  # a value the operator cannot parse: the entry is false
            return z3.BoolVal(False)
        typed, hit = predicate

        def result(value: _Value) -> Any:
            return z3.Not(hit(value)) if op.negated else hit(value)

        if op.set_operator is None:
            absent = z3.BoolVal(op.if_exists or op.negated)
            scalar = z3.And(typed(key.scalar), result(key.scalar))
            listed = z3.BoolVal(False)
        else:
            every = op.set_operator == "ForAllValues"
            absent = z3.BoolVal(every)
            one = z3.And(typed(key.scalar), result(key.scalar))
            scalar = z3.If(self._empty(key, key.scalar), z3.BoolVal(every), one)
            active = [(key.length > i, item) for i, item in enumerate(key.items)]
            typed_all = z3.And(*(z3.Implies(a, typed(v)) for a, v in active), True)
            if every:
                listed = z3.And(typed_all, *(z3.Implies(a, result(v)) for a, v in active))
            else:
                listed = z3.And(typed_all, z3.Or(*(z3.And(a, result(v)) for a, v in active), False))
        return z3.If(key.absent, absent, z3.If(key.shape == 1, scalar, listed))

    # -- predicates: (is the value of the operator's type, does it match a policy value) ----

    def _predicate(
        self, op: Operator, values: Sequence[Any], key: _Key, variables: bool
    ) -> _Pred | None:
        z3 = self.z3
        if key.domain == "text" and op.family in _VARIABLE_FAMILIES:
            return self._text_predicate(op, values, key)
        if op.family == "String":
            return self._string_predicate(op, values, variables)
        if op.family == "Arn":
            return self._arn_predicate(values, variables)
        if op.family == "Bool":
            return self._bool_predicate(values, variables)
        if op.family in ("Numeric", "Date"):
            parse = _parse_number if op.family == "Numeric" else _parse_date
            numbers = [parse(v) for v in values]
            if any(n is None for n in numbers):
                return None
            compare = COMPARISONS[op.base.removeprefix(op.family)]
            constants = [z3.Q(*n.as_integer_ratio()) for n in numbers if n is not None]

            def number(v: _Value) -> Any:
                return z3.Or(*(compare(v.r, c) for c in constants), False)

            return (lambda v: v.tag == _VALID), number
        if op.family == "IpAddress":
            networks = [_parse_network(v) for v in values]
            if any(n is None for n in networks):
                return None

            def inside(v: _Value) -> Any:
                tests = []
                for net in networks:
                    assert net is not None
                    v4 = net.version == 4
                    bits, tag, address = (32, _VALID, v.a4) if v4 else (128, _V6, v.a6)
                    if net.prefixlen == 0:
                        tests.append(v.tag == tag)
                    else:
                        head = z3.Extract(bits - 1, bits - net.prefixlen, address)
                        prefix = int(net.network_address) >> (bits - net.prefixlen)
                        tests.append(z3.And(v.tag == tag, head == prefix))
                return z3.Or(*tests, False)

            return (lambda v: z3.Or(v.tag == _VALID, v.tag == _V6)), inside
        if op.family == "Binary":
            wanted = [_parse_binary(v) for v in values]
            if any(w is None for w in wanted):
                return None

            def same(v: _Value) -> Any:
                tests = [v.tag == _EMPTY] if b"" in wanted else []
                tests += [z3.And(v.tag == _VALID, v.idx == key.constants.index(w))
                          for w in set(wanted) if w]  # fmt: skip
                return z3.Or(*tests, False)

            # "" decodes to b"": the empty value is a valid binary value
            return (lambda v: z3.Or(v.tag == _EMPTY, v.tag == _VALID)), same
        raise AssertionError(op.family)  # pragma: no cover

    def _text_predicate(self, op: Operator, values: Sequence[Any], key: _Key) -> _Pred | None:
        z3 = self.z3
        if op.family == "Bool":
            wanted = [_parse_bool(v) for v in values]
            if None in wanted:
                return None
            langs = [_TRUE if w else _FALSE for w in set(wanted)]
        else:
            langs = _languages(op, values)
        if op.family == "Arn":
            shape, langs = langs[0], langs[1:]

            def typed(v: _Value) -> Any:
                return key.member(z3, v, shape)
        elif op.family == "Bool":

            def typed(v: _Value) -> Any:
                return z3.Or(key.member(z3, v, _TRUE), key.member(z3, v, _FALSE))
        else:

            def typed(v: _Value) -> Any:
                return True

        def hit(v: _Value) -> Any:
            return z3.Or(*(key.member(z3, v, lang) for lang in langs), False)

        return typed, hit

    def _string_predicate(self, op: Operator, values: Sequence[Any], variables: bool) -> _Pred:
        z3 = self.z3
        options: list[tuple[Any, list[_Part]]] = []
        for value in values:
            resolved = self._parts(value, variables)
            if resolved is not None:
                options.append(resolved)
        if op.base in ("StringLike", "StringNotLike"):
            regexes = [(ready, self._glob(parts)) for ready, parts in options]
            return _anything, lambda v: z3.Or(
                *(z3.And(ready, z3.InRe(v.s, regex)) for ready, regex in regexes), False
            )
        if op.base.endswith("IgnoreCase"):
            if any(not isinstance(part, str) for _, parts in options for part in parts):
                raise _Inexact(
                    f"a policy variable in a {op.base} value is compared as an independent atom"
                )
            folded = [self._folded("".join(map(str, parts)).lower()) for _, parts in options]
            return _anything, lambda v: z3.Or(*(z3.InRe(v.s, f) for f in folded), False)
        texts = [(ready, self._concat(parts)) for ready, parts in options]
        return _anything, lambda v: z3.Or(
            *(z3.And(ready, v.s == text) for ready, text in texts), False
        )

    def _arn_predicate(self, values: Sequence[Any], variables: bool) -> _Pred:
        z3 = self.z3
        regexes = []
        for value in values:
            text = _scalar_text(value)
            if variables and _VARIABLE.search(text):
                raise _Inexact(
                    "a policy variable in an ARN operator's value is compared as an "
                    "independent atom"
                )
            components = _arn_components(_tokens([(text, False)]))
            if components is None:  # not six components: matches no ARN
                continue
            pieces = []
            for i, tokens in enumerate(components):
                if i:
                    pieces.append(z3.Re(self._string(":")))
                one = self._all() if i == 5 else self._not_colon()
                for token in tokens:
                    if token is _Wild.STAR:
                        pieces.append(z3.Star(one))
                    elif token is _Wild.ONE:
                        pieces.append(one)
                    else:
                        pieces.append(z3.Re(self._string(str(token))))
            regexes.append(z3.Concat(*pieces) if len(pieces) > 1 else pieces[0])
        segment = z3.Concat(z3.Star(self._not_colon()), z3.Re(self._string(":")))
        shape = z3.Concat(*([segment] * 5), z3.Star(self._all()))
        return (lambda v: z3.InRe(v.s, shape)), lambda v: z3.Or(
            *(z3.InRe(v.s, r) for r in regexes), False
        )

    def _bool_predicate(self, values: Sequence[Any], variables: bool) -> _Pred | None:
        z3 = self.z3
        true, false = self._folded("true"), self._folded("false")
        tests: list[Callable[[_Value], Any]] = []
        for value in values:
            if variables and isinstance(value, str) and _VARIABLE.search(value):
                resolved = self._parts(value, variables)
                if resolved is None:
                    continue
                ready, parts = resolved
                tests.append(self._same_bool(ready, self._concat(parts), true, false))
                continue
            parsed = _parse_bool(value)
            if parsed is None:
                return None
            tests.append(self._in(true if parsed else false))
        return (lambda v: z3.InRe(v.s, z3.Union(true, false))), lambda v: z3.Or(
            *(t(v) for t in tests), False
        )

    def _same_bool(self, ready: Any, text: Any, true: Any, false: Any) -> Callable[[_Value], Any]:
        z3 = self.z3

        def test(v: _Value) -> Any:
            return z3.And(
                ready,
                z3.Or(
                    z3.And(z3.InRe(text, true), z3.InRe(v.s, true)),
                    z3.And(z3.InRe(text, false), z3.InRe(v.s, false)),
                ),
            )

        return test

    def _in(self, regex: Any) -> Callable[[_Value], Any]:
        z3 = self.z3

        def test(v: _Value) -> Any:
            return z3.InRe(v.s, regex)

        return test

    # -- strings with policy variables ------------------------------------------------------

    def _parts(self, value: Any, variables: bool) -> tuple[Any, list[_Part]] | None:
        """A policy value as parts: ``str`` (policy text; wildcards count), :class:`_Literal`
        (text that came from ``${*}`` and the like) and z3 strings (a variable's value), with
        the condition under which every variable has a value. ``None``: never has a value."""
        z3 = self.z3
        text = _scalar_text(value)
        if not variables:
            return z3.BoolVal(True), [text]
        parts: list[_Part] = []
        ready: list[Any] = []
        position = 0
        for match in _VARIABLE.finditer(text):
            if match.start() > position:
                parts.append(text[position : match.start()])
            position = match.end()
            body = match.group(1)
            if body in _SPECIAL:
                parts.append(_Literal(body))
                continue
            name, default = _variable(body)
            if not name:
                if default is None:
                    return None
                parts.append(_Literal(default))
                continue
            key = self.keys[name.lower()]
            self._using.add(key.name)
            if key.domain != "str" or key.mixed:
                raise _Inexact(
                    f"policy variable ${{{name}}} names a key that is not compared as a string; "
                    "conditions using it are independent atoms"
                )
            if default is None:
                ready.append(key.shape == 1)
                parts.append(key.scalar.s)
            else:
                ready.append(z3.Or(key.shape == 1, key.absent))
                parts.append(z3.If(key.shape == 1, key.scalar.s, self._string(default)))
        if position < len(text):
            parts.append(text[position:])
        return z3.And(*ready, True), parts

    def _concat(self, parts: Sequence[_Part]) -> Any:
        pieces = [self._string(str(p)) if isinstance(p, str | _Literal) else p for p in parts]
        if not pieces:
            return self._string("")
        return self.z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _glob(self, parts: Sequence[_Part]) -> Any:
        z3 = self.z3
        pieces = []
        for part in parts:
            if isinstance(part, _Literal):
                pieces.append(z3.Re(self._string(str(part))))
            elif isinstance(part, str):
                for char in part:
                    if char == "*":
                        pieces.append(z3.Star(self._all()))
                    elif char == "?":
                        pieces.append(self._all())
                    else:
                        pieces.append(z3.Re(self._string(char)))
            else:
                pieces.append(z3.Re(part))
        if not pieces:
            return z3.Re(self._string(""))
        return z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _folded(self, lowered: str) -> Any:
        z3 = self.z3
        if not lowered:
            return z3.Re(self._string(""))
        pieces = []
        for char in lowered:
            options = [z3.Re(self._string(c)) for c in _fold_class(char)]
            pieces.append(z3.Union(*options) if len(options) > 1 else options[0])
        return z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _all(self) -> Any:
        return self.z3.AllChar(self.z3.ReSort(self.z3.StringSort()))

    def _not_colon(self) -> Any:
        z3 = self.z3
        return z3.Intersect(self._all(), z3.Complement(z3.Re(self._string(":"))))

    # -- principals -------------------------------------------------------------------------

    def _principals(self, elements: Sequence[Principal]) -> None:
        self.candidates: list[tuple[str, str]] = []
        self.principal: Any = None
        if not elements:
            return
        named: set[tuple[str, str]] = set()
        accounts: set[str] = set()
        for element in elements:
            for kind, attribute in Principal.KINDS.items():
                for value in getattr(element, attribute):
                    if value != "*":
                        named.add((kind, value))
                        account = _account(value) if kind == "AWS" else None
                        if account is not None:
                            accounts.add(account)
        fresh_account = next(
            a for a in (f"{n:012d}" for n in range(999999999999, 0, -1)) if a not in accounts
        )
        candidates = set(named)
        candidates |= {("AWS", f"arn:aws:iam::{a}:user/witness") for a in accounts}
        candidates |= {
            ("AWS", f"arn:aws:iam::{fresh_account}:user/witness"),
            ("Service", "witness.amazonaws.com"),
            ("Federated", "witness.example.com"),
            ("CanonicalUser", "0" * 64),
        }
        self.candidates = sorted(candidates)
        self.principal = self.z3.Int("principal")
        self.constraints += [self.principal >= 0, self.principal < len(self.candidates)]

    def _principal_is(self, element: Principal) -> Any:
        z3 = self.z3
        return z3.Or(
            *(self.principal == i for i, c in enumerate(self.candidates) if element.matches(*c)),
            False,
        )

    # -- reading a model back ---------------------------------------------------------------

    def witness(self, model: Any, keys: Iterable[str]) -> _Model:
        z3 = self.z3

        def number(expr: Any) -> int:
            return int(model.eval(expr, model_completion=True).as_long())

        def render(key: _Key, value: _Value) -> str:
            if key.domain == "text":
                return key.regions[number(value.idx)][1]
            if key.domain == "str":
                length = number(z3.Length(value.s))
                return "".join(
                    chr(number(z3.StrToCode(z3.SubString(value.s, i, 1)))) for i in range(length)
                )
            tag = number(value.tag)
            if tag == _EMPTY:
                return ""
            if tag == _JUNK:
                return _JUNK_TEXT[key.domain]
            if key.domain in ("num", "date"):
                digits = self.digits[key.domain]
                text = format(Decimal(number(value.n)).scaleb(-digits), "f")
                return text if "." in text else text + ".0"
            if key.domain == "ip":
                if tag == _VALID:
                    return str(ipaddress.IPv4Address(number(value.a4)))
                return str(ipaddress.IPv6Address(number(value.a6)))
            index = number(value.idx)  # bin
            if index < len(key.constants):
                raw = key.constants[index]
            else:  # bytes no policy names: longer than all of them
                raw = b"\x00" * (max(map(len, key.constants), default=0) + 1)
            return base64.b64encode(raw).decode()

        context: dict[str, Any] = {}
        for key in (self.keys[k] for k in sorted(keys) if k):
            shape = number(key.shape)
            if shape == 1:
                context[key.spelling] = render(key, key.scalar)
            elif shape == 2:
                length = number(key.length)
                context[key.spelling] = [render(key, item) for item in key.items[:length]]
        principal = None
        if self.principal is not None and "" in keys:
            principal = self.candidates[number(self.principal)]
        return context, principal
