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

The parts live in their own modules: the model in
:mod:`~lambda_perms.deploy.template_model`, reading JSON/YAML text in
:mod:`~lambda_perms.deploy.template_text`, the ``sam package`` placeholders and the SAM
transform in :mod:`~lambda_perms.deploy.sam_transform`; this module follows the template
(language extensions, parameters, nested stacks, includes) and builds the model.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.deploy.language_extensions import (
    LANGUAGE_EXTENSIONS,
    expand_language_extensions,
    uses_language_extensions,
)
from lambda_perms.deploy.parameters import parameter_values, resolve_template
from lambda_perms.deploy.sam_transform import (
    DEFINITION_BODIES,
    LOCAL_URI_PROPERTIES,
    PLACEHOLDER_BUCKET,
    is_local,
    sam_origins,
    translate,
)
from lambda_perms.deploy.template_model import (
    CUSTOM_RESOURCE_TYPE,
    SAM_TRANSFORM,
    Template,
    TemplateResource,
)
from lambda_perms.deploy.template_text import parse_text, read_text
from lambda_perms.errors import TemplateError

__all__ = [
    "CUSTOM_RESOURCE_TYPE",
    "SAM_TRANSFORM",
    "Template",
    "TemplateResource",
    "load_template",
]


def __dir__() -> list[str]:
    return __all__


_MAX_NESTING: Final[int] = 5

# -- reading ---------------------------------------------------------------------------------


def load_template(
    source: str | os.PathLike[str] | Mapping[str, Any] | Template,
    *,
    text: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> Template:
    """Read and expand a template: a path, a parsed mapping, or (``text=True``) its text.

    ``parameters`` (``--parameter-overrides``, see
    :func:`~lambda_perms.deploy.overrides.parse_parameter_overrides`) are written into the
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
        return _Reader(None, "<text>", parameters=parameters).read(
            parse_text(str(source), "<text>")
        )
    path = Path(source)
    name = str(source)
    return _Reader(path.parent, name, parameters=parameters).read(
        parse_text(read_text(path, name), name)
    )


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
            self._defaulted(document)
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

    def _defaulted(self, document: Mapping[str, Any]) -> None:
        """Note the parameters resolved from their ``Default`` (the top template only: a nested
        stack's parameters are what its parent passes)."""
        if self.depth:
            return
        found = parameter_values(document, self.parameters)
        defaulted = [v for v in found.values() if v.source == "default"]
        if defaulted:
            shown = ", ".join(
                f"{v.name}={','.join(v.value) if isinstance(v.value, tuple) else v.value}"
                for v in defaulted
            )
            self.notes.append(
                f"parameters without an override take their Default ({shown}): that is a "
                "stack's first deploy; an update keeps the stack's previous values "
                "(UsePreviousValue), so give them in --parameter-overrides if they differ"
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
        if (
            kind == "AWS::CloudFormation::Stack"
            and not is_local(props.get("TemplateURL"))
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
            if is_local(url):
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
            template = child.read(
                parse_text(read_text(path, str(path)), str(path)), (*stacks, logical_id)
            )
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
            for key in LOCAL_URI_PROPERTIES.get(kind, ()):
                if is_local(props.get(key)):
                    props[key] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}/{key}"
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
                    if is_local(globals_code):
                        props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/Globals/CodeUri"
                    elif globals_code is None and "InlineCode" not in globals_function:
                        # sam package zips the template's own folder (CodeUri defaults to ".")
                        props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}/CodeUri"
            if kind == "AWS::Serverless::LayerVersion" and "ContentUri" not in props:
                props["ContentUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}/ContentUri"
            if kind in DEFINITION_BODIES:
                self._include(logical_id, kind, props)
            self._local_stack(logical_id, body, local_children)
            if kind == "AWS::Serverless::Application":
                location = props.get("Location")
                if isinstance(location, Mapping):
                    sam_properties.add(f"{kind}.Location.ApplicationId")
                    sar_stacks.add(logical_id)
                    self.handled.add(logical_id)
                    props["Location"] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/sar.yaml"
                elif is_local(location):
                    local_children[logical_id] = str(location)
                    self.handled.add(logical_id)
                    props["Location"] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/child.yaml"
        if isinstance(globals_, Mapping) and is_local(
            (globals_.get("Function") or {}).get("CodeUri")
        ):
            globals_["Function"]["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/Globals/CodeUri"
        for logical_id in sorted(sar_stacks):
            self.notes.append(
                f"nested application {logical_id} (AWS::Serverless::Application): it comes from "
                "the Serverless Application Repository, whose template is not read here, so the "
                "permissions of its resources are not included"
            )
        expanded = translate(prepared, self.name)
        origins = sam_origins(document["Resources"], expanded)
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
        if is_local(location) and self.directory is not None:
            path = self.directory / str(location)
            name = str(path)
            try:
                definition = parse_text(read_text(path, name), name)
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
        props["DefinitionBody"] = copy.deepcopy(DEFINITION_BODIES[kind])
