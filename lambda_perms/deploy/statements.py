"""Grants grouped into statements with readable Sids: :func:`build_policy`.

Statements are grouped by service, rendered resource, condition and rollback-only-ness, with a
readable, unique Sid: service + purpose (``CloudFormationDeploy``, ``S3Artifacts``,
``IamExecutionRole``, ``IamPassExecutionRole``, ``LambdaFunction``, ``LambdaRollback``...). An
action granted outside rollback on a resource is not repeated in the rollback statement of that
resource, and a grant whose resource is contained (exactly, as patterns) in another grant's of
the same action and condition is folded into it. With a permissions boundary, the actions of
:data:`BOUNDARY_ACTIONS` are granted only under ``{"StringEquals": {"iam:PermissionsBoundary":
ARN}}``. Output is deterministic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Final

from lambda_perms.catalogues.model import Need
from lambda_perms.catalogues.terms import Command
from lambda_perms.deploy.scope import Grant
from lambda_perms.iam._subsumption import covered
from lambda_perms.iam._text import camel_case
from lambda_perms.iam.policy import Condition, Policy, Statement

__all__ = ["BOUNDARY_ACTIONS", "build_policy"]


def __dir__() -> list[str]:
    return __all__


#: Role-creating or role-changing IAM actions that support the ``iam:PermissionsBoundary``
#: condition key (IAM Service Authorization Reference; checked against the universe snapshot by
#: the tests). ``iam:DeleteRolePermissionsBoundary`` supports it too but is never granted with a
#: boundary (see :mod:`lambda_perms.deploy.generate`).
BOUNDARY_ACTIONS: Final[frozenset[str]] = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:createrole",
        "iam:deleterole",
        "iam:deleterolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepermissionsboundary",
        "iam:putrolepolicy",
        "iam:updateassumerolepolicy",
        "iam:updaterole",
        "iam:updateroledescription",
    }
)


_SERVICE_NAMES: Final[Mapping[str, str]] = {
    "apigateway": "ApiGateway",
    "cloudformation": "CloudFormation",
    "ec2": "Ec2",
    "ecr": "Ecr",
    "elasticfilesystem": "Efs",
    "iam": "Iam",
    "kms": "Kms",
    "lambda": "Lambda",
    "s3": "S3",
    "s3files": "S3Files",
    "serverlessrepo": "ServerlessRepo",
    "signer": "Signer",
    "states": "States",
}
_PURPOSES: Final[Mapping[str, str]] = {
    "stack": "Deploy",
    "sam-transform": "Transform",
    "artifacts-objects": "Artifacts",
    "managed-bucket-objects": "ManagedArtifacts",
    "managed-bucket-any-object": "ManagedArtifacts",
    "cloudformation-service-role": "ServiceRole",
    "function-role": "ExecutionRole",
    "*": "AnyResource",
}
_SERVICE_ORDER: Final[tuple[str, ...]] = ("cloudformation", "s3", "iam", "lambda")
# within a service, the application's own resources come first
_TEMPLATE_ORDER: Final[tuple[str, ...]] = (
    "stack",
    "sam-transform",
    "artifacts-objects",
    "artifacts-bucket",
    "managed-bucket-objects",
    "managed-bucket-any-object",
    "managed-bucket",
    "execution-role",
    "function-role",
    "function",
)


def _service_name(prefix: str) -> str:
    return _SERVICE_NAMES.get(prefix, camel_case(prefix))


def _purpose(template: str) -> str:
    return _PURPOSES.get(template, camel_case(template))


def _boundary_condition(boundary: str) -> Condition:
    return Condition.of({"StringEquals": {"iam:PermissionsBoundary": boundary}})


#: The template resources behind a grant, as the tuples the grants carry, by identity: the
#: grants of one need share one tuple (every function of a template ...), which is then joined
#: once per statement instead of once per grant.
_Labels = dict[int, tuple[str, ...]]
#: (action, resource, condition), the condition by its number (cheap to hash and compare).
_GrantKey = tuple[str, str, int]


def _drop_covered(
    reasons: dict[_GrantKey, list[Need]],
    origins: dict[_GrantKey, _Labels],
) -> None:
    """Fold a grant into another of the same action and condition whose resource covers it.

    Longest resources first, each into the first (shortest, then alphabetical) resource still
    kept that covers it. Only the resources :func:`covered` itself would test are tried: those
    whose literal head (the text before the first wildcard) is a prefix of the resource's head
    or has it as a prefix, found in an index of heads, so a template's hundreds of instance
    ARNs per action cost a few tests each instead of one per pair.
    """
    by_action: dict[tuple[str, int], list[str]] = {}
    for action, resource, condition in reasons:
        by_action.setdefault((action, condition), []).append(resource)
    for (action, condition), resources in by_action.items():
        if len(resources) < 2:
            continue
        index = _HeadIndex(resources)
        rank = {r: (len(r), r) for r in resources}
        for resource in sorted(resources, key=lambda r: (-len(r), r)):
            others = sorted(index.candidates(resource), key=rank.__getitem__)
            outer = next((o for o in others if covered(resource, (o,))), None)
            if outer is not None:
                index.remove(resource)
                for need in reasons.pop((action, resource, condition)):
                    if need not in reasons[(action, outer, condition)]:
                        reasons[(action, outer, condition)].append(need)
                folded = origins.pop((action, resource, condition), {})
                origins.setdefault((action, outer, condition), {}).update(folded)


def _head(text: str) -> str:
    """The literal text before the first wildcard (all of ``text`` without one)."""
    cut = min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=len(text))
    return text[:cut]


class _HeadIndex:
    """Resource patterns by literal head: the ones whose head is a prefix of, or extends, a
    given head (a pattern with a policy variable is always a candidate, and has them all)."""

    def __init__(self, resources: Sequence[str]) -> None:
        self.kept = set(resources)
        self.variable = {r for r in resources if "${" in r}
        self.by_head: dict[str, set[str]] = {}
        for resource in self.kept - self.variable:
            self.by_head.setdefault(_head(resource), set()).add(resource)
        self.heads = sorted(self.by_head)
        self.sizes = sorted({len(h) for h in self.heads})

    def remove(self, resource: str) -> None:
        self.kept.discard(resource)

    def candidates(self, resource: str) -> set[str]:
        if resource in self.variable:
            found = set(self.kept)
        else:
            head = _head(resource)
            found = set(self.variable)
            for size in self.sizes:  # heads that are a prefix of this one
                if size > len(head):
                    break
                found.update(self.by_head.get(head[:size], ()))
            start = bisect_left(self.heads, head)  # heads that extend this one
            for other in self.heads[start:]:
                if not other.startswith(head):
                    break
                found.update(self.by_head[other])
            found &= self.kept
        found.discard(resource)
        return found


def _collect(
    needs: Sequence[tuple[Need, list[Grant]]], boundary: str | None
) -> tuple[
    dict[_GrantKey, list[Need]], dict[_GrantKey, str], dict[_GrantKey, _Labels], list[Condition]
]:
    """(action, resource, condition) -> the needs behind it, its first template's name, and the
    template resources that brought it in; and the conditions, by number."""
    reasons: dict[_GrantKey, list[Need]] = {}
    templates: dict[_GrantKey, str] = {}
    origins: dict[_GrantKey, _Labels] = {}
    # each distinct condition gets a number: the keys below hash it instead of the model
    # (by the identity of the grants' own conditions first: they live as long as the grants)
    numbers: dict[Condition, int] = {}
    seen: dict[int, int] = {}
    for need, grants in needs:
        for grant in grants:
            if boundary is not None and grant.action.lower() in BOUNDARY_ACTIONS:
                number = numbers.setdefault(_boundary_condition(boundary), len(numbers))
            elif (number_or_none := seen.get(id(grant.condition))) is not None:
                number = number_or_none
            else:
                number = numbers.setdefault(grant.condition, len(numbers))
                seen[id(grant.condition)] = number
            grant_key = (grant.action, grant.resource, number)
            why = reasons.setdefault(grant_key, [])
            if need not in why:
                why.append(need)
            templates[grant_key] = min(templates.get(grant_key, grant.template), grant.template)
            labels = origins.setdefault(grant_key, {})
            if grant.origins:
                labels[id(grant.origins)] = grant.origins
    _drop_covered(reasons, origins)
    return reasons, templates, origins, list(numbers)


_GroupKey = tuple[str, tuple[str, ...], Condition, bool]
_Explained = dict[str, dict[str, tuple[Need, ...]]]
_Origins = dict[str, dict[str, tuple[str, ...]]]


def _groups(
    reasons: dict[_GrantKey, list[Need]],
    templates: dict[_GrantKey, str],
    origins: dict[_GrantKey, _Labels],
    conditions: list[Condition],
) -> tuple[
    dict[_GroupKey, dict[str, list[Need]]],
    dict[_GroupKey, str],
    dict[_GroupKey, dict[str, _Labels]],
]:
    """The statements to be: (service, resources, condition, rollback-only) -> actions -> needs,
    each group's first template name, and the template resources behind each action."""
    # the resources one ARN template renders to for an action (several with a template: one
    # per function, role ...) go in one statement, with the other actions of its service that
    # have exactly the same resources, condition and rollback-only-ness
    spread: dict[tuple[str, int, bool, str], set[str]] = {}
    for (action, resource, condition), why in reasons.items():
        rollback = all(n.rollback_only for n in why)
        template = templates[(action, resource, condition)]
        spread.setdefault((action, condition, rollback, template), set()).add(resource)
    groups: dict[_GroupKey, dict[str, list[Need]]] = {}
    group_template: dict[_GroupKey, str] = {}
    action_origins: dict[_GroupKey, dict[str, _Labels]] = {}
    for (action, condition, rollback, _), resources in spread.items():
        ordered = tuple(sorted(resources))
        group = (action.split(":", 1)[0], ordered, conditions[condition], rollback)
        # the group key holds every resource: hashed once per action, not once per resource
        why_all: list[Need] = []
        labels: _Labels = {}
        first: str | None = None
        for resource in ordered:
            grant_key = (action, resource, condition)
            why_all.extend(n for n in reasons[grant_key] if n not in why_all)
            found = origins.get(grant_key)
            if found:
                labels.update(found)
            template = templates[grant_key]
            first = template if first is None else min(first, template)
        if labels:
            action_origins.setdefault(group, {}).setdefault(action, {}).update(labels)
        if first is not None:
            group_template[group] = min(group_template.get(group, first), first)
        known = groups.setdefault(group, {}).setdefault(action, [])
        known.extend(n for n in why_all if n not in known)
    return groups, group_template, action_origins


def build_policy(
    needs: Sequence[tuple[Need, list[Grant]]], boundary: str | None, command: Command
) -> tuple[Policy, _Explained, _Origins]:
    """The policy of ``needs`` and their grants, with per Sid the needs behind each action and
    the template resources that brought it in."""
    groups, group_template, action_origins = _groups(*_collect(needs, boundary))

    def base_sid(key: _GroupKey) -> list[str]:
        service, _, condition, rollback = key
        name = _service_name(service)
        template = group_template[key]
        purpose, plain = _purpose(template), camel_case(template)
        if template == "stack" and command is Command.DELETE:
            purpose = "Delete"
        actions = groups[key]
        if any(a.lower() == "iam:passrole" for a in actions):
            purpose, plain = "Pass" + purpose, "Pass" + plain
        elif any(e.key.lower() == "iam:permissionsboundary" for e in condition.entries):
            purpose, plain = purpose + "WithBoundary", plain + "WithBoundary"
        if rollback:
            return [f"{name}Rollback", f"{name}{purpose}Rollback"]
        return [f"{name}{purpose}", f"{name}{plain}"]

    def order(key: _GroupKey) -> tuple[object, ...]:
        service = key[0]
        rank = _SERVICE_ORDER.index(service) if service in _SERVICE_ORDER else len(_SERVICE_ORDER)
        template = group_template[key]
        first = _TEMPLATE_ORDER.index(template) if template in _TEMPLATE_ORDER else 99
        return (rank, service, key[3], first, base_sid(key)[-1], key[1], key[2].model_dump_json())

    keys = sorted(groups, key=order)
    # every group whose preferred Sid is shared falls back to the next candidate, then numbers
    wanted: dict[str, int] = {}
    for key in keys:
        first = base_sid(key)[0]
        wanted[first] = wanted.get(first, 0) + 1
    used: set[str] = set()
    statements = []
    explained: _Explained = {}
    brought: _Origins = {}
    for key in keys:
        candidates = base_sid(key)
        sid = candidates[0] if wanted[candidates[0]] == 1 else candidates[-1]
        if sid in used:
            n = 2
            while f"{sid}{n}" in used:
                n += 1
            sid = f"{sid}{n}"
        used.add(sid)
        actions = groups[key]
        where: str | list[str] = key[1][0] if len(key[1]) == 1 else list(key[1])
        statements.append(
            Statement.allow(sorted(actions), where, sid=sid, condition=key[2] or None)
        )
        explained[sid] = {a: tuple(actions[a]) for a in sorted(actions, key=str.lower)}
        if key in action_origins:
            brought[sid] = {
                a: tuple(sorted({o for t in action_origins[key][a].values() for o in t}))
                for a in sorted(action_origins[key], key=str.lower)
            }
    return Policy.of(*statements), explained, brought
