#!/usr/bin/env python3
"""Regenerate ``data/cloudformation/`` from the CloudFormation resource provider schemas.

cfn-lint bundles the CloudFormation registry's resource provider schemas in
``cfnlint/data/schemas/``:

* ``providers/<region>.json`` maps each resource type name to a schema id;
* ``resources/<id>.json`` is the full provider schema, including
  ``handlers.{create,read,update,delete,list}.permissions``;
* ``version.json`` records the ``schema_date``.

This script reads every region file, takes the union of all resource types (and, where a
type's handler permissions differ between regions, the union per handler, so that nothing is
ever under-granted) and writes:

* ``handlers.json.gz``: gzip (mtime 0, no file name, level 9) of compact, key-sorted JSON
  ``{"format": 1, "regions": [...], "types": {type: {handler: [permission, ...]}},
  "unavailable_in": {type: [region, ...]}}``. A type without a ``handlers`` section maps to
  ``{}`` ("known type, no handler data"); a handler without permissions maps to ``[]``.
  Permissions are stripped of surrounding blanks, empty ones are dropped, and they are sorted and
  deduplicated case-insensitively, keeping the first spelling in sorted order.
  ``unavailable_in`` lists, for each type missing from some region files, those regions.
* ``source.json``: provenance (cfn-lint version, schema date, sha256 of ``handlers.json.gz``,
  counts, licence).

cfn-lint is needed only to refresh the data, never at run time. Typical use, from a virtualenv
that has the newest cfn-lint installed::

    python tools/refresh_cloudformation.py            # regenerate, print what changed
    python tools/refresh_cloudformation.py --check    # exit 1 if the data is out of date

``--schemas DIR`` reads a directory laid out like ``cfnlint/data/schemas`` instead.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

FORMAT = 1
HANDLERS_FILE = "handlers.json.gz"
SOURCE_FILE = "source.json"
SOURCE_NAME = "cfn-lint"
CFN_LINT_DISTRIBUTION = "cfn-lint"
# cfn-lint is MIT No Attribution (its LICENSE file); the schemas it bundles come from the
# CloudFormation registry (via aws-cloudformation/resource-provider-enhanced-schemas).
LICENCE = "MIT-0 (cfn-lint) / schemas from the CloudFormation registry"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "cloudformation"

# Region file names: "us-east-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1", ...
# Anything else in providers/ (cfn-lint's "sam.json" for the AWS::Serverless transform types,
# which CloudFormation expands before any resource handler runs) is not a region.
_REGION_RE = re.compile(r"^[a-z]{2,}(?:-[a-z]+)+-[0-9]+$")

Handlers = dict[str, list[str]]
Types = dict[str, Handlers]


class SchemaError(Exception):
    """The schema directory is missing or not laid out like cfn-lint's."""


@dataclass
class Snapshot:
    """The data written to ``handlers.json.gz`` plus what was noticed while building it."""

    regions: list[str]
    types: Types
    unavailable_in: dict[str, list[str]]
    schema_date: str
    skipped_files: list[str] = field(default_factory=list)
    differing_types: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "regions": self.regions,
            "types": self.types,
            "unavailable_in": self.unavailable_in,
        }

    @property
    def types_with_handlers(self) -> int:
        return sum(1 for handlers in self.types.values() if handlers)


# --------------------------------------------------------------------------- reading


def installed_cfn_lint_schemas() -> Path:
    """The ``data/schemas`` directory of the installed cfn-lint (without importing it)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaError("cfn-lint is not installed here; install it or pass --schemas DIR")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


def installed_cfn_lint_version() -> str | None:
    try:
        return importlib.metadata.version(CFN_LINT_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cannot read {path}: {exc}") from exc


def read_schema_date(schemas: Path) -> str:
    """``version.json``'s ``schema_date`` as ``YYYY-MM-DD``."""
    data = _load_json(schemas / "version.json")
    raw = data.get("schema_date") if isinstance(data, dict) else None
    if not isinstance(raw, str):
        raise SchemaError(f"{schemas / 'version.json'} has no schema_date string")
    try:
        return datetime.fromisoformat(raw).date().isoformat()
    except ValueError as exc:
        raise SchemaError(f"unparseable schema_date {raw!r}") from exc


def _read_handlers(schema: Any, where: str, notes: list[str]) -> dict[str, list[str]]:
    """Raw handler permissions of one provider schema (``{}`` when it has no handlers)."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{where}: schema is not an object")
    handlers = schema.get("handlers")
    if handlers is None:
        return {}
    if not isinstance(handlers, dict):
        raise SchemaError(f"{where}: 'handlers' is not an object")
    result: dict[str, list[str]] = {}
    for name, handler in handlers.items():
        if not isinstance(handler, dict):
            raise SchemaError(f"{where}: handler {name!r} is not an object")
        permissions = handler.get("permissions", [])
        if not isinstance(permissions, list):
            raise SchemaError(f"{where}: {name}.permissions is not a list")
        kept: list[str] = []
        for permission in permissions:
            if isinstance(permission, str):
                kept.append(permission)
            else:
                notes.append(f"{where}: dropped non-string permission {permission!r} ({name})")
        result[name] = kept
    return result


def normalise_permissions(permissions: Iterable[str]) -> list[str]:
    """Strip, drop empties, sort, deduplicate case-insensitively keeping the first spelling."""
    result: list[str] = []
    seen: set[str] = set()
    for permission in sorted({p.strip() for p in permissions if p.strip()}):
        key = permission.lower()
        if key not in seen:
            seen.add(key)
            result.append(permission)
    return result


def _permission_notes(type_name: str, handler: str, raw: list[str], kept: list[str]) -> list[str]:
    notes: list[str] = []
    for permission in raw:
        if not permission.strip():
            notes.append(f"{type_name} {handler}: dropped empty permission {permission!r}")
        elif permission != permission.strip():
            notes.append(f"{type_name} {handler}: stripped blanks from {permission!r}")
    kept_set = set(kept)
    merged = sorted({p.strip() for p in raw if p.strip()} - kept_set)
    for permission in merged:
        survivor = next(k for k in kept if k.lower() == permission.lower())
        notes.append(f"{type_name} {handler}: merged {permission!r} into {survivor!r} (case)")
    return notes


def build_snapshot(schemas: Path) -> Snapshot:
    """Read a cfn-lint-style schema directory and build the snapshot."""
    providers_dir = schemas / "providers"
    resources_dir = schemas / "resources"
    if not providers_dir.is_dir() or not resources_dir.is_dir():
        raise SchemaError(f"{schemas} has no providers/ and resources/ directories")
    schema_date = read_schema_date(schemas)

    regions: list[str] = []
    skipped: list[str] = []
    by_region: dict[str, dict[str, str]] = {}
    for path in sorted(providers_dir.iterdir()):
        if path.suffix != ".json" or not _REGION_RE.match(path.stem):
            if path.suffix == ".json":
                skipped.append(path.name)
            continue
        mapping = _load_json(path)
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise SchemaError(f"{path} does not map type names to schema ids")
        regions.append(path.stem)
        by_region[path.stem] = mapping
    if not regions:
        raise SchemaError(f"no region files in {providers_dir}")

    notes: list[str] = []
    raw_cache: dict[str, dict[str, list[str]]] = {}

    def handlers_of(schema_id: str) -> dict[str, list[str]]:
        if schema_id not in raw_cache:
            where = f"resources/{schema_id}.json"
            if "/" in schema_id or "\\" in schema_id or schema_id.startswith("."):
                raise SchemaError(f"suspicious schema id {schema_id!r}")
            raw_cache[schema_id] = _read_handlers(
                _load_json(resources_dir / f"{schema_id}.json"), where, notes
            )
        return raw_cache[schema_id]

    all_types = sorted(set().union(*(mapping.keys() for mapping in by_region.values())))
    types: Types = {}
    unavailable_in: dict[str, list[str]] = {}
    differing: list[str] = []
    for type_name in all_types:
        present = [region for region in regions if type_name in by_region[region]]
        missing = [region for region in regions if type_name not in by_region[region]]
        if missing:
            unavailable_in[type_name] = missing
        variants: dict[str, dict[str, list[str]]] = {}
        for region in present:
            schema_id = by_region[region][type_name]
            variants.setdefault(schema_id, handlers_of(schema_id))
        merged: dict[str, list[str]] = {}
        canonical: set[str] = set()
        for raw in variants.values():
            canonical.add(
                json.dumps({h: normalise_permissions(p) for h, p in raw.items()}, sort_keys=True)
            )
            for handler, permissions in raw.items():
                merged.setdefault(handler, []).extend(permissions)
        if len(canonical) > 1:
            differing.append(type_name)
        handlers: Handlers = {}
        for handler in sorted(merged):
            handlers[handler] = normalise_permissions(merged[handler])
            notes.extend(_permission_notes(type_name, handler, merged[handler], handlers[handler]))
        types[type_name] = handlers

    return Snapshot(
        regions=regions,
        types=types,
        unavailable_in=unavailable_in,
        schema_date=schema_date,
        skipped_files=skipped,
        differing_types=differing,
        notes=sorted(set(notes)),
    )


# --------------------------------------------------------------------------- writing


def encode_handlers(document: Mapping[str, Any]) -> bytes:
    """Deterministic gzip of compact, key-sorted JSON (mtime 0, no file name, level 9)."""
    payload = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=True).encode(
        "ascii"
    )
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    return buffer.getvalue()


def encode_source(snapshot: Snapshot, version: str, handlers_bytes: bytes) -> bytes:
    source = {
        "format": FORMAT,
        "source": SOURCE_NAME,
        "version": version,
        "date": snapshot.schema_date,
        "sha256": hashlib.sha256(handlers_bytes).hexdigest(),
        "types": len(snapshot.types),
        "types_with_handlers": snapshot.types_with_handlers,
        "licence": LICENCE,
    }
    return (json.dumps(source, indent=2, sort_keys=True) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- comparing


@dataclass
class Previous:
    types: Types
    unavailable_in: dict[str, list[str]]
    version: str | None
    date: str | None


def read_previous(output: Path) -> Previous | None:
    """The snapshot currently in ``output``, or None if there is none (or it is unreadable)."""
    path = output / HANDLERS_FILE
    if not path.is_file():
        return None
    try:
        document = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("types"), dict):
        return None
    unavailable = document.get("unavailable_in", {})
    version: str | None = None
    date: str | None = None
    source_path = output / SOURCE_FILE
    if source_path.is_file():
        try:
            source = json.loads(source_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            source = None
        if isinstance(source, dict):
            version = source.get("version") if isinstance(source.get("version"), str) else None
            date = source.get("date") if isinstance(source.get("date"), str) else None
    return Previous(
        types=document["types"],
        unavailable_in=unavailable if isinstance(unavailable, dict) else {},
        version=version,
        date=date,
    )


def _handler_delta(old: Handlers, new: Handlers) -> str:
    parts: list[str] = []
    for handler in sorted(set(old) | set(new)):
        if handler not in old:
            parts.append(f"{handler} added ({len(new[handler])})")
        elif handler not in new:
            parts.append(f"{handler} removed")
        else:
            added = len(set(new[handler]) - set(old[handler]))
            removed = len(set(old[handler]) - set(new[handler]))
            if added or removed:
                parts.append(f"{handler} +{added} -{removed}")
    return ", ".join(parts)


def summarise(snapshot: Snapshot, version: str, previous: Previous | None, out: TextIO) -> None:
    types_without = len(snapshot.types) - snapshot.types_with_handlers

    def say(line: str = "") -> None:
        print(line, file=out)

    say(f"source: {SOURCE_NAME} {version}, schemas dated {snapshot.schema_date}")
    skipped = f" (not regions, skipped: {', '.join(snapshot.skipped_files)})"
    say(f"regions: {len(snapshot.regions)}{skipped if snapshot.skipped_files else ''}")
    say(
        f"types: {len(snapshot.types)} ({snapshot.types_with_handlers} with handlers, "
        f"{types_without} without)"
    )
    say(
        f"types whose handler permissions differ between regions (union taken): "
        f"{len(snapshot.differing_types)}"
    )
    for type_name in snapshot.differing_types:
        say(f"  {type_name}")
    say(f"types missing from some region files: {len(snapshot.unavailable_in)}")
    if snapshot.notes:
        say(f"permission anomalies fixed up: {len(snapshot.notes)}")
        for note in snapshot.notes:
            say(f"  {note}")

    if previous is None:
        say("no previous snapshot: everything is new")
        return
    if previous.version != version or previous.date != snapshot.schema_date:
        say(f"previous snapshot: {SOURCE_NAME} {previous.version}, schemas dated {previous.date}")
    added = sorted(set(snapshot.types) - set(previous.types))
    removed = sorted(set(previous.types) - set(snapshot.types))
    changed = sorted(
        name
        for name in set(snapshot.types) & set(previous.types)
        if snapshot.types[name] != previous.types[name]
    )
    availability = sorted(
        name
        for name in set(snapshot.types) & set(previous.types)
        if snapshot.unavailable_in.get(name, []) != previous.unavailable_in.get(name, [])
    )
    say(
        f"changes since previous snapshot: types added {len(added)}, removed {len(removed)}, "
        f"permissions changed {len(changed)}, regions changed {len(availability)}"
    )
    for name in added:
        say(f"  + {name}")
    for name in removed:
        say(f"  - {name}")
    for name in changed:
        say(f"  ~ {name}: {_handler_delta(previous.types[name], snapshot.types[name])}")
    for name in availability:
        say(f"  @ {name}: unavailable in {len(snapshot.unavailable_in.get(name, []))} regions")


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Regenerate the CloudFormation handler permissions data from cfn-lint.",
    )
    parser.add_argument(
        "--schemas",
        type=Path,
        metavar="DIR",
        help="schema directory laid out like cfnlint/data/schemas (default: installed cfn-lint)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUTPUT,
        help="where to write handlers.json.gz and source.json (default: data/cloudformation)",
    )
    parser.add_argument(
        "--source-version",
        metavar="VERSION",
        help="version to record (default: the installed cfn-lint's; required with --schemas "
        "unless cfn-lint is installed and DIR is its own schema directory)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if regenerating would change the files",
    )
    return parser


def _resolve_source(schemas_arg: Path | None, version_arg: str | None) -> tuple[Path, str]:
    """The schema directory to read and the version to record for it."""
    if schemas_arg is None:
        schemas = installed_cfn_lint_schemas()
        own = True
    else:
        schemas = schemas_arg
        try:
            own = schemas.resolve() == installed_cfn_lint_schemas().resolve()
        except SchemaError:
            own = False
    version = version_arg or (installed_cfn_lint_version() if own else None)
    if not version:
        raise SchemaError("pass --source-version: cannot tell which cfn-lint these schemas are")
    return schemas, version


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    output: Path = args.output
    try:
        schemas, version = _resolve_source(args.schemas, args.source_version)
        snapshot = build_snapshot(schemas)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    handlers_bytes = encode_handlers(snapshot.document())
    source_bytes = encode_source(snapshot, version, handlers_bytes)
    summarise(snapshot, version, read_previous(output), sys.stdout)

    wanted = {HANDLERS_FILE: handlers_bytes, SOURCE_FILE: source_bytes}
    stale = [
        name
        for name, data in wanted.items()
        if not (output / name).is_file() or (output / name).read_bytes() != data
    ]
    if args.check:
        if stale:
            print(f"out of date: {', '.join(stale)} would change")
            return 1
        print("up to date")
        return 0
    if not stale:
        print(f"unchanged: {HANDLERS_FILE} ({len(handlers_bytes)} bytes), {SOURCE_FILE}")
        return 0
    output.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (output / name).write_bytes(wanted[name])
    print(f"wrote {', '.join(stale)} ({HANDLERS_FILE}: {len(handlers_bytes)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
