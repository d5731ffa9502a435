"""The catalogue loader and its queries, on fixture catalogues written to temporary directories.

Each validation rule has a row in ``BROKEN``: one edit to the valid fixture, and the file and
field the resulting :class:`DataError` must name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lambda_perms
from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms.catalogues.catalogue import Catalogue, catalogue
from lambda_perms.catalogues.model import Need, ServiceCatalogue
from lambda_perms.catalogues.terms import (
    Caller,
    Command,
    CommandTrigger,
    Handler,
    Phase,
    PropertyTrigger,
    ResourceTypeTrigger,
    Verdict,
)
from lambda_perms.errors import DataError, InvalidActionError, UnknownNameError
from lambda_perms.iam.actions import Action

RESOURCES = """\
schema_version = 1

[templates.stack]
arn = "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/*"
description = "The application's stack (name + generated id)."

[templates.sam-transform]
arn = "arn:${Partition}:cloudformation:${Region}:aws:transform/Serverless-2016-10-31"
description = "The AWS::Serverless-2016-10-31 transform."

[templates.stack-role]
arn = "arn:${Partition}:iam::${Account}:role/${StackName}-*"
description = "Roles the stack creates (CloudFormation names them after the stack)."

[templates.stack-function]
arn = "arn:${Partition}:lambda:${Region}:${Account}:function:${StackName}-*"
description = "Functions the stack creates."

[templates.artifacts]
arn = "arn:${Partition}:s3:::${Bucket}/${Prefix}*"
description = "The artifacts under the key prefix."
"""

CLOUDFORMATION = """\
schema_version = 1
prefix = "cloudformation"
name = "AWS CloudFormation"

[actions.CreateChangeSet]

[[actions.CreateChangeSet.needs]]
phases = ["update", "deploy"]
rollback_only = false
caller = "sam-cli"
triggers = [{ command = "sync" }, { command = "deploy" }]
resources = ["stack"]
why = "SAM CLI creates a change set named samcli-deploy<epoch> for every deployment."
evidence = [
  { kind = "sam-cli", source = "samcli/lib/deploy/deployer.py: Deployer._create_change_set", version = "1.170.0" },
]

[[actions.CreateChangeSet.needs]]
phases = ["deploy", "update"]
caller = "sam-cli"
triggers = [{ command = "deploy" }]
resources = ["sam-transform"]
why = "A template that uses the SAM transform needs CreateChangeSet on the transform's ARN."
evidence = [{ kind = "aws-docs", source = "Managing AWS SAM permissions", url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-permissions-cloudformation.html" }]

[actions.ExecuteChangeSet]

[[actions.ExecuteChangeSet.needs]]
phases = ["deploy", "update"]
caller = "sam-cli"
triggers = [{ command = "deploy", without = ["--no-execute-changeset"] }]
resources = ["stack"]
why = "SAM CLI executes the change set unless told not to."
evidence = [{ kind = "article", source = "the seed article" }]

[actions.RollbackStack]

[[actions.RollbackStack.needs]]
phases = ["rollback"]
rollback_only = true
caller = "sam-cli"
triggers = [{ command = "deploy", flags = ["--on-failure ROLLBACK"] }]
resources = ["stack"]
why = "With --on-failure ROLLBACK, SAM CLI rolls a failed stack back itself."
evidence = [{ kind = "trace", source = "cloudformation.rollback_stack observed under moto" }]

[actions.DeleteStack]

[[actions.DeleteStack.needs]]
phases = ["delete"]
caller = "sam-cli"
triggers = [{ command = "delete" }, { command = "deploy", flags = ["--on-failure DELETE"] }]
resources = ["stack"]
why = "sam delete deletes the stack."
evidence = [{ kind = "trace", source = "cloudformation.delete_stack observed under moto" }]
"""

IAM = """\
schema_version = 1
prefix = "iam"
name = "AWS Identity and Access Management"

[actions.PassRole]

[[actions.PassRole.needs]]
phases = ["deploy", "update"]
caller = "cloudformation"
triggers = [{ resource_type = "AWS::Lambda::Function", handler = "create" }]
resources = ["stack-role"]
condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
why = "Creating a function passes its execution role to Lambda."
evidence = [{ kind = "cfn-schema", source = "AWS::Lambda::Function handlers.create", version = "1.58.0" }]

[actions.CreateRole]

[[actions.CreateRole.needs]]
phases = ["deploy"]
caller = "cloudformation"
triggers = [{ resource_type = "AWS::IAM::Role", handler = "create" }]
resources = ["stack-role"]
why = "SAM makes an execution role for a function without a Role."
evidence = [{ kind = "cfn-schema", source = "AWS::IAM::Role handlers.create", version = "1.58.0" }]

[actions.DeleteRole]

[[actions.DeleteRole.needs]]
phases = ["rollback"]
rollback_only = true
caller = "cloudformation"
triggers = [{ resource_type = "AWS::IAM::Role", handler = "delete" }]
resources = ["stack-role"]
why = "A failed first deployment deletes the role it created."
evidence = [{ kind = "cfn-schema", source = "AWS::IAM::Role handlers.delete", version = "1.58.0" }]

[actions.GetRole]

[[actions.GetRole.needs]]
phases = ["deploy"]
caller = "cloudformation"
triggers = [{ property = "AWS::Lambda::Function.Role" }]
resources = ["*"]
star_reason = "The role may live outside the stack."
why = "CloudFormation reads a role given by ARN."
evidence = [{ kind = "article" , source = "the seed article" }]
"""

LAMBDA = """\
schema_version = 1
prefix = "lambda"
name = "AWS Lambda"

[actions.CreateFunction]

[[actions.CreateFunction.needs]]
phases = ["deploy"]
caller = "cloudformation"
triggers = [{ resource_type = "AWS::Lambda::Function", handler = "create" }]
resources = ["stack-function"]
why = "CloudFormation creates the function."
evidence = [{ kind = "cfn-schema", source = "AWS::Lambda::Function handlers.create", version = "1.58.0" }]

[actions.GetLayerVersion]

[[actions.GetLayerVersion.needs]]
phases = ["deploy", "update"]
caller = "cloudformation"
triggers = [{ property = "AWS::Lambda::Function.Layers" }]
resources = ["*"]
star_reason = "Layers may come from any account."
why = "A function with layers reads each layer version."
evidence = [{ kind = "cfn-schema", source = "AWS::Lambda::Function handlers.create", version = "1.58.0" }]
"""

S3 = """\
schema_version = 1
prefix = "s3"
name = "Amazon S3"

[actions.PutObject]

[[actions.PutObject.needs]]
phases = ["package"]
caller = "sam-cli"
triggers = [{ command = "package" }, { command = "deploy" }]
resources = ["artifacts"]
why = "SAM CLI uploads the code artifacts."
evidence = [{ kind = "sam-cli", source = "samcli/lib/package/s3_uploader.py: S3Uploader.upload", version = "1.170.0" }]

[actions.CreateBucket]

[[actions.CreateBucket.needs]]
phases = ["bootstrap"]
caller = "cloudformation"
triggers = [{ command = "deploy", flags = ["--resolve-s3"] }]
resources = ["*"]
star_reason = "The managed bucket's name is generated by CloudFormation."
why = "The managed stack creates the artifacts bucket."
evidence = [{ kind = "sam-cli", source = "samcli/lib/bootstrap/bootstrap.py: manage_stack", version = "1.170.0" }]
"""

ARTICLE = """\
schema_version = 1
name = "article"
title = "AWS Lambdaのデプロイに必要なIAMポリシーについて (Qiita)"
description = "The seed article's list, exactly as published."

[[actions]]
action = "cloudformation:CreateChangeSet"
verdict = "required"
note = "Every sam deploy creates a change set."

[[actions]]
action = "cloudformation:DescribeStackSetOperation"
verdict = "unneeded"
note = "SAM does not use StackSets."

[[actions]]
action = "iam:CreateUser"
verdict = "unneeded"
note = "A deployment creates no users."

[[actions]]
action = "lambda:CreateFunction"
verdict = "required"

[[actions]]
action = "iam:PassRole"
verdict = "conditional"
note = "Only when the template has a function."
"""

FILES = {
    "resources.toml": RESOURCES,
    "services/cloudformation.toml": CLOUDFORMATION,
    "services/iam.toml": IAM,
    "services/lambda.toml": LAMBDA,
    "services/s3.toml": S3,
    "profiles/article.toml": ARTICLE,
}

UNIVERSE = Universe.from_actions(
    [
        "cloudformation:CreateChangeSet",
        "cloudformation:DeleteChangeSet",
        "cloudformation:DeleteStack",
        "cloudformation:DescribeStacks",
        "cloudformation:DescribeStackSetOperation",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:RollbackStack",
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:GetLayerVersion",
        "s3:CreateBucket",
        "s3:PutObject",
    ],
    version=UniverseVersion("fixture", "1", "2026-01-01"),
)


def write_fixture(root: Path, edits: dict[str, str | None] | None = None) -> Path:
    """Write the fixture catalogue to ``root``; ``edits`` replaces (or, with None, drops) files."""
    files: dict[str, str | None] = {**FILES, **(edits or {})}
    for relative, text in files.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def fixture_catalogue(root: Path, edits: dict[str, str | None] | None = None) -> Catalogue:
    return Catalogue.from_directory(write_fixture(root, edits), universe=UNIVERSE)


def edited(relative: str, old: str, new: str) -> dict[str, str | None]:
    text = FILES[relative]
    assert old in text, (relative, old)
    return {relative: text.replace(old, new)}


@pytest.fixture
def cat(tmp_path: Path) -> Catalogue:
    return fixture_catalogue(tmp_path)


def names(needs: tuple[Need, ...]) -> list[str]:
    return [n.action.text for n in needs]


# -- the valid fixture -------------------------------------------------------------------


def test_the_fixture_is_valid(cat: Catalogue) -> None:
    assert cat.problems() == ()
    assert cat.prefixes == ("cloudformation", "iam", "lambda", "s3")
    assert [s.prefix for s in cat.services] == ["cloudformation", "iam", "lambda", "s3"]
    assert [p.name for p in cat.profiles] == ["article"]


def test_files_are_labelled_and_sorted(tmp_path: Path) -> None:
    cat = fixture_catalogue(tmp_path)
    label = str(tmp_path)
    assert cat.label == label
    assert cat.files == (
        f"{label}/resources.toml",
        f"{label}/profiles/article.toml",
        f"{label}/services/cloudformation.toml",
        f"{label}/services/iam.toml",
        f"{label}/services/lambda.toml",
        f"{label}/services/s3.toml",
    )


# -- every rule names the file and the field ---------------------------------------------

CFN = "services/cloudformation.toml"
BROKEN = [
    # types and enumerations
    ("bad-phase", edited(CFN, '["update", "deploy"]', '["update", "deplyo"]'),
     CFN, "actions.CreateChangeSet.needs[0].phases[1]", "'deploy'"),
    ("no-phases", edited(CFN, '["update", "deploy"]', "[]"),
     CFN, "actions.CreateChangeSet.needs[0].phases", "at least 1 item"),
    ("bad-caller", edited(CFN, 'caller = "sam-cli"\ntriggers = [{ command = "sync" }', 'caller = "samcli"\ntriggers = [{ command = "sync" }'),
     CFN, "actions.CreateChangeSet.needs[0].caller", "'sam-cli'"),
    ("rollback-only-not-bool", edited(CFN, "rollback_only = false", 'rollback_only = "no"'),
     CFN, "actions.CreateChangeSet.needs[0].rollback_only", "boolean"),
    ("unknown-key", edited(CFN, "rollback_only = false", "rollback_only = false\nreason = 1"),
     CFN, "actions.CreateChangeSet.needs[0].reason", "Extra inputs"),
    ("schema-version", edited(CFN, "schema_version = 1", "schema_version = 2"),
     CFN, "schema_version", "1"),
    ("no-why", edited(CFN, 'why = "sam delete deletes the stack."\n', ""),
     CFN, "actions.DeleteStack.needs[0].why", "Field required"),
    ("blank-why", edited(CFN, 'why = "sam delete deletes the stack."', 'why = "  "'),
     CFN, "actions.DeleteStack.needs[0].why", "must not be empty"),
    ("no-evidence", edited(CFN, 'evidence = [{ kind = "trace", source = "cloudformation.delete_stack observed under moto" }]', "evidence = []"),
     CFN, "actions.DeleteStack.needs[0].evidence", "at least 1 item"),
    ("sam-cli-evidence-without-version", edited(CFN, ', version = "1.170.0"', ""),
     CFN, "actions.CreateChangeSet.needs[0].evidence[0].version", "SAM CLI version"),
    ("aws-docs-evidence-without-url", edited(CFN, ', url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-permissions-cloudformation.html"', ""),
     CFN, "actions.CreateChangeSet.needs[1].evidence[0].url", "url"),
    ("bad-evidence-kind", edited(CFN, 'kind = "trace", source = "cloudformation.delete', 'kind = "tracing", source = "cloudformation.delete'),
     CFN, "actions.DeleteStack.needs[0].evidence[0].kind", "'trace'"),
    # triggers
    ("trigger-without-kind", edited(CFN, '{ command = "sync" }', '{ commands = "sync" }'),
     CFN, "actions.CreateChangeSet.needs[0].triggers[0]", "'command', 'resource_type' or 'property'"),
    ("unknown-command", edited(CFN, '{ command = "sync" }', '{ command = "synk" }'),
     CFN, "actions.CreateChangeSet.needs[0].triggers[0].command", "'sync'"),
    ("bad-flag", edited(CFN, '"--no-execute-changeset"', '"no-execute-changeset"'),
     CFN, "actions.ExecuteChangeSet.needs[0].triggers[0].without[0]", "not a flag"),
    ("flag-both-ways", edited(CFN, 'without = ["--no-execute-changeset"]', 'flags = ["--no-execute-changeset"], without = ["--no-execute-changeset"]'),
     CFN, "actions.ExecuteChangeSet.needs[0].triggers[0].without", "both required and excluded"),
    ("unknown-handler", edited("services/iam.toml", 'handler = "delete"', 'handler = "remove"'),
     "services/iam.toml", "actions.DeleteRole.needs[0].triggers[0].handler", "'delete'"),
    ("bad-resource-type", edited("services/iam.toml", '"AWS::IAM::Role", handler = "delete"', '"IAM Role", handler = "delete"'),
     "services/iam.toml", "actions.DeleteRole.needs[0].triggers[0].resource_type", "AWS::Lambda::Function"),
    ("bad-property", edited("services/iam.toml", '"AWS::Lambda::Function.Role"', '"AWS::Lambda::Function"'),
     "services/iam.toml", "actions.GetRole.needs[0].triggers[0].property", "property"),
    # resources
    ("unknown-template", edited(CFN, 'resources = ["sam-transform"]', 'resources = ["sam-transfrom"]'),
     CFN, "actions.CreateChangeSet.needs[1].resources[0]", "did you mean 'sam-transform'"),
    ("bad-template-name", edited(CFN, 'resources = ["sam-transform"]', 'resources = ["SamTransform"]'),
     CFN, "actions.CreateChangeSet.needs[1].resources[0]", "not a template name"),
    ("star-not-alone", edited("services/s3.toml", 'resources = ["*"]', 'resources = ["*", "artifacts"]'),
     "services/s3.toml", "actions.CreateBucket.needs[0].resources", "stand alone"),
    ("star-without-reason", edited("services/s3.toml", "star_reason = \"The managed bucket's name is generated by CloudFormation.\"\n", ""),
     "services/s3.toml", "actions.CreateBucket.needs[0].star_reason", "star_reason"),
    ("reason-without-star", edited("services/s3.toml", 'resources = ["artifacts"]', 'resources = ["artifacts"]\nstar_reason = "x"'),
     "services/s3.toml", "actions.PutObject.needs[0].star_reason", "only for"),
    ("unknown-placeholder", edited("resources.toml", "${Prefix}*", "${KeyPrefix}*"),
     "resources.toml", "templates.artifacts.arn", "${KeyPrefix}"),
    ("template-not-an-arn", edited("resources.toml", 'arn = "arn:${Partition}:s3', 'arn = "s3'),
     "resources.toml", "templates.artifacts.arn", "arn:"),
    ("template-name-case", edited("resources.toml", "[templates.artifacts]", "[templates.Artifacts]"),
     "resources.toml", "templates.Artifacts", "lower-case"),
    # rules across fields
    ("rollback-only-without-rollback", edited(CFN, 'phases = ["rollback"]', 'phases = ["deploy"]'),
     CFN, "actions.RollbackStack.needs[0].phases", "'rollback'"),
    ("passrole-without-condition", edited("services/iam.toml", 'condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }\n', ""),
     "services/iam.toml", "actions.PassRole.needs[0].condition", "iam:PassedToService"),
    ("passrole-other-condition", edited("services/iam.toml", '"iam:PassedToService" = "lambda.amazonaws.com"', '"aws:RequestedRegion" = "us-east-1"'),
     "services/iam.toml", "actions.PassRole.needs[0].condition", "iam:PassedToService"),
    ("bad-condition-operator", edited("services/iam.toml", "StringEquals", "StringEqual"),
     "services/iam.toml", "actions.PassRole.needs[0].condition.StringEqual.iam:PassedToService", "StringEquals"),
    ("bad-condition-value", edited("services/iam.toml", '"iam:PassedToService" = "lambda.amazonaws.com"', '"iam:PassedToService" = { a = 1 }'),
     "services/iam.toml", "actions.PassRole.needs[0].condition.StringEquals.iam:PassedToService", "list or a scalar"),
    ("condition-not-a-table", edited("services/iam.toml", 'condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }', 'condition = "lambda"'),
     "services/iam.toml", "actions.PassRole.needs[0].condition", "Condition block"),
    # names
    ("prefix-differs-from-file", edited("services/s3.toml", 'prefix = "s3"', 'prefix = "s4"'),
     "services/s3.toml", "prefix", "file name"),
    ("prefix-case", edited("services/s3.toml", 'prefix = "s3"', 'prefix = "S3"'),
     "services/s3.toml", "prefix", "lower-case"),
    ("duplicate-action-ignoring-case", {"services/s3.toml": S3 + S3[S3.index("[actions.CreateBucket]"):].replace("CreateBucket", "createbucket")},
     "services/s3.toml", "actions.createbucket", "unique ignoring case"),
    ("action-name-with-wildcard", edited("services/s3.toml", "actions.CreateBucket", 'actions."Create*"'),
     "services/s3.toml", "actions.Create*", "not an action name"),
    ("action-not-in-universe", edited("services/s3.toml", "actions.CreateBucket", "actions.CreateBuckets"),
     "services/s3.toml", "actions.CreateBuckets", "did you mean 's3:CreateBucket'"),
    ("action-spelt-differently", edited("services/s3.toml", "actions.CreateBucket", "actions.createBucket"),
     "services/s3.toml", "actions.createBucket", "'s3:CreateBucket'"),
    # profiles
    ("profile-name-differs", edited("profiles/article.toml", 'name = "article"', 'name = "articles"'),
     "profiles/article.toml", "name", "file name"),
    ("profile-bad-verdict", edited("profiles/article.toml", 'verdict = "conditional"', 'verdict = "maybe"'),
     "profiles/article.toml", "actions[4].verdict", "'conditional'"),
    ("profile-verdict-without-note", edited("profiles/article.toml", 'note = "SAM does not use StackSets."\n', ""),
     "profiles/article.toml", "actions[1].note", "note"),
    ("profile-duplicate", edited("profiles/article.toml", 'action = "iam:CreateUser"', 'action = "CLOUDFORMATION:createchangeset"'),
     "profiles/article.toml", "actions[2].action", "repeats actions[0]"),
    ("profile-unknown-action", edited("profiles/article.toml", 'action = "iam:CreateUser"', 'action = "iam:CreateUsr"'),
     "profiles/article.toml", "actions[2].action", "did you mean 'iam:CreateUser'"),
    ("profile-not-an-action", edited("profiles/article.toml", 'action = "iam:CreateUser"', 'action = "CreateUser"'),
     "profiles/article.toml", "actions[2].action", "service prefix"),
    # files
    ("not-toml", {"services/lambda.toml": "prefix = "},
     "services/lambda.toml", "", "not valid TOML"),
    ("missing-resources", {"resources.toml": None},
     "resources.toml", "", "missing"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edits", "file", "field", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in BROKEN],
)
def test_a_broken_file_names_file_and_field(
    tmp_path: Path, edits: dict[str, str | None], file: str, field: str, message: str
) -> None:
    cat = fixture_catalogue(tmp_path, edits)
    problems = cat.problems()
    assert [(p.file, p.field) for p in problems] == [(f"{tmp_path}/{file}", field)], problems
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"{tmp_path}/{file}: {field}")
    # loading raises the same problem (the lazy path stops at the first one)
    with pytest.raises(DataError) as raised:
        _load_everything(cat)
    assert (raised.value.file, raised.value.field) == (f"{tmp_path}/{file}", field)


def _load_everything(cat: Catalogue) -> None:
    assert cat.services
    assert cat.profiles


def test_several_problems_are_all_reported_and_counted(tmp_path: Path) -> None:
    text = S3.replace('["package"]', '["packaging"]').replace('"bootstrap"', '"boot"')
    cat = fixture_catalogue(tmp_path, {"services/s3.toml": text})
    assert [p.field for p in cat.problems()] == [  # in file order
        "actions.PutObject.needs[0].phases[0]",
        "actions.CreateBucket.needs[0].phases[0]",
    ]
    with pytest.raises(DataError, match=r"and 1 more problem in this file"):
        cat.service("s3")


def test_a_missing_services_directory(tmp_path: Path) -> None:
    (tmp_path / "resources.toml").write_text(RESOURCES)
    cat = Catalogue.from_directory(tmp_path, universe=UNIVERSE)
    with pytest.raises(DataError, match="services directory is missing"):
        cat.prefixes  # noqa: B018
    assert [p.file for p in cat.problems()] == [f"{tmp_path}/services"]


def test_from_directory_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a directory"):
        Catalogue.from_directory(tmp_path / "nope")


def test_the_universe_check_can_wait_for_problems(tmp_path: Path) -> None:
    edits = edited("services/s3.toml", "actions.CreateBucket", "actions.CreateBuckets")
    write_fixture(tmp_path, edits)
    lax = Catalogue.from_directory(tmp_path, universe=UNIVERSE, check_universe=False)
    assert "s3:CreateBuckets" in lax
    assert [p.field for p in lax.problems()] == ["actions.CreateBuckets"]


# -- loading is lazy and cached ----------------------------------------------------------


def test_a_service_is_read_on_first_use_only(tmp_path: Path) -> None:
    cat = fixture_catalogue(tmp_path, {"services/lambda.toml": "not toml at all"})
    assert cat.prefixes == ("cloudformation", "iam", "lambda", "s3")  # listed, not read
    assert names(cat.needs("cloudformation:ExecuteChangeSet")) == [
        "cloudformation:ExecuteChangeSet"
    ]
    with pytest.raises(DataError, match="not valid TOML"):
        cat.needs("lambda:CreateFunction")


def test_a_service_is_parsed_once(cat: Catalogue) -> None:
    first = cat.service("iam")
    assert cat.service("IAM") is first
    assert cat.needs("iam:PassRole")[0] is first.needs_of("iam:passrole")[0]
    assert cat.profile("article") is cat.profile("article")


def test_services_compare_and_hash_by_value(tmp_path: Path) -> None:
    first = fixture_catalogue(tmp_path / "a").service("iam")
    assert first.needs  # a cached property must not change equality
    second = fixture_catalogue(tmp_path / "b").service("iam")
    assert first == second
    assert hash(first) == hash(second)
    assert first != fixture_catalogue(tmp_path / "c").service("s3")


def test_the_shipped_catalogue_is_cached() -> None:
    first = catalogue()
    assert lambda_perms_catalogue() is first
    catalogue.cache_clear()
    second = catalogue()
    assert second is not first
    assert second.label == "data"


def lambda_perms_catalogue() -> Catalogue:
    from lambda_perms.catalogues import catalogue as _catalogue

    return _catalogue.catalogue()


# -- look-ups ----------------------------------------------------------------------------


def test_needs_ignores_case_and_keeps_order(cat: Catalogue) -> None:
    needs = cat.needs("CLOUDFORMATION:createchangeset")
    assert [n.resources for n in needs] == [("stack",), ("sam-transform",)]
    assert all(n.action.text == "cloudformation:CreateChangeSet" for n in needs)
    assert needs == cat.needs(Action("cloudformation:CreateChangeSet"))


def test_needs_normalises_collections(cat: Catalogue) -> None:
    (need, _) = cat.needs("cloudformation:CreateChangeSet")
    assert need.phases == (Phase.DEPLOY, Phase.UPDATE)  # life order, not file order
    assert need.triggers == (
        CommandTrigger(command=Command.DEPLOY),
        CommandTrigger(command=Command.SYNC),
    )
    assert need.caller is Caller.SAM_CLI
    assert need.rollback_only is False
    assert hash(need) == hash(cat.needs("cloudformation:CreateChangeSet")[0])


@pytest.mark.parametrize(
    ("action", "message", "suggestions"),
    [
        # misspelt: close names from the catalogue first, then from the universe
        ("cloudformation:CreateChangeSte", "neither in the catalogue nor an IAM action",
         ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
          "cloudformation:DeleteChangeSet")),
        ("lambda:CreateFuntion", "neither", ("lambda:CreateFunction",)),
        # a real action that no deployment needs
        ("iam:createuser", "'iam:CreateUser' is an IAM action, but no Lambda deployment", ()),
        # a prefix the catalogue does not have
        ("lamda:CreateFunction", "neither", ("lambda:CreateFunction",)),
    ],
)  # fmt: skip
def test_unknown_actions_get_suggestions(
    cat: Catalogue, action: str, message: str, suggestions: tuple[str, ...]
) -> None:
    with pytest.raises(UnknownNameError) as raised:
        cat.needs(action)
    assert message in str(raised.value)
    assert raised.value.suggestions[: len(suggestions)] == suggestions
    assert action not in cat


def test_needs_rejects_patterns(cat: Catalogue) -> None:
    with pytest.raises(InvalidActionError):
        cat.needs("iam:*")
    assert "iam:*" not in cat
    assert 42 not in cat


def test_service_lookup(cat: Catalogue) -> None:
    service = cat.service("s3")
    assert isinstance(service, ServiceCatalogue)
    assert (service.prefix, service.name) == ("s3", "Amazon S3")
    assert [a.text for a in service.actions] == ["s3:CreateBucket", "s3:PutObject"]
    with pytest.raises(UnknownNameError, match="no service 'lamda'") as raised:
        cat.service("lamda")
    assert raised.value.suggestions == ("lambda",)


def test_actions_are_sorted_and_canonical(cat: Catalogue) -> None:
    assert [a.text for a in cat.actions()] == [
        "cloudformation:CreateChangeSet",
        "cloudformation:DeleteStack",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:RollbackStack",
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:GetLayerVersion",
        "s3:CreateBucket",
        "s3:PutObject",
    ]


# -- queries -----------------------------------------------------------------------------


def test_by_phase(cat: Catalogue) -> None:
    assert names(cat.by_phase("rollback")) == ["cloudformation:RollbackStack", "iam:DeleteRole"]
    assert names(cat.by_phase(Phase.BOOTSTRAP)) == ["s3:CreateBucket"]
    with pytest.raises(UnknownNameError) as raised:
        cat.by_phase("rollbak")
    assert raised.value.suggestions == ("rollback",)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # a plain command line: needs without flags, 'without' flags absent
        ({"command": "deploy"},
         ["cloudformation:CreateChangeSet", "cloudformation:CreateChangeSet",
          "cloudformation:ExecuteChangeSet", "s3:PutObject"]),
        # a flag adds; an excluded flag takes away
        ({"command": "deploy", "flags": ["--resolve-s3", "--no-execute-changeset"]},
         ["cloudformation:CreateChangeSet", "cloudformation:CreateChangeSet", "s3:CreateBucket",
          "s3:PutObject"]),
        # a flag with a value matches only that value
        ({"command": "deploy", "flags": "--on-failure DELETE"},
         ["cloudformation:CreateChangeSet", "cloudformation:CreateChangeSet",
          "cloudformation:DeleteStack", "cloudformation:ExecuteChangeSet", "s3:PutObject"]),
        ({"command": "deploy", "flags": ["--on-failure ROLLBACK"]},
         ["cloudformation:CreateChangeSet", "cloudformation:CreateChangeSet",
          "cloudformation:ExecuteChangeSet", "cloudformation:RollbackStack", "s3:PutObject"]),
        ({"command": "package"}, ["s3:PutObject"]),
        ({"command": "delete"}, ["cloudformation:DeleteStack"]),
        # flags alone: the command triggers that name them
        ({"flags": ["--resolve-s3"]}, ["s3:CreateBucket"]),
        # resource types (any handler, or one), properties; criteria add up
        ({"resource_type": "AWS::IAM::Role"}, ["iam:CreateRole", "iam:DeleteRole"]),
        ({"resource_type": "aws::iam::role", "handler": "delete"}, ["iam:DeleteRole"]),
        ({"property": "AWS::Lambda::Function.Layers"}, ["lambda:GetLayerVersion"]),
        ({"command": "package", "resource_type": "AWS::Lambda::Function", "handler": Handler.CREATE},
         ["iam:PassRole", "lambda:CreateFunction", "s3:PutObject"]),
        ({"resource_type": "AWS::SQS::Queue"}, []),
    ],
)  # fmt: skip
def test_by_trigger(cat: Catalogue, criteria: dict[str, object], expected: list[str]) -> None:
    assert names(cat.by_trigger(**criteria)) == expected  # type: ignore[arg-type]


def test_by_trigger_needs_a_criterion(cat: Catalogue) -> None:
    with pytest.raises(TypeError, match="needs a command"):
        cat.by_trigger()
    with pytest.raises(UnknownNameError, match="unknown command 'deplot'") as raised:
        cat.by_trigger(command="deplot")
    assert raised.value.suggestions[0] == "deploy"
    with pytest.raises(UnknownNameError, match="unknown handler"):
        cat.by_trigger(resource_type="AWS::IAM::Role", handler="remove")


def test_by_resource_type(cat: Catalogue) -> None:
    assert names(cat.by_resource_type("AWS::Lambda::Function")) == [
        "iam:PassRole",
        "lambda:CreateFunction",
    ]
    assert names(cat.by_resource_type("AWS::IAM::Role", "create")) == ["iam:CreateRole"]


def test_rollback_only(cat: Catalogue) -> None:
    needs = cat.rollback_only()
    assert names(needs) == ["cloudformation:RollbackStack", "iam:DeleteRole"]
    assert all(Phase.ROLLBACK in n.phases for n in needs)


def test_triggers_read_as_written(cat: Catalogue) -> None:
    texts = {str(t) for n in cat.services[0].needs for t in n.triggers}
    assert "sam deploy without --no-execute-changeset" in texts
    assert "sam deploy --on-failure ROLLBACK" in texts
    (trigger,) = cat.needs("iam:DeleteRole")[0].triggers
    assert isinstance(trigger, ResourceTypeTrigger)
    assert str(trigger) == "AWS::IAM::Role delete"
    (prop,) = cat.needs("iam:GetRole")[0].triggers
    assert isinstance(prop, PropertyTrigger)
    assert str(prop) == "AWS::Lambda::Function.Role"


# -- templates, conditions, profiles -----------------------------------------------------


def test_templates(cat: Catalogue) -> None:
    assert [t.name for t in cat.templates] == [
        "artifacts", "sam-transform", "stack", "stack-function", "stack-role",
    ]  # fmt: skip
    stack = cat.template("stack")
    assert stack.template.placeholders == ("Partition", "Region", "Account", "StackName")
    assert stack.render({"Partition": "aws", "Region": "eu-west-1", "Account": "123456789012"}) == (
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/*/*"
    )
    with pytest.raises(UnknownNameError) as raised:
        cat.template("stak")
    assert raised.value.suggestions[0] == "stack"


def test_conditions_are_policy_conditions(cat: Catalogue) -> None:
    (need,) = cat.needs("iam:PassRole")
    assert need.condition == lambda_perms.Condition.of(
        {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    )
    assert need.model_dump(mode="json")["condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }


def test_profiles(cat: Catalogue) -> None:
    article = cat.profile("article")
    assert article.title.startswith("AWS Lambda")
    assert [e.verdict for e in article.actions] == [
        Verdict.REQUIRED, Verdict.UNNEEDED, Verdict.UNNEEDED, Verdict.REQUIRED, Verdict.CONDITIONAL,
    ]  # fmt: skip
    entry = article.entry("IAM:passrole")
    assert entry is not None
    assert entry.verdict is Verdict.CONDITIONAL
    assert article.entry("iam:GetRole") is None
    with pytest.raises(UnknownNameError) as raised:
        cat.profile("artcle")
    assert raised.value.suggestions == ("article",)


# -- the JSON Schema ---------------------------------------------------------------------


def test_the_service_schema_describes_the_file() -> None:
    schema = ServiceCatalogue.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == {"schema_version", "prefix", "name", "actions"}
    need = schema["$defs"]["NeedEntry"]
    assert "action" not in need["properties"]
    assert set(need["required"]) == {"phases", "caller", "triggers", "resources", "why", "evidence"}
    assert need["properties"]["condition"]["anyOf"][0]["type"] == "object"
    json.dumps(schema)  # serialisable
