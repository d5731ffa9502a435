"""The ``lambda-perms`` command (also ``python -m lambda_perms``): a thin shell over the library.

Each subcommand is one function ``_cmd_<name>(args) -> int`` registered in
:func:`_build_parser`; results go to stdout, problems to stderr. Exit codes: 0 success,
1 a check found something (``docs --check``: stale pages), 2 an error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence

from lambda_perms._version import __version__
from lambda_perms.errors import LambdaPermsError

__all__ = ["main"]


def __dir__() -> list[str]:
    return __all__


_PROG = "lambda-perms"


class _UsageError(Exception):
    """A bad command line the parser cannot see (exit 2)."""


# -- subcommands -------------------------------------------------------------------------


def _cmd_docs(args: argparse.Namespace) -> int:
    from lambda_perms import docs

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


def _cmd_policy(args: argparse.Namespace) -> int:
    import json

    if args.profile is not None:
        return _print_profile(args)
    from lambda_perms.deploy import DeployOptions, Scope, deploy_policy

    sam_args = list(args.sam)
    if sam_args[:1] == ["--"]:
        sam_args = sam_args[1:]
    options, notes = DeployOptions.from_sam_args(sam_args)
    for note in notes:
        print(f"{_PROG}: note: {note}", file=sys.stderr)
    scope = Scope(
        partition=args.partition,
        region=args.region,
        account=args.account,
        stack=args.stack,
        bucket=args.bucket,
        prefix=args.prefix,
    )
    result = deploy_policy(options, scope, rollback=not args.no_rollback, boundary=args.boundary)
    for warning in result.warnings:
        print(f"{_PROG}: warning: {warning}", file=sys.stderr)
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    return 0


def _print_profile(args: argparse.Namespace) -> int:
    from lambda_perms import _catalogue
    from lambda_perms.policy import Policy, Statement

    if args.sam:
        raise _UsageError("--profile prints a named selection: it takes no SAM command line")
    profile = _catalogue.catalogue().profile(args.profile)
    actions = [entry.action.text for entry in profile.actions]
    policy = Policy.of(Statement.allow(actions, "*", sid=_sid(profile.name)))
    print(policy.to_json(indent=2))
    return 0


def _sid(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


# -- the parser --------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Which IAM permissions deploying AWS Lambda needs, and why.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    docs = commands.add_parser(
        "docs",
        help="render the catalogue's Markdown pages and JSON Schemas",
        description="Render docs/ from the catalogue (pages per service and SAM command, the "
        "rollback-only list, the article audit, the data files' JSON Schemas).",
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

    policy = commands.add_parser(
        "policy",
        help="print the least-privilege IAM policy for a SAM command line",
        description="Print the IAM policy (JSON) that a SAM CLI command line needs in a scope: "
        "statements grouped by purpose, resources narrowed to what the scope names. Give the "
        "SAM command line after '--' (default: sam deploy of one zip function with a "
        'SAM-created role). With --role-arn on it, prints {"caller": ..., '
        '"service_role": ...}. Warnings and notes go to stderr.',
        usage=f"{_PROG} policy [options] [-- sam COMMAND FLAGS...]",
    )
    for flag, what in (
        ("--account", "the 12-digit account id"),
        ("--region", "the region (also read from --region after '--')"),
        ("--partition", "the partition (default: the region's, else aws)"),
        ("--stack", "the stack name (also read from --stack-name)"),
        ("--bucket", "the artifacts bucket (also read from --s3-bucket)"),
        ("--prefix", "the artifacts key prefix (also read from --s3-prefix)"),
    ):
        policy.add_argument(flag, metavar=flag[2:].upper(), help=what)
    policy.add_argument(
        "--no-rollback",
        action="store_true",
        help="leave out the rollback-only permissions (a failed first deploy then cannot "
        "roll back: the stack is left in ROLLBACK_FAILED)",
    )
    policy.add_argument(
        "--boundary",
        metavar="ARN",
        help="a permissions boundary (managed policy ARN) required on every role-creating "
        "or role-changing action",
    )
    policy.add_argument(
        "--profile",
        metavar="NAME",
        help="print a named selection instead (article: the seed article's 37 actions)",
    )
    policy.add_argument("sam", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    policy.set_defaults(handler=_cmd_policy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lambda-perms`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (LambdaPermsError, _UsageError, OSError) as e:
        print(f"{_PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return " ".join(str(error).split())
