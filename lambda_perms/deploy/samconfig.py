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
  :func:`~lambda_perms.deploy.parameters.parse_parameter_overrides`).
- **Precedence.** An option given on the command line replaces the file's value entirely
  (``--no-resolve-s3`` turns off ``resolve_s3 = true``; ``--capabilities X`` replaces the
  file's list); ``SAM_TEMPLATE_FILE`` also beats the file's ``template_file``. The file's
  ``region`` beats ``AWS_REGION``/``AWS_DEFAULT_REGION`` (it is the ``--region`` option's
  value). :func:`apply_samconfig` builds the command line SAM CLI effectively runs.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lambda_perms.deploy.parameters import (
    format_parameter_overrides,
    load_yaml_12,
    parse_parameter_overrides,
)
from lambda_perms.errors import SamconfigError, UsageError

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

# -- the options of the commands that need AWS permissions (samcli/commands/*/command.py) -------

_FLAG, _VALUE, _NARGS, _MULTIPLE = "flag", "value", "nargs", "multiple"

_COMMON: Final[Mapping[str, tuple[str, str]]] = {
    "--config-env": ("config_env", _VALUE),
    "--config-file": ("config_file", _VALUE),
    "--profile": ("profile", _VALUE),
    "--region": ("region", _VALUE),
    "--beta-features": ("beta_features", _FLAG),
    "--no-beta-features": ("beta_features", _FLAG),
    "--debug": ("debug", _FLAG),
    "--save-params": ("save_params", _FLAG),
    "--help": ("help", _FLAG),
}
_TEMPLATE: Final[Mapping[str, tuple[str, str]]] = {
    "--template-file": ("template_file", _VALUE),
    "--template": ("template_file", _VALUE),
    "-t": ("template_file", _VALUE),
}
_LANGUAGE_EXTENSIONS: Final[Mapping[str, tuple[str, str]]] = {
    "--language-extensions": ("language_extensions", _FLAG),
    "--no-language-extensions": ("language_extensions", _FLAG),
}
_ARTIFACTS: Final[Mapping[str, tuple[str, str]]] = {
    "--s3-bucket": ("s3_bucket", _VALUE),
    "--s3-prefix": ("s3_prefix", _VALUE),
    "--image-repository": ("image_repository", _VALUE),
    "--image-repositories": ("image_repositories", _MULTIPLE),
    "--kms-key-id": ("kms_key_id", _VALUE),
    "--metadata": ("metadata", _VALUE),
}


_OPTIONS: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "deploy": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--guided": ("guided", _FLAG),
        "-g": ("guided", _FLAG),
        "--no-execute-changeset": ("no_execute_changeset", _FLAG),
        "--fail-on-empty-changeset": ("fail_on_empty_changeset", _FLAG),
        "--no-fail-on-empty-changeset": ("fail_on_empty_changeset", _FLAG),
        "--confirm-changeset": ("confirm_changeset", _FLAG),
        "--no-confirm-changeset": ("confirm_changeset", _FLAG),
        "--disable-rollback": ("disable_rollback", _FLAG),
        "--no-disable-rollback": ("disable_rollback", _FLAG),
        "--on-failure": ("on_failure", _VALUE),
        "--max-wait-duration": ("max_wait_duration", _VALUE),
        "--express": ("express", _FLAG),
        "--no-express": ("express", _FLAG),
        "--stack-name": ("stack_name", _VALUE),
        "--force-upload": ("force_upload", _FLAG),
        "--role-arn": ("role_arn", _VALUE),
        "--use-json": ("use_json", _FLAG),
        "--resolve-s3": ("resolve_s3", _FLAG),
        "--no-resolve-s3": ("resolve_s3", _FLAG),
        "--resolve-image-repos": ("resolve_image_repos", _FLAG),
        "--notification-arns": ("notification_arns", _NARGS),
        "--tags": ("tags", _NARGS),
        "--parameter-overrides": ("parameter_overrides", _NARGS),
        "--signing-profiles": ("signing_profiles", _NARGS),
        "--no-progressbar": ("no_progressbar", _FLAG),
        "--capabilities": ("capabilities", _NARGS),
        "--output": ("output", _VALUE),
    },
    "package": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--output-template-file": ("output_template_file", _VALUE),
        "--use-json": ("use_json", _FLAG),
        "--force-upload": ("force_upload", _FLAG),
        "--resolve-s3": ("resolve_s3", _FLAG),
        "--no-resolve-s3": ("resolve_s3", _FLAG),
        "--resolve-image-repos": ("resolve_image_repos", _FLAG),
        "--signing-profiles": ("signing_profiles", _NARGS),
        "--no-progressbar": ("no_progressbar", _FLAG),
    },
    "delete": {
        **_COMMON,
        "--stack-name": ("stack_name", _VALUE),
        "--no-prompts": ("no_prompts", _FLAG),
        "--s3-bucket": ("s3_bucket", _VALUE),
        "--s3-prefix": ("s3_prefix", _VALUE),
        "--express": ("express", _FLAG),
        "--no-express": ("express", _FLAG),
    },
    "sync": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--code": ("code", _FLAG),
        "--watch": ("watch", _FLAG),
        "--no-watch": ("watch", _FLAG),
        "--resource-id": ("resource_id", _MULTIPLE),
        "--resource": ("resource", _MULTIPLE),
        "--dependency-layer": ("dependency_layer", _FLAG),
        "--no-dependency-layer": ("dependency_layer", _FLAG),
        "--skip-deploy-sync": ("skip_deploy_sync", _FLAG),
        "--no-skip-deploy-sync": ("skip_deploy_sync", _FLAG),
        "--express": ("express", _FLAG),
        "--no-express": ("express", _FLAG),
        "--container-env-var-file": ("container_env_var_file", _VALUE),
        "-ef": ("container_env_var_file", _VALUE),
        "--watch-exclude": ("watch_exclude", _MULTIPLE),
        "--stack-name": ("stack_name", _VALUE),
        "--base-dir": ("base_dir", _VALUE),
        "-s": ("base_dir", _VALUE),
        "--use-container": ("use_container", _FLAG),
        "-u": ("use_container", _FLAG),
        "--no-use-container": ("use_container", _FLAG),
        "--build-in-source": ("build_in_source", _FLAG),
        "--no-build-in-source": ("build_in_source", _FLAG),
        "--build-image": ("build_image", _MULTIPLE),
        "-bi": ("build_image", _MULTIPLE),
        "--role-arn": ("role_arn", _VALUE),
        "--parameter-overrides": ("parameter_overrides", _NARGS),
        "--notification-arns": ("notification_arns", _NARGS),
        "--tags": ("tags", _NARGS),
        "--capabilities": ("capabilities", _NARGS),
    },
}

#: The SAM CLI commands read here, each with the samconfig table it reads.
COMMANDS: Final[Mapping[str, str]] = {
    "deploy": "deploy",
    "package": "package",
    "delete": "deploy",  # samcli/commands/delete/delete_context.py: CONFIG_COMMAND = "deploy"
    "sync": "sync",
}

# every command's table name a samconfig file may hold (samcli's command tree, "global" too):
# a table with another name close to a name read here is reported as a likely misspelling
_KNOWN_TABLES: Final[frozenset[str]] = frozenset(
    {
        "global", "build", "deploy", "package", "delete", "sync", "validate", "init", "logs",
        "traces", "publish", "list_endpoints", "list_outputs", "list_resources",
        "list_stack_outputs", "local_invoke", "local_start_api", "local_start_lambda",
        "local_generate_event", "local_callback_succeed", "local_callback_fail",
        "local_callback_heartbeat", "local_execution_get", "local_execution_history",
        "local_execution_stop", "pipeline_bootstrap", "pipeline_init", "remote_invoke",
        "remote_test_event_get", "remote_test_event_list", "remote_test_event_put",
        "remote_test_event_delete", "remote_callback_succeed", "remote_callback_fail",
        "remote_callback_heartbeat", "remote_execution_get", "remote_execution_history",
        "remote_execution_stop", "docs",
    }
)  # fmt: skip

_ON_FAILURE: Final[tuple[str, ...]] = ("ROLLBACK", "DELETE", "DO_NOTHING")
_TRUE: Final[frozenset[str]] = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE: Final[frozenset[str]] = frozenset({"0", "false", "f", "no", "n", "off"})
# samcli/lib/package/ecr_utils.py: ECR_URL (a registry, then a repository path)
_ECR_URL: Final[re.Pattern[str]] = re.compile(
    r"^(?:(?:[a-zA-Z0-9][\w-]*)\.dkr\.ecr\.(?:[a-zA-Z0-9][\w-]*)\.amazonaws\.com(\.cn)?"
    r"|localhost(?::\d{1,5})?|127\.0\.0\.1(?::\d{1,5})?)/"
    r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
)
# samcli/cli/types.py: SigningProfilesOptionType.pattern
_SIGNING: Final[re.Pattern[str]] = re.compile(
    r"""(?:(?: )([A-Za-z0-9"]+)=("(?:\\.|[^"\\]+)*"|(?:\\.|[^ "\\]+)+))"""
)


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
        options = _OPTIONS[self.command]
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
    if template_file is not None and "-t" in _OPTIONS[command]:
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
        if name in _KNOWN_TABLES:
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
    known = {param for param, _ in _OPTIONS[table].values()} | {"template"}
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
    taken = {param for param, _ in _OPTIONS[command].values()}
    read = _Values(values, taken, file)
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
        on_failure=read.choice("on_failure", _ON_FAILURE),
        disable_rollback=read.boolean("disable_rollback"),
        force_upload=read.boolean("force_upload"),
        no_execute_changeset=read.boolean("no_execute_changeset"),
        guided=read.boolean("guided"),
        template_file=template,
        keys=tuple(sorted(values)),
        notes=tuple(dict.fromkeys(notes)),
    )


class _Values:
    """The values read, converted as each option's click type converts them."""

    def __init__(self, values: Mapping[str, tuple[str, Any]], taken: set[str], file: str) -> None:
        self.values = values
        self.taken = taken
        self.file = file

    def _get(self, key: str) -> tuple[str, Any] | None:
        if key not in self.values or (key not in self.taken and key != "template"):
            return None
        return self.values[key]

    def fail(self, path: str, message: str, suggestions: tuple[str, ...] = ()) -> SamconfigError:
        return SamconfigError(message, file=self.file, path=path, suggestions=suggestions)

    def string(self, key: str) -> str | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, Mapping | list):
            kind = "list" if isinstance(value, list) else "table"
            raise self.fail(path, f"takes one value, got a {kind}")
        return str(value)

    def boolean(self, key: str) -> bool | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
        if isinstance(value, str):
            norm = value.strip().lower()
            if norm in _TRUE or norm in _FALSE:
                return norm in _TRUE
        raise self.fail(path, f"{value!r} is not a valid boolean (true or false)")

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        text = self.string(key)
        if text is None or text in choices:
            return text
        path, _ = self.values[key]
        close = tuple(c for c in choices if c == text.upper()) or tuple(
            difflib.get_close_matches(text, choices, 1, 0.6)
        )
        raise self.fail(path, f"{text!r} is not one of {', '.join(choices)}", close)

    def words(self, key: str) -> tuple[str, ...] | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        raise self.fail(path, "is a list or a space-separated string")

    def image_repository(self) -> str | None:
        text = self.string("image_repository")
        if text is not None and not _ECR_URL.match(text):
            path = self.values["image_repository"][0]
            raise self.fail(path, f"invalid ECR repository URI {text!r}")
        return text

    def image_repositories(self) -> tuple[tuple[str, str], ...]:
        found = self._get("image_repositories")
        if found is None:
            return ()
        path, value = found
        out = []
        for item in value if isinstance(value, list) else [value]:
            parts = item.split("=") if isinstance(item, str) else []
            if len(parts) != 2:
                raise self.fail(path, f"{item!r} is not of the form FunctionLogicalId=ECR_URI")
            if not _ECR_URL.match(parts[1]):
                raise self.fail(path, f"{item!r} needs a valid ECR repository URI as its value")
            out.append((parts[0], parts[1]))
        return tuple(dict(out).items())

    def signing_profiles(self) -> tuple[tuple[str, str, str], ...]:
        found = self._get("signing_profiles")
        if found is None:
            return ()
        path, value = found
        out: dict[str, tuple[str, str]] = {}
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else [None]
        for item in items:
            pairs = _SIGNING.findall(" " + item.strip()) if isinstance(item, str) else []
            if not pairs:
                raise self.fail(
                    path,
                    f"{item!r} is not a valid code signing setting: it looks like "
                    "'MyFunction=SigningProfile' or 'MyFunction=SigningProfile:ProfileOwner'",
                )
            for name, text in pairs:
                profile = _unquote(text)
                if profile.count(":") > 1 or not profile.split(":")[0]:
                    raise self.fail(path, f"{text!r} is not SigningProfile[:ProfileOwner]")
                name_, _, owner = profile.partition(":")
                out[_unquote(name)] = (name_, owner)
        return tuple((k, p, o) for k, (p, o) in out.items())

    def parameter_overrides(self, base: Path) -> tuple[tuple[str, str], ...]:
        found = self._get("parameter_overrides")
        if found is None:
            return ()
        path, value = found
        try:
            return tuple(parse_parameter_overrides(value, cwd=base).items())
        except UsageError as e:
            raise self.fail(path, str(e)) from None


def _unquote(value: str) -> str:
    if len(value) >= 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("\\ ", " ").replace('\\"', '"').replace("\\'", "'")


# -- the command line ------------------------------------------------------------------------


def _split_command(args: Sequence[str]) -> tuple[str, list[str]]:
    tokens = list(args)
    if tokens and tokens[0] == "sam":
        tokens = tokens[1:]
    if tokens and not tokens[0].startswith("-"):
        return tokens[0], tokens[1:]
    return "deploy", tokens


def _given(command: str, tokens: Sequence[str]) -> dict[str, list[str]]:
    """The options on the command line, by parameter name, with their values (as click reads
    them: a valued option takes the next token, a multi-valued one every token up to the next
    that starts with ``-``; a repeated option keeps the last, ``multiple`` ones all)."""
    options = _OPTIONS.get(command, {})
    out: dict[str, list[str]] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-") or token == "-":
            continue
        name, eq, inline = token.partition("=")
        known = options.get(name)
        if known is None:
            continue
        param, kind = known
        values: list[str] = []
        if kind == _FLAG:
            values = [name]
        elif eq:
            values = [inline]
        elif kind in (_VALUE, _MULTIPLE) and i < len(tokens):
            values, i = [tokens[i]], i + 1
        if kind == _NARGS:
            if eq:
                values = [inline]
            while i < len(tokens) and not tokens[i].startswith("-"):
                values.append(tokens[i])
                i += 1
        if kind == _MULTIPLE:
            out.setdefault(param, []).extend(values)
        else:
            out[param] = values
    return out


def samconfig_for(
    sam_args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None
) -> SamConfig:
    """The samconfig a SAM CLI command line reads (``[sam] COMMAND FLAGS...``), found from its
    ``--config-file``, ``--config-env`` and ``--template-file``/``-t`` as SAM CLI finds it.

    :raises SamconfigError: see :func:`read_samconfig`.
    :raises UnknownNameError: for a command other than deploy, package, delete, sync.
    """
    command, tokens = _split_command(sam_args)
    given = _given(command, tokens) if command in _OPTIONS else {}

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
    command, tokens = _split_command(sam_args)
    config = samconfig_for(sam_args, cwd=cwd)
    given = set(_given(command, tokens))
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
        :func:`~lambda_perms.deploy.parameters.parse_parameter_overrides`).
    """
    command, tokens = _split_command(sam_args)
    given = _given(command, tokens).get("parameter_overrides")
    return parse_parameter_overrides(list(given), cwd=cwd) if given else {}
