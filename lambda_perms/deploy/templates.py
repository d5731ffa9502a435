"""Read a SAM or CloudFormation template: the resources it deploys, and what they imply.

>>> from lambda_perms.deploy.templates import load_template
>>> template = load_template({
...     "Resources": {
...         "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders"}},
...     }
... })
>>> template.resource_types
('AWS::SQS::Queue',)
>>> template.resources[0].name_pattern("my-app")
'orders'

Reading (:func:`load_template`): a path (YAML with the short-form intrinsic tags ``!Ref``,
``!Sub``, ``!GetAtt``, ``!If`` ..., or JSON), a template's text, or an already parsed mapping.
JSON needs nothing more; YAML needs PyYAML, and a template with the
``AWS::Serverless-2016-10-31`` transform is expanded by the real SAM transform (PyPI
``aws-sam-translator``, run offline): both come with the ``templates`` extra
(``pip install 'lambda-perms[templates]'``) and are imported only when needed.

A template that declares ``AWS::LanguageExtensions`` is expanded first, as CloudFormation
expands it before the SAM transform (:mod:`lambda_perms.deploy.language_extensions`:
``Fn::ForEach``, ``Fn::Length``, ``Fn::ToJsonString`` ...). Given ``parameters``
(``--parameter-overrides``), names written with ``!Ref``/``!Sub`` of parameters are resolved
(:func:`~lambda_perms.deploy.parameters.resolve_template`).

Before the SAM transform runs, the template is prepared as ``sam deploy`` would have packaged
it: local ``CodeUri``/``ContentUri``/``DefinitionUri`` paths become S3 placeholders (a
function without ``CodeUri`` and a layer without ``ContentUri`` too: ``sam package`` zips the
template's folder), image functions get a placeholder ``ImageUri``, a ``DefinitionBody`` that
is an ``AWS::Include`` of a local file becomes that file's content (CloudFormation includes it
before the SAM transform), and a Serverless Application Repository ``Location`` becomes a
placeholder ``TemplateURL`` (the real transform would call the repository). A nested template
given as a local path (``Location: child.yaml`` or a ``TemplateURL`` that is not a URL, with or
without the SAM transform) is read too when the template came from a file: its resources are
deployed by a nested stack, with the same credentials.

Reported, never silently skipped (:attr:`Template.notes`): custom resources (their provider's
own calls run with the provider's role), macros and transforms other than SAM's (their
output is not known here; a type the registry does not know is then taken for the macro's
own), nested applications and stacks whose template cannot be read, and types with no handler
data. Otherwise a resource type CloudFormation's registry does not know is an error
(:class:`~lambda_perms.errors.TemplateError`, with close matches).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.deploy.language_extensions import (
    LANGUAGE_EXTENSIONS,
    expand_language_extensions,
    uses_language_extensions,
)
from lambda_perms.deploy.parameters import resolve_template
from lambda_perms.errors import TemplateError
from lambda_perms.iam._glob import collapse_stars
from lambda_perms.iam.arn import fill_placeholders

__all__ = [
    "CUSTOM_RESOURCE_TYPE",
    "SAM_TRANSFORM",
    "Template",
    "TemplateResource",
    "load_template",
]


def __dir__() -> list[str]:
    return __all__


SAM_TRANSFORM: Final[str] = "AWS::Serverless-2016-10-31"
CUSTOM_RESOURCE_TYPE: Final[str] = "AWS::CloudFormation::CustomResource"
_EXTRA_HINT: Final[str] = "pip install 'lambda-perms[templates]'"
_MAX_NESTING: Final[int] = 5
# CloudFormation's random suffix of generated names (12 or 13 characters) plus its hyphen
_SUFFIX: Final[int] = 14

# properties that make CloudFormation name an instance in a way no pattern here can predict
_UNPREDICTABLE: Final[Mapping[str, tuple[str, ...]]] = {
    "AWS::S3::Bucket": ("BucketNamePrefix", "BucketNamespace"),
}

# -- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateResource:
    """One CloudFormation resource of the expanded template.

    ``origin`` names the SAM resource that produced it (``"MyFunction
    (AWS::Serverless::Function)"``), ``None`` for a resource written as CloudFormation;
    ``stacks`` holds the logical ids of the nested stacks it sits in (empty at the top).
    """

    logical_id: str
    type: str
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    origin: str | None = None
    stacks: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``MyFunction (AWS::Lambda::Function)``, with the nested stacks and SAM origin."""
        where = "/".join((*self.stacks, self.logical_id))
        origin = f", from {self.origin}" if self.origin else ""
        return f"{where} ({self.type}{origin})"

    @property
    def is_custom(self) -> bool:
        return self.type == CUSTOM_RESOURCE_TYPE or self.type.startswith("Custom::")

    def has(self, path: str) -> bool:
        """Whether the dotted property ``path`` is set (in any element of a list on the way)."""
        return _has(self.properties, path.split("."))

    def property_paths(self, depth: int = 3) -> tuple[str, ...]:
        """Every dotted property path set, down to ``depth`` levels (sorted)."""
        out: set[str] = set()
        _paths(self.properties, "", depth, out)
        return tuple(sorted(out))

    def name_pattern(self, stack: str | None) -> str:
        """The physical name as a glob: the literal name the template gives, else the one
        CloudFormation generates (``<stack>-<LogicalId>-*``), else ``*``.

        ``stack`` is the stack name (``None``: unknown, rendered ``*``). A name written with
        ``!Sub``/``!Join`` has ``AWS::StackName`` filled in and other references as ``*``.
        """
        info = _cloudformation.type_info(self.type)
        if info is None or any(p in self.properties for p in _UNPREDICTABLE.get(self.type, ())):
            return "*"
        if info.name_property is not None and info.name_property in self.properties:
            name = _render_name(self.properties[info.name_property], stack)
            # a name property may hold the whole ARN (LayerName, for instance)
            return name.rsplit(":", 1)[-1] if name.startswith("arn:") else name
        if info.generated is None or info.max_length is None:
            return "*"
        stack_pattern = stack or "*"
        for nested in self.stacks:
            stack_pattern = f"{stack_pattern}-{nested}-*"
        name = info.generated.replace("${StackName}", stack_pattern).replace(
            "${LogicalId}", self.logical_id
        )
        # the longest name CloudFormation could make from this pattern must fit unshortened;
        # otherwise it cuts the stack-name and logical-id parts in a way that is not documented
        known = len(name.replace("*", "")) + _SUFFIX * name.count("*")
        if known > info.max_length:
            return "*"
        return name.lower() if info.lowercase else name


def _has(value: Any, parts: list[str]) -> bool:
    if not parts:
        return value is not None
    if isinstance(value, list):
        return any(_has(item, parts) for item in value)
    if isinstance(value, Mapping):
        if len(value) == 1 and "Fn::If" in value:
            branches = value["Fn::If"]
            if isinstance(branches, list) and len(branches) == 3:
                return _has(branches[1], parts) or _has(branches[2], parts)
        return parts[0] in value and _has(value[parts[0]], parts[1:])
    return False


def _paths(value: Any, prefix: str, depth: int, out: set[str]) -> None:
    if depth == 0:
        return
    if isinstance(value, list):
        for item in value:
            _paths(item, prefix, depth, out)
        return
    if not isinstance(value, Mapping):
        return
    if len(value) == 1 and "Fn::If" in value:
        branches = value["Fn::If"]
        if isinstance(branches, list) and len(branches) == 3:
            _paths(branches[1], prefix, depth, out)
            _paths(branches[2], prefix, depth, out)
        return
    for key, item in value.items():
        if not isinstance(key, str) or key.startswith("Fn::") or key == "Ref" or item is None:
            continue
        path = f"{prefix}.{key}" if prefix else key
        out.add(path)
        _paths(item, path, depth - 1, out)


def _render_name(value: Any, stack: str | None) -> str:
    """A name property's value as a glob (intrinsics that cannot be resolved become ``*``)."""
    if isinstance(value, str):
        return value  # AWS names hold no '*' or '?'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return stack if arg == "AWS::StackName" and stack else "*"
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                return _render_sub(text, stack)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            sep, parts = arg
            if isinstance(sep, str) and isinstance(parts, list):
                return collapse_stars(sep.join(_render_name(p, stack) for p in parts))
    return "*"


def _render_sub(text: str, stack: str | None) -> str:
    def one(name: str) -> str:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        return stack if name == "AWS::StackName" and stack else "*"

    return collapse_stars(fill_placeholders(text, one))


@dataclass(frozen=True)
class Template:
    """A template, expanded to the CloudFormation resources it deploys.

    ``transforms`` are the transforms it declares besides SAM's (macros, ``AWS::Include`` ...:
    ``cloudformation:CreateChangeSet`` must be allowed on each); ``notes`` say what could not
    be followed (custom resources, macros, unread nested templates).
    """

    source: str
    resources: tuple[TemplateResource, ...]
    sam: bool = False
    transforms: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sam_properties: tuple[str, ...] = ()
    #: Image functions without an ``ImageUri``: ``sam build`` builds them and ``sam deploy``
    #: or ``sam package`` pushes them to ECR.
    local_images: tuple[str, ...] = ()

    @property
    def resource_types(self) -> tuple[str, ...]:
        """The distinct resource types it deploys, sorted."""
        return tuple(sorted({r.type for r in self.resources}))

    def of_type(self, resource_type: str) -> tuple[TemplateResource, ...]:
        """Its resources of one type, in template order."""
        return self._index[0].get(resource_type, ())

    def get(self, logical_id: str, stacks: tuple[str, ...] = ()) -> TemplateResource | None:
        """The resource with this logical id (in the stack ``stacks``), if any."""
        return self._index[1].get((logical_id, stacks))

    @cached_property
    def _index(
        self,
    ) -> tuple[
        dict[str, tuple[TemplateResource, ...]],
        dict[tuple[str, tuple[str, ...]], TemplateResource],
    ]:
        """Its resources by type (in template order) and by (logical id, stacks) (the first),
        built once: a template's resources are looked up once per reference and per need."""
        by_type: dict[str, list[TemplateResource]] = {}
        by_id: dict[tuple[str, tuple[str, ...]], TemplateResource] = {}
        for resource in self.resources:
            by_type.setdefault(resource.type, []).append(resource)
            by_id.setdefault((resource.logical_id, resource.stacks), resource)
        return {k: tuple(v) for k, v in by_type.items()}, by_id

    @property
    def properties(self) -> tuple[str, ...]:
        """Every ``Type.Path`` property set on some resource (``AWS::Lambda::Function.VpcConfig``,
        ``AWS::Lambda::Function.Code.ImageUri`` ...), plus the SAM resources' own
        (``AWS::Serverless::Function.ImageUri``), sorted."""
        out = set(self.sam_properties)
        for resource in self.resources:
            out.update(f"{resource.type}.{p}" for p in resource.property_paths())
        return tuple(sorted(out))


# -- reading ---------------------------------------------------------------------------------


def load_template(
    source: str | os.PathLike[str] | Mapping[str, Any] | Template,
    *,
    text: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> Template:
    """Read and expand a template: a path, a parsed mapping, or (``text=True``) its text.

    ``parameters`` (``--parameter-overrides``, see
    :func:`~lambda_perms.deploy.parameters.parse_parameter_overrides`) are written into the
    resources, with each other parameter's ``Default`` (see
    :func:`~lambda_perms.deploy.parameters.resolve_template`), and passed on to nested stacks
    through their ``Parameters``; without them (``None``) references to parameters stay as
    written. ``Fn::ForEach`` collections always use them (or the defaults).

    :raises TemplateError: for a file that cannot be read or is not YAML/JSON, a document
        that is not a CloudFormation template, a resource type CloudFormation does not know,
        or a SAM document the SAM transform rejects; the message says where.
    """
    if isinstance(source, Template):
        return source
    if isinstance(source, Mapping):
        return _Reader(None, "<dict>", parameters=parameters).read(source)
    if text:
        return _Reader(None, "<text>", parameters=parameters).read(_parse(str(source), "<text>"))
    path = Path(source)
    name = str(source)
    return _Reader(path.parent, name, parameters=parameters).read(_parse(_read(path, name), name))


def _read(path: Path, name: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError("no such file", source=name) from None
    except IsADirectoryError:
        raise TemplateError("is a directory, not a template file", source=name) from None
    except OSError as e:
        raise TemplateError(f"cannot be read ({e.strerror})", source=name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TemplateError(
            "not a template: the file is not UTF-8 text (a template is YAML or JSON)",
            source=name,
        ) from None


def _parse(text: str, name: str) -> Any:
    if not text.strip():
        raise TemplateError("not a template: the file is empty", source=name)
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as e:
            if not isinstance(e, json.JSONDecodeError):
                raise TemplateError(f"not valid JSON ({e})", source=name) from None
            json_error = e
    else:
        json_error = None
    try:
        return _yaml_load(text)
    except _YamlMissing:
        if json_error is not None:
            raise TemplateError(
                f"not valid JSON (line {json_error.lineno}, column {json_error.colno}: "
                f"{json_error.msg})",
                source=name,
            ) from None
        raise TemplateError(
            f"reading a YAML template needs PyYAML: {_EXTRA_HINT}", source=name
        ) from None
    except _YamlError as e:
        raise TemplateError(
            f"not a template: not valid YAML or JSON ({e.args[0]})", source=name
        ) from None


class _YamlMissing(Exception):
    pass


class _YamlError(Exception):
    pass


def _yaml_load(text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise _YamlMissing from None

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        key = (
            "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else f"Fn::{suffix}"
        )
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    def timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", intrinsic)
    # CloudFormation reads 2010-09-09 as a string, not a date
    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp_as_text)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise _YamlError(f"{where}{problem}") from None


def _transforms(document: Mapping[str, Any], name: str) -> tuple[str, ...]:
    declared = document.get("Transform")
    if declared is None:
        return ()
    items = declared if isinstance(declared, list) else [declared]
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("Name"), str):
            out.append(item["Name"])  # AWS::Include and macros with parameters
        else:
            raise TemplateError(
                "a transform is a name or {Name: ..., Parameters: ...}",
                source=name,
                path="Transform" + (f"[{i}]" if isinstance(declared, list) else ""),
            )
    return tuple(out)


_LOCAL_URI_PROPERTIES: Final[Mapping[str, tuple[str, ...]]] = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
}
_PLACEHOLDER_BUCKET: Final[str] = "lambda-perms-placeholder"


def _is_local(value: Any) -> bool:
    return isinstance(value, str) and not re.match(r"(s3|https?)://", value)


class _Reader:
    def __init__(
        self,
        directory: Path | None,
        name: str,
        depth: int = 0,
        *,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.name = name
        self.depth = depth
        self.parameters = parameters
        self.notes: list[str] = []
        # nested stacks already dealt with (read, or reported as an application)
        self.handled: set[str] = set()
        self.local_images: list[str] = []
        # macros (transforms CloudFormation does not host) the template declares
        self.macros: tuple[str, ...] = ()

    def fail(self, message: str, path: str = "") -> TemplateError:
        return TemplateError(message, source=self.name, path=path)

    def read(self, document: Any, stacks: tuple[str, ...] = ()) -> Template:
        if not isinstance(document, Mapping):
            kind = type(document).__name__ if document is not None else "nothing"
            raise self.fail(
                f"not a template: expected a YAML or JSON mapping with 'Resources', got {kind}"
            )
        resources = document.get("Resources")
        if not isinstance(resources, Mapping) or not resources:
            raise self.fail(
                "not a CloudFormation template: 'Resources' must be a non-empty mapping",
                path="Resources",
            )
        if uses_language_extensions(document):
            # CloudFormation runs this transform first, so the SAM transform sees its output
            document = expand_language_extensions(document, self.parameters, source=self.name)
            resources = document.get("Resources")
            if not isinstance(resources, Mapping) or not resources:
                raise self.fail(
                    "the AWS::LanguageExtensions loops produce no resource", path="Resources"
                )
        if self.parameters is not None:
            document = resolve_template(document, self.parameters)
            resources = document["Resources"]
        for logical_id, body in resources.items():
            if str(logical_id).startswith("Fn::ForEach::"):
                raise self.fail(
                    "Fn::ForEach needs 'Transform: AWS::LanguageExtensions', which the template "
                    "does not declare",
                    path=f"Resources.{logical_id}",
                )
            if not isinstance(body, Mapping):
                raise self.fail("a resource is a mapping", path=f"Resources.{logical_id}")
            declared = body.get("Type")
            if not isinstance(declared, str) or not declared:
                raise self.fail("needs a Type (a string)", path=f"Resources.{logical_id}.Type")
            props = body.get("Properties", {})
            if props is not None and not isinstance(props, Mapping):
                raise self.fail("is a mapping", path=f"Resources.{logical_id}.Properties")
        transforms = _transforms(document, self.name)
        sam = SAM_TRANSFORM in transforms
        others = tuple(t for t in transforms if t != SAM_TRANSFORM)
        self.macros = tuple(t for t in others if not t.startswith("AWS::"))
        for other in others:
            if other == LANGUAGE_EXTENSIONS:
                continue  # expanded above
            self.notes.append(
                f"the template declares the transform {other}: the resources it adds or changes "
                "are not known here and get no permission; check them by hand"
            )
        sam_properties: set[str] = set()
        local_children: dict[str, str] = {}
        if sam:
            expanded, origins = self._expand(document, sam_properties, local_children)
        else:
            expanded, origins = dict(resources), {}
            for logical_id, body in resources.items():
                self._local_stack(logical_id, body, local_children)
        out: list[TemplateResource] = []
        for logical_id, body in expanded.items():
            out.extend(self._resource(str(logical_id), body, origins.get(str(logical_id)), stacks))
            if logical_id in local_children:
                out.extend(self._child(str(logical_id), local_children[logical_id], stacks, body))
        return Template(
            source=self.name,
            resources=tuple(out),
            sam=sam,
            transforms=others,
            notes=tuple(dict.fromkeys(self.notes)),
            sam_properties=tuple(sorted(sam_properties)),
            local_images=tuple(self.local_images),
        )

    def _resource(
        self, logical_id: str, body: Mapping[str, Any], origin: str | None, stacks: tuple[str, ...]
    ) -> Iterator[TemplateResource]:
        kind = str(body.get("Type"))
        props = body.get("Properties") or {}
        resource = TemplateResource(logical_id, kind, props, origin, stacks)
        path = f"Resources.{logical_id}.Type"
        if kind.startswith("AWS::Serverless::"):
            raise self.fail(
                f"{kind} is a SAM resource type: the template must declare "
                f"'Transform: {SAM_TRANSFORM}'",
                path=path,
            )
        if resource.is_custom:
            self.notes.append(
                f"custom resource {resource.label}: CloudFormation invokes its ServiceToken "
                "(lambda:InvokeFunction or sns:Publish is granted); what the provider does runs "
                "with the provider's own role and is not part of this policy"
            )
        elif not _cloudformation.is_known(kind):
            error = _cloudformation.unknown_type(kind)
            if not self.macros:
                raise self.fail(error.message, path=path)
            self.notes.append(
                f"{resource.label}: {kind} is not a CloudFormation type; the template's macro "
                f"({', '.join(self.macros)}) must turn it into others, which are not known "
                "here: nothing is granted for it"
            )
            return
        elif not _cloudformation.handlers(kind):
            self.notes.append(
                f"{resource.label}: CloudFormation's registry lists no handler permissions for "
                f"{kind}: nothing is granted for it"
            )
        if (
            kind == "AWS::CloudFormation::Stack"
            and not _is_local(props.get("TemplateURL"))
            and logical_id not in self.handled
        ):
            self.notes.append(
                f"nested stack {resource.label}: its template is not read (not a local file), "
                "so the permissions of its resources are not included"
            )
        yield resource

    def _local_stack(
        self, logical_id: str, body: Mapping[str, Any], local_children: dict[str, str]
    ) -> None:
        """Note a nested stack whose template is a local file (``sam package`` uploads it)."""
        if body.get("Type") == "AWS::CloudFormation::Stack":
            url = (body.get("Properties") or {}).get("TemplateURL")
            if _is_local(url):
                local_children[logical_id] = str(url)
                self.handled.add(logical_id)

    def _child_parameters(self, body: Mapping[str, Any]) -> Mapping[str, str] | None:
        """What a nested stack passes to its template's parameters (the known texts)."""
        if self.parameters is None:
            return None
        given = (body.get("Properties") or {}).get("Parameters")
        if not isinstance(given, Mapping):
            return {}
        out = {}
        for key, value in given.items():
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                out[str(key)] = str(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                out[str(key)] = ",".join(value)
        return out

    def _child(
        self,
        logical_id: str,
        location: str,
        stacks: tuple[str, ...],
        body: Mapping[str, Any] | None = None,
    ) -> list[TemplateResource]:
        label = "/".join((*stacks, logical_id))
        if self.directory is None:
            self.notes.append(
                f"nested stack {label}: its template {location!r} is a local path but the "
                "template was not read from a file, so its resources are not included"
            )
            return []
        if self.depth >= _MAX_NESTING:
            self.notes.append(f"nested stack {label}: nested deeper than {_MAX_NESTING}: skipped")
            return []
        path = self.directory / location
        if path.is_dir():
            path = path / "template.yaml"
        child = _Reader(
            path.parent,
            str(path),
            self.depth + 1,
            parameters=self._child_parameters(body or {}),
        )
        try:
            template = child.read(_parse(_read(path, str(path)), str(path)), (*stacks, logical_id))
        except TemplateError as e:
            raise TemplateError(
                f"nested template of {label}: {e}", source=self.name, path=f"Resources.{logical_id}"
            ) from None
        self.notes.extend(template.notes)
        return list(template.resources)

    # -- the SAM transform ---------------------------------------------------------------------

    def _expand(
        self,
        document: Mapping[str, Any],
        sam_properties: set[str],
        local_children: dict[str, str],
    ) -> tuple[Mapping[str, Any], dict[str, str]]:
        prepared = copy.deepcopy(dict(document))
        resources: dict[str, Any] = prepared["Resources"]
        globals_ = prepared.get("Globals") if isinstance(prepared.get("Globals"), Mapping) else {}
        sar_stacks: set[str] = set()
        for logical_id, body in resources.items():
            kind = body["Type"]
            props = (
                body.setdefault("Properties", {}) if body.get("Properties") is not None else None
            )
            if props is None:
                body["Properties"] = props = {}
            for key in props:
                if isinstance(key, str):
                    sam_properties.add(f"{kind}.{key}")
            for key in _LOCAL_URI_PROPERTIES.get(kind, ()):
                if _is_local(props.get(key)):
                    props[key] = f"s3://{_PLACEHOLDER_BUCKET}/{logical_id}/{key}"
            if kind == "AWS::Serverless::Function":
                package_type = props.get("PackageType") or (globals_ or {}).get("Function", {}).get(
                    "PackageType"
                )
                if package_type == "Image":
                    sam_properties.add(f"{kind}.ImageUri")
                    if "ImageUri" not in props:
                        self.local_images.append(logical_id)
                        props["ImageUri"] = (
                            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                            f"{logical_id.lower()}:latest"
                        )
                if "CodeUri" not in props and "InlineCode" not in props and package_type != "Image":
                    globals_function = (globals_ or {}).get("Function") or {}
                    globals_code = globals_function.get("CodeUri")
                    if _is_local(globals_code):
                        props["CodeUri"] = f"s3://{_PLACEHOLDER_BUCKET}/Globals/CodeUri"
                    elif globals_code is None and "InlineCode" not in globals_function:
                        # sam package zips the template's own folder (CodeUri defaults to ".")
                        props["CodeUri"] = f"s3://{_PLACEHOLDER_BUCKET}/{logical_id}/CodeUri"
            if kind == "AWS::Serverless::LayerVersion" and "ContentUri" not in props:
                props["ContentUri"] = f"s3://{_PLACEHOLDER_BUCKET}/{logical_id}/ContentUri"
            if kind in _DEFINITION_BODIES:
                self._include(logical_id, kind, props)
            self._local_stack(logical_id, body, local_children)
            if kind == "AWS::Serverless::Application":
                location = props.get("Location")
                if isinstance(location, Mapping):
                    sam_properties.add(f"{kind}.Location.ApplicationId")
                    sar_stacks.add(logical_id)
                    self.handled.add(logical_id)
                    props["Location"] = f"https://{_PLACEHOLDER_BUCKET}.s3.amazonaws.com/sar.yaml"
                elif _is_local(location):
                    local_children[logical_id] = str(location)
                    self.handled.add(logical_id)
                    props["Location"] = f"https://{_PLACEHOLDER_BUCKET}.s3.amazonaws.com/child.yaml"
        if isinstance(globals_, Mapping) and _is_local(
            (globals_.get("Function") or {}).get("CodeUri")
        ):
            globals_["Function"]["CodeUri"] = f"s3://{_PLACEHOLDER_BUCKET}/Globals/CodeUri"
        for logical_id in sorted(sar_stacks):
            self.notes.append(
                f"nested application {logical_id} (AWS::Serverless::Application): it comes from "
                "the Serverless Application Repository, whose template is not read here, so the "
                "permissions of its resources are not included"
            )
        expanded = _translate(prepared, self.name)
        origins = _origins(document["Resources"], expanded)
        return expanded, origins

    def _include(self, logical_id: str, kind: str, props: dict[str, Any]) -> None:
        """A ``DefinitionBody`` that is an ``AWS::Include``: CloudFormation includes the file
        before the SAM transform runs, so the transform sees the definition itself."""
        body = props.get("DefinitionBody")
        if not (isinstance(body, Mapping) and len(body) == 1 and "Fn::Transform" in body):
            return
        transform = body["Fn::Transform"]
        if not isinstance(transform, Mapping) or transform.get("Name") != "AWS::Include":
            return
        location = (transform.get("Parameters") or {}).get("Location")
        where = f"Resources.{logical_id}.Properties.DefinitionBody"
        if _is_local(location) and self.directory is not None:
            path = self.directory / str(location)
            name = str(path)
            try:
                definition = _parse(_read(path, name), name)
            except TemplateError as e:
                raise self.fail(f"the AWS::Include of the definition: {e}", path=where) from None
            if not isinstance(definition, Mapping):
                raise self.fail(
                    f"the included definition {location!r} is not a mapping", path=where
                )
            props["DefinitionBody"] = dict(definition)
            return
        self.notes.append(
            f"{logical_id} ({kind}): its DefinitionBody is an AWS::Include of {location!r}, which "
            "is not read here (not a local file of a template read from a file); an empty "
            "definition stands in for it"
        )
        props["DefinitionBody"] = copy.deepcopy(_DEFINITION_BODIES[kind])


_DEFINITION_BODIES: Final[Mapping[str, Mapping[str, Any]]] = {
    "AWS::Serverless::Api": {
        "swagger": "2.0",
        "info": {"title": "included", "version": "1.0"},
        "paths": {},
    },
    "AWS::Serverless::HttpApi": {
        "openapi": "3.0.1",
        "info": {"title": "included", "version": "1.0"},
        "paths": {},
    },
}


class _ManagedPolicies(dict[str, str]):
    """Any managed policy name SAM looks up, as its AWS-managed ARN (no IAM call)."""

    def __missing__(self, key: str) -> str:
        return f"arn:aws:iam::aws:policy/{key}"


def _translate(document: dict[str, Any], name: str) -> Mapping[str, Any]:
    try:
        from samtranslator.model.exceptions import (
            InvalidDocumentException,
            InvalidTemplateException,
        )
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError:
        raise TemplateError(
            f"the template uses the {SAM_TRANSFORM} transform; expanding it needs "
            f"aws-sam-translator: {_EXTRA_HINT}",
            source=name,
        ) from None
    env = os.environ
    saved = {k: env.get(k) for k in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        import logging

        logging.getLogger("samtranslator").setLevel(logging.ERROR)
        translated = Translator(None, Parser()).translate(
            document, parameter_values={}, get_managed_policy_map=_ManagedPolicies
        )
    except InvalidDocumentException as e:
        messages = "; ".join(str(getattr(c, "message", c)) for c in e.causes) or str(e)
        raise TemplateError(f"the SAM transform rejects it: {messages}", source=name) from None
    except InvalidTemplateException as e:
        raise TemplateError(f"the SAM transform rejects it: {e}", source=name) from None
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise TemplateError(
            f"the SAM transform failed ({type(e).__name__}: {e})", source=name
        ) from None
    finally:
        for key, value in saved.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
    resources = translated.get("Resources")
    if not isinstance(resources, Mapping):
        raise TemplateError("the SAM transform produced no resources", source=name)
    return resources


_IMPLICIT: Final[Mapping[str, str]] = {
    "ServerlessRestApi": "the implicit API of the functions' Api events",
    "ServerlessHttpApi": "the implicit HTTP API of the functions' HttpApi events",
}


def _origins(source: Mapping[str, Any], expanded: Mapping[str, Any]) -> dict[str, str]:
    """Expanded logical id -> the SAM resource it comes from (longest logical-id prefix)."""
    sam = {
        str(k): str(v.get("Type"))
        for k, v in source.items()
        if str(v.get("Type", "")).startswith("AWS::Serverless::")
    }
    by_length = sorted(sam, key=len, reverse=True)
    out: dict[str, str] = {}
    for logical_id in expanded:
        key = str(logical_id)
        implicit = next((v for k, v in _IMPLICIT.items() if key.startswith(k)), None)
        if implicit is not None and key not in sam:
            out[key] = implicit
            continue
        owner = next((k for k in by_length if key.startswith(k)), None)
        if owner is not None:
            out[key] = f"{owner} ({sam[owner]})"
    return out
