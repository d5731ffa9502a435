"""The command line's conventions for arguments, shared by every subcommand.

:func:`command` adds a subcommand with its description and examples (and remembers its
parser, so that a bad flag prints that subcommand's usage); :func:`add_format` gives it the
one ``--format`` option (keeping a deprecated ``--json`` spelling working, with a note);
:func:`add_output` its ``--output FILE``. :func:`finish` applies what these leave to do after
parsing. A new subcommand that uses them gets every convention for free.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from lambda_perms.cli._io import PROG, note

__all__ = ["add_format", "add_output", "command", "finish", "unknown_arguments"]


def __dir__() -> list[str]:
    return __all__


def command(
    commands: Any,
    name: str,
    help: str,
    description: str,
    examples: str,
    *,
    usage: str | None = None,
    epilog: str = "",
) -> argparse.ArgumentParser:
    """A subcommand parser with its description, examples and (optional) more epilog text."""
    lines = "\n".join(f"  {line}" for line in examples.strip().splitlines())
    more = f"\n\n{epilog.strip()}" if epilog else ""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"examples:\n{lines}{more}",
        usage=usage,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(parser=parser, json_alias=False)
    return parser


def add_format(
    parser: argparse.ArgumentParser,
    choices: Sequence[str],
    default: str | None,
    help: str,
    *,
    json_alias: bool = False,
) -> None:
    """``--format`` with ``choices``; ``json_alias`` keeps ``--json`` as a deprecated
    spelling of ``--format json``."""
    parser.add_argument("--format", choices=tuple(choices), help=help)
    parser.set_defaults(format=None, format_default=default)
    if json_alias:
        parser.add_argument(
            "--json", dest="json_alias", action="store_true", help=argparse.SUPPRESS
        )


def add_output(parser: argparse.ArgumentParser) -> None:
    """``--output FILE``: write the result there (atomically) instead of to stdout."""
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the result to FILE instead of stdout (replaced only once complete; "
        "- for stdout)",
    )


def finish(args: argparse.Namespace) -> None:
    """What the shared options leave to do after parsing: the deprecated ``--json``, the
    default format."""
    if getattr(args, "json_alias", False):
        if args.format not in (None, "json"):
            note("note", f"--json and --format {args.format} disagree: --format {args.format} wins")
        else:
            note("note", "--json is deprecated: use --format json")
            args.format = "json"
    if getattr(args, "format", None) is None:
        args.format = getattr(args, "format_default", None)


def unknown_arguments(parser: argparse.ArgumentParser, extras: Sequence[str]) -> str:
    """The error for arguments ``parser`` does not take, with close option names."""
    import difflib

    options = [o for action in parser._actions for o in action.option_strings]
    hints = []
    for extra in extras:
        if extra.startswith("-"):
            close = difflib.get_close_matches(extra.split("=", 1)[0], options, n=1, cutoff=0.6)
            if close:
                hints.append(f"{extra} (did you mean {close[0]}?)")
                continue
        hints.append(extra)
    return f"unrecognized arguments: {' '.join(hints)}"


def prog(name: str) -> str:
    """``lambda-perms NAME``."""
    return f"{PROG} {name}"
