"""The action universe: a fixture universe for behaviour, the shipped snapshot for integrity,
and a brute-force reference (its own decoding and its own regexes) for expansion."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pytest

import lambda_perms
from lambda_perms import UnknownNameError
from lambda_perms._universe import AccessLevel, Universe, UniverseVersion, universe
from lambda_perms.iam.actions import Action
from tests import _support

DATA = _support.DATA / "universe"

FIXTURE = Universe.from_actions(
    [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:PutObject",
        "s3:CreateBucket",
        "s3control:GetJob",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:PassRole",
        "cloudformation:CreateStack",
        "cloudformation:CreateResource",
    ],
    details={
        "s3:GetObject": {"a": ["Read"], "r": [["object", True]], "c": ["s3:ExistingObjectTag/${TagKey}"]},
        "s3:CreateBucket": {"a": ["Write"], "r": [["bucket", True]]},
        "iam:PassRole": {"a": ["Write"], "r": [["role", True]], "c": ["iam:PassedToService"]},
        "s3:PutObject": {"a": ["Tagging", "Write"], "r": [["object", True]]},
    },
    resources={
        "s3": {"bucket": ["arn:${Partition}:s3:::${BucketName}"],
               "object": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]},
        "iam": {"role": ["arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"]},
    },
    version=UniverseVersion("fixture", "1", "2026-01-01"),
)  # fmt: skip


def names(actions: tuple[Action, ...]) -> list[str]:
    return [a.text for a in actions]


class TestFixture:
    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            ("s3:Get*", ["s3:GetObject", "s3:GetObjectAcl"]),
            ("S3:GET*", ["s3:GetObject", "s3:GetObjectAcl"]),
            ("s3:GetObject", ["s3:GetObject"]),
            ("s3:getobject", ["s3:GetObject"]),
            ("s3:*", ["s3:CreateBucket", "s3:GetObject", "s3:GetObjectAcl", "s3:PutObject"]),
            ("s3*:Get*", ["s3:GetObject", "s3:GetObjectAcl", "s3control:GetJob"]),
            ("iam:GetRol?", ["iam:GetRole"]),
            ("iam:GetRole*", ["iam:GetRole", "iam:GetRolePolicy"]),
            ("*:Create*", ["cloudformation:CreateResource", "cloudformation:CreateStack", "s3:CreateBucket"]),
            ("*Pass*", ["iam:PassRole"]),
            ("s3:[gp]etobject", []),
            ("nope:*", []),
            ("s3:Nope", []),
        ],
    )  # fmt: skip
    def test_expand(self, pattern: str, expected: list[str]) -> None:
        assert names(FIXTURE.expand(pattern)) == expected

    @pytest.mark.parametrize("pattern", ["*", "*:*"])
    def test_star_is_everything(self, pattern: str) -> None:
        assert len(FIXTURE.expand(pattern)) == 10 == len(FIXTURE)
        assert FIXTURE.expand(pattern) == FIXTURE.actions()

    def test_exists_and_canonical(self) -> None:
        assert FIXTURE.exists("IAM:passrole")
        assert "iam:PassRole" in FIXTURE
        assert not FIXTURE.exists("iam:PassRoles")
        assert FIXTURE.canonical("IAM:passrole").text == "iam:PassRole"

    def test_unknown_action_suggests(self) -> None:
        with pytest.raises(UnknownNameError, match="did you mean 'iam:PassRole'") as info:
            FIXTURE.canonical("iam:PasRole")
        assert info.value.suggestions[0] == "iam:PassRole"
        assert isinstance(info.value, KeyError)

    @pytest.mark.parametrize(
        ("name", "first"),
        [("iam:PasRole", "iam:PassRole"), ("s3:GetObjet", "s3:GetObject"), ("s3", "s3"),
         ("s3contrl", "s3control"), ("iamm:GetRole", "iam:GetRole")],
    )  # fmt: skip
    def test_suggest(self, name: str, first: str) -> None:
        assert FIXTURE.suggest(name)[0] == first

    def test_facts(self) -> None:
        assert FIXTURE.access_levels("s3:PutObject") == {AccessLevel.TAGGING, AccessLevel.WRITE}
        (role,) = FIXTURE.resource_types("iam:PassRole")
        assert role.name == "role"
        assert role.required
        assert role.arn_formats == ("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",)
        assert FIXTURE.condition_keys("iam:PassRole") == ("iam:PassedToService",)
        assert FIXTURE.resource_types("iam:GetRole") == ()
        assert str(FIXTURE.version) == "fixture 1 (2026-01-01)"
        assert FIXTURE.prefixes == ("cloudformation", "iam", "s3", "s3control")

    def test_facts_of_unknown_action(self) -> None:
        with pytest.raises(UnknownNameError):
            FIXTURE.access_levels("iam:Nope")


def _reference_actions() -> list[str]:
    """Every action of the shipped snapshot, decoded here without the library."""
    outer = json.loads(gzip.decompress((DATA / "actions.json.gz").read_bytes()))
    return [
        f"{prefix}:{name}"
        for prefix, record in outer["services"].items()
        for name in json.loads(record)["actions"]
    ]


def _reference_regex(pattern: str) -> re.Pattern[str]:
    pieces = {"*": ".*", "?": "."}
    return re.compile(
        "".join(pieces.get(c, re.escape(c)) for c in pattern), re.IGNORECASE | re.DOTALL
    )


class TestShippedSnapshot:
    def test_default_is_cached_and_clearable(self) -> None:
        assert lambda_perms.universe() is universe()
        universe.cache_clear()
        assert lambda_perms.universe() is universe()

    def test_version_is_recorded(self) -> None:
        source = json.loads((DATA / "source.json").read_text())
        version = universe().version
        assert (version.source, version.version, version.date) == (
            source["source"], source["version"], source["date"]
        )  # fmt: skip
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version.date)

    def test_checksum_matches(self) -> None:
        from lambda_perms._universe import _snapshot_checksum

        source = json.loads((DATA / "source.json").read_text())
        assert _snapshot_checksum() == source["sha256"]
        assert (
            hashlib.sha256((DATA / "actions.json.gz").read_bytes()).hexdigest() == source["sha256"]
        )

    def test_counts_and_consistency(self) -> None:
        source = json.loads((DATA / "source.json").read_text())
        u = universe()
        assert len(u) == source["actions"]
        assert len(u.prefixes) == source["prefixes"]
        for prefix in u.prefixes:
            actions = u.actions(prefix)
            assert len({a.key for a in actions}) == len(actions), prefix
            for action in actions:
                for resource_type in u.resource_types(action):
                    # every resource type an action names exists in its service
                    assert resource_type.arn_formats, (action, resource_type.name)
                assert u.access_levels(action), action

    def test_expand_agrees_with_brute_force_over_the_whole_snapshot(self) -> None:
        every = _reference_actions()
        u = universe()
        for pattern in ["*", "*:*", "s3:Get*", "iam:GetRol?", "ec2:*Vpn*", "*:List*", "lambda:*Function",
                        "CLOUDFORMATION:create*", "?3:*Object", "cloudfront:ListDistributions*", "*Pass*"]:  # fmt: skip
            regex = _reference_regex(pattern)
            expected = sorted(
                (a for a in every if regex.fullmatch(a)), key=lambda a: (a.lower(), a)
            )
            assert names(u.expand(pattern)) == expected, pattern

    def test_acceptance_examples(self) -> None:
        u = universe()
        s3_get = [a for a in _reference_actions() if a.lower().startswith("s3:get")]
        assert sorted(names(u.expand("s3:Get*"))) == sorted(s3_get)
        assert names(u.expand("iam:GetRol?")) == ["iam:GetRole"]
        assert len(u.expand("*")) == len(_reference_actions())
        assert u.canonical("LAMBDA:createfunction").text == "lambda:CreateFunction"
        assert "lambda:CreateFunction" in u.suggest("lambda:CreateFuntion")

    def test_service_condition_keys(self) -> None:
        outer = json.loads(gzip.decompress((DATA / "actions.json.gz").read_bytes()))
        u = universe()
        for prefix, record in outer["services"].items():
            assert u.service_condition_keys(prefix) == tuple(json.loads(record)["conditions"])
        assert "iam:PassedToService" in u.service_condition_keys("iam")
        assert "lambda:FunctionArn" in u.service_condition_keys("LAMBDA")
        assert "aws:ResourceTag/${TagKey}" in u.service_condition_keys("lambda")
        assert u.service_condition_keys("nope") == ()
        assert FIXTURE.service_condition_keys("iam") == ()  # from_actions records none

    def test_cloud_control_shares_the_cloudformation_prefix(self) -> None:
        assert universe().exists("cloudformation:CreateResource")
        assert "cloudformation:CreateResource" in names(universe().expand("cloudformation:Create*"))


def test_fixture_snapshot_errors() -> None:
    from lambda_perms.errors import DataError

    with pytest.raises(DataError, match="format-2"):
        Universe.from_snapshot({"format": 1}, UniverseVersion("x", None, "2026-01-01"))
    broken = Universe.from_snapshot(
        {"format": 2, "services": {"s3": "{"}}, UniverseVersion("x", None, "d")
    )
    with pytest.raises(DataError, match=r"services\.s3"):
        broken.expand("s3:*")


def test_repr_mentions_version() -> None:
    assert "fixture 1" in repr(FIXTURE)
