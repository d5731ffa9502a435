"""The command line's conventions for reading and writing, shared by every subcommand.

* Every file argument is read by :func:`read_bytes` / :func:`read_text`: ``-`` is stdin; a
  missing file, a directory, an unreadable or non-UTF-8 file, a closed or empty stdin and an
  input over :data:`MAX_INPUT` bytes are each one :class:`CliError` naming the input.
* Data goes to stdout, or atomically to ``--output FILE`` (:func:`write_output`), always as
  UTF-8 whatever the locale; notes, warnings and errors go to stderr (:func:`note`), where
  characters the locale cannot show are escaped rather than failing.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from lambda_perms.iam.policy import PolicyKind
    from lambda_perms.render.inputs import PolicyPart

__all__ = [
    "MAX_INPUT",
    "PROG",
    "CliError",
    "load_policies",
    "note",
    "read_bytes",
    "read_text",
    "say",
    "setup_streams",
    "source_name",
    "write_output",
]


def __dir__() -> list[str]:
    return __all__


PROG: Final[str] = "lambda-perms"

#: The largest input read (bytes): policies are kilobytes, templates at most a megabyte.
MAX_INPUT: Final[int] = 16 * 1024 * 1024


class CliError(Exception):
    """A bad command line or input that the parser cannot see: one error line, exit 2."""


def setup_streams() -> None:
    """Make stdout and stderr escape what their encoding cannot show instead of raising.

    Data is written as UTF-8 bytes by :func:`write_output`; this covers the rest (argparse's
    help and usage, notes on stderr) under an ASCII-only locale.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        with contextlib.suppress(ValueError, OSError, io.UnsupportedOperation):
            reconfigure(errors="backslashreplace")


def source_name(path: str) -> str:
    """How messages name an input: ``<stdin>`` for ``-``, else the path as given."""
    return "<stdin>" if path == "-" else path


def _read_stdin() -> bytes:
    stream = sys.stdin
    if stream is None:
        raise CliError("<stdin>: stdin is closed; give a file instead of '-'")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text stream without bytes underneath (tests, embedding)
            data = stream.read(MAX_INPUT + 1).encode("utf-8", "surrogateescape")
        else:
            data = buffer.read(MAX_INPUT + 1)
    except ValueError:  # I/O operation on closed file
        raise CliError("<stdin>: stdin is closed; give a file instead of '-'") from None
    except OSError as e:
        raise CliError(f"<stdin>: cannot be read ({e.strerror or e})") from None
    return bytes(data)


def read_bytes(path: str) -> bytes:
    """The bytes of the input ``path`` (``-``: stdin).

    :raises CliError: naming the input, for every way reading it can fail.
    """
    name = source_name(path)
    if path == "-":
        data = _read_stdin()
    else:
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_INPUT + 1)
        except FileNotFoundError:
            raise CliError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise CliError(f"{name}: is a directory, not a file") from None
        except PermissionError:
            raise CliError(f"{name}: permission denied") from None
        except OSError as e:
            raise CliError(f"{name}: cannot be read ({e.strerror or e})") from None
    if len(data) > MAX_INPUT:
        raise CliError(f"{name}: larger than the {MAX_INPUT // (1024 * 1024)} MiB {PROG} reads")
    return data


def read_text(path: str) -> str:
    """The input ``path`` (``-``: stdin) as text: UTF-8, a byte order mark dropped.

    :raises CliError: naming the input, also when it is not UTF-8 or is empty.
    """
    data = read_bytes(path)
    name = source_name(path)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise CliError(
            f"{name}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None
    if not text.strip():
        raise CliError(f"{name}: empty input")
    return text


def load_policies(path: str, kind: PolicyKind | str = "identity") -> tuple[PolicyPart, ...]:
    """Every policy in the input ``path`` (any JSON shape ``policy`` prints; see
    :func:`lambda_perms.render.inputs.read_policies`)."""
    from lambda_perms.render.inputs import read_policies

    return read_policies(read_bytes(path), kind=kind, source=source_name(path))


def note(kind: str, text: str) -> None:
    """``lambda-perms: KIND: TEXT`` on stderr (``note``, ``warning`` or ``error``)."""
    say(f"{PROG}: {kind}: {text}")


def say(text: str) -> None:
    """One line on stderr; what the locale cannot show is escaped, never an error."""
    line = f"{text}\n"
    stream = sys.stderr
    if stream is None:  # pragma: no cover - stderr closed: nowhere to say it
        return
    try:
        stream.write(line)
        stream.flush()
    except UnicodeEncodeError:  # pragma: no cover - setup_streams() was not called
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(line.encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()


def write_output(text: str, output: str | None = None) -> None:
    """Write ``text`` as UTF-8 to stdout (``output`` ``None`` or ``-``) or to the file
    ``output``, atomically: a temporary file in the same directory replaces it once written,
    so a failed run never leaves half a file.

    :raises CliError: when stdout is closed or the file cannot be written.
    """
    data = text.encode("utf-8", "backslashreplace")
    if output is None or output == "-":
        _write_stdout(text, data)
        return
    directory = os.path.dirname(os.path.abspath(output))
    if os.path.isdir(output):
        raise CliError(f"{output}: is a directory, not a file")
    if not os.path.isdir(directory):
        raise CliError(f"{output}: no such directory {directory!r}")
    try:
        mode = os.stat(output).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(output)}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, output)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise CliError(f"{output}: cannot be written ({e.strerror or e})") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _write_stdout(text: str, data: bytes) -> None:
    stream = sys.stdout
    if stream is None:
        raise CliError("stdout is closed: give --output FILE")
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (tests, embedding)
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # what went through the text layer first stays first
    buffer.write(data)
    buffer.flush()
