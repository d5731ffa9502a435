"""The why, for a terminal: what each grant of a deploy policy is for, and what is known of an
action.

:func:`policy_explanation` turns a :class:`~lambda_perms.deploy.result.DeployPolicy` into a
JSON-ready report: per policy (the caller's; the CloudFormation service role's with
``--role-arn``), per statement (Sid, resources, condition) and action, the catalogue needs
behind it (why, triggers: the SAM CLI command and flags, the CloudFormation resource type
and handler or the template property; phases, caller, evidence) and, with a template, the
template resources that brought it in. :func:`render_policy_explanation` prints it as
indented text, wrapped at a fixed width so the output is deterministic.

:func:`action_report` is everything known about one action: the universe's access levels,
resource types and condition keys, the catalogue's needs, and the CloudFormation resource
types whose handlers call it (:func:`handler_uses`); with a template's deploy policy, also
which of its resources bring it in and where it is granted. :func:`render_action_report`
prints it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from lambda_perms._universe import universe
from lambda_perms.catalogues import cloudformation
from lambda_perms.catalogues.catalogue import Catalogue, catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.iam.actions import ActionPattern

if TYPE_CHECKING:
    from lambda_perms.deploy.result import DeployPolicy
    from lambda_perms.deploy.template_model import Template
    from lambda_perms.iam.policy import Policy, Statement

__all__ = [
    "action_report",
    "handler_uses",
    "need_to_dict",
    "policy_explanation",
    "render_action_report",
    "render_policy_explanation",
]


def __dir__() -> list[str]:
    return __all__


#: The text width :func:`render_policy_explanation` wraps at.
WIDTH: Final[int] = 100
#: How many resource types the text of :func:`render_action_report` lists (JSON: all).
SHOWN_TYPES: Final[int] = 25


def need_to_dict(need: Need, cat: Catalogue | None = None) -> dict[str, Any]:
    """A catalogue need as JSON: phases, caller, triggers, resource templates, why, evidence."""
    known = cat if cat is not None else catalogue()
    resources = []
    for name in need.resources:
        try:
            arn = "*" if name == "*" else known.template(name).arn
        except LookupError:  # a need synthesized from a template names no catalogue template
            arn = "*"
        resources.append({"name": name, "arn": arn})
    return {
        "phases": [p.value for p in need.phases],
        "rollback_only": need.rollback_only,
        "caller": need.caller.value,
        "triggers": [str(t) for t in need.triggers],
        "resources": resources,
        "condition": None if need.condition is None else need.condition.to_document(),
        "why": need.why,
        "evidence": [str(e) for e in need.evidence],
    }


# -- policy --explain --------------------------------------------------------------------------


def _statement_dict(
    statement: Statement,
    needs: Mapping[str, tuple[Need, ...]],
    origins: Mapping[str, tuple[str, ...]],
    cat: Catalogue,
) -> dict[str, Any]:
    document = statement.to_dict()
    resources = document.get("Resource", document.get("NotResource", []))
    actions = []
    for action in needs:
        actions.append(
            {
                "action": action,
                "needs": [need_to_dict(n, cat) for n in needs[action]],
                "template": list(origins.get(action, ())),
            }
        )
    return {
        "sid": statement.sid,
        "effect": statement.effect.value,
        "resources": resources if isinstance(resources, list) else [resources],
        "condition": document.get("Condition"),
        "actions": actions,
    }


def policy_explanation(result: DeployPolicy, *, name: str = "deploy-policy") -> dict[str, Any]:
    """Per policy, statement and action of ``result``, the needs behind it (JSON-ready)."""
    cat = catalogue()
    policies: list[tuple[str, str, Policy, str]] = [(name, "caller", result.policy, "")]
    if result.service_role_policy is not None:
        policies.append(
            (f"{name}-service-role", "service_role", result.service_role_policy, "service_role:")
        )
    out = []
    for policy_name, role, policy, key_prefix in policies:
        statements = []
        for statement in policy.statements:
            key = f"{key_prefix}{statement.sid}"
            needs = result.reasons.get(key, {})
            origins = result.origins.get(key, {})
            statements.append(_statement_dict(statement, needs, origins, cat))
        out.append({"name": policy_name, "role": role, "statements": statements})
    return {
        "policies": out,
        "warnings": list(result.warnings),
        "universe": str(universe().version),
    }


def _wrapped(text: str, indent: str, *, first: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent + first,
        subsequent_indent=indent + " " * len(first),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent + first]


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def render_policy_explanation(report: Mapping[str, Any]) -> str:
    """:func:`policy_explanation`'s report as indented text (ends with a newline)."""
    lines: list[str] = []
    several = len(report["policies"]) > 1
    for policy in report["policies"]:
        statements = policy["statements"]
        actions = sum(len(s["actions"]) for s in statements)
        who = {"caller": "the credentials that run sam", "service_role": "the CloudFormation "
               "service role of --role-arn"}[policy["role"]]  # fmt: skip
        if lines:
            lines.append("")
        heading = f"{policy['name']}: {_count(len(statements), 'statement')}, "
        heading += f"{_count(actions, 'action')}"
        lines.append(heading + (f" ({who})" if several else ""))
        for statement in statements:
            lines.append("")
            lines += _wrapped(
                ", ".join(statement["resources"]),
                "",
                first=f"{statement['sid']}: {statement['effect']} on ",
            )
            if statement["condition"]:
                condition = json.dumps(statement["condition"], sort_keys=True, ensure_ascii=False)
                lines += _wrapped(condition, "  ", first="when ")
            for action in statement["actions"]:
                lines.append(f"  {action['action']}")
                for need in action["needs"]:
                    lines += _need_lines(need)
                for origin in action["template"]:
                    lines += _wrapped(origin, "    ", first="from the template: ")
    for warning in report["warnings"]:
        lines.append("")
        lines += _wrapped(warning, "", first="warning: ")
    return "\n".join(lines) + "\n"


def _need_lines(need: Mapping[str, Any]) -> list[str]:
    lines = _wrapped(need["why"], "    ", first="- ")
    rollback = " (rollback only)" if need["rollback_only"] else ""
    facts = (
        f"phases: {', '.join(need['phases'])}{rollback}; called by {need['caller']}; "
        f"brought in by: {'; '.join(need['triggers'])}"
    )
    lines += _wrapped(facts, "      ")
    if need["condition"]:
        condition = json.dumps(need["condition"], sort_keys=True, ensure_ascii=False)
        lines += _wrapped(condition, "      ", first="condition: ")
    for evidence in need["evidence"]:
        lines += _wrapped(evidence, "      ", first="evidence: ")
    return lines


# -- explain ACTION ------------------------------------------------------------------------------


@cache
def _handler_index() -> Mapping[str, tuple[tuple[str, str, str], ...]]:
    """Lower-case action (or pattern) → (resource type, handler, entry as written)."""
    index: dict[str, list[tuple[str, str, str]]] = {}
    for resource_type in cloudformation.type_names():
        for handler, actions in cloudformation.handlers(resource_type).items():
            for entry in actions:
                index.setdefault(entry.lower(), []).append((resource_type, handler, entry))
    return {key: tuple(value) for key, value in index.items()}


_HANDLER_ORDER: Final[tuple[str, ...]] = ("create", "read", "update", "delete", "list")


def handler_uses(action: str, types: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The CloudFormation resource types whose handlers list ``action`` (directly or through a
    wildcard entry such as ``sqs:*``), sorted by type: ``{"resource_type", "handlers",
    "via"}`` (``via``: the wildcard entries, empty when listed by name). ``types`` limits the
    answer to those types (a template's)."""
    wanted = None if types is None else set(types)
    found: dict[str, tuple[set[str], set[str]]] = {}
    for key, uses in _handler_index().items():
        if key == action.lower():
            direct = True
        elif "*" in key or "?" in key:
            direct = False
            if not ActionPattern(uses[0][2]).matches(action):
                continue
        else:
            continue
        for resource_type, handler, entry in uses:
            if wanted is not None and resource_type not in wanted:
                continue
            handlers, via = found.setdefault(resource_type, (set(), set()))
            handlers.add(handler)
            if not direct:
                via.add(entry)
    return [
        {
            "resource_type": resource_type,
            "handlers": [h for h in _HANDLER_ORDER if h in found[resource_type][0]],
            "via": sorted(found[resource_type][1]),
        }
        for resource_type in sorted(found)
    ]


def action_report(
    action: str,
    *,
    template: Template | None = None,
    template_result: DeployPolicy | None = None,
) -> dict[str, Any]:
    """Everything known about ``action`` (JSON-ready); with a ``template`` and the deploy
    policy built from it (``template_result``), also what that template needs of it.

    :raises UnknownNameError: for an action neither the universe nor the catalogue knows,
        with "did you mean".
    """
    from lambda_perms.errors import LambdaPermsError

    known = universe()
    cat = catalogue()
    try:
        canonical = known.canonical(action)
    except LambdaPermsError:
        cat.needs(action)  # raises with "did you mean" from the catalogue and universe
        raise
    needs = cat.needs(canonical) if canonical in cat else ()
    types = None if template is None else template.resource_types
    report: dict[str, Any] = {
        "action": canonical.text,
        "access_levels": sorted(level.value for level in known.access_levels(canonical)),
        "resource_types": [
            {"name": r.name, "required": r.required, "arn_formats": list(r.arn_formats)}
            for r in known.resource_types(canonical)
        ],
        "condition_keys": list(known.condition_keys(canonical)),
        "needs": [need_to_dict(need, cat) for need in needs],
        "cloudformation_handlers": handler_uses(canonical.text, types),
        "universe": str(known.version),
    }
    if template is not None:
        report["template"] = _template_report(canonical.text, template, template_result)
    return report


def _template_report(
    action: str, template: Template, result: DeployPolicy | None
) -> dict[str, Any]:
    uses = {u["resource_type"] for u in handler_uses(action, template.resource_types)}
    resources = [r.label for r in template.resources if r.type in uses]
    grants = []
    if result is not None:
        policies = [("", result.policy)]
        if result.service_role_policy is not None:
            policies.append(("service_role:", result.service_role_policy))
        for prefix, policy in policies:
            for statement in policy.statements:
                needs = result.reasons.get(f"{prefix}{statement.sid}", {})
                spelt = next((a for a in needs if a.lower() == action.lower()), None)
                if spelt is None:
                    continue
                document = statement.to_dict()
                resource = document.get("Resource", [])
                origins = result.origins.get(f"{prefix}{statement.sid}", {}).get(spelt, ())
                grants.append(
                    {
                        "policy": "service_role" if prefix else "caller",
                        "sid": statement.sid,
                        "resources": resource if isinstance(resource, list) else [resource],
                        "condition": document.get("Condition"),
                        "from": list(origins),
                        "why": [n.why for n in needs[spelt]],
                    }
                )
    return {
        "source": template.source,
        "resource_types": list(template.resource_types),
        "handler_resources": resources,
        "granted": grants,
    }


def render_action_report(report: Mapping[str, Any]) -> str:
    """:func:`action_report`'s report as text (ends with a newline)."""
    lines = [report["action"]]
    lines.append(f"  access level: {', '.join(report['access_levels']) or 'unknown'}")
    for resource in report["resource_types"]:
        required = " (required)" if resource["required"] else ""
        lines.append(
            f"  resource type {resource['name']}{required}: {', '.join(resource['arn_formats'])}"
        )
    if report["condition_keys"]:
        lines.append(f"  condition keys: {', '.join(report['condition_keys'])}")
    if not report["needs"]:
        lines.append("  no Lambda deployment in the catalogue needs it")
    for index, need in enumerate(report["needs"], start=1):
        rollback = " (rollback only)" if need["rollback_only"] else ""
        lines.append(
            f"need {index}: {'/'.join(need['phases'])}{rollback}, called by {need['caller']}"
        )
        lines.append(f"  why: {need['why']}")
        lines.append(f"  triggers: {'; '.join(need['triggers'])}")
        for resource in need["resources"]:
            lines.append(f"  resource {resource['name']}: {resource['arn']}")
        if need["condition"]:
            lines.append(f"  condition: {json.dumps(need['condition'], sort_keys=True)}")
        for evidence in need["evidence"]:
            lines.append(f"  evidence: {evidence}")
    lines += _handler_lines(report)
    if "template" in report:
        lines += _template_lines(report["template"], report["action"])
    return "\n".join(lines) + "\n"


def _handler_lines(report: Mapping[str, Any]) -> list[str]:
    uses = report["cloudformation_handlers"]
    scope = "the template's " if "template" in report else ""
    if not uses:
        whose = "none of the template's resource types" if scope else "no resource type"
        return [f"cloudformation handlers: {whose} has a handler that lists it"]
    counted = _count(len(uses), "resource type")
    lines = [
        f"cloudformation handlers: {counted}{' of the template' if scope else ''} "
        f"{'lists' if len(uses) == 1 else 'list'} it "
        "(CloudFormation may call it in the handlers named; 'policy --template' grants it "
        "for a template with such a resource)"
    ]
    shown = uses if scope else uses[:SHOWN_TYPES]
    for use in shown:
        via = f" (through {', '.join(use['via'])})" if use["via"] else ""
        lines.append(f"  {use['resource_type']}: {', '.join(use['handlers'])}{via}")
    if len(shown) < len(uses):
        lines.append(f"  ... and {len(uses) - len(shown)} more (all with --format json)")
    return lines


def _template_lines(template: Mapping[str, Any], action: str) -> list[str]:
    lines = [f"in {template['source']} (sam deploy):"]
    for resource in template["handler_resources"]:
        lines.append(f"  {resource}: its handlers list it")
    if not template["granted"]:
        lines.append(f"  not granted: nothing in the template needs {action}")
    for grant in template["granted"]:
        owner = " (service role)" if grant["policy"] == "service_role" else ""
        lines += _wrapped(
            ", ".join(grant["resources"]), "  ", first=f"granted by {grant['sid']}{owner} on "
        )
        if grant["condition"]:
            condition = json.dumps(grant["condition"], sort_keys=True, ensure_ascii=False)
            lines.append(f"    when {condition}")
        for origin in grant["from"]:
            lines.append(f"    from the template: {origin}")
        for why in grant["why"]:
            lines += _wrapped(why, "    ", first="- ")
    return lines
