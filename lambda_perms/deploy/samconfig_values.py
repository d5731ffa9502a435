"""samconfig values, converted as each SAM CLI option's click type converts them (booleans,
choices, lists, ECR repositories, signing profiles, parameter overrides).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from lambda_perms.deploy.overrides import parse_parameter_overrides
from lambda_perms.errors import SamconfigError, UsageError

__all__ = [
    "ON_FAILURE",
    "SamconfigValues",
]


def __dir__() -> list[str]:
    return __all__


ON_FAILURE: Final[tuple[str, ...]] = ("ROLLBACK", "DELETE", "DO_NOTHING")
_TRUE: Final[frozenset[str]] = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE: Final[frozenset[str]] = frozenset({"0", "false", "f", "no", "n", "off"})
# samcli/lib/package/ecr_utils.py: ECR_URL (a registry, then a repository path)
_ECR_URL: Final[re.Pattern[str]] = re.compile(
    r"^(?:(?:[a-zA-Z0-9][\w-]*)\.dkr\.ecr\.(?:[a-zA-Z0-9][\w-]*)\.amazonaws\.com(\.cn)?"
    r"|localhost(?::\d{1,5})?|127\.0\.0\.1(?::\d{1,5})?)/"
    r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
)
# samcli/cli/types.py: SigningProfilesOptionType.pattern
_SIGNING: Final[re.Pattern[str]] = re.compile(
    r"""(?:(?: )([A-Za-z0-9"]+)=("(?:\\.|[^"\\]+)*"|(?:\\.|[^ "\\]+)+))"""
)


class SamconfigValues:
    """The values read, converted as each option's click type converts them."""

    def __init__(self, values: Mapping[str, tuple[str, Any]], taken: set[str], file: str) -> None:
        self.values = values
        self.taken = taken
        self.file = file

    def _get(self, key: str) -> tuple[str, Any] | None:
        if key not in self.values or (key not in self.taken and key != "template"):
            return None
        return self.values[key]

    def fail(self, path: str, message: str, suggestions: tuple[str, ...] = ()) -> SamconfigError:
        return SamconfigError(message, file=self.file, path=path, suggestions=suggestions)

    def string(self, key: str) -> str | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, Mapping | list):
            kind = "list" if isinstance(value, list) else "table"
            raise self.fail(path, f"takes one value, got a {kind}")
        return str(value)

    def boolean(self, key: str) -> bool | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
        if isinstance(value, str):
            norm = value.strip().lower()
            if norm in _TRUE or norm in _FALSE:
                return norm in _TRUE
        raise self.fail(path, f"{value!r} is not a valid boolean (true or false)")

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        text = self.string(key)
        if text is None or text in choices:
            return text
        path, _ = self.values[key]
        close = tuple(c for c in choices if c == text.upper()) or tuple(
            difflib.get_close_matches(text, choices, 1, 0.6)
        )
        raise self.fail(path, f"{text!r} is not one of {', '.join(choices)}", close)

    def words(self, key: str) -> tuple[str, ...] | None:
        found = self._get(key)
        if found is None:
            return None
        path, value = found
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        raise self.fail(path, "is a list or a space-separated string")

    def image_repository(self) -> str | None:
        text = self.string("image_repository")
        if text is not None and not _ECR_URL.match(text):
            path = self.values["image_repository"][0]
            raise self.fail(path, f"invalid ECR repository URI {text!r}")
        return text

    def image_repositories(self) -> tuple[tuple[str, str], ...]:
        found = self._get("image_repositories")
        if found is None:
            return ()
        path, value = found
        out = []
        for item in value if isinstance(value, list) else [value]:
            parts = item.split("=") if isinstance(item, str) else []
            if len(parts) != 2:
                raise self.fail(path, f"{item!r} is not of the form FunctionLogicalId=ECR_URI")
            if not _ECR_URL.match(parts[1]):
                raise self.fail(path, f"{item!r} needs a valid ECR repository URI as its value")
            out.append((parts[0], parts[1]))
        return tuple(dict(out).items())

    def signing_profiles(self) -> tuple[tuple[str, str, str], ...]:
        found = self._get("signing_profiles")
        if found is None:
            return ()
        path, value = found
        out: dict[str, tuple[str, str]] = {}
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else [None]
        for item in items:
            pairs = _SIGNING.findall(" " + item.strip()) if isinstance(item, str) else []
            if not pairs:
                raise self.fail(
                    path,
                    f"{item!r} is not a valid code signing setting: it looks like "
                    "'MyFunction=SigningProfile' or 'MyFunction=SigningProfile:ProfileOwner'",
                )
            for name, text in pairs:
                profile = _unquote(text)
                if profile.count(":") > 1 or not profile.split(":")[0]:
                    raise self.fail(path, f"{text!r} is not SigningProfile[:ProfileOwner]")
                name_, _, owner = profile.partition(":")
                out[_unquote(name)] = (name_, owner)
        return tuple((k, p, o) for k, (p, o) in out.items())

    def parameter_overrides(self, base: Path) -> tuple[tuple[str, str], ...]:
        found = self._get("parameter_overrides")
        if found is None:
            return ()
        path, value = found
        try:
            return tuple(parse_parameter_overrides(value, cwd=base).items())
        except UsageError as e:
            raise self.fail(path, str(e)) from None


def _unquote(value: str) -> str:
    if len(value) >= 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("\\ ", " ").replace('\\"', '"').replace("\\'", "'")
