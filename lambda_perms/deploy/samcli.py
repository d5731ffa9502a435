"""The SAM CLI command line, reduced to what decides permissions: :class:`DeployOptions`.

:meth:`DeployOptions.from_sam_args` reads ``[sam] COMMAND FLAGS...``: the flags that change
which permissions are needed are kept (their tables are below), the flags that change none are
accepted silently, and anything else becomes a note, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from lambda_perms.catalogues.terms import Command
from lambda_perms.errors import UnknownNameError

__all__ = ["DEFAULT_RESOURCE_TYPES", "DeployOptions"]


def __dir__() -> list[str]:
    return __all__


#: The resource types of one zip function with a SAM-created execution role.
DEFAULT_RESOURCE_TYPES: Final[tuple[str, ...]] = ("AWS::Lambda::Function", "AWS::IAM::Role")


# Flags that change which permissions are needed. Valued flags take one value, multi-valued
# ones every following token up to the next flag.
_BOOLEAN: Final[frozenset[str]] = frozenset(
    {
        "--guided",
        "--resolve-s3",
        "--resolve-image-repos",
        "--disable-rollback",
        "--no-execute-changeset",
        "--force-upload",
    }
)
_VALUED: Final[frozenset[str]] = frozenset(
    {
        "--s3-bucket",
        "--s3-prefix",
        "--image-repository",
        "--role-arn",
        "--on-failure",
        "--kms-key-id",
        "--stack-name",
        "--region",
    }
)
_MULTI: Final[frozenset[str]] = frozenset(
    {"--capabilities", "--signing-profiles", "--image-repositories"}
)
_ALIASES: Final[Mapping[str, str]] = {"-g": "--guided"}

# Flags that change no permission: accepted silently.
_SILENT_BOOLEAN: Final[frozenset[str]] = frozenset(
    {
        "--confirm-changeset",
        "--no-confirm-changeset",
        "--fail-on-empty-changeset",
        "--no-fail-on-empty-changeset",
        "--use-json",
        "--debug",
        "--no-progressbar",
        "--no-disable-rollback",
        "--no-resolve-s3",
        "--no-force-upload",
        "--no-prompts",
        "--save-params",
        "--beta-features",
        "--no-beta-features",
        "--watch",
        "--no-watch",
        "--code",
        "--dependency-layer",
        "--no-dependency-layer",
        "--skip-deploy-sync",
        "--no-skip-deploy-sync",
        "--use-container",
        "--build-in-source",
        "--no-build-in-source",
        "--mount-symlinks",
        "--no-mount-symlinks",
        "--no-use-container",
        "--help",
    }
)
_SILENT_VALUED: Final[frozenset[str]] = frozenset(
    {
        "--template-file",
        "--template",
        "-t",
        "--config-file",
        "--config-env",
        "--profile",
        "--output-template-file",
        "--metadata",
        "--base-dir",
        "-s",
        "--resource-id",
        "--resource",
        "--build-image",
        "--max-wait-duration",
        "--watch-exclude",
        "--container-env-var-file",
        "--build-dir",
        "--cache-dir",
    }
)
_SILENT_MULTI: Final[frozenset[str]] = frozenset(
    {"--parameter-overrides", "--tags", "--notification-arns"}
)


def _is_flag(token: str) -> bool:
    return token.startswith("-") and len(token) > 1 and not token[1:2].isdigit()


class _SamLine:
    """The flags of one SAM command line, read token by token."""

    def __init__(self, command: Command, tokens: list[str]) -> None:
        self.command = command
        self.tokens = tokens
        self.i = 0
        self.flags: set[str] = set()
        self.values: dict[str, list[str]] = {}
        self.notes: list[str] = []

    def _next_value(self) -> str | None:
        if self.i < len(self.tokens) and not _is_flag(self.tokens[self.i]):
            self.i += 1
            return self.tokens[self.i - 1]
        return None

    def parse(self) -> None:
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            self.i += 1
            if not _is_flag(token):
                self.notes.append(
                    f"ignored the argument {token!r}: sam {self.command} takes no positional "
                    "argument"
                )
                continue
            name, eq, inline = token.partition("=")
            self._flag(_ALIASES.get(name, name), inline if eq else None)

    def _flag(self, name: str, inline: str | None) -> None:
        if name in _BOOLEAN or name in _SILENT_BOOLEAN:
            off = inline is not None and inline.lower() in ("false", "0", "no")
            if name in _BOOLEAN and not off:
                self.flags.add(name)
            return
        if name in _VALUED or name in _SILENT_VALUED:
            value = inline if inline is not None else self._next_value()
            if not value:
                self.notes.append(f"{name} needs a value; ignored")
            elif name in _VALUED:
                self.values[name] = [value]
            return
        if name in _MULTI or name in _SILENT_MULTI:
            following = [inline] if inline is not None else []
            if inline is None:
                while (value := self._next_value()) is not None:
                    following.append(value)
            if not following:
                self.notes.append(f"{name} needs a value; ignored")
            elif name in _MULTI:
                self.values.setdefault(name, []).extend(
                    part for value in following for part in value.split()
                )
            return
        self.notes.append(f"unknown flag {name} for sam {self.command}: it is ignored")
        if inline is None:
            self._next_value()  # its value, most likely


@dataclass(frozen=True)
class DeployOptions:
    """A SAM CLI command line, reduced to what decides permissions.

    ``flags`` are the permission-relevant flags present, as the catalogue writes them (with a
    value only for ``--on-failure``: ``"--on-failure DELETE"``); the values the command line
    carries are kept in their own fields. ``resource_types`` are the CloudFormation types the
    template produces, ``properties`` the template properties that switch permissions on
    (none by default); ``deploy_policy(..., template=...)`` takes both from the template.
    """

    command: Command = Command.DEPLOY
    flags: tuple[str, ...] = ()
    stack_name: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    region: str | None = None
    role_arn: str | None = None
    kms_key_id: str | None = None
    image_repository: str | None = None
    signing_profiles: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = DEFAULT_RESOURCE_TYPES
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "command", _command(self.command))
        object.__setattr__(self, "flags", tuple(sorted(set(self.flags))))
        object.__setattr__(self, "resource_types", tuple(dict.fromkeys(self.resource_types)))
        object.__setattr__(self, "properties", tuple(dict.fromkeys(self.properties)))

    def has(self, flag: str) -> bool:
        """Whether ``flag`` (a name: ``--resolve-s3``) is on the command line."""
        return any(f.split(" ", 1)[0] == flag for f in self.flags)

    @classmethod
    def from_sam_args(
        cls,
        args: Sequence[str],
        *,
        resource_types: Iterable[str] = DEFAULT_RESOURCE_TYPES,
        properties: Iterable[str] = (),
    ) -> tuple[DeployOptions, tuple[str, ...]]:
        """Parse ``[sam] COMMAND FLAGS...``: the options and notes about what was not understood.

        Both ``--flag value`` and ``--flag=value`` are read; multi-valued flags
        (``--capabilities``, ``--signing-profiles``, ...) take every token up to the next flag,
        and each token may hold several space-separated values. Flags that change no
        permission are accepted silently; an unknown flag is a note (its value, if one
        follows, is skipped), never an error.

        :raises UnknownNameError: for a command other than deploy, package, delete, sync.
        """
        tokens = list(args)
        if tokens and tokens[0] == "sam":
            tokens = tokens[1:]
        command = Command.DEPLOY if not tokens or _is_flag(tokens[0]) else _command(tokens.pop(0))
        line = _SamLine(command, tokens)
        line.parse()
        flags, values, notes = line.flags, line.values, line.notes

        def one(name: str) -> str | None:
            found = values.get(name)
            return found[-1] if found else None

        for name in values:
            if name == "--on-failure":
                flags.add(f"--on-failure {values[name][-1].upper()}")
            elif name not in ("--stack-name", "--region", "--capabilities"):
                flags.add(name)
        options = cls(
            command=command,
            flags=tuple(flags),
            stack_name=one("--stack-name"),
            s3_bucket=one("--s3-bucket"),
            s3_prefix=one("--s3-prefix"),
            region=one("--region"),
            role_arn=one("--role-arn"),
            kms_key_id=one("--kms-key-id"),
            image_repository=one("--image-repository"),
            signing_profiles=tuple(values.get("--signing-profiles", ())),
            capabilities=tuple(values.get("--capabilities", ())),
            resource_types=tuple(resource_types),
            properties=tuple(properties),
        )
        return options, tuple(notes)


def _command(value: Command | str) -> Command:
    try:
        return Command(value)
    except ValueError:
        known = ", ".join(c.value for c in Command)
        raise UnknownNameError(
            f"sam {value} needs no AWS permission this tool knows (known commands: {known})",
            name=str(value),
        ) from None
