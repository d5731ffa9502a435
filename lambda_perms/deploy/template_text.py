"""A template file's text, read as CloudFormation reads it: JSON, or YAML with the short-form
intrinsic tags (``!Ref``, ``!Sub``, ``!GetAtt`` ...) written as their long forms, and
timestamps kept as text. YAML needs PyYAML (the ``templates`` extra), imported when needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from lambda_perms.errors import TemplateError

__all__ = [
    "EXTRA_HINT",
    "parse_text",
    "read_text",
]


def __dir__() -> list[str]:
    return __all__


#: How to install what reading YAML and expanding SAM templates need.
EXTRA_HINT: Final[str] = "pip install 'lambda-perms[templates]'"


def read_text(path: Path, name: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError("no such file", source=name) from None
    except IsADirectoryError:
        raise TemplateError("is a directory, not a template file", source=name) from None
    except OSError as e:
        raise TemplateError(f"cannot be read ({e.strerror})", source=name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TemplateError(
            "not a template: the file is not UTF-8 text (a template is YAML or JSON)",
            source=name,
        ) from None


def parse_text(text: str, name: str) -> Any:
    if not text.strip():
        raise TemplateError("not a template: the file is empty", source=name)
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as e:
            if not isinstance(e, json.JSONDecodeError):
                raise TemplateError(f"not valid JSON ({e})", source=name) from None
            json_error = e
    else:
        json_error = None
    try:
        return _yaml_load(text)
    except _YamlMissing:
        if json_error is not None:
            raise TemplateError(
                f"not valid JSON (line {json_error.lineno}, column {json_error.colno}: "
                f"{json_error.msg})",
                source=name,
            ) from None
        raise TemplateError(
            f"reading a YAML template needs PyYAML: {EXTRA_HINT}", source=name
        ) from None
    except _YamlError as e:
        raise TemplateError(
            f"not a template: not valid YAML or JSON ({e.args[0]})", source=name
        ) from None


class _YamlMissing(Exception):
    pass


class _YamlError(Exception):
    pass


def _yaml_load(text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise _YamlMissing from None

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        key = (
            "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else f"Fn::{suffix}"
        )
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    def timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", intrinsic)
    # CloudFormation reads 2010-09-09 as a string, not a date
    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp_as_text)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise _YamlError(f"{where}{problem}") from None
