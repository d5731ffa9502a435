"""``explain``, ``expand``, ``schema`` and ``docs``: what the data knows, and its pages."""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Any

from lambda_perms.cli._args import add_format, add_output, command
from lambda_perms.cli._io import PROG, CliError, note, say, write_output

__all__ = ["register"]


def __dir__() -> list[str]:
    return __all__


def _cmd_docs(args: argparse.Namespace) -> int:
    from lambda_perms.render import docs

    root: pathlib.Path | None = args.root or docs.default_root()
    if root is None:
        raise CliError("no source checkout found: give the docs directory with --root DIR")
    if not args.check and not root.exists():
        root.mkdir(parents=True)  # writing into a new directory is the main job's first run
    if not root.is_dir():
        raise CliError(f"the docs root {str(root)!r} is not a directory")
    if args.check:
        stale = docs.check(root)
        if stale:
            for path in stale:
                say(f"stale: {path}")
            say(
                f"{PROG}: {len(stale)} generated file(s) in {str(root)!r} are stale or missing; "
                f"run '{PROG} docs' to regenerate them"
            )
            return 1
        write_output(f"docs in {str(root)!r} are up to date\n")
        return 0
    changed = docs.write(root)
    lines = [f"wrote {path}\n" for path in changed]
    write_output("".join(lines) + f"{len(changed)} file(s) changed in {str(root)!r}\n")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from lambda_perms import Template, deploy_policy, load_template
    from lambda_perms.cli._deploy import template_argument
    from lambda_perms.render.explain import action_report, render_action_report

    template = result = None
    if args.template is not None:
        given = template_argument(args.template)
        template = given if isinstance(given, Template) else load_template(args.template)
        result = deploy_policy(template=template)
        if args.template == "-":
            template = _renamed(template)
    report = action_report(args.action, template=template, template_result=result)
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_action_report(report)
    write_output(text, args.output)
    return 0


def _renamed(template: Any) -> Any:
    import dataclasses

    return dataclasses.replace(template, source="<stdin>")


def _cmd_expand(args: argparse.Namespace) -> int:
    from lambda_perms import universe

    known = universe()
    actions = known.expand(args.pattern)
    if args.format == "json":
        write_output(json.dumps([a.text for a in actions], indent=2) + "\n", args.output)
    else:
        write_output("".join(f"{action.text}\n" for action in actions), args.output)
    if not actions:
        suggestions = known.suggest(args.pattern)
        hint = f"; did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
        note("note", f"{args.pattern!r} matches no action in universe {known.version}{hint}")
        return 1
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    schemas = _schemas()
    if args.name is None:
        write_output(json.dumps(schemas, indent=2, ensure_ascii=False) + "\n", args.output)
        return 0
    if args.name not in schemas:
        raise CliError(f"unknown schema {args.name!r}; expected one of {', '.join(schemas)}")
    write_output(json.dumps(schemas[args.name], indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def _schemas() -> dict[str, Any]:
    from lambda_perms.render import docs
    from lambda_perms.render.formats import policy_schema

    out: dict[str, Any] = {"policy": policy_schema()}
    for path, text in docs.schemas().items():
        name = path.removeprefix("schemas/").removesuffix(".schema.json")
        out[name] = json.loads(text)
    return out


def register(commands: Any) -> None:
    """Add ``docs``, ``explain``, ``expand`` and ``schema`` (in the order ``--help`` lists)."""
    docs = command(
        commands,
        "docs",
        "render the catalogue's Markdown pages and JSON Schemas",
        "Render docs/ from the catalogue (pages per service and SAM command, the "
        "rollback-only list, the article audit, the data files' JSON Schemas).",
        f"{PROG} docs\n{PROG} docs --check --root docs",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list stale or missing files on stderr and exit 1 if any",
    )
    docs.add_argument(
        "--root",
        type=pathlib.Path,
        metavar="DIR",
        help="the docs directory (default: docs/ of the source checkout)",
    )
    docs.set_defaults(handler=_cmd_docs)


def register_lookups(commands: Any) -> None:
    """Add ``explain``, ``expand`` and ``schema``."""
    explain = command(
        commands,
        "explain",
        "everything known about an action: purposes, triggers, resources, evidence",
        "Print what the catalogue and the universe know about ACTION: access levels, resource "
        "types, condition keys, each deployment need (phases, caller, triggers, resource "
        "templates, condition, why, evidence), and the CloudFormation resource types whose "
        "handlers call it (what 'policy --template' grants for a template with one). With "
        "--template, what that template needs of it: its resources whose handlers call it, and "
        "the statements of its deploy policy (sam deploy) that grant it. A misspelt name gets "
        "'did you mean'.",
        f"{PROG} explain cloudformation:CreateChangeSet\n{PROG} explain --format json "
        f"iam:PassRole\n{PROG} explain sqs:CreateQueue --template template.yaml",
    )
    explain.add_argument("action", metavar="ACTION", help="an IAM action (any case)")
    explain.add_argument(
        "--template",
        metavar="FILE",
        help="a SAM or CloudFormation template (- for stdin): what it needs of ACTION",
    )
    add_format(explain, ("text", "json"), "text", "text or json (an object)", json_alias=True)
    add_output(explain)
    explain.set_defaults(handler=_cmd_explain)

    expand = command(
        commands,
        "expand",
        "the actions an action pattern matches",
        "Print, one a line, the actions PATTERN matches in the universe (exit 1: none).",
        f"{PROG} expand 'lambda:Get*Config'\n{PROG} expand --format json 's3:*Object*'",
    )
    expand.add_argument("pattern", metavar="PATTERN", help="an action glob (* and ?)")
    add_format(expand, ("text", "json"), "text", "text (one a line) or json (an array)")
    add_output(expand)
    expand.set_defaults(handler=_cmd_expand)

    schema = command(
        commands,
        "schema",
        "JSON Schemas of policy documents and the catalogue files",
        "Print the JSON Schemas: all as one object by name, or the one named.",
        f"{PROG} schema policy\n{PROG} schema service --output service.schema.json",
    )
    schema.add_argument(
        "name", metavar="NAME", nargs="?", help="policy, or a catalogue file kind (service, ...)"
    )
    add_format(schema, ("json",), "json", "json (the only one: a schema is JSON)")
    add_output(schema)
    schema.set_defaults(handler=_cmd_schema)
