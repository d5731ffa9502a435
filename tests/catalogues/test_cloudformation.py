"""lambda_perms.catalogues.cloudformation: the handler data and the curated types file.

The shipped ``data/cloudformation/types.toml`` is linted rule by rule against the handler data
and the action universe; the loader's own rules are checked on broken copies.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_perms import _data
from lambda_perms._universe import universe
from lambda_perms.catalogues import cloudformation as _cloudformation
from lambda_perms.errors import DataError, UnknownNameError
from tests._support import ROOT

TYPES = tomllib.loads((ROOT / "data" / "cloudformation" / "types.toml").read_text())["types"]


def test_handlers() -> None:
    create = _cloudformation.handlers("AWS::SQS::Queue")["create"]
    assert "sqs:CreateQueue" in create
    assert _cloudformation.is_known("AWS::Lambda::Function")
    assert not _cloudformation.is_known("AWS::Lambda::Functon")
    assert "read" not in _cloudformation.handlers("AWS::IAM::Policy")  # no such handler
    assert len(_cloudformation.type_names()) > 1500


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("AWS::Lambda::Functon", "AWS::Lambda::Function"),
        ("aws::sqs::queue", "AWS::SQS::Queue"),
        ("AWS::DynamoDB::Tabel", "AWS::DynamoDB::Table"),
    ],
)
def test_unknown_types_suggest(name: str, suggestion: str) -> None:
    with pytest.raises(UnknownNameError) as caught:
        _cloudformation.handlers(name)
    assert suggestion in caught.value.suggestions


def test_every_type_loads() -> None:
    for name in TYPES:
        info = _cloudformation.type_info(name)
        assert info is not None
        assert info.evidence
    assert _cloudformation.type_info("AWS::Nonexistent::Thing") is None


def _rules() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, entry in TYPES.items():
        for rule in entry.get("rules", []):
            yield name, rule


@pytest.mark.parametrize(("name", "rule"), list(_rules()), ids=lambda v: str(v)[:60])
def test_rule_actions_are_in_the_named_handlers(name: str, rule: dict[str, Any]) -> None:
    lists = _cloudformation.handlers(name)
    for action in rule["actions"]:
        for handler in rule["handlers"]:
            assert action in lists.get(handler, ()), f"{name} {handler} lacks {action}"
    assert set(rule["handlers"]) <= {"create", "update", "delete"}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_types_file_against_handlers_and_universe(name: str) -> None:
    entry = TYPES[name]
    assert _cloudformation.is_known(name)
    lists = _cloudformation.handlers(name)
    passes = any("iam:PassRole" in v for v in lists.values())
    assert passes == ("passed_to" in entry), "passed_to exactly when a handler passes a role"
    # the curated catalogue holds these two types' property rules
    if name in ("AWS::Lambda::Function", "AWS::IAM::Role"):
        assert "rules" not in entry
    for key, arn in entry.get("arns", {}).items():
        prefix = arn.split(":")[2]
        formats = {
            r.name: r.arn_formats
            for action in universe().actions(prefix)
            for r in universe().resource_types(action)
        }
        assert key in formats, f"{key!r} is not a {prefix} resource type"
        assert "${Name}" in arn

        def pattern(fmt: str) -> str:
            parts = re.split(r"(\$\{\w+\})", fmt)
            fixed = ("${Partition}", "${Region}", "${Account}")
            return "".join(
                re.escape(p) if not p.startswith("${") or p in fixed else ".+" for p in parts
            )

        assert any(re.fullmatch(pattern(f), arn) for f in formats[key]), (key, arn, formats[key])


def _broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    folder = tmp_path / "cloudformation"
    folder.mkdir(exist_ok=True)
    (folder / "types.toml").write_text(text)
    monkeypatch.setattr(_data, "data_root", lambda: tmp_path)
    _cloudformation.cache_clear()


EVIDENCE = '[{ kind = "cfn-schema", source = "AWS::SQS::Queue handlers.create", version = "v" }]'


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("schema_version = 2\n[types]\n", "schema_version", "less than or equal to 1"),
        (
            f'schema_version = 1\n[types."AWS::SQS::Queue"]\nevidence = {EVIDENCE}\nbogus = 1\n',
            "types.AWS::SQS::Queue.bogus",
            "Extra inputs are not permitted",
        ),
        (
            f'schema_version = 1\n[types."AWS::SQS::Queue"]\nevidence = {EVIDENCE}\n'
            'generated = "${Stack}-*"\nmax_length = 80\n',
            "types.AWS::SQS::Queue.generated",
            "unknown placeholder(s) Stack",
        ),
        (
            f'schema_version = 1\n[types."AWS::SQS::Queue"]\nevidence = {EVIDENCE}\n'
            'generated = "${StackName}-*"\n',
            "types",
            "'generated' needs 'max_length'",
        ),
        (
            f'schema_version = 1\n[types."AWS::SQS::Queue"]\nevidence = {EVIDENCE}\n'
            '[types."AWS::SQS::Queue".arns]\nqueue = "arn:aws:sqs:::${Name}"\n',
            "types.AWS::SQS::Queue.arns",
            "starts 'arn:${Partition}:'",
        ),
        ('schema_version = 1\n[types."AWS::SQS::Queue"]\n', "types.AWS::SQS::Queue.evidence", ""),
        ("schema_version = [\n", "", "not valid TOML"),
    ],
)
def test_types_file_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, field: str, message: str
) -> None:
    _broken(tmp_path, monkeypatch, body)
    try:
        with pytest.raises(DataError) as caught:
            _cloudformation.type_info("AWS::SQS::Queue")
        assert caught.value.file == "data/cloudformation/types.toml"
        assert caught.value.field == field
        assert message in caught.value.message
    finally:
        _cloudformation.cache_clear()
