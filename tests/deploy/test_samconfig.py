"""lambda_perms.deploy.samconfig: samconfig files read as SAM CLI 1.170.0 reads them.

Each case is a small project (files) and a SAM CLI command line, with what the samconfig sets
written out by hand from SAM CLI's source. Then SAM CLI itself is the oracle: its own click
command (``samcli.commands.<command>.command.cli``) parses the same command line in the same
directory, and must see the same values; and parsing the command line that
:func:`apply_samconfig` builds, with no samconfig at all, must give SAM CLI the same values
again (that is what "equivalent flags" means).
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path
from typing import Any

import pytest

from lambda_perms.deploy import sam_options, samconfig, samconfig_values
from lambda_perms.deploy.samconfig import (
    SamConfig,
    apply_samconfig,
    parameter_overrides_of,
    read_samconfig,
    samconfig_for,
)
from lambda_perms.errors import LambdaPermsError, SamconfigError, UnknownNameError

QUEUE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"

BASIC = """\
version = 0.1
[default.deploy.parameters]
stack_name = "orders"
resolve_s3 = true
s3_prefix = "orders"
capabilities = "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"
parameter_overrides = "Stage=dev Name=\\"my app\\""
confirm_changeset = true
[default.global.parameters]
region = "eu-west-1"
stack_name = "from-global"
[prod.deploy.parameters]
stack_name = "orders-prod"
s3_bucket = "prod-artifacts"
role_arn = "arn:aws:iam::123456789012:role/cfn"
on_failure = "DELETE"
parameter_overrides = ["Stage=prod", "ParameterKey=Size,ParameterValue=3"]
[default.package.parameters]
s3_bucket = "packages"
[default.sync.parameters]
stack_name = "orders-dev"
"""

# Every case: (id, files, command line, expected SamConfig fields). The project always holds a
# template.yaml (and sub/template.yaml) with one queue, so SAM CLI's callbacks find a template.
CASES: list[tuple[str, dict[str, str], list[str], dict[str, Any]]] = [
    (
        "command table over global",
        {"samconfig.toml": BASIC},
        ["sam", "deploy"],
        {
            "file": "samconfig.toml",
            "stack_name": "orders",
            "resolve_s3": True,
            "s3_prefix": "orders",
            "region": "eu-west-1",
            "capabilities": ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"),
            "parameter_overrides": (("Stage", "dev"), ("Name", "my app")),
        },
    ),
    (
        "a named environment, without the default's global",
        {"samconfig.toml": BASIC},
        ["deploy", "--config-env", "prod"],
        {
            "env": "prod",
            "stack_name": "orders-prod",
            "s3_bucket": "prod-artifacts",
            "role_arn": "arn:aws:iam::123456789012:role/cfn",
            "on_failure": "DELETE",
            "region": None,
            "parameter_overrides": (("Stage", "prod"), ("Size", "3")),
        },
    ),
    (
        "command-line flags win",
        {"samconfig.toml": BASIC},
        [
            "sam",
            "deploy",
            "--no-resolve-s3",
            "--s3-bucket",
            "mine",
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
            "--parameter-overrides",
            "Stage=test",
            "--region",
            "us-east-1",
        ],
        {"stack_name": "orders", "resolve_s3": True, "region": "eu-west-1"},
    ),
    (
        "sam package reads its own table",
        {"samconfig.toml": BASIC},
        ["sam", "package"],
        {"table": "package", "s3_bucket": "packages", "region": "eu-west-1", "stack_name": None},
    ),
    (
        "sam delete reads the deploy table",
        {"samconfig.toml": BASIC + '[default.delete.parameters]\nstack_name = "ignored"\n'},
        ["sam", "delete"],
        {
            "table": "deploy",
            "stack_name": "orders",
            "s3_prefix": "orders",
            "region": "eu-west-1",
            "capabilities": None,  # not an option of sam delete
            "notes": ("reads [default.deploy.parameters], not [default.delete]",),
        },
    ),
    (
        "sam sync reads its own table",
        {"samconfig.toml": BASIC},
        ["sam", "sync"],
        {"table": "sync", "stack_name": "orders-dev", "region": "eu-west-1"},
    ),
    (
        "beside a template given with -t",
        {
            "samconfig.toml": BASIC,
            "sub/samconfig.toml": 'version = 0.1\n[default.deploy.parameters]\nstack_name = "sub"\n',
        },
        ["sam", "deploy", "-t", "sub/template.yaml"],
        {"file": "sub/samconfig.toml", "stack_name": "sub", "region": None},
    ),
    (
        "--config-file is relative to the template's directory",
        {
            "sub/other.toml": 'version = 0.1\n[default.deploy.parameters]\nstack_name = "other"\n',
        },
        ["sam", "deploy", "--config-file", "other.toml", "--template-file", "sub/template.yaml"],
        {"file": "other.toml", "stack_name": "other"},
    ),
    (
        "a template named in samconfig does not move it",
        {
            "samconfig.toml": (
                'version = 0.1\n[default.deploy.parameters]\nstack_name = "top"\n'
                'template_file = "sub/template.yaml"\n'
            ),
            "sub/samconfig.toml": 'version = 0.1\n[default.deploy.parameters]\nstack_name = "sub"\n',
        },
        ["sam", "deploy"],
        {"stack_name": "top", "template_file": "sub/template.yaml"},
    ),
    (
        "the 'template' key",
        {
            "samconfig.toml": (
                'version = 0.1\n[default.deploy.parameters]\nstack_name = "top"\n'
                'template = "sub/template.yaml"\n'
            ),
        },
        ["sam", "deploy"],
        {"template_file": "sub/template.yaml"},
    ),
    (
        "YAML, as ruamel.yaml reads it",
        {
            "samconfig.yaml": (
                "version: 0.1\ndefault:\n  deploy:\n    parameters:\n      stack_name: yaml\n"
                "      resolve_s3: yes\n      capabilities: [CAPABILITY_IAM]\n"
                "      parameter_overrides:\n        Stage: prod\n        Subnets: [a, b]\n"
                "      s3_prefix: on\n"
            ),
        },
        ["sam", "deploy"],
        {
            "file": "samconfig.yaml",
            "stack_name": "yaml",
            "resolve_s3": True,
            "capabilities": ("CAPABILITY_IAM",),
            "parameter_overrides": (("Stage", "prod"), ("Subnets", "a,b")),
            "s3_prefix": "on",  # YAML 1.2: on is text
        },
    ),
    (
        ".yml",
        {
            "samconfig.yml": "version: 0.1\ndefault:\n  deploy:\n    parameters:\n      stack_name: yml\n"
        },
        ["sam", "deploy"],
        {"file": "samconfig.yml", "stack_name": "yml"},
    ),
    (
        ".toml over .yaml over .yml",
        {
            "samconfig.yaml": "version: 0.1\ndefault:\n  deploy:\n    parameters:\n      stack_name: yaml\n",
            "samconfig.yml": "version: 0.1\ndefault:\n  deploy:\n    parameters:\n      stack_name: yml\n",
        },
        ["sam", "deploy"],
        {
            "file": "samconfig.yaml",
            "stack_name": "yaml",
            "notes": ("more than one samconfig file", "reads samconfig.yaml (not samconfig.yml)"),
        },
    ),
    (
        "JSON is not read",
        {
            "samconfig.json": '{"version": 0.1, "default": {"deploy": {"parameters": {"stack_name": "j"}}}}',
        },
        ["sam", "package"],
        {"file": None, "stack_name": None, "notes": ("samconfig.json is not read",)},
    ),
    (
        "values as each option reads them",
        {
            "samconfig.toml": (
                "version = 0.1\n[default.deploy.parameters]\n"
                'stack_name = 123\nresolve_s3 = "no"\ndisable_rollback = 1\n'
                'resolve_image_repos = "True"\nforce_upload = "off"\n'
                'no_execute_changeset = "y"\n'
                f'image_repository = "{ECR}"\n'
                f'image_repositories = ["Fn={ECR}", "Other={ECR}/other"]\n'
                'signing_profiles = "Fn=Profile:Owner Layer=Other"\n'
                'capabilities = ["CAPABILITY_IAM"]\n'
                'kms_key_id = "alias/app"\n'
                'parameter_overrides = { Stage = "prod", Size = 3, Empty = "" }\n'
            ),
        },
        ["sam", "deploy"],
        {
            "stack_name": "123",
            "resolve_s3": False,
            "disable_rollback": True,
            "resolve_image_repos": True,
            "force_upload": False,
            "no_execute_changeset": True,
            "image_repository": ECR,
            "image_repositories": (("Fn", ECR), ("Other", f"{ECR}/other")),
            "signing_profiles": (("Fn", "Profile", "Owner"), ("Layer", "Other", "")),
            "capabilities": ("CAPABILITY_IAM",),
            "kms_key_id": "alias/app",
            "parameter_overrides": (("Stage", "prod"), ("Size", "3"), ("Empty", "")),
        },
    ),
    (
        "one image repository as a string",
        {
            "samconfig.toml": (
                'version = 0.1\n[default.deploy.parameters]\nstack_name = "s"\n'
                f'image_repositories = "Fn={ECR}"\n'
                'signing_profiles = ["Fn=P", "Layer=Q:O"]\n'
            ),
        },
        ["sam", "deploy"],
        {
            "image_repositories": (("Fn", ECR),),
            "signing_profiles": (("Fn", "P", ""), ("Layer", "Q", "O")),
        },
    ),
    (
        "a default environment the file lacks",
        {"samconfig.toml": 'version = 0.1\n[prod.package.parameters]\ns3_bucket = "b"\n'},
        ["sam", "package"],
        {"s3_bucket": None, "notes": ("has no 'default' environment (it has: prod)",)},
    ),
    (
        "misspelt tables and keys are reported, as SAM CLI ignores them",
        {
            "samconfig.toml": (
                'version = 0.1\n[default.deploy.parameters]\nstack_name = "s"\n'
                '"stack-name" = "t"\nresolve-s3 = true\n'
                '[default.deplyo.parameters]\ns3_bucket = "b"\n'
                '[default.deploy.paramters]\ns3_bucket = "c"\n'
                "[default.build.parameters]\ncached = true\n"
            ),
        },
        ["sam", "deploy"],
        {
            "stack_name": "s",
            "s3_bucket": None,
            "resolve_s3": None,
            "notes": (
                "default.deploy.parameters.stack-name is not an option of sam deploy (did you mean 'stack_name'?)",
                "default.deploy.parameters.resolve-s3 is not an option of sam deploy (did you mean 'resolve_s3'?)",
                "[default.deplyo] is not a SAM CLI command (did you mean [default.deploy]?)",
                "[default.deploy.paramters] is ignored",
            ),
        },
    ),
    (
        "an explicit samconfig.toml that does not exist is no error",
        {
            "samconfig.yaml": "version: 0.1\ndefault:\n  package:\n    parameters:\n      s3_bucket: y\n"
        },
        ["sam", "package", "--config-file", "samconfig.toml"],
        {"file": None, "s3_bucket": None},
    ),
    (
        "an empty TOML file",
        {"samconfig.toml": ""},
        ["sam", "package"],
        {"file": "samconfig.toml", "s3_bucket": None},
    ),
]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name in ("template.yaml", "sub/template.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(QUEUE)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(("case", "files", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_samconfig(
    case: str, files: dict[str, str], args: list[str], expected: dict[str, Any], tmp_path: Path
) -> None:
    project = _project(tmp_path, files)
    config = samconfig_for(args, cwd=project)
    for field, value in expected.items():
        if field == "notes":
            for part in value:
                assert any(part in note for note in config.notes), (part, config.notes)
        elif field == "file" and value is not None:
            assert config.file is not None
            assert (
                Path(config.file).resolve() == (project / value).resolve() or config.file == value
            )
        else:
            assert getattr(config, field) == value, field
    if "notes" not in expected:
        assert config.notes == ()


def test_to_sam_args_and_precedence(tmp_path: Path) -> None:
    project = _project(tmp_path, {"samconfig.toml": BASIC})
    line, config = apply_samconfig(
        ["deploy", "--no-resolve-s3", "--capabilities", "CAPABILITY_NAMED_IAM"], cwd=project
    )
    assert line == (
        "sam", "deploy",
        "--stack-name", "orders",
        "--region", "eu-west-1",
        "--s3-prefix", "orders",
        "--parameter-overrides", "Stage=dev", 'Name="my app"',
        "--no-resolve-s3", "--capabilities", "CAPABILITY_NAMED_IAM",
    )  # fmt: skip
    assert config.resolve_s3 is True  # what the file says; the command line overrides it
    env = {"SAM_TEMPLATE_FILE": "sub/template.yaml"}
    file_template = _project(
        tmp_path / "t",
        {
            "samconfig.toml": 'version = 0.1\n[default.deploy.parameters]\ntemplate_file = "x.yaml"\n'
        },
    )
    assert "--template-file" in apply_samconfig(["deploy"], cwd=file_template, environ={})[0]
    assert "--template-file" not in apply_samconfig(["deploy"], cwd=file_template, environ=env)[0]
    assert SamConfig().to_sam_args() == ()
    # the overrides in effect: the file's, unless the command line gives its own
    assert parameter_overrides_of(line) == {"Stage": "dev", "Name": "my app"}
    mine, _ = apply_samconfig(["deploy", "--parameter-overrides", "Stage=test"], cwd=project)
    assert parameter_overrides_of(mine) == {"Stage": "test"}
    assert parameter_overrides_of(["sam", "delete"]) == {}
    delete = SamConfig(command="delete", stack_name="s", capabilities=("CAPABILITY_IAM",))
    assert delete.to_sam_args() == ("--stack-name", "s")  # sam delete takes no --capabilities


# -- errors: one SamconfigError each, with the file and the key -----------------------------------

ERRORS: list[tuple[str, dict[str, str], list[str], str, str]] = [
    ("a named file that does not exist", {}, ["package", "--config-file", "nope.toml"], "", "does not exist"),
    (
        "JSON named explicitly",
        {"samconfig.json": "{}"},
        ["package", "--config-file", "samconfig.json"],
        "",
        "does not read .json config files",
    ),
    ("not TOML", {"samconfig.toml": "version = \n"}, ["package"], "", "not valid TOML"),
    ("a repeated TOML key", {"samconfig.toml": "version = 0.1\nversion = 0.2\n"}, ["package"], "", "not valid TOML"),
    ("no version", {"samconfig.toml": "[default.package.parameters]\ns3_bucket = \"b\"\n"}, ["package"], "version", "'version' is missing"),
    ("an integer version", {"samconfig.toml": "version = 1\n"}, ["package"], "version", "'version' is missing"),
    ("a text version", {"samconfig.toml": 'version = "0.1"\n'}, ["package"], "version", "'version' is missing"),
    ("an empty YAML file", {"samconfig.yaml": ""}, ["package"], "", "the file is empty"),
    ("a repeated YAML key", {"samconfig.yaml": "version: 0.1\nversion: 0.2\n"}, ["package"], "", "duplicate key"),
    ("not a mapping", {"samconfig.yaml": "- 1\n"}, ["package"], "", "expected a mapping"),
    ("an environment that is not a table", {"samconfig.toml": "version = 0.1\ndefault = 3\n"}, ["package"], "default", "an environment is a table"),
    ("a command that is not a table", {"samconfig.toml": "version = 0.1\n[default]\npackage = 3\n"}, ["package"], "default.package", "a command's entry is a table"),
    ("parameters that are not a table", {"samconfig.toml": "version = 0.1\n[default.package]\nparameters = 3\n"}, ["package"], "default.package.parameters", "'parameters' is a table"),
    ("not a boolean", {"samconfig.toml": 'version = 0.1\n[default.package.parameters]\nresolve_s3 = "maybe"\n'}, ["package"], "default.package.parameters.resolve_s3", "'maybe' is not a valid boolean"),
    ("an integer that is no boolean", {"samconfig.toml": "version = 0.1\n[default.package.parameters]\nresolve_s3 = 2\n"}, ["package"], "default.package.parameters.resolve_s3", "is not a valid boolean"),
    ("a list for one value", {"samconfig.toml": 'version = 0.1\n[default.package.parameters]\ns3_bucket = ["a", "b"]\n'}, ["package"], "default.package.parameters.s3_bucket", "takes one value, got a list"),
    ("an ECR URI that is not one", {"samconfig.toml": 'version = 0.1\n[default.package.parameters]\nimage_repository = "docker.io/app"\n'}, ["package"], "default.package.parameters.image_repository", "invalid ECR repository URI"),
    ("image repositories without =", {"samconfig.toml": f'version = 0.1\n[default.package.parameters]\nimage_repositories = "Fn {ECR}"\n'}, ["package"], "default.package.parameters.image_repositories", "FunctionLogicalId=ECR_URI"),
    ("image repositories space-separated", {"samconfig.toml": f'version = 0.1\n[default.package.parameters]\nimage_repositories = "A={ECR} B={ECR}"\n'}, ["package"], "default.package.parameters.image_repositories", "FunctionLogicalId=ECR_URI"),
    ("a signing profile with two owners", {"samconfig.toml": 'version = 0.1\n[default.package.parameters]\nsigning_profiles = "Fn=P:O:X"\n'}, ["package"], "default.package.parameters.signing_profiles", "not SigningProfile[:ProfileOwner]"),
    ("a signing profile without =", {"samconfig.toml": 'version = 0.1\n[default.package.parameters]\nsigning_profiles = "Fn"\n'}, ["package"], "default.package.parameters.signing_profiles", "not a valid code signing setting"),
    ("parameter overrides in no syntax", {"samconfig.toml": 'version = 0.1\n[default.deploy.parameters]\nstack_name = "s"\nparameter_overrides = "Stage"\n'}, ["deploy"], "default.deploy.parameters.parameter_overrides", "'Stage' is not a valid format"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "files", "args", "path", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_errors(  # noqa: PLR0917  (one parameter per table column)
    case: str, files: dict[str, str], args: list[str], path: str, message: str, tmp_path: Path
) -> None:
    project = _project(tmp_path, files)
    with pytest.raises(SamconfigError) as caught:
        samconfig_for(args, cwd=project)
    error = caught.value
    assert message in str(error)
    assert error.path == path
    assert error.file
    assert "\n" not in str(error)
    assert isinstance(error, LambdaPermsError)
    assert isinstance(error, ValueError)


def test_did_you_mean(tmp_path: Path) -> None:
    project = _project(tmp_path, {"samconfig.toml": BASIC})
    with pytest.raises(SamconfigError) as caught:
        samconfig_for(["deploy", "--config-env", "prd"], cwd=project)
    assert caught.value.suggestions == ("prod",)
    assert caught.value.path == "prd"
    assert "no environment 'prd' in the file (it has: default, prod); did you mean 'prod'?" in str(
        caught.value
    )
    on_failure = (
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "s"\non_failure = "delete"\n'
    )
    with pytest.raises(SamconfigError, match="did you mean 'DELETE'"):
        read_samconfig("deploy", cwd=_project(tmp_path / "o", {"samconfig.toml": on_failure}))
    with pytest.raises(UnknownNameError, match="did you mean 'deploy'"):
        read_samconfig("deplyo", cwd=project)


@pytest.mark.parametrize(
    "module", [samconfig, sam_options, samconfig_values], ids=lambda m: m.__name__
)
def test_module_doctest(module: Any) -> None:
    assert doctest.testmod(module).failed == 0


# -- SAM CLI as the oracle ----------------------------------------------------------------------

_SEEN = (
    "stack_name", "s3_bucket", "s3_prefix", "resolve_s3", "role_arn", "kms_key_id",
    "image_repository", "image_repositories", "resolve_image_repos", "signing_profiles",
    "parameter_overrides", "capabilities", "on_failure", "disable_rollback", "template_file",
    "force_upload", "no_execute_changeset",
)  # fmt: skip


def _sam_view(args: list[str], project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What SAM CLI's own click command makes of ``args`` in ``project`` (its parameters)."""
    Context = pytest.importorskip("samcli.cli.context").Context

    tokens = args[1:] if args[0] == "sam" else args
    command, rest = tokens[0], tokens[1:]
    cli = importlib.import_module(f"samcli.commands.{command}.command").cli
    monkeypatch.chdir(project)
    monkeypatch.delenv("SAM_TEMPLATE_FILE", raising=False)
    ctx = cli.make_context(command, list(rest), obj=Context())
    view = {k: ctx.params.get(k) for k in _SEEN if k in ctx.params}
    view["region"] = ctx.find_object(Context).region
    for key in ("capabilities",):
        if view.get(key) is not None:
            view[key] = tuple(view[key])
    return view


@pytest.mark.parametrize(("case", "files", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_agrees_with_sam_cli(  # noqa: PLR0917  (one parameter per table column)
    case: str,
    files: dict[str, str],
    args: list[str],
    expected: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = _project(tmp_path / "p", files)
    sam = _sam_view(args, project, monkeypatch)
    line, config = apply_samconfig(args, cwd=project, environ={})
    # the same command line, spelt out, with an empty samconfig: SAM CLI sees the same values
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    spelt = _sam_view([*line, "--config-file", str(empty)], project, monkeypatch)
    assert spelt == sam
    # and the typed fields say what SAM CLI took from the file where the line does not override
    given = set(sam_options.given_options(line[1], args[2:] if args[0] == "sam" else args[1:]))
    for field in ("stack_name", "s3_bucket", "s3_prefix", "role_arn", "kms_key_id", "region"):
        if field not in given and field in sam:
            assert getattr(config, field) == sam[field], field
    for field in ("resolve_s3", "disable_rollback", "resolve_image_repos", "force_upload"):
        if field not in given and field in sam:
            assert bool(getattr(config, field)) == sam[field], field
    if "parameter_overrides" not in given and "parameter_overrides" in sam:
        assert config.parameters == sam["parameter_overrides"]
    if "capabilities" not in given and config.capabilities is not None:
        assert config.capabilities == sam["capabilities"]
    if "image_repositories" in sam:
        assert dict(config.image_repositories) == (sam["image_repositories"] or {})
    if "signing_profiles" in sam:
        assert {f: (p, o) for f, p, o in config.signing_profiles} == {
            f: (v["profile_name"], v["profile_owner"]) for f, v in sam["signing_profiles"].items()
        }
    if "template_file" in sam and config.template_file is not None and "template_file" not in given:
        assert Path(sam["template_file"]) == (project / config.template_file).resolve()


@pytest.mark.parametrize(
    ("case", "files", "args", "path", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_sam_cli_refuses_the_same(  # noqa: PLR0917  (one parameter per table column)
    case: str,
    files: dict[str, str],
    args: list[str],
    path: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = _project(tmp_path, files)
    if case == "a list for one value":
        # the one refusal that is stricter than SAM CLI, which would use the list's Python text
        assert _sam_view(args, project, monkeypatch)["s3_bucket"] == "['a', 'b']"
        return
    with pytest.raises(Exception):  # noqa: B017,PT011 (SAM CLI raises click, config and attribute errors)
        _sam_view(args, project, monkeypatch)


def test_unknown_environment_sam_cli_ignores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one deliberate difference: SAM CLI reads nothing from an environment the file lacks,
    silently; a policy computed for a misspelt environment would be wrong, so it is an error."""
    project = _project(tmp_path, {"samconfig.toml": BASIC})
    sam = _sam_view(["package", "--config-env", "prd"], project, monkeypatch)
    assert sam["s3_bucket"] is None
    with pytest.raises(SamconfigError):
        samconfig_for(["package", "--config-env", "prd"], cwd=project)
