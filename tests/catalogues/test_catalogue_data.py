"""Lint every shipped catalogue file (data/services, data/profiles, data/resources.toml).

Each file is a test case: it must validate (schema and rules), its name must be its prefix, its
action names unique ignoring case, its cross-references resolve, its placeholders be known and
every action exist in the universe snapshot. A broken file fails with the file and field named.
Some checks read the raw TOML themselves instead of trusting the loader.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from typing import Any

import pytest

import lambda_perms
from lambda_perms import _data
from lambda_perms.catalogues.catalogue import Catalogue
from lambda_perms.catalogues.model import PLACEHOLDERS
from lambda_perms.catalogues.terms import Verdict
from lambda_perms.errors import DataError
from tests._support import DATA

SERVICES = sorted(p.stem for p in (DATA / "services").glob("*.toml"))
PROFILES = sorted(p.stem for p in (DATA / "profiles").glob("*.toml"))


@cache
def shipped() -> Catalogue:
    """The shipped catalogue, with the universe rule checked while loading."""
    return Catalogue(_data.data_root(), label="data", universe=lambda_perms.universe())


@cache
def problems() -> tuple[DataError, ...]:
    return shipped().problems()


def problems_of(file: str) -> list[str]:
    return [str(p) for p in problems() if p.file == file]


def raw(relative: str) -> Any:
    return tomllib.loads((DATA / relative).read_text(encoding="utf-8"))


# -- every file validates ----------------------------------------------------------------


def test_the_catalogue_ships() -> None:
    """The data the package reads (installed or in the checkout) has the catalogue."""
    assert SERVICES, "data/services/ is empty"
    assert "article" in PROFILES
    assert shipped().prefixes == tuple(SERVICES)


def test_resources_file_validates() -> None:
    assert problems_of("data/resources.toml") == []


@pytest.mark.parametrize("prefix", SERVICES)
def test_service_file_validates(prefix: str) -> None:
    assert problems_of(f"data/services/{prefix}.toml") == []


@pytest.mark.parametrize("name", PROFILES)
def test_profile_file_validates(name: str) -> None:
    assert problems_of(f"data/profiles/{name}.toml") == []


def test_no_other_problems() -> None:
    assert [str(p) for p in problems()] == []


# -- checks on the raw files -------------------------------------------------------------


@pytest.mark.parametrize("prefix", SERVICES)
def test_file_name_is_the_prefix(prefix: str) -> None:
    assert raw(f"services/{prefix}.toml")["prefix"] == prefix


@pytest.mark.parametrize("name", PROFILES)
def test_file_name_is_the_profile_name(name: str) -> None:
    assert raw(f"profiles/{name}.toml")["name"] == name


@pytest.mark.parametrize("prefix", SERVICES)
def test_action_names_are_unique_ignoring_case(prefix: str) -> None:
    names = list(raw(f"services/{prefix}.toml")["actions"])
    assert len({n.lower() for n in names}) == len(names)


@pytest.mark.parametrize("prefix", SERVICES)
def test_resources_resolve(prefix: str) -> None:
    templates = set(raw("resources.toml")["templates"])
    for name, entry in raw(f"services/{prefix}.toml")["actions"].items():
        for i, need in enumerate(entry["needs"]):
            where = f"{prefix}:{name} needs[{i}]"
            if need["resources"] == ["*"]:
                assert need.get("star_reason", "").strip(), where
            else:
                assert set(need["resources"]) <= templates, where


def test_placeholders_are_known() -> None:
    for name, template in raw("resources.toml")["templates"].items():
        used = set(re.findall(r"\$\{([^}]*)\}", template["arn"]))
        assert used <= set(PLACEHOLDERS), name


# -- checks on the loaded catalogue ------------------------------------------------------


@pytest.mark.parametrize("prefix", SERVICES)
def test_every_action_exists_in_the_universe(prefix: str) -> None:
    universe = lambda_perms.universe()
    for action in shipped().service(prefix).actions:
        assert universe.exists(action), action
        assert universe.canonical(action).text == action.text


@pytest.mark.parametrize("prefix", SERVICES)
def test_every_need_has_evidence_and_a_why(prefix: str) -> None:
    for need in shipped().service(prefix).needs:
        assert need.why.strip(), need.action
        assert need.evidence, need.action
        assert all(e.source.strip() for e in need.evidence), need.action


@pytest.mark.parametrize("prefix", SERVICES)
def test_every_passrole_is_conditioned(prefix: str) -> None:
    for need in shipped().service(prefix).needs:
        if need.action.key == "iam:passrole":
            assert need.condition is not None
            keys = {e.key.lower() for e in need.condition.entries}
            assert "iam:passedtoservice" in keys


@pytest.mark.parametrize("name", PROFILES)
def test_profile_actions_exist_in_the_universe(name: str) -> None:
    universe = lambda_perms.universe()
    for entry in shipped().profile(name).actions:
        assert universe.exists(entry.action), entry.action


def test_the_article_profile_has_all_37() -> None:
    article = shipped().profile("article")
    assert len(article.actions) == 37
    assert all(e.verdict in set(Verdict) for e in article.actions)


def test_the_default_catalogue_is_the_shipped_one() -> None:
    default = lambda_perms_catalogue()
    assert default.files == shipped().files
    assert default.files[0] == "data/resources.toml"


def lambda_perms_catalogue() -> Catalogue:
    from lambda_perms.catalogues.catalogue import catalogue

    return catalogue()
