"""The options of the SAM CLI commands that need AWS permissions, and a command line read as
click reads it (``samcli/commands/*/command.py``, SAM CLI 1.170.0).

>>> split_command(["sam", "deploy", "--stack-name", "app", "--capabilities", "A", "B"])
('deploy', ['--stack-name', 'app', '--capabilities', 'A', 'B'])
>>> given_options("deploy", ['--stack-name', 'app', '--capabilities', 'A', 'B'])
{'stack_name': ['app'], 'capabilities': ['A', 'B']}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

__all__ = [
    "COMMANDS",
    "FLAG",
    "KNOWN_TABLES",
    "MULTIPLE",
    "NARGS",
    "OPTIONS",
    "VALUE",
    "given_options",
    "split_command",
]


def __dir__() -> list[str]:
    return __all__


#: How an option takes values: a flag, one value, every value up to the next option, or one
#: value per repetition.
FLAG, VALUE, NARGS, MULTIPLE = "flag", "value", "nargs", "multiple"

_COMMON: Final[Mapping[str, tuple[str, str]]] = {
    "--config-env": ("config_env", VALUE),
    "--config-file": ("config_file", VALUE),
    "--profile": ("profile", VALUE),
    "--region": ("region", VALUE),
    "--beta-features": ("beta_features", FLAG),
    "--no-beta-features": ("beta_features", FLAG),
    "--debug": ("debug", FLAG),
    "--save-params": ("save_params", FLAG),
    "--help": ("help", FLAG),
}
_TEMPLATE: Final[Mapping[str, tuple[str, str]]] = {
    "--template-file": ("template_file", VALUE),
    "--template": ("template_file", VALUE),
    "-t": ("template_file", VALUE),
}
_LANGUAGE_EXTENSIONS: Final[Mapping[str, tuple[str, str]]] = {
    "--language-extensions": ("language_extensions", FLAG),
    "--no-language-extensions": ("language_extensions", FLAG),
}
_ARTIFACTS: Final[Mapping[str, tuple[str, str]]] = {
    "--s3-bucket": ("s3_bucket", VALUE),
    "--s3-prefix": ("s3_prefix", VALUE),
    "--image-repository": ("image_repository", VALUE),
    "--image-repositories": ("image_repositories", MULTIPLE),
    "--kms-key-id": ("kms_key_id", VALUE),
    "--metadata": ("metadata", VALUE),
}


OPTIONS: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "deploy": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--guided": ("guided", FLAG),
        "-g": ("guided", FLAG),
        "--no-execute-changeset": ("no_execute_changeset", FLAG),
        "--fail-on-empty-changeset": ("fail_on_empty_changeset", FLAG),
        "--no-fail-on-empty-changeset": ("fail_on_empty_changeset", FLAG),
        "--confirm-changeset": ("confirm_changeset", FLAG),
        "--no-confirm-changeset": ("confirm_changeset", FLAG),
        "--disable-rollback": ("disable_rollback", FLAG),
        "--no-disable-rollback": ("disable_rollback", FLAG),
        "--on-failure": ("on_failure", VALUE),
        "--max-wait-duration": ("max_wait_duration", VALUE),
        "--express": ("express", FLAG),
        "--no-express": ("express", FLAG),
        "--stack-name": ("stack_name", VALUE),
        "--force-upload": ("force_upload", FLAG),
        "--role-arn": ("role_arn", VALUE),
        "--use-json": ("use_json", FLAG),
        "--resolve-s3": ("resolve_s3", FLAG),
        "--no-resolve-s3": ("resolve_s3", FLAG),
        "--resolve-image-repos": ("resolve_image_repos", FLAG),
        "--notification-arns": ("notification_arns", NARGS),
        "--tags": ("tags", NARGS),
        "--parameter-overrides": ("parameter_overrides", NARGS),
        "--signing-profiles": ("signing_profiles", NARGS),
        "--no-progressbar": ("no_progressbar", FLAG),
        "--capabilities": ("capabilities", NARGS),
        "--output": ("output", VALUE),
    },
    "package": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--output-template-file": ("output_template_file", VALUE),
        "--use-json": ("use_json", FLAG),
        "--force-upload": ("force_upload", FLAG),
        "--resolve-s3": ("resolve_s3", FLAG),
        "--no-resolve-s3": ("resolve_s3", FLAG),
        "--resolve-image-repos": ("resolve_image_repos", FLAG),
        "--signing-profiles": ("signing_profiles", NARGS),
        "--no-progressbar": ("no_progressbar", FLAG),
    },
    "delete": {
        **_COMMON,
        "--stack-name": ("stack_name", VALUE),
        "--no-prompts": ("no_prompts", FLAG),
        "--s3-bucket": ("s3_bucket", VALUE),
        "--s3-prefix": ("s3_prefix", VALUE),
        "--express": ("express", FLAG),
        "--no-express": ("express", FLAG),
    },
    "sync": {
        **_COMMON,
        **_TEMPLATE,
        **_ARTIFACTS,
        **_LANGUAGE_EXTENSIONS,
        "--code": ("code", FLAG),
        "--watch": ("watch", FLAG),
        "--no-watch": ("watch", FLAG),
        "--resource-id": ("resource_id", MULTIPLE),
        "--resource": ("resource", MULTIPLE),
        "--dependency-layer": ("dependency_layer", FLAG),
        "--no-dependency-layer": ("dependency_layer", FLAG),
        "--skip-deploy-sync": ("skip_deploy_sync", FLAG),
        "--no-skip-deploy-sync": ("skip_deploy_sync", FLAG),
        "--express": ("express", FLAG),
        "--no-express": ("express", FLAG),
        "--container-env-var-file": ("container_env_var_file", VALUE),
        "-ef": ("container_env_var_file", VALUE),
        "--watch-exclude": ("watch_exclude", MULTIPLE),
        "--stack-name": ("stack_name", VALUE),
        "--base-dir": ("base_dir", VALUE),
        "-s": ("base_dir", VALUE),
        "--use-container": ("use_container", FLAG),
        "-u": ("use_container", FLAG),
        "--no-use-container": ("use_container", FLAG),
        "--build-in-source": ("build_in_source", FLAG),
        "--no-build-in-source": ("build_in_source", FLAG),
        "--build-image": ("build_image", MULTIPLE),
        "-bi": ("build_image", MULTIPLE),
        "--role-arn": ("role_arn", VALUE),
        "--parameter-overrides": ("parameter_overrides", NARGS),
        "--notification-arns": ("notification_arns", NARGS),
        "--tags": ("tags", NARGS),
        "--capabilities": ("capabilities", NARGS),
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
KNOWN_TABLES: Final[frozenset[str]] = frozenset(
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


def split_command(args: Sequence[str]) -> tuple[str, list[str]]:
    tokens = list(args)
    if tokens and tokens[0] == "sam":
        tokens = tokens[1:]
    if tokens and not tokens[0].startswith("-"):
        return tokens[0], tokens[1:]
    return "deploy", tokens


def given_options(command: str, tokens: Sequence[str]) -> dict[str, list[str]]:
    """The options on the command line, by parameter name, with their values (as click reads
    them: a valued option takes the next token, a multi-valued one every token up to the next
    that starts with ``-``; a repeated option keeps the last, ``multiple`` ones all)."""
    options = OPTIONS.get(command, {})
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
        if kind == FLAG:
            values = [name]
        elif eq:
            values = [inline]
        elif kind in (VALUE, MULTIPLE) and i < len(tokens):
            values, i = [tokens[i]], i + 1
        if kind == NARGS:
            if eq:
                values = [inline]
            while i < len(tokens) and not tokens[i].startswith("-"):
                values.append(tokens[i])
                i += 1
        if kind == MULTIPLE:
            out.setdefault(param, []).extend(values)
        else:
            out[param] = values
    return out
