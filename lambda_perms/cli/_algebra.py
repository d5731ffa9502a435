"""``merge``, ``minimize`` and ``validate``: the policy algebra on policy files.

Every file may hold any JSON shape ``policy`` prints (a policy, the ``--fit`` parts, the
``--role-arn`` pair, a CloudFormation template in JSON): the parts of one policy
(``NAME-part-N``) are one policy, attached together; the named policies of a pair stay apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from lambda_perms.cli._args import add_format, add_output, command
from lambda_perms.cli._deploy import (
    add_policy_output_arguments,
    emit,
    minimize_notes,
    undecided_note,
)
from lambda_perms.cli._io import PROG, CliError, load_policies, note, source_name, write_output

if TYPE_CHECKING:
    from lambda_perms import Finding, Policy
    from lambda_perms.render.inputs import PolicyPart

__all__ = ["register"]


def __dir__() -> list[str]:
    return __all__


def _cmd_merge(args: argparse.Namespace) -> int:
    from lambda_perms.algebra.merge import merge
    from lambda_perms.render.inputs import principal_of

    groups: dict[str | None, list[Policy]] = {}
    shapes: dict[str, list[str | None]] = {}
    for path in args.files:
        for part in load_policies(path):
            principal = principal_of(part.name)
            groups.setdefault(principal, []).append(part.policy)
            shapes.setdefault(source_name(path), []).append(principal)
    named = [p for p in groups if p is not None]
    if None in groups and named:
        plain = next(s for s, principals in shapes.items() if None in principals)
        raise CliError(
            f"{plain} is one policy but other inputs hold the named policies "
            f"{', '.join(named)}: say which one it joins (give that part alone)"
        )
    minimize_notes(args)
    if len(groups) == 1:
        merged = {args.name: merge(*next(iter(groups.values())))}
    else:
        merged = {str(name): merge(*policies) for name, policies in groups.items()}
    emit(merged, args, minimize=args.minimize)
    return 0


def _cmd_minimize(args: argparse.Namespace) -> int:
    parts = load_policies(args.file)
    minimized: dict[str, Policy] = {}
    before = after = 0
    for part in parts:
        result = part.policy.minimize(wildcards=args.wildcards, style=args.style or "readable")
        before += part.policy.size()
        after += result.policy.size()
        minimized[part.name or args.name] = result.policy
        undecided_note(part.name or args.name, result.undecided)
    note("note", f"{before:,} -> {after:,} characters")
    emit(minimized, args)
    return 0


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def _located(finding: Finding, part: PolicyPart) -> Finding:
    """A finding of one part, its path prefixed with where the part sits in the input."""
    if not part.path:
        return finding
    path = f"{part.path}.{finding.path}" if finding.path else part.path
    return dataclasses.replace(finding, path=path)


def _cmd_validate(args: argparse.Namespace) -> int:
    from lambda_perms.algebra.validation import validate

    # several files (as a pre-commit hook passes them): each finding line starts with its file
    results = {
        name: [
            _located(finding, part)
            for part in load_policies(name, args.kind)
            for finding in validate(part.policy, quota=args.quota, document=part.document)
        ]
        for name in args.file
    }
    several = len(results) > 1
    if args.format == "json":
        documents = {name: [f.to_dict() for f in found] for name, found in results.items()}
        output: object = documents if several else documents[args.file[0]]
        text = json.dumps(output, indent=2, ensure_ascii=False) + "\n"
    else:
        lines = []
        for name, found in results.items():
            where = f"{'<stdin>' if name == '-' else name}: " if several else ""
            lines += [f"{where}{finding}\n" for finding in found] or [f"{where}no findings\n"]
        text = "".join(lines)
    write_output(text, args.output)
    limit = _SEVERITY_RANK[args.fail_on]
    failing = [
        f for found in results.values() for f in found if _SEVERITY_RANK[f.severity.value] <= limit
    ]
    if failing and args.format != "json":
        counts = {s: sum(f.severity.value == s for f in failing) for s in _SEVERITY_RANK}
        plural = {"error": "errors", "warning": "warnings", "info": "info"}
        worst = ", ".join(f"{n} {s if n == 1 else plural[s]}" for s, n in counts.items() if n)
        note("note", f"failing (--fail-on {args.fail_on}): {worst}")
    return 1 if failing else 0


def register(commands: Any) -> None:
    """Add ``merge``, ``minimize`` and ``validate``."""
    merge = command(
        commands,
        "merge",
        "merge policies into one equivalent to attaching them all",
        "Print the policy that allows exactly what attaching all FILEs allows. A file may hold "
        "any JSON 'policy' prints: --fit parts join into one policy; named policies (the "
        "--role-arn pair) are merged name by name.",
        f"{PROG} merge a.json b.json\n{PROG} merge --fit managed --format cloudformation *.json\n"
        f"{PROG} merge parts.json --output deploy-policy.json",
    )
    merge.add_argument("files", metavar="FILE", nargs="+", help="policy documents (- for stdin)")
    add_policy_output_arguments(merge, minimize_flag=True)
    merge.set_defaults(handler=_cmd_merge)

    minimize = command(
        commands,
        "minimize",
        "the same policy in fewer characters",
        "Print FILE with the same meaning in fewer characters (duplicates dropped, statements "
        "coalesced; with --wildcards action lists folded into patterns exact over the "
        "universe). Each named policy of FILE is minimized on its own. The sizes go to stderr.",
        f"{PROG} minimize policy.json\n{PROG} minimize --wildcards --style compact - < p.json",
    )
    minimize.add_argument("file", metavar="FILE", help="a policy document (- for stdin)")
    add_policy_output_arguments(minimize, minimize_flag=False)
    minimize.set_defaults(handler=_cmd_minimize)

    validate = command(
        commands,
        "validate",
        "findings about a policy (exit 1 at --fail-on severity; default: errors)",
        "Print each finding (severity, JSON path into FILE as written, message, code): unknown "
        "or misspelt actions and condition keys, inert grants, unscoped iam:PassRole, Allow "
        "with NotAction, full- and service-admin grants, policy variables without Version "
        "2012-10-17, size over quota. FILE may hold any JSON 'policy' prints; paths then start "
        "with the part's name (caller.Statement[0]...). Exit 1 when a finding is at least as "
        "severe as --fail-on: a CI gate. With several files each line starts with its file "
        "name (and --format json prints an object of lists by file name).",
        f"{PROG} validate policy.json\n{PROG} validate --fail-on warning deploy-policy.json\n"
        f"{PROG} validate --kind trust --quota trust trust.json\n"
        f"{PROG} validate --quota managed policies/*.json",
    )
    validate.add_argument("file", metavar="FILE", nargs="+", help="policy documents (- for stdin)")
    validate.add_argument(
        "--kind",
        choices=("identity", "resource", "trust"),
        default="identity",
        help="the policy kind whose rules apply (default: identity)",
    )
    validate.add_argument(
        "--quota",
        choices=("managed", "role", "user", "group", "trust"),
        help="also check the size against this IAM quota",
    )
    validate.add_argument(
        "--fail-on",
        choices=tuple(_SEVERITY_RANK),
        default="error",
        help="exit 1 when a finding is this severe or more: error (the default), warning, or "
        "info (any finding)",
    )
    add_format(
        validate, ("text", "json"), "text", "text or json (a list of findings)", json_alias=True
    )
    add_output(validate)
    validate.set_defaults(handler=_cmd_validate)
