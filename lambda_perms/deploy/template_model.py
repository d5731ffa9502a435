"""The template model: the CloudFormation resources a template deploys, and the names
CloudFormation gives them (:meth:`TemplateResource.name_pattern`).

Templates are read into this model by :func:`~lambda_perms.deploy.templates.load_template`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.iam._glob import collapse_stars
from lambda_perms.iam.arn import fill_placeholders

__all__ = [
    "CUSTOM_RESOURCE_TYPE",
    "SAM_TRANSFORM",
    "Template",
    "TemplateResource",
    "render_name",
]


def __dir__() -> list[str]:
    return __all__


SAM_TRANSFORM: Final[str] = "AWS::Serverless-2016-10-31"
CUSTOM_RESOURCE_TYPE: Final[str] = "AWS::CloudFormation::CustomResource"

# CloudFormation's random suffix of generated names (12 or 13 characters) plus its hyphen
_SUFFIX: Final[int] = 14

# the pseudo parameters a name may use -> the scope's placeholder that gives their value
_PSEUDO_VALUES: Final[Mapping[str, str]] = {
    "AWS::AccountId": "Account",
    "AWS::Partition": "Partition",
    "AWS::Region": "Region",
}

# properties that make CloudFormation name an instance in a way no pattern here can predict
_UNPREDICTABLE: Final[Mapping[str, tuple[str, ...]]] = {
    "AWS::S3::Bucket": ("BucketNamePrefix", "BucketNamespace"),
}


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

    def stack_pattern(self, stack: str | None) -> str:
        """The name of the stack this resource is in, as a glob: ``stack`` (``*`` when
        unknown), or in a nested stack ``<parent>-<LogicalId>-*`` for each level."""
        pattern = stack or "*"
        for nested in self.stacks:
            pattern = f"{pattern}-{nested}-*"
        return pattern

    def stack_names(self, stack: str | None) -> Callable[[str], str]:
        """A :func:`render_name` lookup that knows only ``AWS::StackName`` (others: ``*``)."""
        known = stack is not None or bool(self.stacks)
        pattern = self.stack_pattern(stack)
        return lambda name: pattern if known and name == "AWS::StackName" else "*"

    def name_pattern(
        self,
        stack: str | None,
        values: Mapping[str, str] | None = None,
        refs: Callable[[str], str | None] | None = None,
    ) -> str:
        """The physical name as a glob: the literal name the template gives, else the one
        CloudFormation generates (``<stack>-<LogicalId>-*``), else ``*``.

        ``stack`` is the stack name (``None``: unknown, rendered ``*``); ``values`` the
        scope's ``Partition``, ``Region`` and ``Account``, where known; ``refs`` gives the
        name pattern a ``Ref`` of another resource of the stack returns (``None``: not a
        name). A name written with ``!Ref``/``!Sub``/``!Join`` has those filled in
        (``AWS::StackName`` is the nested stack's own name in a nested stack) and other
        references as ``*``.
        """
        info = _cloudformation.type_info(self.type)
        if info is None or any(p in self.properties for p in _UNPREDICTABLE.get(self.type, ())):
            return "*"
        stack_pattern = self.stack_pattern(stack)
        if info.name_property is not None and info.name_property in self.properties:
            given = values or {}
            pseudo = {name: given[key] for name, key in _PSEUDO_VALUES.items() if given.get(key)}
            if stack is not None or self.stacks:
                pseudo["AWS::StackName"] = stack_pattern

            def lookup(name: str) -> str:
                if name in pseudo:
                    return pseudo[name]
                found = refs(name) if refs is not None and "::" not in name else None
                return "*" if found is None else found

            name = render_name(self.properties[info.name_property], lookup)
            # a name property may hold the whole ARN (LayerName, for instance)
            return name.rsplit(":", 1)[-1] if name.startswith("arn:") else name
        if info.generated is None or info.max_length is None:
            return "*"
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


def render_name(value: Any, lookup: Callable[[str], str]) -> str:
    """A name property's value as a glob: ``lookup`` gives what a ``Ref`` (or ``${Name}`` of a
    ``!Sub``) stands for, ``*`` when unknown; other intrinsics become ``*``."""
    if isinstance(value, str):
        return value  # AWS names hold no '*' or '?'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return lookup(arg) if isinstance(arg, str) else "*"
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                return _render_sub(text, lookup)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            sep, parts = arg
            if isinstance(sep, str) and isinstance(parts, list):
                return collapse_stars(sep.join(render_name(p, lookup) for p in parts))
    return "*"


def _render_sub(text: str, lookup: Callable[[str], str]) -> str:
    def one(name: str) -> str:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        return "*" if "." in name else lookup(name)  # ${Resource.Attribute}: not a name

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
