"""What a template adds to a deploy policy: :func:`template_additions`.

The types the catalogue curates (``AWS::Lambda::Function``, ``AWS::IAM::Role``,
``AWS::Lambda::Permission``) keep their needs, with ``function``, ``execution-role`` and
``function-role`` rendered as the template's own functions and roles; every other type gets its
CloudFormation handler lists from ``data/cloudformation`` (create and update; delete as
rollback, or alone for ``sam delete``), each action on the instance's own ARN when it acts on
the instance's type, else on the resources of its types in the account and region, else ``*``;
``iam:PassRole`` on the roles the instance names, conditioned on ``iam:PassedToService``.
Custom resources add ``lambda:InvokeFunction`` (or ``sns:Publish``) on their ServiceToken,
macros ``cloudformation:CreateChangeSet`` on their transform. :func:`origins_of` names the
template resources or properties behind a catalogue need (:attr:`DeployPolicy.origins`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.catalogues.catalogue import Catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.catalogues.terms import (
    Caller,
    Command,
    Handler,
    Phase,
    PropertyTrigger,
    ResourceTypeTrigger,
)
from lambda_perms.deploy.narrowing import (
    UNKNOWN,
    fill,
    handler_arns,
    is_object_action,
    passes_no_role,
    read_objects,
    role_values,
    scoped,
)
from lambda_perms.deploy.scope import Grant
from lambda_perms.deploy.select import Context, curated_types, handler_need, plain_need
from lambda_perms.deploy.templates import Template, TemplateResource
from lambda_perms.iam._glob import collapse_stars, has_wildcard
from lambda_perms.iam.arn import fill_placeholders
from lambda_perms.iam.policy import Condition

__all__ = ["TemplateAdditions", "origins_of", "template_additions"]


def __dir__() -> list[str]:
    return __all__


_CLOUDFORMATION_PRINCIPAL: Final[str] = "cloudformation.amazonaws.com"
_CUSTOM_EVIDENCE: Final[Mapping[str, str]] = {
    "kind": "aws-docs",
    "source": "Using AWS Lambda with CloudFormation: CloudFormation invokes the ServiceToken",
    "url": "https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html",
}
_TRANSFORM_EVIDENCE: Final[Mapping[str, str]] = {
    "kind": "aws-docs",
    "source": "Actions, resources, and condition keys for AWS CloudFormation: transform",
    "url": "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "list_awscloudformation.html",
}


class _TemplateScope:
    """Instance ARNs of a template's resources, and references between them, in a scope."""

    def __init__(
        self,
        template: Template,
        values: Mapping[str, str],
        stack: str | None,
        service_role: str | None = None,
    ) -> None:
        self.template = template
        self.values = values
        self.stack = stack
        self.service_role = service_role  # --role-arn
        self.artifacts = fill("arn:${Partition}:s3:::*/*", values)  # the deploy bucket's objects
        self.warnings: list[str] = []

    def name(self, resource: TemplateResource, _seen: frozenset[str] = frozenset()) -> str:
        """The instance's name pattern; a ``Ref`` in it of another resource of its stack whose
        ``Ref`` is its name (``ref_is_name``) stands for that resource's name pattern."""

        seen = _seen | {resource.logical_id}  # a name that refers to itself is unknown

        def refs(logical_id: str) -> str | None:
            target = self.template.get(logical_id, resource.stacks)
            if target is None or logical_id in seen:
                return None
            info = _cloudformation.type_info(target.type)
            if info is None or not info.ref_is_name:
                return None
            return self.name(target, seen)

        return resource.name_pattern(self.stack, self.values, refs)

    def arns(self, resource: TemplateResource) -> dict[str, tuple[str, ...]]:
        """``service:resource-type`` (lower case) -> ARN patterns of this instance."""
        info = _cloudformation.type_info(resource.type)
        name = self.name(resource)
        out: dict[str, tuple[str, ...]] = {}
        if resource.type == "AWS::IAM::Role":
            path = resource.properties.get("Path", "/")
            path = path if isinstance(path, str) and path.startswith("/") else "/*/"
            arn = fill(
                f"arn:${{Partition}}:iam::${{Account}}:role{path}${{Name}}", self.values, name
            )
            return {"iam:role": (arn,)}
        for iam_type, template in (info.arns if info is not None else {}).items():
            arn = fill(template, self.values, name)
            found = [arn]
            if resource.type == "AWS::Lambda::Function" and not arn.endswith("*"):
                found.append(f"{arn}:*")  # its versions and aliases
            service = template.split(":", 3)[2]
            out[f"{service}:{iam_type}".lower()] = tuple(found)
        return out

    def resolve(self, value: Any, stacks: tuple[str, ...], kind: str) -> tuple[str, ...] | None:
        """The ARN patterns a property value (an ARN of ``kind``, ``service:resource-type``)
        can take; ``None``: not known."""
        if isinstance(value, str):
            return (value,) if value.startswith("arn:") and "*" not in value else None
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        ((key, arg),) = value.items()
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2 and parts[1] == "Arn":
                target = self.template.get(str(parts[0]), stacks)
                if target is not None:
                    return self.arns(target).get(kind)
            return None
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if not isinstance(text, str):
                return None
            pseudo = {
                "AWS::Partition": self.values.get("Partition", "aws"),
                "AWS::Region": self.values.get("Region", "*"),
                "AWS::AccountId": self.values.get("Account", "*"),
                # in a nested stack, its own name: <parent>-<LogicalId>-<random>
                "AWS::StackName": "-".join((self.stack or "*", *(f"{s}-*" for s in stacks))),
            }
            rendered = collapse_stars(fill_placeholders(text, lambda name: pseudo.get(name, "*")))
            return (rendered,) if rendered.startswith("arn:") else None
        return None

    def roles_of(self, resource: TemplateResource) -> tuple[tuple[str, ...], bool]:
        """The role ARNs a resource's role properties name, and whether one is unknown (or
        the type's ``hidden_roles`` say its handlers may pass one the template does not show)."""
        found: set[str] = set()
        info = _cloudformation.type_info(resource.type)
        unknown = info is not None and any(resource.has(p) for p in info.hidden_roles)
        for value in role_values(resource.properties):
            if value is UNKNOWN:
                unknown = True
                continue
            if isinstance(value, str) and passes_no_role(value):
                continue
            arns = self.resolve(value, resource.stacks, "iam:role")
            if arns is None:
                unknown = True
            else:
                found.update(arns)
        return tuple(sorted(found)), unknown


def _passed_to(resource_type: str) -> tuple[str, bool]:
    """The service ``iam:PassRole`` passes a type's roles to, and whether it is only derived
    from the type's name."""
    info = _cloudformation.type_info(resource_type)
    if info is not None and info.passed_to is not None:
        return info.passed_to, False
    return f"{resource_type.split('::')[1].lower()}.amazonaws.com", True


_Pairs = list[tuple[Need, list[Grant]]]

# what stays broad where the template does not say, one warning each (naming the resources)
_BROAD: Final[Mapping[str, str]] = {
    "s3": "S3 object reads of {names} are granted on any object (arn:aws:s3:::*/*): the "
    "template does not name the object their handlers read (a bucket or key from an "
    "unresolved parameter, an access point alias, or no data on the type)",
    "arns": "{names}: the handler actions that act on many resource types of their service are "
    "granted on all of them in the account and region (no data on the ones the type's handlers "
    "touch)",
}


@dataclass
class TemplateAdditions:
    """What a template adds: needs with their grants, ARN overrides of catalogue templates,
    and what to warn about."""

    pairs: _Pairs = field(default_factory=list)
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, set[str]] = field(default_factory=dict)  # non-IAM action -> resources
    derived: set[str] = field(default_factory=set)  # "type -> service" guessed for PassRole
    # service -> resources whose handlers may pass a role the template does not name
    any_role: dict[str, list[str]] = field(default_factory=dict)
    # service -> resources that set no property their handlers pass a role through
    no_role: dict[str, list[str]] = field(default_factory=dict)
    # what stays broad (a key of _BROAD) -> the resources it concerns
    broad: dict[str, list[str]] = field(default_factory=dict)

    def finish(self) -> None:
        """One warning per kind of thing, however many resources share it."""
        if self.skipped:
            listed = "; ".join(
                f"{action} ({', '.join(sorted(self.skipped[action]))})"
                for action in sorted(self.skipped, key=str.lower)
            )
            self.warnings.append(
                "handler lists name what is not an IAM action in the universe snapshot, so it "
                f"is not granted: {listed}"
            )
        if self.derived:
            self.warnings.append(
                "iam:PassRole is limited to the service named after the resource type (no data "
                f"on it): {', '.join(sorted(self.derived))}"
            )
        for service in sorted(self.any_role):
            names = ", ".join(dict.fromkeys(self.any_role[service]))
            self.warnings.append(
                f"iam:PassRole to {service} is granted on any role of the account: the "
                f"handlers of {names} may pass a role the template does not name; name it "
                "in the template (or with --parameter-overrides) to narrow it"
            )
        for service in sorted(self.no_role):
            names = ", ".join(dict.fromkeys(self.no_role[service]))
            self.warnings.append(
                f"iam:PassRole to {service} is granted on any role of the account for {names}: "
                "they name no role where their handlers pass one (the type's rules in "
                "cloudformation-types.md), so no role is passed; --tight leaves it out"
            )
        for kind in sorted(self.broad):
            names = ", ".join(dict.fromkeys(self.broad[kind]))
            self.warnings.append(_BROAD[kind].format(names=names))


def template_additions(
    template: Template,
    context: Context,
    values: Mapping[str, str],
    stack: str | None,
    cat: Catalogue,
    *,
    tight: bool,
    service_role: str | None = None,
    artifacts: str | None = None,
) -> TemplateAdditions:
    """The needs and grants a template adds in a context, the catalogue templates its own
    resources replace, and its warnings (``tight``: narrowed by the data's rules;
    ``artifacts``: the deploy bucket's objects, where packaged artifacts go)."""
    out = TemplateAdditions(warnings=list(template.notes))
    where = _TemplateScope(template, values, stack, service_role)
    where.artifacts = artifacts or fill("arn:${Partition}:s3:::*/*", values)
    _catalogue_overrides(template, where, out)
    handlers = context.handlers()
    if handlers:
        curated = curated_types(cat)
        order = tuple(h for h in (Handler.CREATE, Handler.UPDATE, Handler.DELETE) if h in handlers)
        for resource in template.resources:
            if resource.is_custom:
                out.pairs.extend(_custom(resource, where, values, context))
            elif resource.type.lower() not in curated:
                _handler_grants(resource, order, where, context, out, tight=tight)
        out.pairs.extend(_transform_needs(template, context, values))
    out.finish()
    out.warnings.extend(where.warnings)
    return out


def _catalogue_overrides(template: Template, where: _TemplateScope, out: TemplateAdditions) -> None:
    """The template's functions and roles in place of the catalogue's generic patterns."""
    values = where.values
    functions = template.of_type("AWS::Lambda::Function")
    roles = template.of_type("AWS::IAM::Role")
    if functions:
        out.overrides["function"] = tuple(
            sorted({a for f in functions for a in where.arns(f).get("lambda:function", ())})
        ) or (fill("arn:${Partition}:lambda:${Region}:${Account}:function:*", values),)
        passed: set[str] = set()
        for function in functions:
            found = where.resolve(function.properties.get("Role"), function.stacks, "iam:role")
            if found is None:
                found = (fill("arn:${Partition}:iam::${Account}:role/*", values),)
                out.warnings.append(
                    f"the role of {function.label} cannot be resolved from the template: "
                    "iam:PassRole is granted on any role of the account (still only to "
                    "lambda.amazonaws.com); name the role in the template to narrow it"
                )
            passed.update(found)
        out.overrides["function-role"] = tuple(sorted(passed))
    if roles:
        out.overrides["execution-role"] = tuple(
            sorted({a for r in roles for a in where.arns(r)["iam:role"]})
        )


def _handler_grants(
    resource: TemplateResource,
    order: tuple[Handler, ...],
    where: _TemplateScope,
    context: Context,
    out: TemplateAdditions,
    *,
    tight: bool,
) -> None:
    """The handler permissions of one resource of a type the catalogue does not curate."""
    from lambda_perms._universe import universe

    known = universe()
    values = where.values
    info = _cloudformation.type_info(resource.type)
    lists = _cloudformation.handlers(resource.type)
    own = where.arns(resource)
    delete_command = context.command is Command.DELETE
    if not lists:
        lists = _fallback_lists(resource, out)
    granted: set[str] = set()
    for handler in order:
        for action in _expanded(lists.get(handler.value, ()), known):
            if not known.exists(action):
                out.skipped.setdefault(action, set()).add(resource.label)
                continue
            if tight and info is not None and _narrowed(info, resource, action, handler):
                continue
            canonical = known.canonical(action).text
            if handler is Handler.DELETE and canonical in granted and not delete_command:
                continue  # also needed outside rollback: no rollback-only duplicate
            granted.add(canonical)
            condition = Condition()
            if canonical == "iam:PassRole":
                passed = _pass_role(resource, info, where, out, tight=tight)
                if passed is None:
                    continue
                resources, condition = passed
            else:
                found = _read_objects(canonical, resource, info, handler, where=where, out=out)
                if found is None:
                    found, folded = scoped(canonical, own, values)
                    # folded: too many resource types; the type's data may say which it touches
                    paths = handler_arns(info, canonical, values) if folded else None
                    if folded and paths is None:
                        out.broad.setdefault("arns", []).append(resource.logical_id)
                    found = paths or found
                resources = found
            need = handler_need(canonical, resource.type, handler, delete_command)
            out.pairs.append(
                (
                    need,
                    [
                        Grant(canonical, r, condition, _short(resource.type), (resource.label,))
                        for r in resources
                    ],
                )
            )


# the IAM service prefix of a CloudFormation service segment, where it is not its lowercase
_SERVICE_PREFIX: Final[Mapping[str, str]] = {
    "docdb": "rds",
    "emr": "elasticmapreduce",
    "elasticsearch": "es",
    "elasticloadbalancingv2": "elasticloadbalancing",
    "kinesisanalyticsv2": "kinesisanalytics",
    "cloudwatch": "cloudwatch",
}
# what a resource handler does: create, read, update, delete, tag (never run, start, invoke)
_HANDLER_VERBS: Final[tuple[str, ...]] = (
    "Create", "Update", "Delete", "Modify", "Put", "Describe", "Get", "List", "BatchGet",
    "Add", "Remove", "Tag", "Untag", "Attach", "Detach", "Associate", "Disassociate", "Set",
    "Enable", "Disable", "Change", "Run", "Terminate",
)  # fmt: skip
# types CloudFormation keeps to itself (no service is called): no handlers, nothing to grant
_NEEDS_NOTHING: Final[frozenset[str]] = frozenset(
    {
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::CDK::Metadata",
    }
)
# the IAM resource type of a CloudFormation type whose last segment does not name it
_RESOURCE_NAME: Final[Mapping[str, str]] = {
    "AWS::DocDB::DBInstance": "db",
    "AWS::Route53::RecordSetGroup": "hostedzone",
    "AWS::Route53::RecordSet": "hostedzone",
}


@lru_cache(maxsize=256)
def _service_resource_actions(prefix: str, segment: str) -> tuple[str, tuple[str, ...]]:
    """The resource type of service ``prefix`` that names ``segment`` (``Project`` ->
    ``project``; ``DBCluster`` -> ``cluster``) and the handler-like actions acting on it."""
    from lambda_perms._universe import universe

    known = universe()
    by_type: dict[str, list[str]] = {}
    for action in known.actions(prefix):
        name = action.text.split(":", 1)[1]
        if not name.startswith(_HANDLER_VERBS):
            continue
        for rtype in known.resource_types(action.text):
            by_type.setdefault(rtype.name.lower(), []).append(action.text)
    wanted = segment.lower()
    match = next((t for t in sorted(by_type) if t == wanted), None) or next(
        (t for t in sorted(by_type, key=len, reverse=True) if len(t) >= 4 and wanted.endswith(t)),
        None,
    )
    return (match, tuple(sorted(set(by_type[match])))) if match else ("", ())


def _fallback_lists(
    resource: TemplateResource, out: TemplateAdditions
) -> dict[str, tuple[str, ...]]:
    """Handler lists for a type whose registry schema lists none: the actions of its service
    that create, read, update, tag and delete its resource type (scoped to the resource like
    any handler action), with a warning naming them; or a warning saying what to add."""
    parts = resource.type.split("::")
    if len(parts) != 3 or resource.type in _NEEDS_NOTHING:
        return {}
    segment = parts[1].lower()
    prefix = _SERVICE_PREFIX.get(segment, segment)
    rtype, actions = _service_resource_actions(prefix, _RESOURCE_NAME.get(resource.type, parts[2]))
    if not actions:
        out.warnings.append(
            f"{resource.label}: CloudFormation's registry lists no handler permissions for "
            f"{resource.type} and the IAM universe has no {prefix} resource type for it: nothing "
            f"is granted for it; add the {prefix} actions that create, update and delete it"
        )
        return {}
    deleting = tuple(
        a
        for a in actions
        if a.split(":", 1)[1].startswith(("Delete", "Remove", "Detach", "Disassociate", "Untag"))
    )
    shown = ", ".join(actions[:6]) + (f" and {len(actions) - 6} more" if len(actions) > 6 else "")
    out.warnings.append(
        f"{resource.label}: CloudFormation's registry lists no handler permissions for "
        f"{resource.type}; granted instead, scoped as handler actions are: the {len(actions)} "
        f"{prefix} actions "
        f"that create, read, update, tag or delete a {rtype} ({shown}); check them against "
        "what its deployment calls"
    )
    return {"create": actions, "update": actions, "delete": deleting}


def _expanded(actions: Sequence[str], known: Any) -> Iterator[str]:
    """A handler list with its wildcard entries (``ec2:Describe*``, ``ssm:Get*``) expanded
    against the universe; an entry that matches nothing is kept, to be reported."""
    for action in actions:
        found = known.expand(action) if has_wildcard(action) else ()
        if found:
            yield from (a.text for a in found)
        else:
            yield action


def _pass_role(
    resource: TemplateResource,
    info: Any,
    where: _TemplateScope,
    out: TemplateAdditions,
    *,
    tight: bool,
) -> tuple[tuple[str, ...], Condition] | None:
    """The roles ``iam:PassRole`` of a resource's handlers is granted on, and its condition;
    ``None``: none is passed."""
    service, guessed = _passed_to(resource.type)
    if service == _CLOUDFORMATION_PRINCIPAL:
        # a nested stack runs with its parent's service role (its schema has no role
        # property: CloudFormation sets it), so only --role-arn is passed
        if where.service_role is None:
            return None
        arns: tuple[str, ...] = (where.service_role,)
        unknown = False
    else:
        arns, unknown = where.roles_of(resource)
    if guessed:
        out.derived.add(f"{resource.label} -> {service}")
    condition = Condition.of({"StringEquals": {"iam:PassedToService": service}})
    no_role = not unknown and not arns and _passes_roles_by_rule(info)
    if no_role and tight:
        # the data names every property a role is passed through and none names one (a
        # REST API's definition names no credentials): no role is passed
        return None
    if unknown or not arns:
        kind = out.no_role if no_role else out.any_role
        kind.setdefault(service, []).append(resource.logical_id)
        arns = (*arns, fill("arn:${Partition}:iam::${Account}:role/*", where.values))
    return tuple(sorted(set(arns))), condition


def _passes_roles_by_rule(info: Any) -> bool:
    """Whether the type's rules name the properties ``iam:PassRole`` is called for."""
    return info is not None and any(
        "iam:passrole" in {a.lower() for a in r.actions} for r in info.rules
    )


def _read_objects(
    action: str,
    resource: TemplateResource,
    info: Any,
    handler: Handler,
    *,
    where: _TemplateScope,
    out: TemplateAdditions,
) -> tuple[str, ...] | None:
    """The objects an S3 object action of the handlers is granted on, narrowed by the
    template's names (:func:`~lambda_perms.deploy.narrowing.read_objects`); ``None`` for
    another action."""
    if not (action.lower().startswith("s3:") and is_object_action(action)):
        return None
    found = read_objects(
        resource, info, where.artifacts, where.stack, where.values.get("Partition", "aws")
    )
    if found is None and info is not None and _narrowed(info, resource, action, handler):
        found = (where.artifacts,)  # a rule shows no object is read: see read_objects
    if found is None:  # the instance's own objects (a bucket's), else any bucket's: warned
        found, _ = scoped(action, where.arns(resource), where.values)
        if any(r.split(":", 5)[-1].startswith("*") for r in found if r.startswith("arn:")):
            out.broad.setdefault("s3", []).append(resource.logical_id)
    return found


def _narrowed(info: Any, resource: TemplateResource, action: str, handler: Handler) -> bool:
    """Whether a data rule drops ``action`` of ``handler`` for this resource (tight mode)."""
    key = action.lower()
    rules = [
        r for r in info.rules if handler in r.handlers and key in {a.lower() for a in r.actions}
    ]
    return bool(rules) and not any(resource.has(r.property) for r in rules)


def _short(resource_type: str) -> str:
    return resource_type.rsplit("::", maxsplit=1)[-1]


def _custom(
    resource: TemplateResource,
    where: _TemplateScope,
    values: Mapping[str, str],
    context: Context,
) -> _Pairs:
    token = resource.properties.get("ServiceToken")
    action, arns = "lambda:InvokeFunction", where.resolve(token, resource.stacks, "lambda:function")
    if isinstance(token, str) and token.startswith("arn:") and ":sns:" in token:
        action = "sns:Publish"
    if arns is None:
        arns = (fill("arn:${Partition}:lambda:${Region}:${Account}:function:*", values),)
        where.warnings.append(
            f"custom resource {resource.label}: its ServiceToken cannot be resolved from the "
            "template: lambda:InvokeFunction is granted on any function of the account"
        )
    phases = (
        (Phase.DELETE,)
        if context.command is Command.DELETE
        else (Phase.DEPLOY, Phase.UPDATE, Phase.ROLLBACK)
    )
    need = plain_need(
        action,
        Caller.CLOUDFORMATION,
        phases,
        "CloudFormation invokes a custom resource's ServiceToken (a function, or an SNS topic) "
        "when it creates, updates or deletes the resource.",
        json.dumps(dict(_CUSTOM_EVIDENCE), sort_keys=True),
    )
    return [(need, [Grant(action, a, Condition(), "custom", (resource.label,)) for a in arns])]


def _transform_needs(template: Template, context: Context, values: Mapping[str, str]) -> _Pairs:
    if context.command not in (Command.DEPLOY, Command.SYNC) or not template.transforms:
        return []
    grants = []
    for name in template.transforms:
        if name.startswith("AWS::"):
            arn = f"arn:${{Partition}}:cloudformation:${{Region}}:aws:transform/{name[5:]}"
        else:
            arn = f"arn:${{Partition}}:cloudformation:${{Region}}:${{Account}}:transform/{name}"
        grants.append(
            Grant(
                "cloudformation:CreateChangeSet",
                fill(arn, values),
                Condition(),
                "stack",
                (f"Transform {name}",),
            )
        )
    need = plain_need(
        "cloudformation:CreateChangeSet",
        Caller.SAM_CLI,
        (Phase.DEPLOY, Phase.UPDATE),
        "A change set of a template that declares a transform (macro) must be allowed on the "
        "transform's ARN.",
        json.dumps(dict(_TRANSFORM_EVIDENCE), sort_keys=True),
    )
    return [(need, grants)]


def origins_of(need: Need, template: Template) -> tuple[str, ...]:
    """The template resources (or properties) that bring a catalogue need in."""
    labels: list[str] = []
    for trigger in need.triggers:
        if isinstance(trigger, ResourceTypeTrigger):
            labels.extend(r.label for r in template.of_type(trigger.resource_type))
        elif isinstance(trigger, PropertyTrigger):
            kind, _, path = trigger.property.partition(".")
            found = [r for r in template.of_type(kind) if r.has(path)]
            labels.extend(f"{r.label} property {path}" for r in found)
            if not found and kind.startswith("AWS::Serverless::"):
                labels.append(f"the template's {trigger.property}")
            elif not found:
                labels.extend(
                    f"{r.label}: the {path} rule of its handlers (not set; dropped by --tight)"
                    for r in template.of_type(kind)
                )
    return tuple(dict.fromkeys(labels))
