"""A griffe extension for the site's API reference (mkdocs.yml): reST docstrings as Markdown.

The package's docstrings are reStructuredText for Sphinx and doctest: ``>>>`` examples,
``::`` literal blocks and roles such as :class:`Policy`. mkdocstrings renders docstrings as
Markdown, where an example's output (``['iam:GetRole']``) reads as a reference link and a role
as stray colons. This extension rewrites each docstring once the package is loaded: examples
and literal blocks become fenced code, a role becomes inline code of its target (``~a.b.C``
shows ``C``). The Sphinx fields (``:param x:``, ``:raises E:``) are left to griffe's parser.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["ReSTDocstrings", "markdown"]

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown(text: str) -> str:
    """``text`` (reST) with its doctest examples and literal blocks fenced and roles as code."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :])
                i += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        if stripped.endswith("::") and not stripped.startswith(":"):
            # "Text::" then an indented literal block: "Text:" and a fenced block
            out.append(_ROLE.sub(_role, line[:-1]))
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            body_indent = len(lines[j]) - len(lines[j].lstrip()) if j < len(lines) else 0
            if j < len(lines) and body_indent > len(indent):
                block = []
                while j < len(lines) and (
                    not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) >= body_indent
                ):
                    block.append(lines[j][body_indent:])
                    j += 1
                while block and not block[-1].strip():
                    block.pop()
                out += ["", f"{indent}```text", *(indent + b for b in block), f"{indent}```", ""]
                i = j
                continue
            i += 1
            continue
        out.append(_ROLE.sub(_role, line))
        i += 1
    return "\n".join(out)


class ReSTDocstrings(griffe.Extension):
    """Rewrite every docstring of the loaded package with :func:`markdown`."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._rewrite(pkg, set())

    def _rewrite(self, obj: griffe.Object | griffe.Alias, seen: set[str]) -> None:
        if obj.is_alias or obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
        for member in obj.members.values():
            self._rewrite(member, seen)
