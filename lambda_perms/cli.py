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
