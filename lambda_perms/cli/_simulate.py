"""``lambda-perms simulate``: one request decided against every policy type that takes part
(:func:`lambda_perms.algebra.authorize.authorize`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from lambda_perms.cli._args import add_format, add_output, command
from lambda_perms.cli._io import PROG, CliError, load_policies, source_name, write_output
from lambda_perms.iam.policy import Policy

__all__ = ["register"]


def __dir__() -> list[str]:
    return __all__


def _policies(path: str, kind: str = "identity") -> list[Policy]:
    """Every policy of the input ``path`` (the parts of a --fit output are each attached)."""
    return [part.policy for part in load_policies(path, kind)]


def _policy(path: str, what: str, kind: str = "identity") -> Policy:
    """The one policy of the input ``path``, for an option that takes one policy."""
    policies = _policies(path, kind)
    if len(policies) != 1:
        raise CliError(
            f"{source_name(path)}: {what} takes one policy, this input holds {len(policies)}"
        )
    return policies[0]


def _context(items: list[str]) -> dict[str, Any]:
    """``--context KEY=VALUE`` items: a repeated key (or a JSON array) is a multivalued key."""
    context: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--context takes KEY=VALUE, got {item!r}")
        parsed: Any = value
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as e:
                raise CliError(f"--context {key}: a list is a JSON array ({e.msg})") from None
            if not isinstance(parsed, list):  # pragma: no cover - '[' starts an array
                raise CliError(f"--context {key}: a list is a JSON array")
        if key in context:
            before = context[key]
            context[key] = [*(before if isinstance(before, list) else [before]), parsed]
        else:
            context[key] = parsed
    return context


def _cmd_simulate(args: argparse.Namespace) -> int:
    """``simulate``: one request against the policies that take part; exit 1 when denied."""
    from lambda_perms.algebra.authorize import authorize
    from lambda_perms.iam.request import Request

    principal = None if args.principal is None else ("AWS", args.principal)
    request = Request(args.action, args.resource, _context(args.context), principal)
    result = authorize(
        request,
        identity=[p for path in args.policies for p in _policies(path)],
        boundary=None if args.boundary is None else _policy(args.boundary, "--boundary"),
        scps=[_policy(path, "--scp") for path in args.scp],
        rcps=[_policy(path, "--rcp", "resource") for path in args.rcp],
        session_policies=[_policy(path, "--session-policy") for path in args.session_policy],
        resource_policy=(
            None
            if args.resource_policy is None
            else _policy(args.resource_policy, "--resource-policy", "resource")
        ),
    )
    if args.format == "json":
        write_output(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", args.output)
    else:
        write_output(result.explanation.rstrip("\n") + "\n", args.output)
    return 0 if result.allowed else 1


def register(commands: Any) -> None:
    """Add ``simulate``."""
    simulate = command(
        commands,
        "simulate",
        "decide one request against identity policies, boundary, SCPs/RCPs, resource policy",
        "Decide whether ACTION on RESOURCE is allowed, following the IAM policy evaluation "
        "flowchart over every policy given: explicit deny anywhere, RCPs and SCPs (each file "
        "one level of the organization), the resource policy, the identity POLICY files, the "
        "permissions boundary, session policies. Prints the decision, the deciding statements "
        "and each step. Exit 0 when allowed, 1 when denied, 2 on error.",
        f"{PROG} simulate role.json --action s3:GetObject --resource arn:aws:s3:::b/k\n"
        f"{PROG} simulate deploy.json --boundary boundary.json --action iam:CreateRole "
        "--resource arn:aws:iam::123456789012:role/r "
        "--context iam:PermissionsBoundary=arn:aws:iam::123456789012:policy/b\n"
        f"{PROG} simulate p.json --scp scp.json --action s3:PutObject --resource '*' "
        "--context aws:TagKeys=env --context aws:TagKeys=team",
    )
    simulate.add_argument(
        "policies", metavar="POLICY", nargs="*", help="identity-based policies (- for stdin)"
    )
    simulate.add_argument("--action", required=True, help="one concrete action (s3:GetObject)")
    simulate.add_argument("--resource", default="*", help="the resource ARN (default: *)")
    simulate.add_argument(
        "--context",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a request context value; repeat a key for a multivalued key, or give a JSON "
        "array (KEY=[...])",
    )
    simulate.add_argument("--principal", metavar="ARN", help="the requester (an AWS principal ARN)")
    simulate.add_argument("--boundary", metavar="FILE", help="the permissions boundary policy")
    simulate.add_argument(
        "--scp", metavar="FILE", action="append", default=[], help="an SCP (repeat: one a level)"
    )
    simulate.add_argument(
        "--rcp", metavar="FILE", action="append", default=[], help="an RCP (repeat: one a level)"
    )
    simulate.add_argument(
        "--session-policy", metavar="FILE", action="append", default=[], help="a session policy"
    )
    simulate.add_argument(
        "--resource-policy", metavar="FILE", help="the resource's policy (needs --principal)"
    )
    add_format(
        simulate,
        ("text", "json"),
        "text",
        "text (the decision and its reasons) or json (decision, deciders, steps)",
        json_alias=True,
    )
    add_output(simulate)
    simulate.set_defaults(handler=_cmd_simulate)
