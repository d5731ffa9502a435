"""``--parameter-overrides`` as SAM CLI 1.170.0 reads it, and YAML as SAM CLI reads it.

>>> parse_parameter_overrides('Stage=prod Name="my app"')
{'Stage': 'prod', 'Name': 'my app'}
>>> parse_parameter_overrides("ParameterKey=Stage,ParameterValue=prod")
{'Stage': 'prod'}

Overrides are read as SAM CLI 1.170.0 reads ``--parameter-overrides`` and samconfig's
``parameter_overrides`` (``samcli/cli/types.py``, ``CfnParameterOverridesType.convert``): a
string of ``Key=Value`` pairs separated by spaces, or of
``ParameterKey=Key,ParameterValue=Value`` pairs (the first syntax that matches anything in a
string wins, so the two are not mixed within one string); values may be quoted with ``"`` or
``'`` (``\\ ``, ``\\"`` and ``\\'`` are unescaped); a list of such strings; a mapping (a list
value is joined with commas, ``null`` is the empty string); ``file://params.yaml`` (or
``.toml``/``.yml``) reads one of those from a file, and ``$include`` in a mapping does the same.

What the values do to a template is :mod:`lambda_perms.deploy.parameters`' business.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from lambda_perms.errors import UsageError

__all__ = ["format_parameter_overrides", "load_yaml_12", "parse_parameter_overrides"]


def __dir__() -> list[str]:
    return __all__


# The grammar of samcli/cli/types.py (CfnParameterOverridesType): a key is letters, digits and
# quotes; a value is a "quoted" or 'quoted' string (backslash escapes) or a run of characters
# other than space, '"' and backslash (backslash escapes allowed).
_KEY: Final[str] = r"""([A-Za-z0-9"']+)"""
_VALUE: Final[str] = r"""("(?:\\.|[^"\\]+)*"|'(?:\\.|[^'\\]+)*'|(?:\\.|[^ "\\]+)+)"""
_LONG_FORM: Final[re.Pattern[str]] = re.compile(rf"(?:ParameterKey={_KEY},ParameterValue={_VALUE})")
_SHORT_FORM: Final[re.Pattern[str]] = re.compile(rf"(?: {_KEY}={_VALUE})")
_EXAMPLES: Final[str] = (
    "'ParameterKey=KeyPairName,ParameterValue=MyKey ParameterKey=InstanceType,"
    "ParameterValue=t1.micro', 'KeyPairName=MyKey InstanceType=t1.micro', or "
    "'file://MyParams.yaml'"
)
_OVERRIDE_FILES: Final[tuple[str, ...]] = (".toml", ".yaml", ".yml")


def _unquote(value: str) -> str:
    if len(value) >= 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("\\ ", " ").replace('\\"', '"').replace("\\'", "'")


def _flatten(values: Any) -> Iterator[Any]:
    if isinstance(values, list | tuple):
        for item in values:
            yield from _flatten(item)
    else:
        yield values


def _text(value: Any) -> str:
    """A scalar as SAM CLI's ``str()`` writes it (``True`` stays ``True``, as SAM CLI sends it)."""
    return str(value)


def parse_parameter_overrides(
    values: Any,
    *,
    cwd: str | os.PathLike[str] | None = None,
    _seen: frozenset[Path] = frozenset(),
) -> dict[str, str]:
    """``--parameter-overrides`` values (a string, a list of strings, a mapping, or nested lists
    of those, as the command line or samconfig gives them) as SAM CLI 1.170.0 reads them.

    ``cwd`` is the directory a relative ``file://`` path is read from (default: the current
    directory); paths inside such a file are relative to that file.

    >>> parse_parameter_overrides(["A=1", "ParameterKey=B,ParameterValue=x y"])
    {'A': '1', 'B': 'x'}
    >>> parse_parameter_overrides({"Subnets": ["a", "b"], "Empty": None, "Size": 3})
    {'Subnets': 'a,b', 'Empty': '', 'Size': '3'}

    :raises UsageError: for a string in neither syntax, a ``file://`` that is missing or not
        TOML/YAML, or an include cycle; the message quotes the value.
    """
    if values in (("",), "", None) or values == {}:
        return {}
    base = Path(cwd) if cwd is not None else Path.cwd()
    found: dict[str, str] = {}
    for value in _flatten([values]):
        if isinstance(value, str):
            if value.startswith("file://"):
                found.update(_from_file(value, base, _seen))
                continue
            padded = " " + value.strip()
            for pattern in (_LONG_FORM, _SHORT_FORM):
                pairs = pattern.findall(padded)
                if pairs:
                    found.update(pairs)
                    break
            else:
                raise UsageError(
                    f"parameter override {value!r} is not a valid format: it must look like "
                    f"{_EXAMPLES}"
                )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if item is None:
                    found[str(key)] = ""
                elif key == "$include":
                    if not isinstance(item, str | list):
                        raise UsageError(
                            f"parameter overrides: $include must be a string or a list of "
                            f"strings, got {type(item).__name__}"
                        )
                    found.update(parse_parameter_overrides(item, cwd=base, _seen=_seen))
                elif isinstance(item, list):
                    found[str(key)] = ",".join(str(x).strip() for x in item if x not in (None, ""))
                else:
                    found[str(key)] = _text(item)
        elif value is None:
            continue
        else:
            raise UsageError(f"parameter override {value!r} is neither text nor a mapping")
    return {_unquote(k): _unquote(v) for k, v in found.items()}


def _from_file(value: str, base: Path, seen: frozenset[Path]) -> dict[str, str]:
    path = Path(value[len("file://") :])
    if not path.is_absolute():
        path = base / path
    path = path.resolve()
    if not path.is_file():
        raise UsageError(f"parameter overrides: {value} was not found or is a directory")
    if path.suffix not in _OVERRIDE_FILES:
        raise UsageError(
            f"parameter overrides: {value} uses an unsupported extension "
            f"(SAM CLI reads {', '.join(_OVERRIDE_FILES)})"
        )
    if path in seen:
        raise UsageError(f"parameter overrides: infinite recursion in file references: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        content = tomllib.loads(text) if path.suffix == ".toml" else load_yaml_12(text)
    except ValueError as e:
        raise UsageError(f"parameter overrides: {value} cannot be read ({e})") from None
    return parse_parameter_overrides(content, cwd=path.parent, _seen=seen | {path})


def format_parameter_overrides(values: Mapping[str, str]) -> tuple[str, ...]:
    """Tokens for ``--parameter-overrides`` that SAM CLI reads back as ``values``.

    >>> format_parameter_overrides({"Stage": "prod", "Name": 'my "app"', "Empty": ""})
    ('Stage=prod', 'Name="my \\\\"app\\\\""', 'Empty=""')
    """
    out = []
    for key, value in values.items():
        if value and not re.search(r"[\s\"'\\]", value):
            out.append(f"{key}={value}")
        else:
            out.append(f'{key}="' + value.replace('"', '\\"') + '"')
    return tuple(out)


# -- YAML as SAM CLI reads it (ruamel.yaml, YAML 1.2) --------------------------------------------


def load_yaml_12(text: str) -> Any:
    """YAML as ruamel.yaml (SAM CLI's reader) reads it: YAML 1.2 scalars (``yes``/``on`` are
    text, ``010`` is ten), dates kept as text, and a repeated key is an error.

    :raises ValueError: for text that is not YAML (with the line and column).
    """
    try:
        import yaml
    except ImportError:
        raise ValueError(
            "reading YAML needs PyYAML: pip install 'lambda-perms[templates]'"
        ) from None
    loader_class = _yaml12_loader(yaml)
    try:
        return yaml.load(text, Loader=loader_class)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise ValueError(f"{where}{problem}") from None


_YAML12: dict[str, Any] = {}


def _yaml12_loader(yaml: Any) -> Any:
    if "loader" in _YAML12:
        return _YAML12["loader"]
    replaced = {
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    }

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in replaced]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    )
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )

    def integer(loader: Any, node: Any) -> int:
        text = str(loader.construct_scalar(node))
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)

    def mapping(loader: Any, node: Any) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise yaml.constructor.ConstructorError(
                    None, None, f"found duplicate key {key!r}", key_node.start_mark
                )
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    Loader.add_constructor("tag:yaml.org,2002:int", integer)
    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    _YAML12["loader"] = Loader
    return Loader
