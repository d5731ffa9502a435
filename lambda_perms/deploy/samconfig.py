"""SAM CLI's configuration file (``samconfig.toml``), read exactly as SAM CLI 1.170.0 reads it.

>>> import tempfile, pathlib
>>> project = pathlib.Path(tempfile.mkdtemp())
>>> _ = (project / "samconfig.toml").write_text('''
... version = 0.1
... [default.deploy.parameters]
... stack_name = "orders"
... resolve_s3 = true
... capabilities = "CAPABILITY_IAM"
... parameter_overrides = "Stage=prod"
... [default.global.parameters]
... region = "eu-west-1"
... ''')
>>> config = read_samconfig("deploy", cwd=project)
>>> config.stack_name, config.resolve_s3, config.region, config.parameters
('orders', True, 'eu-west-1', {'Stage': 'prod'})
>>> config.to_sam_args()
('--stack-name', 'orders', '--region', 'eu-west-1', '--resolve-s3', '--capabilities', \
'CAPABILITY_IAM', '--parameter-overrides', 'Stage=prod')
>>> apply_samconfig(["sam", "deploy", "--no-resolve-s3", "--s3-bucket", "art"], cwd=project)[0]
('sam', 'deploy', '--stack-name', 'orders', '--region', 'eu-west-1', '--capabilities', \
'CAPABILITY_IAM', '--parameter-overrides', 'Stage=prod', '--no-resolve-s3', '--s3-bucket', 'art')

How SAM CLI finds and reads the file (verified against ``samcli/cli/cli_config_file.py``:
``configuration_callback``, ``ConfigProvider.__call__``, ``handle_parse_options``;
``samcli/lib/config/samconfig.py``: ``SamConfig.get_default_file``, ``SamConfig.get_all``,
``SamConfig._version_sanity_check``; ``samcli/lib/config/file_manager.py``:
``FILE_MANAGER_MAPPER``; ``samcli/commands/_utils/options.py``:
``get_or_default_template_file_name``; ``samcli/commands/delete/delete_context.py``):

- **Where.** The directory is the template's when ``--template-file``/``--template``/``-t`` is
  on the command line (that eager option runs before the configuration is read), else the
  working directory (a template named only by ``SAM_TEMPLATE_FILE`` or by samconfig does not
  move it). ``--config-file`` names the file, relative to that directory; without it the
  directory's ``samconfig.toml``, ``samconfig.yaml`` or ``samconfig.yml`` is read (the first
  that exists, in that order). An explicitly named file that does not exist is an error,
  except the default name ``samconfig.toml``. JSON is not read: SAM CLI 1.170.0 disables its
  JSON file manager.
- **What.** ``--config-env`` (default ``default``) picks the environment; the command's table
  ``[env.<command>.parameters]`` is read over ``[env.global.parameters]`` (the command's keys
  win). ``sam delete`` reads ``[env.deploy.parameters]``, never ``[env.delete...]``. An
  environment the file lacks gives nothing (SAM CLI says nothing either; here an environment
  named with ``--config-env`` that the file lacks is an error, with close matches).
- **Checks.** The file must have a ``version`` that is a number with a fraction (``0.1``).
- **Values.** Keys are the options' parameter names (``stack_name``, not ``stack-name``;
  ``template`` is accepted for ``template_file``). Strings, numbers and booleans are read as
  the option's type reads them (``"yes"``/``"no"``/``"true"``... for flags); an option that
  takes several values takes a list or a space-separated string (``capabilities``), and
  ``parameter_overrides`` a string, a list or a table (see
  :func:`~lambda_perms.deploy.overrides.parse_parameter_overrides`).
- **Precedence.** An option given on the command line replaces the file's value entirely
  (``--no-resolve-s3`` turns off ``resolve_s3 = true``; ``--capabilities X`` replaces the
  file's list); ``SAM_TEMPLATE_FILE`` also beats the file's ``template_file``. The file's
  ``region`` beats ``AWS_REGION``/``AWS_DEFAULT_REGION`` (it is the ``--region`` option's
  value). :func:`apply_samconfig` builds the command line SAM CLI effectively runs.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lambda_perms.deploy.overrides import (
    format_parameter_overrides,
    load_yaml_12,
    parse_parameter_overrides,
)
from lambda_perms.deploy.sam_options import (
    COMMANDS,
    KNOWN_TABLES,
    OPTIONS,
    given_options,
    split_command,
)
from lambda_perms.deploy.samconfig_values import ON_FAILURE, SamconfigValues
from lambda_perms.errors import SamconfigError

__all__ = [
    "COMMANDS",
    "DEFAULT_ENV",
    "SamConfig",
    "apply_samconfig",
    "parameter_overrides_of",
    "read_samconfig",
    "samconfig_for",
]


def __dir__() -> list[str]:
    return __all__


DEFAULT_ENV: Final[str] = "default"
DEFAULT_FILE: Final[str] = "samconfig.toml"
#: The extensions SAM CLI reads, in the order it prefers them when several files exist.
EXTENSIONS: Final[tuple[str, ...]] = (".toml", ".yaml", ".yml")
_GLOBAL: Final[str] = "global"
_SECTION: Final[str] = "parameters"


# -- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamConfig:
    """What a samconfig environment sets for one SAM CLI command (``None``/empty: not set).

    ``file`` is the file read (``None`` when there is none), ``table`` the command table read
    (``deploy`` for ``sam delete``). ``signing_profiles`` holds ``(function or layer, profile,
    owner)`` (owner ``""`` when not given), ``image_repositories`` ``(function, ECR URI)``,
    ``parameter_overrides`` ``(name, value)`` in the file's order. ``keys`` are every key read
    (command table over ``global``); ``notes`` say what SAM CLI silently ignores (a misspelt
    table or key, an environment the file lacks).
    """

    command: str = "deploy"
    env: str = DEFAULT_ENV
    file: str | None = None
    table: str = "deploy"
    stack_name: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    resolve_s3: bool | None = None
    region: str | None = None
    role_arn: str | None = None
    kms_key_id: str | None = None
    image_repository: str | None = None
    image_repositories: tuple[tuple[str, str], ...] = ()
    resolve_image_repos: bool | None = None
    signing_profiles: tuple[tuple[str, str, str], ...] = ()
    parameter_overrides: tuple[tuple[str, str], ...] = ()
    capabilities: tuple[str, ...] | None = None
    on_failure: str | None = None
    disable_rollback: bool | None = None
    force_upload: bool | None = None
    no_execute_changeset: bool | None = None
    guided: bool | None = None
    template_file: str | None = None
    keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def parameters(self) -> dict[str, str]:
        """``parameter_overrides`` as a mapping."""
        return dict(self.parameter_overrides)

    def to_sam_args(self) -> tuple[str, ...]:
        """The SAM CLI flags that say what this configuration says (only options the command
        takes; a flag that is off is left out, as it is the default)."""
        return tuple(token for _, tokens in self._flags() for token in tokens)

    def _flags(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """``(parameter, tokens)`` for each option set, in a fixed order."""
        options = OPTIONS[self.command]
        valued = (
            ("template_file", "--template-file", self.template_file),
            ("stack_name", "--stack-name", self.stack_name),
            ("region", "--region", self.region),
            ("s3_bucket", "--s3-bucket", self.s3_bucket),
            ("s3_prefix", "--s3-prefix", self.s3_prefix),
            ("image_repository", "--image-repository", self.image_repository),
            ("kms_key_id", "--kms-key-id", self.kms_key_id),
            ("role_arn", "--role-arn", self.role_arn),
            ("on_failure", "--on-failure", self.on_failure),
        )
        for param, flag, value in valued:
            if value is not None and flag in options:
                yield param, (flag, value)
        switches = (
            ("guided", "--guided", self.guided),
            ("resolve_s3", "--resolve-s3", self.resolve_s3),
            ("resolve_image_repos", "--resolve-image-repos", self.resolve_image_repos),
            ("disable_rollback", "--disable-rollback", self.disable_rollback),
            ("force_upload", "--force-upload", self.force_upload),
            ("no_execute_changeset", "--no-execute-changeset", self.no_execute_changeset),
        )
        for param, flag, on in switches:
            if on and flag in options:
                yield param, (flag,)
        if self.image_repositories and "--image-repositories" in options:
            for function, uri in self.image_repositories:
                yield "image_repositories", ("--image-repositories", f"{function}={uri}")
        if self.signing_profiles and "--signing-profiles" in options:
            yield (
                "signing_profiles",
                (
                    "--signing-profiles",
                    *(f"{f}={p}:{o}" if o else f"{f}={p}" for f, p, o in self.signing_profiles),
                ),
            )
        if self.capabilities and "--capabilities" in options:
            yield "capabilities", ("--capabilities", *self.capabilities)
        if self.parameter_overrides and "--parameter-overrides" in options:
            yield (
                "parameter_overrides",
                (
                    "--parameter-overrides",
                    *format_parameter_overrides(self.parameters),
                ),
            )


# -- reading ---------------------------------------------------------------------------------


def read_samconfig(
    command: str = "deploy",
    *,
    config_file: str | os.PathLike[str] | None = None,
    config_env: str | None = None,
    template_file: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> SamConfig:
    """What samconfig sets for ``sam <command>``, found and read as SAM CLI does.

    ``config_file``, ``config_env`` and ``template_file`` are the ``--config-file``,
    ``--config-env`` and ``--template-file`` given on the command line (``None``: not given);
    ``cwd`` is the directory SAM CLI runs in (default: the current one).

    :raises SamconfigError: for a named file that does not exist, an extension SAM CLI does
        not read, a file that is not valid TOML/YAML or has no ``version``, a named
        environment the file lacks (with close matches), a table that is not a table, or a
        value the option does not accept; the message names the file and the key.
    :raises UnknownNameError: for a command other than deploy, package, delete, sync.
    """
    if command not in COMMANDS:
        from lambda_perms.errors import UnknownNameError

        raise UnknownNameError(
            f"sam {command} is not a command read here (known: {', '.join(COMMANDS)})",
            name=command,
            suggestions=tuple(difflib.get_close_matches(command, list(COMMANDS), 3, 0.6)),
        )
    base = Path(cwd) if cwd is not None else Path.cwd()
    notes: list[str] = []
    directory = base
    if template_file is not None and "-t" in OPTIONS[command]:
        directory = Path(os.path.abspath(base / template_file)).parent
    name = _default_file(directory, notes) if config_file is None else os.fspath(config_file)
    path = Path(name) if os.path.isabs(name) else directory / name
    shown = name if config_file is not None else str(path)
    if config_file is not None and name != DEFAULT_FILE and not path.is_file():
        raise SamconfigError("the config file does not exist or could not be read", file=shown)
    if path.suffix not in EXTENSIONS:
        raise SamconfigError(
            f"SAM CLI does not read {path.suffix or 'extensionless'} config files (it reads "
            f"{', '.join(EXTENSIONS)}; its JSON support is disabled in 1.170.0)",
            file=shown,
        )
    env = config_env if config_env else DEFAULT_ENV
    table = COMMANDS[command]
    if not path.is_file():
        return SamConfig(command=command, env=env, table=table, notes=tuple(notes))
    document = _load(path, shown)
    values = _select(document, env, table, explicit=bool(config_env), file=shown, notes=notes)
    if command == "delete" and isinstance(document.get(env), Mapping) and "delete" in document[env]:
        notes.append(
            f"{shown}: sam delete reads [{env}.deploy.{_SECTION}], not [{env}.delete]: "
            "SAM CLI ignores the delete table"
        )
    return _typed(
        command=command, env=env, table=table, file=shown, values=values, notes=notes, base=base
    )


def _default_file(directory: Path, notes: list[str]) -> str:
    found = [DEFAULT_FILE.removesuffix(".toml") + ext for ext in EXTENSIONS]
    found = [name for name in found if (directory / name).exists()]
    if len(found) > 1:
        notes.append(
            f"more than one samconfig file in {directory}: SAM CLI reads {found[0]} "
            f"(not {', '.join(found[1:])})"
        )
    if not found and (directory / "samconfig.json").exists():
        notes.append(
            f"{directory / 'samconfig.json'} is not read: SAM CLI 1.170.0 reads samconfig "
            "files in TOML or YAML only"
        )
    return found[0] if found else DEFAULT_FILE


def _load(path: Path, shown: str) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SamconfigError(f"cannot be read ({e.strerror})", file=shown) from None
    except UnicodeDecodeError:
        raise SamconfigError("not UTF-8 text", file=shown) from None
    try:
        document = tomllib.loads(text) if path.suffix == ".toml" else load_yaml_12(text)
    except ValueError as e:
        kind = "TOML" if path.suffix == ".toml" else "YAML"
        raise SamconfigError(f"not valid {kind} ({e})", file=shown) from None
    if document is None and path.suffix != ".toml":
        raise SamconfigError(
            "the file is empty (SAM CLI cannot read an empty YAML file)", file=shown
        )
    if not isinstance(document, Mapping):
        raise SamconfigError(
            f"expected a mapping of environments, got {type(document).__name__}", file=shown
        )
    version = document.get("version")
    if document and (not isinstance(version, float) or isinstance(version, bool)):
        raise SamconfigError(
            "'version' is missing or not a number with a fraction (SAM CLI writes version = 0.1)",
            file=shown,
            path="version",
        )
    return document


def _select(
    document: Mapping[str, Any],
    env: str,
    table: str,
    *,
    explicit: bool,
    file: str,
    notes: list[str],
) -> dict[str, tuple[str, Any]]:
    """The keys read, each with the path it was read from (command table over global)."""
    envs = sorted(k for k, v in document.items() if isinstance(v, Mapping))
    if env not in document:
        close = tuple(difflib.get_close_matches(env, envs, 3, 0.6))
        if explicit and env != DEFAULT_ENV:
            raise SamconfigError(
                f"no environment {env!r} in the file (it has: {', '.join(envs) or 'none'})",
                file=file,
                path=env,
                suggestions=close,
            )
        if envs:
            notes.append(
                f"{file} has no {env!r} environment (it has: {', '.join(envs)}): SAM CLI reads "
                "nothing from it"
            )
        return {}
    content = document[env]
    if not isinstance(content, Mapping):
        raise SamconfigError("an environment is a table", file=file, path=env)
    for name in content:
        if name in KNOWN_TABLES:
            continue
        matches = difflib.get_close_matches(str(name), [table, _GLOBAL], 1, 0.75)
        if matches:
            notes.append(
                f"{file}: [{env}.{name}] is not a SAM CLI command (did you mean "
                f"[{env}.{matches[0]}]?): SAM CLI ignores it"
            )
    out: dict[str, tuple[str, Any]] = {}
    for name in (_GLOBAL, table):
        if name not in content:
            continue
        where = f"{env}.{name}"
        section = content[name]
        if not isinstance(section, Mapping):
            raise SamconfigError("a command's entry is a table", file=file, path=where)
        for key in section:
            if key != _SECTION and difflib.get_close_matches(str(key), [_SECTION], 1, 0.75):
                notes.append(
                    f"{file}: [{where}.{key}] is ignored: SAM CLI reads [{where}.{_SECTION}]"
                )
        params = section.get(_SECTION, {})
        if not isinstance(params, Mapping):
            raise SamconfigError("'parameters' is a table", file=file, path=f"{where}.{_SECTION}")
        for key, value in params.items():
            out[str(key)] = (f"{where}.{_SECTION}.{key}", value)
        if name == table:
            _unknown_keys(params, table, f"{where}.{_SECTION}", file, notes)
    return out


def _unknown_keys(
    params: Mapping[str, Any], table: str, where: str, file: str, notes: list[str]
) -> None:
    known = {param for param, _ in OPTIONS[table].values()} | {"template"}
    for key in params:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key).replace("-", "_"), sorted(known), 1, 0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        notes.append(
            f"{file}: {where}.{key} is not an option of sam {table}{hint}: SAM CLI ignores it"
        )


def _typed(
    *,
    command: str,
    env: str,
    table: str,
    file: str,
    values: Mapping[str, tuple[str, Any]],
    notes: list[str],
    base: Path,
) -> SamConfig:
    taken = {param for param, _ in OPTIONS[command].values()}
    read = SamconfigValues(values, taken, file)
    template = read.string("template_file")
    if template is None:
        template = read.string("template") if "template_file" in taken else None
    return SamConfig(
        command=command,
        env=env,
        file=file,
        table=table,
        stack_name=read.string("stack_name"),
        s3_bucket=read.string("s3_bucket"),
        s3_prefix=read.string("s3_prefix"),
        resolve_s3=read.boolean("resolve_s3"),
        region=read.string("region"),
        role_arn=read.string("role_arn"),
        kms_key_id=read.string("kms_key_id"),
        image_repository=read.image_repository(),
        image_repositories=read.image_repositories(),
        resolve_image_repos=read.boolean("resolve_image_repos"),
        signing_profiles=read.signing_profiles(),
        parameter_overrides=read.parameter_overrides(base),
        capabilities=read.words("capabilities"),
        on_failure=read.choice("on_failure", ON_FAILURE),
        disable_rollback=read.boolean("disable_rollback"),
        force_upload=read.boolean("force_upload"),
        no_execute_changeset=read.boolean("no_execute_changeset"),
        guided=read.boolean("guided"),
        template_file=template,
        keys=tuple(sorted(values)),
        notes=tuple(dict.fromkeys(notes)),
    )


# -- the command line ------------------------------------------------------------------------


def samconfig_for(
    sam_args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None
) -> SamConfig:
    """The samconfig a SAM CLI command line reads (``[sam] COMMAND FLAGS...``), found from its
    ``--config-file``, ``--config-env`` and ``--template-file``/``-t`` as SAM CLI finds it.

    :raises SamconfigError: see :func:`read_samconfig`.
    :raises UnknownNameError: for a command other than deploy, package, delete, sync.
    """
    command, tokens = split_command(sam_args)
    given = given_options(command, tokens) if command in OPTIONS else {}

    def last(param: str) -> str | None:
        found = given.get(param)
        return found[-1] if found else None

    return read_samconfig(
        command,
        config_file=last("config_file"),
        config_env=last("config_env"),
        template_file=last("template_file"),
        cwd=cwd,
    )


def apply_samconfig(
    sam_args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], SamConfig]:
    """The command line SAM CLI effectively runs: ``("sam", COMMAND, *the samconfig's flags
    for options not on the command line, *the command line's own flags)``, and the samconfig.

    An option on the command line replaces the file's (``--no-resolve-s3`` removes
    ``resolve_s3 = true``; ``--capabilities`` replaces the file's list); ``SAM_TEMPLATE_FILE``
    in ``environ`` (default: ``os.environ``) replaces the file's ``template_file``.

    :raises SamconfigError: see :func:`read_samconfig`.
    :raises UnknownNameError: for a command other than deploy, package, delete, sync.
    """
    command, tokens = split_command(sam_args)
    config = samconfig_for(sam_args, cwd=cwd)
    given = set(given_options(command, tokens))
    if "SAM_TEMPLATE_FILE" in (os.environ if environ is None else environ):
        given.add("template_file")
    from_file = [t for param, flags in config._flags() if param not in given for t in flags]
    return ("sam", command, *from_file, *tokens), config


def parameter_overrides_of(
    sam_args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """The ``--parameter-overrides`` a SAM CLI command line gives (the last occurrence, as
    click keeps it), read as SAM CLI reads them; for the line :func:`apply_samconfig` returns,
    that is the command line's own overrides, else the samconfig's.

    >>> parameter_overrides_of(["sam", "deploy", "--parameter-overrides", "A=1", 'B="x y"'])
    {'A': '1', 'B': 'x y'}

    :raises UsageError: for overrides in neither syntax (see
        :func:`~lambda_perms.deploy.overrides.parse_parameter_overrides`).
    """
    command, tokens = split_command(sam_args)
    given = given_options(command, tokens).get("parameter_overrides")
    return parse_parameter_overrides(list(given), cwd=cwd) if given else {}
