"""Template parameters: the overrides given, the template's own defaults, and the values they
give to ``!Ref``/``!Sub`` names.

>>> from lambda_perms.deploy.parameters import resolve_template
>>> document = {
...     "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
...     "Resources": {"Q": {"Type": "AWS::SQS::Queue",
...                         "Properties": {"QueueName": {"Fn::Sub": "orders-${Stage}"}}}},
... }
>>> resolve_template(document, {"Stage": "prod"})["Resources"]["Q"]["Properties"]
{'QueueName': 'orders-prod'}

The overrides are read by :func:`~lambda_perms.deploy.overrides.parse_parameter_overrides`
(``--parameter-overrides`` and samconfig's ``parameter_overrides``, as SAM CLI reads them).

What CloudFormation does with them (``samcli/commands/deploy/deploy_context.py``,
``DeployContext.merge_parameters``): only parameters the template declares are sent; one
without an override is sent as ``UsePreviousValue``, which is its ``Default`` when the stack
is created but the previous value when it is updated. :func:`parameter_values` therefore
says where each value comes from (``"override"`` or ``"default"``).

:func:`resolve_template` writes the known values into a template's ``Resources`` (and SAM's
``Globals``): ``Ref``, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::FindInMap`` and ``Fn::If`` (with the template's ``Conditions``) are worked out when every
input is known, and left as they are otherwise. Pseudo parameters (``AWS::Region``,
``AWS::AccountId``, ``AWS::StackName`` ...) are used only when given.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from lambda_perms.errors import UsageError

__all__ = [
    "PSEUDO_PARAMETERS",
    "ParameterValue",
    "Resolver",
    "TemplateParameter",
    "known_values",
    "parameter_values",
    "resolve_template",
    "template_parameters",
]


def __dir__() -> list[str]:
    return __all__


PSEUDO_PARAMETERS: Final[frozenset[str]] = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)


# -- the template's parameters ---------------------------------------------------------------


@dataclass(frozen=True)
class TemplateParameter:
    """One entry of a template's ``Parameters`` section.

    ``default`` is the ``Default`` as CloudFormation reads it (text; ``None`` when there is
    none); ``is_list`` is true for ``CommaDelimitedList`` and ``List<...>`` types, whose value
    is a comma-separated list; ``is_ssm`` for ``AWS::SSM::Parameter::Value<...>`` types, whose
    value names a Systems Manager parameter that CloudFormation reads at deploy time.
    """

    name: str
    type: str = "String"
    default: str | None = None
    allowed_values: tuple[str, ...] = ()
    no_echo: bool = False

    @property
    def is_list(self) -> bool:
        return self.type == "CommaDelimitedList" or self.type.startswith("List<")

    @property
    def is_ssm(self) -> bool:
        return self.type.startswith("AWS::SSM::Parameter::Value<")


def _scalar(value: Any) -> str:
    """A scalar as CloudFormation reads a parameter value written in the template."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_scalar(v) for v in value)
    return str(value)


def template_parameters(document: Mapping[str, Any]) -> tuple[TemplateParameter, ...]:
    """The parameters a template declares, in template order (malformed entries are skipped:
    reading the template reports them)."""
    declared = document.get("Parameters")
    if not isinstance(declared, Mapping):
        return ()
    out = []
    for name, body in declared.items():
        if not isinstance(body, Mapping):
            continue
        kind = body.get("Type")
        default = body.get("Default")
        allowed = body.get("AllowedValues")
        out.append(
            TemplateParameter(
                name=str(name),
                type=kind if isinstance(kind, str) else "String",
                default=(
                    None if default is None or isinstance(default, Mapping) else _scalar(default)
                ),
                allowed_values=tuple(_scalar(v) for v in allowed)
                if isinstance(allowed, list)
                else (),
                no_echo=str(body.get("NoEcho", "")).lower() == "true",
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class ParameterValue:
    """The value a parameter takes: text, or a tuple for a list type; ``source`` says whether
    it came from an override or the template's ``Default``."""

    name: str
    value: str | tuple[str, ...]
    source: Literal["override", "default"]


def parameter_values(
    document: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    *,
    defaults: bool = True,
) -> dict[str, ParameterValue]:
    """The value of each declared parameter that has one: the override, else (``defaults``)
    the template's ``Default``. Overrides for parameters the template does not declare are
    dropped, as SAM CLI drops them; ``AWS::SSM::Parameter::Value<...>`` parameters get no value
    (CloudFormation reads it from Systems Manager at deploy time).

    >>> doc = {"Parameters": {"Subnets": {"Type": "CommaDelimitedList", "Default": "a, b"},
    ...                       "Stage": {"Type": "String"}}}
    >>> found = parameter_values(doc, {"Stage": "prod", "X": "1"})
    >>> sorted((v.name, v.value, v.source) for v in found.values())
    [('Stage', 'prod', 'override'), ('Subnets', ('a', 'b'), 'default')]
    """
    given = dict(overrides or {})
    out: dict[str, ParameterValue] = {}
    for parameter in template_parameters(document):
        if parameter.is_ssm:
            continue
        if parameter.name in given:
            text, source = given[parameter.name], "override"
        elif defaults and parameter.default is not None:
            text, source = parameter.default, "default"
        else:
            continue
        value: str | tuple[str, ...] = (
            tuple(part.strip() for part in text.split(",")) if parameter.is_list else text
        )
        out[parameter.name] = ParameterValue(parameter.name, value, source)  # type: ignore[arg-type]
    return out


# -- resolving intrinsics with known values --------------------------------------------------


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("eusc-"):
        return "aws-eusc"
    return "aws"


def _url_suffix(region: str) -> str:
    if region.startswith("cn-"):
        return "amazonaws.com.cn"
    if region.startswith("eusc-"):
        return "amazonaws.eu"
    return "amazonaws.com"


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key.startswith("Fn::") or key in ("Ref", "Condition"))


def _known(value: Any) -> bool:
    """Whether ``value`` holds no intrinsic function anywhere."""
    if _is_intrinsic(value):
        return False
    if isinstance(value, Mapping):
        return all(_known(v) for v in value.values())
    if isinstance(value, list):
        return all(_known(v) for v in value)
    return True


_SUB_VARIABLE: Final[re.Pattern[str]] = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Works out intrinsic functions whose inputs are all known (shared by the deploy layer).

    ``values`` maps parameter names to their values (text, or a list for list types) and may
    hold pseudo parameters (``AWS::Region`` ...); ``AWS::Partition`` and ``AWS::URLSuffix``
    follow from ``AWS::Region`` when not given. Anything not known is left as written, with
    what is known inside it worked out (``Fn::Transform`` parameters are never touched).
    """

    def __init__(
        self, document: Mapping[str, Any], values: Mapping[str, str | Sequence[str]]
    ) -> None:
        self.values: dict[str, Any] = {
            k: list(v) if isinstance(v, tuple | list) else v for k, v in values.items()
        }
        region = self.values.get("AWS::Region")
        if isinstance(region, str) and region:
            self.values.setdefault("AWS::Partition", _partition(region))
            self.values.setdefault("AWS::URLSuffix", _url_suffix(region))
        mappings = document.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, Mapping) else {}
        conditions = document.get("Conditions")
        self.conditions: Mapping[str, Any] = conditions if isinstance(conditions, Mapping) else {}
        self._truths: dict[str, bool | None] = {}

    # -- conditions ------------------------------------------------------------------------------

    def condition(self, name: str, _seen: frozenset[str] = frozenset()) -> bool | None:
        """The truth of a named condition, ``None`` when it depends on something unknown."""
        if name in self._truths:
            return self._truths[name]
        if name in _seen or name not in self.conditions:
            return None
        result = self.truth(self.conditions[name], _seen | {name})
        self._truths[name] = result
        return result

    def truth(self, expression: Any, _seen: frozenset[str] = frozenset()) -> bool | None:
        """The truth of a condition expression (``Fn::Equals``, ``Fn::And`` ...), or ``None``."""
        if isinstance(expression, bool):
            return expression
        if not _is_intrinsic(expression):
            return None
        ((key, arg),) = expression.items()
        if key == "Condition" and isinstance(arg, str):
            return self.condition(arg, _seen)
        if not isinstance(arg, list):
            return None
        if key == "Fn::Equals" and len(arg) == 2:
            left, right = (self.value(a) for a in arg)
            if not (_known(left) and _known(right)):
                return None
            return bool(_scalar(left) == _scalar(right))
        if key == "Fn::Not" and len(arg) == 1:
            inner = self.truth(arg[0], _seen)
            return None if inner is None else not inner
        if key in ("Fn::And", "Fn::Or"):
            parts = [self.truth(a, _seen) for a in arg]
            decisive: bool = key == "Fn::Or"  # one True decides Or, one False decides And
            if decisive in parts:
                return decisive
            return None if None in parts else not decisive
        return None

    # -- values ----------------------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """A copy of ``value`` with every intrinsic whose inputs are known worked out."""
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, Mapping):
            return value
        if not _is_intrinsic(value):
            return {k: self.value(v) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key == "Fn::Transform":
            return copy.deepcopy(dict(value))
        handler = _HANDLERS.get(key)
        if handler is None:
            return {key: self.value(arg)}
        return handler(self, arg)

    def _ref(self, arg: Any) -> Any:
        if isinstance(arg, Mapping):  # Ref of an intrinsic (AWS::LanguageExtensions)
            arg = self.value(arg)
        if isinstance(arg, str) and arg in self.values:
            found = self.values[arg]
            return list(found) if isinstance(found, list) else found
        return {"Ref": arg}

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif (
            isinstance(arg, list)
            and len(arg) == 2
            and isinstance(arg[0], str)
            and isinstance(arg[1], Mapping)
        ):
            text, variables = arg[0], {k: self.value(v) for k, v in arg[1].items()}
        else:
            return {"Fn::Sub": self.value(arg)}
        left: list[str] = []

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return match.group(0)
            found = variables[name] if name in variables else self.values.get(name)
            if isinstance(found, str | int | float) and not isinstance(found, bool):
                return str(found)
            left.append(name)
            return match.group(0)

        done = _SUB_VARIABLE.sub(one, text)
        if not left:  # a plain string now: ${!Literal} is written ${Literal}
            return _SUB_VARIABLE.sub(
                lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!") else m.group(0),
                done,
            )
        remaining = {k: v for k, v in variables.items() if k in left}
        return {"Fn::Sub": [done, remaining]} if remaining else {"Fn::Sub": done}

    def _join(self, arg: Any) -> Any:
        resolved = self.value(arg)
        if isinstance(resolved, list) and len(resolved) == 2:
            sep, parts = resolved
            if isinstance(sep, str) and isinstance(parts, list) and all(map(_is_text, parts)):
                return sep.join(str(p) for p in parts)
        return {"Fn::Join": resolved}

    def _select(self, arg: Any) -> Any:
        resolved = self.value(arg)
        if isinstance(resolved, list) and len(resolved) == 2:
            index, items = resolved
            if isinstance(index, str) and index.isdigit():
                index = int(index)
            if (
                isinstance(index, int)
                and not isinstance(index, bool)
                and isinstance(items, list)
                and 0 <= index < len(items)
                and _known(items[index])
            ):
                return items[index]
        return {"Fn::Select": resolved}

    def _split(self, arg: Any) -> Any:
        resolved = self.value(arg)
        if isinstance(resolved, list) and len(resolved) == 2:
            sep, text = resolved
            if isinstance(sep, str) and sep and isinstance(text, str):
                return text.split(sep)
        return {"Fn::Split": resolved}

    def _if(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            truth = self.condition(arg[0])
            if truth is not None:
                return self.value(arg[1] if truth else arg[2])
            return {"Fn::If": [arg[0], self.value(arg[1]), self.value(arg[2])]}
        return {"Fn::If": self.value(arg)}

    def _find_in_map(self, arg: Any) -> Any:
        resolved = self.value(arg)
        if not (isinstance(resolved, list) and len(resolved) in (3, 4)):
            return {"Fn::FindInMap": resolved}
        keys = resolved[:3]
        if not all(isinstance(k, str | int) and not isinstance(k, bool) for k in keys):
            return {"Fn::FindInMap": resolved}
        level: Any = self.mappings
        for key in keys:
            if not isinstance(level, Mapping) or str(key) not in level:
                break
            level = level[str(key)]
        else:
            if level is not None:
                return self.value(level)
        options = resolved[3] if len(resolved) == 4 else None
        if isinstance(options, Mapping) and "DefaultValue" in options:
            return options["DefaultValue"]  # AWS::LanguageExtensions
        return {"Fn::FindInMap": resolved}


def _is_text(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


_HANDLERS: Final[Mapping[str, Any]] = {
    "Ref": Resolver._ref,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
}


def known_values(
    document: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    *,
    pseudo: Mapping[str, str] | None = None,
    defaults: bool = True,
) -> dict[str, str | tuple[str, ...]]:
    """Parameter and pseudo-parameter values, as :class:`Resolver` takes them."""
    out: dict[str, str | tuple[str, ...]] = {
        name: found.value
        for name, found in parameter_values(document, overrides, defaults=defaults).items()
    }
    for name, value in (pseudo or {}).items():
        if name not in PSEUDO_PARAMETERS:
            known = ", ".join(sorted(PSEUDO_PARAMETERS))
            raise UsageError(f"{name!r} is not a pseudo parameter (known: {known})")
        out[name] = value
    return out


def resolve_template(
    document: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    *,
    pseudo: Mapping[str, str] | None = None,
    defaults: bool = True,
) -> dict[str, Any]:
    """A copy of ``document`` whose ``Resources`` and ``Globals`` have the known parameter
    values written in (see the module documentation); other sections are copied as they are.

    ``overrides`` are ``--parameter-overrides`` (see
    :func:`~lambda_perms.deploy.overrides.parse_parameter_overrides`); ``pseudo`` gives pseudo
    parameters (``{"AWS::Region": "eu-west-1"}``); ``defaults=False`` uses overrides only (an
    updated stack keeps its previous values, not the defaults).

    :raises UsageError: for a ``pseudo`` name that is not a pseudo parameter.
    """
    values = known_values(document, overrides, pseudo=pseudo, defaults=defaults)
    resolver = Resolver(document, values)
    out = copy.deepcopy(dict(document))
    for section in ("Resources", "Globals"):
        if isinstance(document.get(section), Mapping):
            out[section] = resolver.value(document[section])
    return out
