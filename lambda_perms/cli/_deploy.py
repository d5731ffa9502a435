"""``policy`` and ``diff``: the deploy policy for a SAM command line, and a policy against it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lambda_perms.cli._args import add_format, add_output, command
from lambda_perms.cli._io import PROG, CliError, load_policies, note, read_text, write_output

if TYPE_CHECKING:
    from lambda_perms import DeployPolicy, Need, Policy, Template
    from lambda_perms.render.inputs import PolicyPart

__all__ = [
    "SID_RULE",
    "add_policy_output_arguments",
    "deploy",
    "emit",
    "minimize_notes",
    "quota_warnings",
    "register",
]


def __dir__() -> list[str]:
    return __all__


_SCOPE_FLAGS = ("--account", "--region", "--partition", "--stack", "--bucket", "--prefix")
# scope flag -> (the SAM CLI flag that also carries it, the DeployOptions field)
_SAM_TWINS = {
    "stack": ("--stack-name", "stack_name"),
    "region": ("--region", "region"),
    "bucket": ("--s3-bucket", "s3_bucket"),
    "prefix": ("--s3-prefix", "s3_prefix"),
}

SID_RULE = """\
statement ids (Sid): <Service><Purpose>, both in CamelCase. Service is the action's service
(CloudFormation, S3, Iam, Lambda, ApiGateway, Ec2, ...); Purpose the catalogue's resource
template the statement's resources come from: Deploy (your stack), Transform (the SAM
transform), Artifacts (your bucket's objects), ManagedArtifacts (--resolve-s3), ExecutionRole
(the functions' roles), ServiceRole (--role-arn), AnyResource ('*'), else the template name in
CamelCase (ManagedStack, CompanionStack, Function, ...). iam:PassRole statements are
Pass<Purpose>; statements conditioned on --boundary end in WithBoundary; what only a failed
deploy's rollback needs is <Service>Rollback (<Service><Purpose>Rollback when a service has
several); sam delete's stack statement is CloudFormationDelete. A clash falls back to the
template name in CamelCase, then a number. --profile prints one statement named after the
profile. 'policy --explain' shows the needs behind every action of every statement."""


# -- the deploy policy --------------------------------------------------------------------------


def template_argument(
    value: str | None, parameters: Mapping[str, str] | None = None
) -> str | Template | None:
    """``--template``: a path (read first as every input is, so that a missing, unreadable or
    non-UTF-8 file is the same error as for a policy; the path is then passed on, for nested
    templates next to it), or ``-`` for a template on stdin (read with ``parameters``)."""
    if value is None:
        return None
    text = read_text(value)
    if value != "-":
        return value
    from lambda_perms import TemplateError, load_template

    try:
        return load_template(text, text=True, parameters=parameters)
    except TemplateError as e:
        raise TemplateError(e.message, source="<stdin>", path=e.path) from None


def _scope_notes(args: argparse.Namespace, options: Any) -> None:
    """Notes for scope values the command line also carries, differently, and region names."""
    from lambda_perms.iam.regions import region_note

    for field, (flag, attribute) in _SAM_TWINS.items():
        mine, theirs = getattr(args, field), getattr(options, attribute)
        if mine is not None and theirs is not None and mine != theirs:
            note(
                "note",
                f"--{field} {mine} and {flag} {theirs} after '--' differ: the policy uses "
                f"--{field} {mine}",
            )
    region = args.region or options.region
    if region is not None:
        found = region_note(region, args.partition)
        if found is not None:
            note("note", found)


def _shown(path: str) -> str:
    """A path as the user would write it: relative to the working directory when inside it."""
    import os

    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


def _with_samconfig(
    args: argparse.Namespace,
) -> tuple[list[str], dict[str, str] | None, str | None]:
    """The SAM command line as SAM CLI runs it (samconfig's values for the options the command
    line does not give), its parameter overrides (``None``: none) and the template it names
    (``--template-file``/``-t``, or samconfig's ``template_file``), with notes on stderr.

    Only a SAM command line given after ``--`` reads samconfig (``sam deploy`` alone reads
    ``samconfig.toml`` in the working directory, or beside the ``-t`` template)."""
    if not args.sam:
        return [], None, None
    from lambda_perms.deploy.sam_options import COMMANDS, given_options, split_command
    from lambda_perms.deploy.samconfig import apply_samconfig, parameter_overrides_of

    command, tokens = split_command(args.sam)
    if command not in COMMANDS:  # DeployOptions says what the command is not
        return list(args.sam), None, None
    line, config = apply_samconfig(args.sam)
    added = line[2 : len(line) - len(tokens)]
    if config.file is not None and added:
        tables = f"[{config.env}.{config.table}.parameters], [{config.env}.global.parameters]"
        note(
            "note",
            f"samconfig: read {_shown(config.file)} {tables}: {' '.join(added)} "
            "(flags on the command line win)",
        )
    for text in config.notes:
        note("note", text)
    overrides = parameter_overrides_of(line)
    named = given_options(command, line[2:]).get("template_file")
    return list(line), (overrides or None), (named[-1] if named else None)


def deploy(args: argparse.Namespace) -> DeployPolicy:
    """The deploy policy for the SAM command line (with its samconfig) and scope in ``args``
    (notes on stderr)."""
    from lambda_perms import DeployOptions, Scope, deploy_policy, load_template
    from lambda_perms.deploy.gaps import scope_gaps

    sam, parameters, named_template = _with_samconfig(args)
    template = args.template
    if template is None and named_template is not None:
        note("note", f"the template is {named_template}, as the SAM command line names it")
        template = named_template
    options, notes = DeployOptions.from_sam_args(sam)
    for text in notes:
        note("note", text)
    _scope_notes(args, options)
    scope = Scope(
        partition=args.partition,
        region=args.region,
        account=args.account,
        stack=args.stack,
        bucket=args.bucket,
        prefix=args.prefix,
    )
    if args.tight and template is None:
        raise CliError("--tight narrows a template's permissions: give --template FILE")
    if parameters is not None and template is None:
        note("note", "--parameter-overrides change nothing without a template (--template FILE)")
    given = template_argument(template, parameters)
    loaded = None if given is None else load_template(given, parameters=parameters)
    settings: dict[str, Any] = {
        "rollback": not args.no_rollback,
        "boundary": args.boundary,
        "template": loaded,
        "tight": args.tight,
    }
    result = deploy_policy(options, scope, **settings)
    for warning in result.warnings:
        note("warning", warning)
    gaps = scope_gaps(options, scope, built=result, **settings)
    for gap in gaps:
        note("warning", gap.describe())
    if gaps and args.strict:
        pieces = ", ".join(gap.piece for gap in gaps)
        raise CliError(f"--strict: the scope leaves the {pieces} open (see the warnings)")
    return result


def emit(policies: dict[str, Policy], args: argparse.Namespace, *, minimize: bool = False) -> None:
    """Minimize (``minimize``) and fit ``policies`` (name → policy) as asked, then write them
    in the format."""
    from lambda_perms.render.formats import part_names, render

    out: dict[str, Policy] = {}
    for name, given in policies.items():
        policy = given
        if minimize:
            result = given.minimize(wildcards=args.wildcards, style=args.style or "readable")
            undecided_note(name, result.undecided)
            policy = result.policy
        parts = policy.split(args.fit) if args.fit else (policy,)
        out.update(zip(part_names(len(parts), name), parts, strict=True))
    if not args.fit:
        quota_warnings(out)
    write_output(render(out, args.format or "json"), args.output)


def undecided_note(name: str, undecided: tuple[str, ...]) -> None:
    """A note naming the resource patterns a minimization kept undecided (the search budget's
    sound fallback: the meaning is the same, the policy only longer than it might be)."""
    if undecided:
        shown = ", ".join(undecided[:5]) + (
            f" and {len(undecided) - 5} more" if len(undecided) > 5 else ""
        )
        note(
            "note",
            f"{name}: {len(undecided)} resource pattern(s) kept without deciding whether others "
            f"cover them (over the search budget; same meaning, maybe longer): {shown}",
        )


def quota_warnings(policies: Mapping[str, Policy]) -> None:
    """A warning for each policy over the managed policy quota (``--fit``'s default kind),
    with its size and the ``--fit`` that splits it into parts that fit."""
    from lambda_perms.algebra.size import MANAGED_POLICY, policy_size

    for name, policy in policies.items():
        size = policy_size(policy)
        if size > MANAGED_POLICY:
            note(
                "warning",
                f"{name} is {size:,} characters, over IAM's managed policy quota "
                f"({MANAGED_POLICY:,}; inline policies allow less): add --fit managed (or --fit "
                "role, user, group for an inline policy) to split it into parts that each fit",
            )


def minimize_notes(args: argparse.Namespace) -> None:
    """Notes for the minimizing options given without ``--minimize``: they change nothing."""
    if not args.minimize:
        for flag, given in (("--wildcards", args.wildcards), ("--style", args.style)):
            if given:
                note("note", f"{flag} changes nothing without --minimize")


def _cmd_policy(args: argparse.Namespace) -> int:
    if args.profile is not None:
        return _print_profile(args)
    if args.explain and args.format not in (None, "text", "json"):
        raise CliError(f"--explain prints text or json, not {args.format}")
    if not args.explain and args.format == "text":
        raise CliError("--format text is the form of --explain; a policy is json, "
                       "cloudformation, cloudformation-json or terraform")  # fmt: skip
    result = deploy(args)
    if args.explain:
        return _print_explanation(result, args)
    minimize_notes(args)
    plain = args.format in (None, "json") and not args.fit and not args.minimize
    if result.service_role_policy is not None and plain:
        quota_warnings(
            {args.name: result.policy, f"{args.name}-service-role": result.service_role_policy}
        )
        write_output(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", args.output)
        return 0
    policies = {args.name: result.policy}
    if result.service_role_policy is not None:
        policies[f"{args.name}-service-role"] = result.service_role_policy
    emit(policies, args, minimize=args.minimize)
    return 0


def _print_explanation(result: DeployPolicy, args: argparse.Namespace) -> int:
    from lambda_perms.render.explain import policy_explanation, render_policy_explanation

    for flag, given in (("--minimize", args.minimize), ("--fit", args.fit),
                        ("--wildcards", args.wildcards), ("--style", args.style)):  # fmt: skip
        if given:
            note("note", f"{flag} is ignored with --explain: it explains the statements as built")
    report = policy_explanation(result, name=args.name)
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_policy_explanation(report)
    write_output(text, args.output)
    return 0


def _print_profile(args: argparse.Namespace) -> int:
    from lambda_perms import Policy, Statement, catalogue
    from lambda_perms.iam._text import camel_case

    if args.sam:
        raise CliError("--profile prints a named selection: it takes no SAM command line")
    for flag in _given_deploy_flags(args, extra=(("--explain", args.explain),)):
        note("note", f"{flag} is ignored with --profile: it prints a named selection as is")
    profile = catalogue().profile(args.profile)
    actions = [entry.action.text for entry in profile.actions]
    policy = Policy.of(Statement.allow(actions, "*", sid=camel_case(profile.name)))
    if args.format == "text":
        raise CliError("--format text is the form of --explain; a policy is json, "
                       "cloudformation, cloudformation-json or terraform")  # fmt: skip
    minimize_notes(args)
    emit({args.name: policy}, args, minimize=args.minimize)
    return 0


def _given_deploy_flags(
    args: argparse.Namespace, extra: tuple[tuple[str, bool], ...] = ()
) -> list[str]:
    """The deploy options given on the command line (for notes when they are ignored)."""
    valued = ("account", "region", "partition", "stack", "bucket", "prefix", "boundary",
              "template")  # fmt: skip
    given = [f"--{name}" for name in valued if getattr(args, name) is not None]
    switches = (("--no-rollback", args.no_rollback), ("--tight", args.tight),
                ("--strict", args.strict), *extra)  # fmt: skip
    return given + [flag for flag, on in switches if on]


# -- diff ----------------------------------------------------------------------------------------


def _by_role(parts: Sequence[PolicyPart], what: str) -> dict[str, tuple[str, Policy]]:
    """The policies of an input by role (``caller``, ``service_role``): name and merged policy."""
    from lambda_perms.algebra.merge import merge
    from lambda_perms.render.inputs import by_principal, is_service_role

    groups = by_principal(parts)
    out: dict[str, tuple[str, Policy]] = {}
    for principal, members in groups.items():
        role = "service_role" if len(groups) > 1 and is_service_role(principal) else "caller"
        if role in out:
            names = ", ".join(str(p) for p in groups)
            raise CliError(
                f"{what} holds the policies {names}: diff compares one policy, or a caller and "
                "a service role ('policy --role-arn' output); give one part"
            )
        policy = merge(*(m.policy for m in members)) if len(members) > 1 else members[0].policy
        out[role] = (principal or "", policy)
    return out


def _cmd_diff(args: argparse.Namespace) -> int:
    from lambda_perms.deploy.review import reasons_of, review

    current = _by_role(load_policies(args.current), "CURRENT")
    reasons: dict[str, tuple[Need, ...]] | None = None
    if args.required is not None:
        if args.sam:
            raise CliError("give either REQUIRED or a SAM command line after '--', not both")
        for flag in _given_deploy_flags(args):
            note("note", f"{flag} is ignored: REQUIRED is given, nothing is built")
        required = _by_role(load_policies(args.required), "REQUIRED")
    else:
        built = deploy(args)
        required = {"caller": ("caller", built.policy)}
        if built.service_role_policy is not None:
            required["service_role"] = ("service_role", built.service_role_policy)
        reasons = reasons_of(built)
    if set(current) != set(required):
        if set(required) == {"caller"}:
            raise CliError(
                "CURRENT holds a caller and a service role policy: give the SAM command line "
                "with --role-arn after '--' (or one part of CURRENT)"
            )
        raise CliError(
            "the required policies are a caller's and a service role's (--role-arn): CURRENT "
            "must hold both, as 'policy --role-arn' prints them"
        )
    several = len(current) > 1
    documents: dict[str, Any] = {}
    lines: list[str] = []
    exit_code = 0
    for role in ("caller", "service_role"):
        if role not in current:
            continue
        label = current[role][0] or role
        result = review(required[role][1], current[role][1], reasons=reasons, exact=args.exact)
        failed = result.missing or (args.fail_on_excess and result.excess)
        exit_code = exit_code or (1 if failed else 0)
        documents[label] = result.to_dict()
        prefix = f"{label}: " if several else ""
        lines += [f"{prefix}{line}" for line in result.lines()]
    if args.format == "json":
        document = documents if several else next(iter(documents.values()))
        write_output(json.dumps(document, indent=2, ensure_ascii=False) + "\n", args.output)
    else:
        write_output("".join(f"{line}\n" for line in lines), args.output)
        for label, document in documents.items():
            for text in document.get("notes", ()):
                note("note", f"{label}: {text}" if several else text)
            counts = f"{len(document['missing'])} missing, {len(document['excess'])} excess"
            counts += " (exact)" if args.exact else ""
            note("note", f"{label}: {counts}" if several else counts)
    return exit_code


# -- the parsers ---------------------------------------------------------------------------------


def add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    """The scope and deploy options shared by ``policy`` and ``diff``."""
    for flag, what in zip(
        _SCOPE_FLAGS,
        (
            "the 12-digit account id",
            "the region (also read from --region after '--'; an unknown name gets a note)",
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
        help="the SAM or CloudFormation template (YAML or JSON; - for stdin) the command "
        "deploys: grant what its resources need, scoped to them (YAML and SAM templates need "
        "the 'templates' extra)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 2 when the account, region, stack or bucket is unknown (no flag, samconfig "
        "or SAM command line names it) and the policy's ARNs are widened to any (for CI)",
    )
    parser.add_argument(
        "--tight",
        action="store_true",
        help="with --template: leave out the handler permissions that the data's narrowing "
        "rules show the template's properties do not need",
    )


def add_policy_output_arguments(
    parser: argparse.ArgumentParser, *, minimize_flag: bool, text: bool = False
) -> None:
    """``--format`` (the policy formats), ``--output``, minimizing and fitting."""
    from lambda_perms.render.formats import FORMATS

    extra = ", text (with --explain; the default there)" if text else ""
    add_format(
        parser,
        (*FORMATS, "text") if text else FORMATS,
        None,
        "json (a document; several parts: an object of name -> document), cloudformation "
        f"(YAML template), cloudformation-json, terraform{extra} (default: json)",
    )
    add_output(parser)
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
        help="with minimizing: wildcards cut at whole words (readable, the default) or anywhere "
        "(compact)",
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


def register(commands: Any) -> None:
    """Add ``policy`` and ``diff``."""
    policy = command(
        commands,
        "policy",
        "print the least-privilege IAM policy for a SAM command line",
        "Print the IAM policy that a SAM CLI command line needs in a scope: "
        "statements grouped by purpose, resources narrowed to what the scope names. Give the "
        "SAM command line after '--' (default: sam deploy of one zip function with a "
        'SAM-created role). With --role-arn on it, prints {"caller": ..., '
        '"service_role": ...}. --explain prints, per statement and action, the needs behind '
        "it instead. Warnings and notes go to stderr.",
        f"{PROG} policy --account 123456789012 --region eu-west-1 --stack app --bucket art\n"
        f"{PROG} policy --format terraform -- sam deploy --resolve-s3\n"
        f"{PROG} policy --template template.yaml --stack app -- sam deploy --resolve-s3\n"
        f"{PROG} policy --explain --template template.yaml -- sam deploy --stack-name app\n"
        f"{PROG} policy --minimize --wildcards --fit role -- sam deploy --stack-name app\n"
        f"{PROG} policy --profile article --output article.json",
        usage=f"{PROG} policy [options] [-- sam COMMAND FLAGS...]",
        epilog=SID_RULE,
    )
    add_deploy_arguments(policy)
    policy.add_argument(
        "--profile",
        metavar="NAME",
        help="print a named selection instead (article: the seed article's 37 actions)",
    )
    policy.add_argument(
        "--explain",
        action="store_true",
        help="print why: per statement and action, the catalogue needs behind it (what it is "
        "for, the command, flag, template resource or property that brings it in, phases, "
        "caller, evidence); --format json for machines",
    )
    add_policy_output_arguments(policy, minimize_flag=True, text=True)
    policy.add_argument("sam", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    policy.set_defaults(handler=_cmd_policy)

    diff = command(
        commands,
        "diff",
        "what a policy misses and grants needlessly (exit 1 when something is missing)",
        "Compare CURRENT with REQUIRED (default: the deploy policy for the options and the SAM "
        "command line after '--', as in 'policy'). Prints 'missing ...' and 'excess ...' "
        "lines with each action's purpose from the catalogue (more than 40 of a kind: grouped "
        "by service and purpose, with counts; --format json lists them all). CURRENT and "
        "REQUIRED may be any JSON that 'policy' prints: --fit parts are compared as one "
        "policy, a --role-arn pair "
        "part by part (lines then start with the part's name). Exit 0 when nothing is "
        "missing, 1 when something is (or, with --fail-on-excess, anything is in excess), 2 on "
        "error: a CI gate.",
        f"{PROG} diff deploy-role.json -- sam deploy --stack-name app --s3-bucket art\n"
        f"{PROG} diff --format json current.json required.json\n"
        f"{PROG} diff --exact current.json required.json\n"
        f"aws iam get-policy-version ... --query PolicyVersion.Document | {PROG} diff -",
        usage=f"{PROG} diff [options] CURRENT [REQUIRED] [-- sam COMMAND FLAGS...]",
    )
    diff.add_argument("current", metavar="CURRENT", help="the policy in use (JSON; - for stdin)")
    diff.add_argument(
        "required", metavar="REQUIRED", nargs="?", help="the policy needed (default: built)"
    )
    add_deploy_arguments(diff)
    add_format(
        diff,
        ("text", "json"),
        "text",
        "text (lines for people, counts on stderr) or json (an object of missing, excess and "
        "the universe version; a --role-arn pair: one such object per part)",
        json_alias=True,
    )
    diff.add_argument(
        "--fail-on-excess",
        action="store_true",
        help="exit 1 also when CURRENT grants anything REQUIRED does not need (a CI gate "
        "against over-privilege)",
    )
    diff.add_argument(
        "--exact",
        action="store_true",
        help="decide conditions by what they mean and print a witness request under each line "
        "(needs the 'exact' extra: z3)",
    )
    add_output(diff)
    diff.set_defaults(handler=_cmd_diff, sam=[])
