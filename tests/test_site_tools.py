"""The site's build helpers: tools/griffe_rst.py (reST docstrings as Markdown for the API
reference) and tools/mkdocs_hooks.py (wide pages without a table of contents)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_site_{name}", TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytest.importorskip("griffe", reason="the docs extra is not installed: pip install -e '.[docs]'")
mkdocs_hooks = _load("mkdocs_hooks")
markdown = _load("griffe_rst").markdown


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        # a doctest example (its output would read as a Markdown reference link) is fenced
        (
            "Intro.\n\n>>> [s.sid for s in p]\n['Objects', None]\n\nAfter.",
            "Intro.\n\n```pycon\n>>> [s.sid for s in p]\n['Objects', None]\n```\n\nAfter.",
        ),
        # an indented example keeps its indent
        (
            "* item\n\n  >>> 1 + 1\n  2\n",
            "* item\n\n  ```pycon\n  >>> 1 + 1\n  2\n  ```",
        ),
        # a literal block after '::' is fenced, the '::' becomes ':'
        (
            "The pages::\n\n    docs/index.md   links\n    docs/api.md\n\nMore.",
            "The pages:\n\n```text\ndocs/index.md   links\ndocs/api.md\n```\n\nMore.",
        ),
        # roles become inline code of their target; '~' keeps the last name
        (
            "See :class:`Policy`, :meth:`~lambda_perms.iam.policy.Policy.allows` and "
            ":func:`lambda_perms.algebra.diff.diff`.",
            "See `Policy`, `allows` and `lambda_perms.algebra.diff.diff`.",
        ),
        # Sphinx fields are left to griffe's parser
        (":param name: the name\n:raises KeyError: when", ":param name: the name\n:raises KeyError: when"),
        ("", ""),
    ],
)  # fmt: skip
def test_rest_docstrings_become_markdown(rest: str, expected: str) -> None:
    assert markdown(rest) == expected


@pytest.mark.parametrize(
    ("path", "wide"),
    [
        ("index.md", True),
        ("services/iam.md", True),
        ("rollback-only.md", True),
        ("commands/sam-deploy.md", False),  # its table of contents lists the flags
        ("api.md", False),
    ],
)
def test_wide_pages_hide_the_table_of_contents(path: str, wide: bool) -> None:
    page = SimpleNamespace(file=SimpleNamespace(src_uri=path), meta={})
    assert mkdocs_hooks.on_page_markdown("# x\n", page=page) == "# x\n"
    assert ("toc" in page.meta.get("hide", [])) is wide
    mkdocs_hooks.on_page_markdown("# x\n", page=page)  # twice: still one entry
    assert page.meta.get("hide", []).count("toc") == int(wide)


def test_the_readme_shows_a_screenshot_of_the_home() -> None:
    """One of tests/test_site.py's screenshots (build/site-test/home.png), committed."""
    root = TOOLS.parent
    assert "![The site's home page" in (root / "README.md").read_text()
    assert "](docs/assets/home.png)" in (root / "README.md").read_text()
    png = (root / "docs" / "assets" / "home.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 900)  # the browser test's desktop viewport
