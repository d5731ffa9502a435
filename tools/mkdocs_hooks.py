"""MkDocs hooks for the documentation site (mkdocs.yml ``hooks:``).

Pages that are one wide table (the home, the service pages, the rollback-only list) hide the
table of contents on the right, so that the table gets the width: Material for MkDocs reads
``hide: [toc]`` from a page's metadata, which the generated pages cannot carry themselves
(they are also read as plain Markdown, where front matter would show).
"""

from __future__ import annotations

from typing import Any

__all__ = ["WIDE", "on_page_markdown"]

#: Pages (paths under docs/, or folders ending in "/") shown without the table of contents.
WIDE = ("index.md", "rollback-only.md", "services/")


def on_page_markdown(markdown: str, *, page: Any, **kwargs: Any) -> str:
    path = page.file.src_uri
    if any(path == w or (w.endswith("/") and path.startswith(w)) for w in WIDE):
        hide = page.meta.setdefault("hide", [])
        if "toc" not in hide:
            hide.append("toc")
    return markdown
