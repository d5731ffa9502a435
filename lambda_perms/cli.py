"""The ``lambda-perms`` command (also ``python -m lambda_perms``): a thin shell over the library.

Each subcommand is one function ``_cmd_<name>(args) -> int`` registered in
:func:`_build_parser`; results go to stdout, problems to stderr. Exit codes: 0 success,
1 a check found something (``docs --check``: stale pages; ``diff``: missing grants;
``validate``: errors; ``expand``: no match; ``simulate``: denied), 2 an error (one line, no
traceback).
Files are read by name, or from stdin for ``-``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lambda_perms._version import __version__
from lambda_perms.errors import InvalidPolicyError, LambdaPermsError

if TYPE_CHECKING:
    from lambda_perms.catalogues._catalogue import Need
    from lambda_perms.deploy._deploy import DeployPolicy
    from lambda_perms.iam.policy import Policy

__all__ = ["main", "version_text"]


def __dir__() -> list[str]:
    return __all__


_PROG = "lambda-perms"
_SCOPE_FLAGS = ("--account", "--region", "--partition", "--stack", "--bucket", "--prefix")


class _UsageError(Exception):
    """A bad command line the parser cannot see (exit 2)."""


def version_text() -> str:
    """``lambda-perms 0.1.0 (universe ...; catalogue ...; cloudformation handlers ...)``."""
    from lambda_perms._data import cloudformation_version
    from lambda_perms._universe import universe
    from lambda_perms.catalogues._catalogue import catalogue

    return (
        f"{_PROG} {__version__} (universe {universe().version}; catalogue evidence "
        f"{', '.join(catalogue().evidence_versions())}; cloudformation handlers "
        f"{cloudformation_version()})"
    )


# -- input and output helpers ----------------------------------------------------------------


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return pathlib.Path(path).read_text(encoding="utf-8")


def _load_policy(path: str, kind: str = "identity") -> Policy:
    from lambda_perms.iam.policy import Policy

    text = _read(path)
    name = "<stdin>" if path == "-" else path
    try:
        return Policy.from_json(text, kind=kind)
    except InvalidPolicyError as e:
        located = InvalidPolicyError(f"{name}: {e}")
        located.path = e.path  # the message already names it: file, JSON path, problem
        raise located from None


def _emit(policies: dict[str, Policy], args: argparse.Namespace) -> None:
    """Minimize and fit ``policies`` (name → policy) as asked, then print them in the format."""
    from lambda_perms.render.formats import part_names, render

    out: dict[str, Policy] = {}
    for name, given in policies.items():
        policy = given
        if getattr(args, "minimize", False):
            policy = given.minimize(wildcards=args.wildcards, style=args.style).policy
        parts = policy.split(args.fit) if args.fit else (policy,)
        out.update(zip(part_names(len(parts), name), parts, strict=True))
    print(render(out, args.format), end="")


def _note(kind: str, text: str) -> None:
    print(f"{_PROG}: {kind}: {text}", file=sys.stderr)


# -- subcommands -------------------------------------------------------------------------


def _cmd_docs(args: argparse.Namespace) -> int:
    from lambda_perms.render import docs

    root: pathlib.Path | None = args.root or docs.default_root()
    if root is None:
        raise _UsageError("no source checkout found: give the docs directory with --root DIR")
    if not args.check and not root.exists():
        root.mkdir(parents=True)  # writing into a new directory is the main job's first run
    if not root.is_dir():
        raise _UsageError(f"the docs root {str(root)!r} is not a directory")
    if args.check:
        stale = docs.check(root)
        if stale:
            for path in stale:
                print(f"stale: {path}", file=sys.stderr)
            print(
                f"{_PROG}: {len(stale)} generated file(s) in {str(root)!r} are stale or missing; "
                f"run '{_PROG} docs' to regenerate them",
                file=sys.stderr,
            )
            return 1
        print(f"docs in {str(root)!r} are up to date")
        return 0
    changed = docs.write(root)
    for path in changed:
        print(f"wrote {path}")
    print(f"{len(changed)} file(s) changed in {str(root)!r}")
    return 0


def _deploy(args: argparse.Namespace) -> DeployPolicy:
    """The deploy policy for the SAM command line and scope in ``args`` (notes on stderr)."""
    from lambda_perms.deploy._deploy import DeployOptions, Scope, deploy_policy

    options, notes = DeployOptions.from_sam_args(list(args.sam))
    for note in notes:
        _note("note", note)
    scope = Scope(
        partition=args.partition,
        region=args.region,
        account=args.account,
        stack=args.stack,
        bucket=args.bucket,
        prefix=args.prefix,
    )
    if args.tight and args.template is None:
        raise _UsageError("--tight narrows a template's permissions: give --template FILE")
    result = deploy_policy(
        options,
        scope,
        rollback=not args.no_rollback,
        boundary=args.boundary,
        template=args.template,
        tight=args.tight,
    )
    for warning in result.warnings:
        _note("warning", warning)
    return result


def _cmd_policy(args: argparse.Namespace) -> int:
    if args.profile is not None:
        return _print_profile(args)
    result = _deploy(args)
    plain = args.format == "json" and not args.fit and not args.minimize
    if result.service_role_policy is not None and plain:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    policies = {args.name: result.policy}
    if result.service_role_policy is not None:
        policies[f"{args.name}-service-role"] = result.service_role_policy
    _emit(policies, args)
    return 0


def _print_profile(args: argparse.Namespace) -> int:
    from lambda_perms.catalogues import _catalogue
    from lambda_perms.iam.policy import Policy, Statement

    if args.sam:
        raise _UsageError("--profile prints a named selection: it takes no SAM command line")
    profile = _catalogue.catalogue().profile(args.profile)
    actions = [entry.action.text for entry in profile.actions]
    policy = Policy.of(Statement.allow(actions, "*", sid=_sid(profile.name)))
    _emit({args.name: policy}, args)
    return 0


def _sid(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


def _describe(item: Mapping[str, Any]) -> str:
    text = f"{item['action']} on {item['resource']}"
    if item.get("except_resources"):
        text += f" except {', '.join(item['except_resources'])}"
    if item.get("condition"):
        text += f" when {json.dumps(item['condition'], sort_keys=True)}"
    return text


def _cmd_diff(args: argparse.Namespace) -> int:
    from lambda_perms.deploy.review import reasons_of, review

    current = _load_policy(args.current)
    reasons: dict[str, tuple[Need, ...]] | None = None
    if args.required is not None:
        if args.sam:
            raise _UsageError("give either REQUIRED or a SAM command line after '--', not both")
        required = _load_policy(args.required)
    else:
        built = _deploy(args)
        required = built.policy
        reasons = reasons_of(built)
    if args.exact:
        return _exact_diff(required, current, reasons, args)
    missing, excess, version = review(required, current, reasons=reasons)
    if args.json:
        document = {"missing": missing, "excess": excess, "universe": version}
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for item in missing:
            purpose = f" — {item['purpose']}" if item["purpose"] else ""
            print(f"missing {_describe(item)}{purpose}")
        for item in excess:
            if item["needed_on"]:
                where = f"needed only on {', '.join(item['needed_on'])}: {item['purpose']}"
            else:
                where = item["purpose"]
            print(f"excess {_describe(item)} — {where}")
        _note("note", f"{len(missing)} missing, {len(excess)} excess")
    return 1 if missing else 0


def _exact_diff(
    required: Policy,
    current: Policy,
    reasons: Mapping[str, tuple[Need, ...]] | None,
    args: argparse.Namespace,
) -> int:
    """``diff --exact``: conditions decided by what they mean, a witness request per line."""
    from lambda_perms.deploy.review import granted_on, purpose

    difference = required.diff(current, exact=True)
    missing = [
        {**e.to_dict(), "purpose": purpose(e.action.text, reasons)} for e in difference.missing
    ]
    excess = []
    for entry in difference.excess:
        needed_on = granted_on(required, entry.action.text)
        if needed_on:
            why = purpose(entry.action.text, reasons)
        else:
            elsewhere = purpose(entry.action.text)
            why = f"not needed here; elsewhere: {elsewhere}" if elsewhere else ""
            why = why or "no deployment path needs it"
        excess.append({**entry.to_dict(), "needed_on": needed_on, "purpose": why})
    if args.json:
        document = {
            "missing": missing,
            "excess": excess,
            "universe": str(difference.universe),
            "exact": True,
            "notes": list(difference.notes),
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for sign, items in (("missing", missing), ("excess", excess)):
            for item in items:
                print(f"{sign} {_describe(item)} — {item['purpose'] or 'no purpose recorded'}")
                if "witness" in item:
                    print(f"  witness: {_witness_text(item['witness'])}")
        for note in difference.notes:
            _note("note", note)
        _note("note", f"{len(missing)} missing, {len(excess)} excess (exact)")
    return 1 if missing else 0


def _witness_text(witness: Mapping[str, Any]) -> str:
    text = f"{witness['action']} on {witness['resource']}"
    if witness.get("context"):
        text += f" with {json.dumps(witness['context'], sort_keys=True)}"
    for kind, value in witness.get("principal", {}).items():
        text += f" by {kind} {value}"
    return text


def _cmd_simulate(args: argparse.Namespace) -> int:
    """``simulate``: one request against the policies that take part; exit 1 when denied."""
    from lambda_perms.algebra.authorize import authorize
    from lambda_perms.iam.request import Request

    context: dict[str, Any] = {}
    for item in args.context:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"--context takes KEY=VALUE, got {item!r}")
        parsed: Any = value
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as e:
                raise _UsageError(f"--context {key}: a list is a JSON array ({e.msg})") from None
            if not isinstance(parsed, list):  # pragma: no cover - '[' starts an array
                raise _UsageError(f"--context {key}: a list is a JSON array")
        if key in context:  # a repeated key is a multivalued key
            before = context[key]
            context[key] = [*(before if isinstance(before, list) else [before]), parsed]
        else:
            context[key] = parsed
    principal = None if args.principal is None else ("AWS", args.principal)
    request = Request(args.action, args.resource, context, principal)
    result = authorize(
        request,
        identity=[_load_policy(path) for path in args.policies],
        boundary=None if args.boundary is None else _load_policy(args.boundary),
        scps=[_load_policy(path) for path in args.scp],
        rcps=[_load_policy(path, "resource") for path in args.rcp],
        session_policies=[_load_policy(path) for path in args.session_policy],
        resource_policy=(
            None if args.resource_policy is None else _load_policy(args.resource_policy, "resource")
        ),
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.explanation)
    return 0 if result.allowed else 1


def _add_simulate(commands: Any) -> None:
    simulate = _command(
        commands,
        "simulate",
        "decide one request against identity policies, boundary, SCPs/RCPs, resource policy",
        "Decide whether ACTION on RESOURCE is allowed, following the IAM policy evaluation "
        "flowchart over every policy given: explicit deny anywhere, RCPs and SCPs (each file "
        "one level of the organization), the resource policy, the identity POLICY files, the "
        "permissions boundary, session policies. Prints the decision, the deciding statements "
        "and each step. Exit 0 when allowed, 1 when denied, 2 on error.",
        f"{_PROG} simulate role.json --action s3:GetObject --resource arn:aws:s3:::b/k\n"
        f"{_PROG} simulate deploy.json --boundary boundary.json --action iam:CreateRole "
        "--resource arn:aws:iam::123456789012:role/r "
        "--context iam:PermissionsBoundary=arn:aws:iam::123456789012:policy/b\n"
        f"{_PROG} simulate p.json --scp scp.json --action s3:PutObject --resource '*' "
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
    simulate.add_argument("--json", action="store_true", help="print a JSON object")
    simulate.set_defaults(handler=_cmd_simulate)


def _cmd_merge(args: argparse.Namespace) -> int:
    from lambda_perms.algebra.merge import merge

    policies = [_load_policy(path) for path in args.files]
    _emit({args.name: merge(*policies)}, args)
    return 0


def _cmd_minimize(args: argparse.Namespace) -> int:
    policy = _load_policy(args.file)
    result = policy.minimize(wildcards=args.wildcards, style=args.style)
    _note("note", f"{policy.size():,} -> {result.policy.size():,} characters")
    args.minimize = False  # done above
    _emit({args.name: result.policy}, args)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from lambda_perms.algebra.validation import Severity, validate

    policy = _load_policy(args.file, args.kind)
    findings = validate(policy, quota=args.quota)
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
        if not findings:
            print("no findings")
    return 1 if any(f.severity is Severity.ERROR for f in findings) else 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from lambda_perms._universe import universe
    from lambda_perms.catalogues._catalogue import catalogue

    known = universe()
    cat = catalogue()
    try:
        action = known.canonical(args.action)
    except LambdaPermsError:
        cat.needs(args.action)  # raises with "did you mean" from the catalogue and universe
        raise
    needs = cat.needs(action) if action in cat else ()
    info: dict[str, Any] = {
        "action": action.text,
        "access_levels": sorted(level.value for level in known.access_levels(action)),
        "resource_types": [
            {"name": r.name, "required": r.required, "arn_formats": list(r.arn_formats)}
            for r in known.resource_types(action)
        ],
        "condition_keys": list(known.condition_keys(action)),
        "needs": [_need_dict(need, cat) for need in needs],
        "universe": str(known.version),
    }
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(action.text)
    print(f"  access level: {', '.join(info['access_levels']) or 'unknown'}")
    for resource in info["resource_types"]:
        required = " (required)" if resource["required"] else ""
        print(f"  resource type {resource['name']}{required}: {', '.join(resource['arn_formats'])}")
    if info["condition_keys"]:
        print(f"  condition keys: {', '.join(info['condition_keys'])}")
    if not needs:
        print("  no Lambda deployment in the catalogue needs it")
    for index, need in enumerate(info["needs"], start=1):
        rollback = " (rollback only)" if need["rollback_only"] else ""
        print(f"need {index}: {'/'.join(need['phases'])}{rollback}, called by {need['caller']}")
        print(f"  why: {need['why']}")
        print(f"  triggers: {'; '.join(need['triggers'])}")
        for resource in need["resources"]:
            print(f"  resource {resource['name']}: {resource['arn']}")
        if need["condition"]:
            print(f"  condition: {json.dumps(need['condition'], sort_keys=True)}")
        for evidence in need["evidence"]:
            print(f"  evidence: {evidence}")
    return 0


def _need_dict(need: Any, cat: Any) -> dict[str, Any]:
    resources = []
    for name in need.resources:
        arn = "*" if name == "*" else cat.template(name).arn
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


def _cmd_expand(args: argparse.Namespace) -> int:
    from lambda_perms._universe import universe

    known = universe()
    actions = known.expand(args.pattern)
    for action in actions:
        print(action.text)
    if not actions:
        suggestions = known.suggest(args.pattern)
        hint = f"; did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
        _note("note", f"{args.pattern!r} matches no action in universe {known.version}{hint}")
        return 1
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    schemas = _schemas()
    if args.name is None:
        print(json.dumps(schemas, indent=2, ensure_ascii=False))
        return 0
    if args.name not in schemas:
        raise _UsageError(f"unknown schema {args.name!r}; expected one of {', '.join(schemas)}")
    print(json.dumps(schemas[args.name], indent=2, ensure_ascii=False))
    return 0


def _schemas() -> dict[str, Any]:
    from lambda_perms.render import docs
    from lambda_perms.render.formats import policy_schema

    out: dict[str, Any] = {"policy": policy_schema()}
    for path, text in docs.schemas().items():
        name = path.removeprefix("schemas/").removesuffix(".schema.json")
        out[name] = json.loads(text)
    return out


# -- the parser --------------------------------------------------------------------------


class _Version(argparse.Action):
    """``--version``: computed only when asked (it reads the data's versions)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(version_text())
        parser.exit()


def _command(
    commands: Any,
    name: str,
    help: str,
    description: str,
    examples: str,
    *,
    usage: str | None = None,
) -> argparse.ArgumentParser:
    lines = "\n".join(f"  {line}" for line in examples.strip().splitlines())
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"examples:\n{lines}",
        usage=usage,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    """The scope and deploy options shared by ``policy`` and ``diff``."""
    for flag, what in zip(
        _SCOPE_FLAGS,
        (
            "the 12-digit account id",
            "the region (also read from --region after '--')",
            "the partition (default: the region's, else aws)",
            "the stack name (also read from --stack-name)",
            "the artifacts bucket (also read from --s3-bucket)",
            "the artifacts key prefix (also read from --s3-prefix)",
        ),
        strict=True,
    ):
        parser.add_argument(flag, metavar=flag[2:].upper(), help=what)
    parser.add_argument(
        "--no-rollback",
        action="store_true",
        help="leave out the rollback-only permissions (a failed first deploy then cannot "
        "roll back: the stack is left in ROLLBACK_FAILED)",
    )
    parser.add_argument(
        "--boundary",
        metavar="ARN",
        help="a permissions boundary (managed policy ARN) required on every role-creating "
        "or role-changing action",
    )
    parser.add_argument(
        "--template",
        metavar="FILE",
        help="the SAM or CloudFormation template (YAML or JSON) the command deploys: grant "
        "what its resources need, scoped to them (YAML and SAM templates need the "
        "'templates' extra)",
    )
    parser.add_argument(
        "--tight",
        action="store_true",
        help="with --template: leave out the handler permissions that the data's narrowing "
        "rules show the template's properties do not need",
    )


def _add_output_arguments(parser: argparse.ArgumentParser, *, minimize_flag: bool) -> None:
    from lambda_perms.render.formats import FORMATS

    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (a document; several parts: an object of name -> document), "
        "cloudformation (YAML template), cloudformation-json, terraform (default: json)",
    )
    if minimize_flag:
        parser.add_argument(
            "--minimize", action="store_true", help="same meaning in fewer characters"
        )
    parser.add_argument(
        "--wildcards",
        action="store_true",
        help="with minimizing: fold action lists into wildcards exact over the universe",
    )
    parser.add_argument(
        "--style",
        choices=("readable", "compact"),
        default="readable",
        help="wildcards cut at whole words (readable) or anywhere (compact)",
    )
    parser.add_argument(
        "--fit",
        choices=("managed", "role", "user", "group"),
        help="split into parts that each fit this IAM size quota",
    )
    parser.add_argument(
        "--name",
        default="deploy-policy",
        help="the policy name in the output (parts: NAME-part-1, ...; default: deploy-policy)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Which IAM permissions deploying AWS Lambda needs, and why. Files are read "
        "by name, or from stdin for '-'.",
    )
    parser.add_argument(
        "--version",
        action=_Version,
        help="print the version and the dates of the universe and catalogue data",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    docs = _command(
        commands,
        "docs",
        "render the catalogue's Markdown pages and JSON Schemas",
        "Render docs/ from the catalogue (pages per service and SAM command, the "
        "rollback-only list, the article audit, the data files' JSON Schemas).",
        f"{_PROG} docs\n{_PROG} docs --check --root docs",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list stale or missing files on stderr and exit 1 if any",
    )
    docs.add_argument(
        "--root",
        type=pathlib.Path,
        metavar="DIR",
        help="the docs directory (default: docs/ of the source checkout)",
    )
    docs.set_defaults(handler=_cmd_docs)

    policy = _command(
        commands,
        "policy",
        "print the least-privilege IAM policy for a SAM command line",
        "Print the IAM policy that a SAM CLI command line needs in a scope: "
        "statements grouped by purpose, resources narrowed to what the scope names. Give the "
        "SAM command line after '--' (default: sam deploy of one zip function with a "
        'SAM-created role). With --role-arn on it, prints {"caller": ..., '
        '"service_role": ...}. Warnings and notes go to stderr.',
        f"{_PROG} policy --account 123456789012 --region eu-west-1 --stack app --bucket art\n"
        f"{_PROG} policy --format terraform -- sam deploy --resolve-s3\n"
        f"{_PROG} policy --template template.yaml --stack app -- sam deploy --resolve-s3\n"
        f"{_PROG} policy --minimize --wildcards --fit role -- sam deploy --stack-name app\n"
        f"{_PROG} policy --profile article > article.json",
        usage=f"{_PROG} policy [options] [-- sam COMMAND FLAGS...]",
    )
    _add_deploy_arguments(policy)
    policy.add_argument(
        "--profile",
        metavar="NAME",
        help="print a named selection instead (article: the seed article's 37 actions)",
    )
    _add_output_arguments(policy, minimize_flag=True)
    policy.add_argument("sam", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    policy.set_defaults(handler=_cmd_policy)

    diff = _command(
        commands,
        "diff",
        "what a policy misses and grants needlessly (exit 1 when something is missing)",
        "Compare CURRENT with REQUIRED (default: the deploy policy for the options and the SAM "
        "command line after '--', as in 'policy'). Prints 'missing ...' and 'excess ...' "
        "lines with each action's purpose from the catalogue. Exit 0 when nothing is missing, "
        "1 when something is, 2 on error: a CI gate.",
        f"{_PROG} diff deploy-role.json -- sam deploy --stack-name app --s3-bucket art\n"
        f"{_PROG} diff --json current.json required.json\n"
        f"aws iam get-policy-version ... --query PolicyVersion.Document | {_PROG} diff -",
        usage=f"{_PROG} diff [options] CURRENT [REQUIRED] [-- sam COMMAND FLAGS...]",
    )
    diff.add_argument("current", metavar="CURRENT", help="the policy in use (JSON; - for stdin)")
    diff.add_argument(
        "required", metavar="REQUIRED", nargs="?", help="the policy needed (default: built)"
    )
    _add_deploy_arguments(diff)
    diff.add_argument("--json", action="store_true", help="print a JSON object for machines")
    diff.add_argument(
        "--exact",
        action="store_true",
        help="decide conditions by what they mean and print a witness request per line "
        "(needs the 'exact' extra: z3)",
    )
    diff.set_defaults(handler=_cmd_diff, sam=[])

    merge = _command(
        commands,
        "merge",
        "merge policies into one equivalent to attaching them all",
        "Print the policy that allows exactly what attaching all FILEs allows.",
        f"{_PROG} merge a.json b.json\n{_PROG} merge --fit managed --format cloudformation *.json",
    )
    merge.add_argument("files", metavar="FILE", nargs="+", help="policy documents (- for stdin)")
    _add_output_arguments(merge, minimize_flag=True)
    merge.set_defaults(handler=_cmd_merge)

    minimize = _command(
        commands,
        "minimize",
        "the same policy in fewer characters",
        "Print FILE with the same meaning in fewer characters (duplicates dropped, statements "
        "coalesced; with --wildcards action lists folded into patterns exact over the "
        "universe). The sizes go to stderr.",
        f"{_PROG} minimize policy.json\n{_PROG} minimize --wildcards --style compact - < p.json",
    )
    minimize.add_argument("file", metavar="FILE", help="a policy document (- for stdin)")
    _add_output_arguments(minimize, minimize_flag=False)
    minimize.set_defaults(handler=_cmd_minimize)

    validate = _command(
        commands,
        "validate",
        "findings about a policy (exit 1 when there are errors)",
        "Print each finding (severity, JSON path, message, code): unknown or misspelt "
        "actions, inert grants, unscoped iam:PassRole, Allow with NotAction, size over quota.",
        f"{_PROG} validate policy.json\n{_PROG} validate --kind trust --quota trust trust.json",
    )
    validate.add_argument("file", metavar="FILE", help="a policy document (- for stdin)")
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
    validate.add_argument("--json", action="store_true", help="print a JSON list of findings")
    validate.set_defaults(handler=_cmd_validate)

    explain = _command(
        commands,
        "explain",
        "everything known about an action: purposes, triggers, resources, evidence",
        "Print what the catalogue and the universe know about ACTION: access levels, resource "
        "types, condition keys, and each deployment need (phases, caller, triggers, resource "
        "templates, condition, why, evidence). A misspelt name gets 'did you mean'.",
        f"{_PROG} explain cloudformation:CreateChangeSet\n{_PROG} explain --json iam:PassRole",
    )
    explain.add_argument("action", metavar="ACTION", help="an IAM action (any case)")
    explain.add_argument("--json", action="store_true", help="print a JSON object")
    explain.set_defaults(handler=_cmd_explain)

    expand = _command(
        commands,
        "expand",
        "the actions an action pattern matches",
        "Print, one a line, the actions PATTERN matches in the universe (exit 1: none).",
        f"{_PROG} expand 'lambda:Get*Config'\n{_PROG} expand 's3:*Object*'",
    )
    expand.add_argument("pattern", metavar="PATTERN", help="an action glob (* and ?)")
    expand.set_defaults(handler=_cmd_expand)

    schema = _command(
        commands,
        "schema",
        "JSON Schemas of policy documents and the catalogue files",
        "Print the JSON Schemas: all as one object by name, or the one named.",
        f"{_PROG} schema policy\n{_PROG} schema service > service.schema.json",
    )
    schema.add_argument(
        "name", metavar="NAME", nargs="?", help="policy, or a catalogue file kind (service, ...)"
    )
    schema.set_defaults(handler=_cmd_schema)
    _add_simulate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lambda-perms`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    tokens = list(sys.argv[1:] if argv is None else argv)
    sam: list[str] = []
    if "--" in tokens:  # the SAM command line is everything after the first '--'
        cut = tokens.index("--")
        tokens, sam = tokens[:cut], tokens[cut + 1 :]
    parser = _build_parser()
    args = parser.parse_args(tokens)
    if sam and "sam" not in vars(args):
        parser.error(f"{args.command} takes no SAM command line after '--'")
    if "sam" in vars(args):
        args.sam = [*args.sam, *sam]
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as cat does
        _silence_stdout()
        return 1
    except (LambdaPermsError, _UsageError, OSError) as e:
        print(f"{_PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush then succeeds
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return " ".join(str(error).split())
