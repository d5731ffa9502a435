"""The ``AWS::LanguageExtensions`` transform, expanded offline before the SAM transform.

>>> from lambda_perms.deploy.language_extensions import expand_language_extensions
>>> template = expand_language_extensions({
...     "Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"],
...     "Resources": {
...         "Fn::ForEach::Queues": ["Name", ["orders", "order-events"], {
...             "&{Name}Queue": {"Type": "AWS::SQS::Queue",
...                              "Properties": {"QueueName": {"Fn::Sub": "${Name}"}}},
...         }],
...     },
... })
>>> sorted(template["Resources"])
['ordereventsQueue', 'ordersQueue']
>>> template["Resources"]["ordereventsQueue"]["Properties"]
{'QueueName': 'order-events'}

CloudFormation runs this transform (a macro it hosts) before the SAM transform when the
template lists both; SAM CLI 1.170.0 can do the same locally (``--language-extensions``,
``samcli/lib/cfn_language_extensions``: ``ForEachProcessor``, ``FnLengthResolver``,
``FnToJsonStringResolver``, ``FnFindInMapResolver``, ``ResourcePolicyProcessor``). What is
expanded here, as there:

- ``Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]`` in ``Conditions``,
  ``Resources`` (also inside a resource's properties) and ``Outputs``, nested up to 5 deep.
  In each copy every ``${Identifier}`` is the item, ``&{Identifier}`` the item without its
  non-alphanumeric characters, and ``{"Ref": Identifier}`` the item (in keys and values,
  inside ``Fn::Sub`` too). The collection is a list, or a ``Ref`` to a ``CommaDelimitedList``
  or ``List<...>`` parameter (its override, else its ``Default``), or another intrinsic that
  can be worked out offline (``Fn::Split``, ``Fn::FindInMap`` ...). An identifier or loop name
  that is also a parameter's name, an identifier reused by an enclosing loop, and two copies
  with one logical id are errors.
- ``Fn::Length`` (of a list or a list parameter), ``Fn::ToJsonString`` (compact JSON, keys in
  template order), ``Fn::FindInMap`` (with ``{DefaultValue: ...}`` when the keys are not in
  the map), intrinsic functions inside ``Ref`` and ``Fn::GetAtt``, and an ``Fn::Sub`` that
  the loop left without a variable (plain text).
- ``DeletionPolicy`` and ``UpdateReplacePolicy`` written with ``Ref``, ``Fn::If`` or
  ``Fn::FindInMap``.

What is not known offline is left for CloudFormation (never guessed): an intrinsic whose
inputs include a resource attribute or a parameter without a value stays as written. SAM
CLI's local expansion also rewrites ``Fn::Sub`` and ``Fn::Join`` that still hold unknown
references into plain strings (``"a-{'Ref': 'AWS::Region'}"``); here they stay intrinsics.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from lambda_perms.deploy.parameters import Resolver, known_values
from lambda_perms.errors import TemplateError

__all__ = [
    "LANGUAGE_EXTENSIONS",
    "expand_language_extensions",
    "uses_language_extensions",
]


def __dir__() -> list[str]:
    return __all__


LANGUAGE_EXTENSIONS: Final[str] = "AWS::LanguageExtensions"
FOREACH: Final[str] = "Fn::ForEach::"
MAX_NESTING: Final[int] = 5
_SECTIONS: Final[tuple[str, ...]] = ("Conditions", "Resources", "Outputs")
_POLICIES: Final[Mapping[str, tuple[str, ...]]] = {
    "DeletionPolicy": ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot"),
    "UpdateReplacePolicy": ("Delete", "Retain", "Snapshot"),
}
_VARIABLE: Final[re.Pattern[str]] = re.compile(r"\$\{(?!!)[^}]*\}")
_DYNAMIC_REFERENCE: Final[re.Pattern[str]] = re.compile(
    r"\{\{resolve:(ssm|ssm-secure|secretsmanager):[^}]+\}\}", re.IGNORECASE
)


def uses_language_extensions(document: Mapping[str, Any]) -> bool:
    """Whether the template declares the ``AWS::LanguageExtensions`` transform."""
    declared = document.get("Transform")
    items = declared if isinstance(declared, list) else [declared]
    return LANGUAGE_EXTENSIONS in items


def expand_language_extensions(
    document: Mapping[str, Any],
    parameters: Mapping[str, str] | None = None,
    *,
    pseudo: Mapping[str, str] | None = None,
    source: str = "<dict>",
) -> dict[str, Any]:
    """A copy of ``document`` with the ``AWS::LanguageExtensions`` functions expanded (see the
    module documentation); a template without the transform is copied as it is.

    ``parameters`` are ``--parameter-overrides`` (a parameter without one takes its
    ``Default``), ``pseudo`` pseudo-parameter values (``AWS::Region`` ...) if known.

    :raises TemplateError: for a malformed ``Fn::ForEach`` (the message names the loop), a
        collection that cannot be worked out offline, loops nested deeper than 5, a logical id
        two copies share, an ``Fn::Length``/``Fn::ToJsonString`` of the wrong kind, or a
        ``DeletionPolicy`` that is not a policy; ``path`` locates it.
    """
    out = copy.deepcopy(dict(document))
    if not uses_language_extensions(document):
        return out
    values = known_values(document, parameters, pseudo=pseudo)
    expander = _Expander(out, values, source)
    for section in _SECTIONS:
        body = out.get(section)
        if isinstance(body, Mapping):
            resources = section == "Resources"
            out[section] = expander.mapping(body, section, (), depth=0, resources=resources)
    functions = _Functions(out, values, source)
    for section in ("Resources", "Outputs"):
        body = out.get(section)
        if isinstance(body, Mapping):
            out[section] = {
                key: functions.entry(value, f"{section}.{key}") for key, value in body.items()
            }
    return out


# -- Fn::ForEach -----------------------------------------------------------------------------


class _Expander:
    def __init__(self, document: Mapping[str, Any], values: Mapping[str, Any], source: str) -> None:
        self.resolver = Resolver(document, values)
        declared = document.get("Parameters")
        self.parameters = set(declared) if isinstance(declared, Mapping) else set()
        self.source = source

    def fail(self, message: str, path: str) -> TemplateError:
        return TemplateError(message, source=self.source, path=path)

    def mapping(
        self,
        body: Mapping[str, Any],
        path: str,
        outer: tuple[str, ...],
        *,
        depth: int,
        resources: bool = False,
    ) -> dict[str, Any]:
        """A mapping with its loops expanded (``resources``: each entry is a resource, whose
        properties may hold loops too)."""
        out: dict[str, Any] = {}
        for key, value in body.items():
            where = f"{path}.{key}"
            if str(key).startswith(FOREACH):
                expanded = self.loop(key, value, where, outer, depth + 1)
                clash = sorted(set(out) & set(expanded))
                if clash:
                    raise self.fail(
                        f"the loop makes logical ids that already exist: {', '.join(clash)}", where
                    )
                if resources:
                    expanded = {k: self.resource(v, f"{path}.{k}") for k, v in expanded.items()}
                out.update(expanded)
            else:
                out[key] = self.resource(value, where) if resources else value
        return out

    def resource(self, body: Any, path: str) -> Any:
        """A resource with the loops inside its properties expanded."""
        if not isinstance(body, Mapping) or not isinstance(body.get("Properties"), Mapping):
            return body
        return {**body, "Properties": self.nested(body["Properties"], f"{path}.Properties", 0)}

    def nested(self, value: Any, path: str, depth: int) -> Any:
        if isinstance(value, list):
            return [self.nested(v, f"{path}[{i}]", depth) for i, v in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        expanded = self.mapping(value, path, (), depth=depth)
        return {k: self.nested(v, f"{path}.{k}", depth) for k, v in expanded.items()}

    def loop(
        self, key: str, value: Any, path: str, outer: tuple[str, ...], depth: int
    ) -> dict[str, Any]:
        if depth > MAX_NESTING:
            raise self.fail(f"Fn::ForEach loops nest at most {MAX_NESTING} deep", path)
        name = key[len(FOREACH) :]
        if not (isinstance(value, list) and len(value) == 3):
            raise self.fail("Fn::ForEach takes [Identifier, Collection, {OutputKey: ...}]", path)
        identifier, collection, body = value
        if not isinstance(identifier, str) or not identifier:
            raise self.fail("the loop's identifier (its first item) is a non-empty string", path)
        if not isinstance(body, Mapping):
            raise self.fail("the loop's output (its third item) is a mapping", path)
        if identifier in self.parameters:
            raise self.fail(f"the identifier {identifier!r} is also a parameter's name", path)
        if name in self.parameters:
            raise self.fail(f"the loop name {name!r} is also a parameter's name", path)
        if identifier in outer:
            raise self.fail(
                f"the identifier {identifier!r} is already used by an enclosing loop", path
            )
        items = self.collection(collection, f"{path}[1]")
        out: dict[str, Any] = {}
        for item in items:
            text = _text(item)
            copied = _substitute(body, identifier, text)
            expanded = self.mapping(copied, path, (*outer, identifier), depth=depth)
            clash = sorted(set(out) & set(expanded))
            if clash:
                raise self.fail(
                    f"two copies of the loop have the logical id {clash[0]!r}: the output key "
                    f"must hold ${{{identifier}}} or &{{{identifier}}}",
                    path,
                )
            out.update(expanded)
        return out

    def collection(self, collection: Any, path: str) -> list[Any]:
        if isinstance(collection, list):
            for item in collection:
                self._offline(item, path)
            return [item for item in collection if item is not None]
        self._offline(collection, path)
        resolved = self.resolver.value(collection)
        if isinstance(resolved, str) and "," in resolved:
            return [part.strip() for part in resolved.split(",")]
        if isinstance(resolved, list) and all(not isinstance(v, Mapping | list) for v in resolved):
            return [v for v in resolved if v is not None]
        raise self.fail(
            "the collection cannot be worked out offline: use a list, or a CommaDelimitedList "
            "parameter with a Default or a --parameter-overrides value",
            path,
        )

    def _offline(self, value: Any, path: str) -> None:
        if isinstance(value, Mapping) and len(value) == 1:
            (key,) = value
            if key in ("Fn::GetAtt", "Fn::ImportValue"):
                raise self.fail(
                    f"the collection uses {key}, which needs deployed resources: it cannot be "
                    "worked out offline (use a CommaDelimitedList parameter)",
                    path,
                )
        if isinstance(value, str) and _DYNAMIC_REFERENCE.search(value):
            raise self.fail(
                "the collection uses a dynamic reference ({{resolve:...}}): it cannot be worked "
                "out offline (use a CommaDelimitedList parameter)",
                path,
            )


def _text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def _substitute(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        stripped = re.sub(r"[^a-zA-Z0-9]", "", item)
        return value.replace("${" + identifier + "}", item).replace(
            "&{" + identifier + "}", stripped
        )
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if isinstance(value, Mapping):
        if len(value) == 1 and value.get("Ref") == identifier:
            return item
        return {
            _substitute(k, identifier, item): _substitute(v, identifier, item)
            for k, v in value.items()
        }
    return value


# -- the other functions ---------------------------------------------------------------------


class _Functions(Resolver):
    """Works out the transform's own functions (and whatever their arguments need), leaving
    every other intrinsic of the template as written for CloudFormation."""

    def __init__(self, document: Mapping[str, Any], values: Mapping[str, Any], source: str) -> None:
        super().__init__(document, values)
        self.source = source
        self.path = ""

    def fail(self, message: str) -> TemplateError:
        return TemplateError(message, source=self.source, path=self.path)

    def entry(self, body: Any, path: str) -> Any:
        """One resource or output."""
        self.path = path
        if not isinstance(body, Mapping):
            return body
        out = {}
        for key, value in body.items():
            self.path = f"{path}.{key}"
            out[key] = self.policy(key, value) if key in _POLICIES else self.walk(value)
        return out

    def policy(self, name: str, value: Any) -> Any:
        resolved = self.value(value)
        if isinstance(resolved, str):
            if resolved not in _POLICIES[name]:
                raise self.fail(
                    f"{resolved!r} is not a {name} (one of {', '.join(_POLICIES[name])})"
                )
            return resolved
        if isinstance(resolved, list) or (
            isinstance(resolved, Mapping) and resolved.get("Ref") == "AWS::NoValue"
        ):
            raise self.fail(f"a {name} is one string")
        return resolved  # depends on a value only CloudFormation knows

    def walk(self, value: Any) -> Any:
        """``value`` with the transform's functions worked out, other intrinsics untouched."""
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1:
            return {k: self.walk(v) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key in ("Fn::Length", "Fn::ToJsonString"):
            return self.value(value)
        if key == "Fn::FindInMap":
            return self.value(value)
        if key == "Fn::Sub" and isinstance(arg, str) and not _VARIABLE.search(arg):
            return self.value(value)  # a copy's text with no variable left: plain text
        if key == "Ref" and isinstance(arg, Mapping):
            return {"Ref": self.value(arg)}
        if key == "Fn::GetAtt" and isinstance(arg, list):
            return {"Fn::GetAtt": [self.value(a) if isinstance(a, Mapping) else a for a in arg]}
        if key == "Fn::Transform":
            return value
        return {key: self.walk(arg)}

    def value(self, value: Any) -> Any:
        if isinstance(value, Mapping) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Length":
                return self._length(arg)
            if key == "Fn::ToJsonString":
                return self._to_json(arg)
        return super().value(value)

    def _length(self, arg: Any) -> Any:
        resolved = self.value(arg)
        if isinstance(resolved, list):
            return len(resolved)
        if _has_function(resolved) and isinstance(resolved, Mapping) and len(resolved) == 1:
            return {"Fn::Length": resolved}
        raise self.fail("Fn::Length takes a list (or a function that gives one)")

    def _to_json(self, arg: Any) -> Any:
        if not isinstance(arg, Mapping | list):
            raise self.fail("Fn::ToJsonString takes a mapping or a list")
        resolved = self.value(arg)
        if _has_function(resolved):
            return {"Fn::ToJsonString": resolved}
        return json.dumps(resolved, separators=(",", ":"))


def _has_function(value: Any) -> bool:
    if isinstance(value, Mapping):
        if len(value) == 1:
            (key,) = value
            if isinstance(key, str) and (key.startswith("Fn::") or key in ("Ref", "Condition")):
                return True
        return any(_has_function(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_function(v) for v in value)
    return False
