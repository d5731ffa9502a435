"""Generated docs: deterministic, complete, and checked fresh (on fixture and shipped data)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_perms.catalogues.catalogue import Catalogue, catalogue
from lambda_perms.catalogues.terms import Verdict
from lambda_perms.errors import DataError
from lambda_perms.render import docs
from tests._support import ROOT
from tests.catalogues.test_catalogue import UNIVERSE, fixture_catalogue, write_fixture


@pytest.fixture
def cat(tmp_path: Path) -> Catalogue:
    return fixture_catalogue(tmp_path / "data")


def test_rendering_is_deterministic(tmp_path: Path, cat: Catalogue) -> None:
    first = docs.render_all(cat)
    again = docs.render_all(fixture_catalogue(tmp_path / "data"))  # a fresh, uncached load
    assert first == again
    assert list(first) == sorted(first)


def test_the_pages(cat: Catalogue) -> None:
    pages = docs.render_all(cat)
    assert sorted(pages) == [
        "article.md",
        "cloudformation-types.md",
        "commands/sam-delete.md",
        "commands/sam-deploy.md",
        "commands/sam-package.md",
        "commands/sam-sync.md",
        "index.md",
        "rollback-only.md",
        "schemas/profile.schema.json",
        "schemas/resources.schema.json",
        "schemas/service.schema.json",
        "services/cloudformation.md",
        "services/iam.md",
        "services/lambda.md",
        "services/s3.md",
    ]
    for path, text in pages.items():
        assert text.endswith("\n"), path
        assert not text.endswith("\n\n"), path
    # every curated CloudFormation type and rule is on its page
    from lambda_perms.catalogues import cloudformation as _cloudformation

    page = pages["cloudformation-types.md"]
    for name, info in _cloudformation.curated_types().items():
        assert f"`{name}`" in page
        for rule in info.rules:
            assert f"`{rule.property}`" in page
        if path.endswith(".md"):
            assert "do not edit by hand" in text, path
    # every page is linked from the index
    index = pages["index.md"]
    for path in pages:
        if path != "index.md":
            assert f"]({path})" in index, path
    assert "fixture 1 (2026-01-01)" in index  # the universe's data date


def test_a_service_page_has_a_row_per_need(cat: Catalogue) -> None:
    page = docs.render_all(cat)["services/cloudformation.md"]
    rows = [
        line
        for line in page.splitlines()
        if re.match(r"\| (<a id=[^>]+></a>)?\[`cloudformation:", line)
    ]
    assert len(rows) == len(cat.service("cloudformation").needs)
    # the first row of each action carries its anchor; every action links to AWS's reference
    anchors = re.findall(r'<a id="([^"]+)"></a>', page)
    assert anchors == sorted(
        {f"cloudformation-{n.action.name.lower()}" for n in cat.service("cloudformation").needs}
    )
    sar = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html#awscloudformation-actions-as-permissions"
    assert all(f"`]({sar})" in row for row in rows)
    header = next(line for line in page.splitlines() if line.startswith("| Action"))
    assert header == (
        "| Action | Purpose | Rollback-only | Trigger | Caller | Resources | Condition | Why | Evidence |"
    )
    # ARN templates rendered, angle brackets escaped, evidence linked
    assert (
        "`arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/*` (stack)"
        in page
    )
    assert "samcli-deploy&lt;epoch&gt;" in page
    assert (
        "(https://github.com/aws/aws-sam-cli/blob/v1.170.0/samcli/lib/deploy/deployer.py)" in page
    )
    iam = docs.render_all(cat)["services/iam.md"]
    assert '`{"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}`' in iam
    assert "`*`: The role may live outside the stack." in iam


def test_a_command_page_lists_base_permissions_and_flags(cat: Catalogue) -> None:
    page = docs.render_all(cat)["commands/sam-deploy.md"]
    base, flags = page.split("## Flags")
    assert "cloudformation:ExecuteChangeSet" in base
    assert "s3:CreateBucket" not in base
    sections = dict(re.findall(r"### `([^`]+)`\n\n(.*?)(?=\n### |\Z)", flags, re.S))
    assert list(sections) == [
        "--no-execute-changeset",
        "--on-failure DELETE",
        "--on-failure ROLLBACK",
        "--resolve-s3",
    ]
    assert sections["--no-execute-changeset"].startswith("Takes away")
    assert "cloudformation:ExecuteChangeSet" in sections["--no-execute-changeset"]
    assert "s3:CreateBucket" in sections["--resolve-s3"]
    delete = docs.render_all(cat)["commands/sam-delete.md"]
    assert "cloudformation:DeleteStack" in delete
    assert "No flag changes" in delete


def test_the_rollback_only_page(cat: Catalogue) -> None:
    page = docs.render_all(cat)["rollback-only.md"]
    rows = [line for line in page.splitlines() if line.startswith("| [")]
    assert [re.search(r"`([^`]+)`", r).group(1) for r in rows] == [  # type: ignore[union-attr]
        "cloudformation:RollbackStack",
        "iam:DeleteRole",
    ]


def test_the_article_page_lists_every_profile_entry(cat: Catalogue) -> None:
    page = docs.render_all(cat)["article.md"]
    profile = cat.profile("article")
    audited, missing = page.split("## What the article misses")
    for i, entry in enumerate(profile.actions, start=1):
        assert f"| {i} | `{entry.action.text}` | {entry.verdict.value} |" in audited
    assert "2 required, 1 conditional, 2 unneeded" in audited
    # a plain sam deploy needs these, and the fixture article does not list them
    assert re.findall(r"^\| \[`([^`]+)`\]", missing, re.M) == [
        "cloudformation:ExecuteChangeSet",
        "iam:CreateRole",
        "iam:DeleteRole",
        "s3:PutObject",
    ]


def test_without_an_article_profile_there_is_no_article_page(tmp_path: Path) -> None:
    cat = fixture_catalogue(tmp_path, {"profiles/article.toml": None})
    pages = docs.render_all(cat)
    assert "article.md" not in pages
    assert "article.md" not in pages["index.md"]


def test_schemas_are_json_schemas() -> None:
    schemas = docs.schemas()
    assert sorted(schemas) == [
        "schemas/profile.schema.json",
        "schemas/resources.schema.json",
        "schemas/service.schema.json",
    ]
    service = json.loads(schemas["schemas/service.schema.json"])
    assert service["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert service["title"] == "ServiceCatalogue"
    assert "actions" in service["required"]


# -- write and check ---------------------------------------------------------------------


def test_write_then_check(tmp_path: Path, cat: Catalogue) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "guide.md").write_text("hand-written, not ours\n")
    written = docs.write(root, cat)
    assert written == sorted(docs.render_all(cat))
    assert docs.check(root, cat) == []
    assert docs.write(root, cat) == []  # nothing to do

    (root / "services" / "iam.md").write_text("stale\n")
    (root / "commands" / "sam-sync.md").unlink()
    (root / "services" / "old.md").write_text("no longer generated\n")
    assert docs.check(root, cat) == [
        "commands/sam-sync.md",
        "services/iam.md",
        "services/old.md",
    ]
    assert docs.write(root, cat) == ["commands/sam-sync.md", "services/iam.md", "services/old.md"]
    assert not (root / "services" / "old.md").exists()
    assert docs.check(root, cat) == []
    assert (root / "guide.md").read_text() == "hand-written, not ours\n"


def test_write_owns_every_page_it_renders(tmp_path: Path, cat: Catalogue) -> None:
    """A page that stops being rendered is pruned only if ``write`` owns it."""
    for page in docs.render_all(cat):
        folder, slash, _ = page.partition("/")
        assert (folder + slash if slash else page) in docs.GENERATED, page
    root = tmp_path / "docs"
    docs.write(root, cat)
    assert (root / "article.md").is_file()
    without = fixture_catalogue(tmp_path / "other", {"profiles/article.toml": None})
    assert "article.md" in docs.check(root, without)
    assert "article.md" in docs.write(root, without)
    assert not (root / "article.md").exists()


def test_write_schemas_only(tmp_path: Path) -> None:
    assert docs.write_schemas(tmp_path) == sorted(docs.schemas())
    assert docs.write_schemas(tmp_path) == []


def test_a_broken_catalogue_is_a_data_error(tmp_path: Path) -> None:
    write_fixture(tmp_path, {"services/s3.toml": "schema_version = 1\n"})
    cat = Catalogue.from_directory(tmp_path, universe=UNIVERSE)
    with pytest.raises(DataError, match=r"s3\.toml"):
        docs.render_all(cat)


def test_default_root_is_the_checkout_docs() -> None:
    assert docs.default_root() == ROOT / "docs"


# -- the shipped catalogue ---------------------------------------------------------------


def test_shipped_docs_name_no_machine_paths() -> None:
    for path, text in docs.render_all(catalogue()).items():
        assert str(ROOT) not in text, path
        assert "/tmp/" not in text, path


def test_shipped_article_page_lists_all_37() -> None:
    page = docs.render_all(catalogue())["article.md"]
    entries = catalogue().profile("article").actions
    assert len(entries) == 37
    for i, entry in enumerate(entries, start=1):
        assert f"| {i} | `{entry.action.text}` | {entry.verdict.value} |" in page
    assert {e.verdict for e in entries} <= set(Verdict)
    # the seed article is named with its URL, author and date
    intro = page.split("| # |", 1)[0]
    assert "https://qiita.com/ho-rai/items/1a3a872cd85c414d9c24" in intro
    assert "H.H of 虎の穴ラボ" in intro
    assert "2021-07-30" in intro


def test_committed_docs_are_fresh() -> None:
    stale = docs.check(ROOT / "docs")
    assert stale == [], f"run `python -m lambda_perms docs`; stale: {stale}"


# -- tables and links a reader can use ---------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)(?: \"[^\"]*\")?\)")


def _tables(text: str) -> list[list[str]]:
    """The Markdown tables of a page, each as its lines (header and separator included)."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _anchors(text: str) -> set[str]:
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip()
        ids.add(re.sub(r"[\s-]+", "-", slug))
    return ids


def _broken_links(root: Path) -> list[str]:
    """Relative links under ``root`` whose file or anchor does not exist."""
    broken = []
    for page in sorted(root.rglob("*.md")):
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.is_file():
                broken.append(f"{page.relative_to(root)}: {target}")
            elif anchor and anchor not in _anchors(resolved.read_text(encoding="utf-8")):
                broken.append(f"{page.relative_to(root)}: {target} (no such anchor)")
    return broken


@pytest.mark.parametrize("which", ["fixture", "shipped"])
def test_no_generated_table_repeats_a_row(tmp_path: Path, which: str) -> None:
    cat = fixture_catalogue(tmp_path / "data") if which == "fixture" else catalogue()
    for path, text in docs.render_all(cat).items():
        for table in _tables(text):
            repeated = sorted({row for row in table if table.count(row) > 1})
            assert not repeated, f"{path}: {repeated}"


def test_a_need_whose_triggers_repeat_a_flag_is_one_row() -> None:
    # s3:GetObject is brought in by '--force-upload' with '--resolve-s3' and with '--s3-bucket'
    page = docs.render_all(catalogue())["commands/sam-deploy.md"]
    section = page.split("### `--force-upload`", 1)[1].split("\n### ", 1)[0]
    rows = [r for r in _tables(section)[0][2:] if "`s3:GetObject`" in r]
    assert rows
    assert len(rows) == len(set(rows))


def test_the_committed_docs_have_no_broken_links() -> None:
    assert _broken_links(ROOT / "docs") == []


def test_docs_root_makes_a_self_contained_tree(tmp_path: Path) -> None:
    """A new root has no hand-written pages: the generated ones do not link to them."""
    written = docs.write(tmp_path)
    assert "index.md" in written
    assert _broken_links(tmp_path) == []
    index = (tmp_path / "index.md").read_text()
    assert "api.md" not in index
    assert "catalogue-format.md" not in index
    assert docs.check(tmp_path) == []
    # with the hand-written pages beside them, the links come back (and the tree is stale)
    (tmp_path / "api.md").write_text("# API\n")
    (tmp_path / "catalogue-format.md").write_text("# Format\n\n## CloudFormation resource types\n")
    assert docs.check(tmp_path) == ["cloudformation-types.md", "index.md"]
    docs.write(tmp_path)
    assert "](api.md)" in (tmp_path / "index.md").read_text()
    assert _broken_links(tmp_path) == []


def test_every_catalogue_action_has_an_anchor_and_a_reference_link() -> None:
    cat = catalogue()
    pages = docs.render_all(cat)
    reference = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_"
    pages_by_prefix = {
        "apigateway": "amazonapigatewaymanagement",
        "cloudformation": "awscloudformation",
        "ec2": "amazonec2",
        "ecr": "amazonelasticcontainerregistry",
        "elasticfilesystem": "amazonelasticfilesystem",
        "iam": "awsidentityandaccessmanagementiam",
        "kms": "awskeymanagementservice",
        "lambda": "awslambda",
        "s3": "amazons3",
        "s3files": "amazons3files",
        "serverlessrepo": "awsserverlessapplicationrepository",
        "signer": "awssigner",
        "states": "awsstepfunctions",
    }
    assert sorted(pages_by_prefix) == sorted(s.prefix for s in cat.services)
    for service in cat.services:
        page = pages[f"services/{service.prefix}.md"]
        slug = pages_by_prefix[service.prefix]
        url = f"{reference}{slug}.html#{slug}-actions-as-permissions"
        for action in service.actions:
            anchor = f"{action.prefix}-{action.name}".lower()
            assert page.count(f'<a id="{anchor}"></a>[`{action.text}`]({url})') == 1, action


def test_the_home_answers_what_sam_deploy_needs() -> None:
    index = docs.render_all(catalogue())["index.md"]
    home = index.split("## What `sam deploy` needs, and why", 1)[1].split("\n## ", 1)[0]
    table = _tables(home)[0]
    sids = [re.match(r"\| `(\w+)`", row).group(1) for row in table[2:]]  # type: ignore[union-attr]
    assert sids == [
        "CloudFormationDeploy",
        "CloudFormationTransform",
        "S3Artifacts",
        "IamExecutionRole",
        "IamPassExecutionRole",
        "IamRollback",
        "LambdaFunction",
        "LambdaRollback",
    ]
    assert "[`PassRole`](services/iam.md#iam-passrole \"CloudFormation's Lambda::Function" in home
    assert '`{"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}`' in home
    assert "`arn:aws:cloudformation:*:aws:transform/Serverless-2016-10-31`" in home
