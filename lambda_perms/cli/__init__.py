"""The ``lambda-perms`` command (also ``python -m lambda_perms``): a thin shell over the library.

Each subcommand is one function ``_cmd_<name>(args) -> int`` in a module of this package
(``_deploy``: policy, diff; ``_algebra``: merge, minimize, validate; ``_simulate``: simulate;
``_reference``: docs, explain, expand, schema), registered by that module's ``register``. The
conventions every subcommand shares live in ``_io`` (inputs, outputs, notes) and ``_args``
(``--format``, ``--output``, usage): ``-`` is stdin for every file argument; results go to stdout
(UTF-8, whatever the locale) or atomically to ``--output FILE``; notes and warnings to stderr.

Exit codes: 0 success; 1 a check found something (``docs --check``: stale pages; ``diff``:
missing grants; ``validate``: findings at ``--fail-on``; ``expand``: no match; ``simulate``: a
denied request); 2 an error: one ``lambda-perms: error: ...`` line, never a traceback (a bad
flag prints the subcommand's usage first).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lambda_perms._version import __version__
from lambda_perms.cli._args import finish, unknown_arguments
from lambda_perms.cli._io import PROG, CliError, note, setup_streams, write_output
from lambda_perms.errors import LambdaPermsError

__all__ = ["main", "version_text"]


def __dir__() -> list[str]:
    return __all__


def version_text() -> str:
    """``lambda-perms 0.1.0 (universe ...; catalogue ...; cloudformation handlers ...)``."""
    from lambda_perms import catalogue, universe
    from lambda_perms._data import cloudformation_version

    return (
        f"{PROG} {__version__} (universe {universe().version}; catalogue evidence "
        f"{', '.join(catalogue().evidence_versions())}; cloudformation handlers "
        f"{cloudformation_version()})"
    )


class _Version(argparse.Action):
    """``--version``: computed only when asked (it reads the data's versions)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        write_output(version_text() + "\n")
        parser.exit()


def _build_parser() -> argparse.ArgumentParser:
    from lambda_perms.cli import _algebra, _deploy, _reference, _simulate

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Which IAM permissions deploying AWS Lambda needs, and why. Files are read "
        "by name, or from stdin for '-'; --output FILE writes the result there instead of "
        "stdout.",
    )
    parser.add_argument(
        "--version",
        action=_Version,
        help="print the version and the dates of the universe and catalogue data",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _reference.register(commands)
    _deploy.register(commands)
    _algebra.register(commands)
    _simulate.register(commands)
    _reference.register_lookups(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lambda-perms`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    setup_streams()
    tokens = list(sys.argv[1:] if argv is None else argv)
    sam: list[str] = []
    if "--" in tokens:  # the SAM command line is everything after the first '--'
        cut = tokens.index("--")
        tokens, sam = tokens[:cut], tokens[cut + 1 :]
    parser = _build_parser()
    args, extras = parser.parse_known_args(tokens)
    command: argparse.ArgumentParser = args.parser
    if extras:
        command.error(unknown_arguments(command, extras))
    if sam and "sam" not in vars(args):
        command.error(f"{args.command} takes no SAM command line after '--'")
    if "sam" in vars(args):
        args.sam = [*args.sam, *sam]
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        finish(args)
        return handler(args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as cat does
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        note("error", "interrupted")
        return 130
    except (LambdaPermsError, CliError, OSError, UnicodeError, RecursionError, MemoryError) as e:
        note("error", _one_line(e))
        return 2


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush then succeeds
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a fd
        pass


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror[:1].lower()}{error.strerror[1:]}"
    if isinstance(error, RecursionError):
        return "the input is nested too deeply"
    if isinstance(error, MemoryError):
        return "out of memory: the input is too large"
    return " ".join(str(error).split()) or type(error).__name__
