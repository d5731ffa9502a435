"""What an incomplete scope widens: the ARNs of a deploy policy that take any account, region,
stack or bucket because the scope does not name it.

>>> from lambda_perms import DeployOptions, Scope
>>> options, _ = DeployOptions.from_sam_args(["deploy", "--stack-name", "app", "--resolve-s3"])
>>> [gap.piece for gap in scope_gaps(options, Scope(region="eu-west-1"))]
['account']

How: the policy is built a second time with a marker in place of each unknown piece (an
account, region, stack name or bucket no real deployment has); a resource that holds a marker
is one the unknown piece widens, and it is reported as the policy prints it (the marker as
``*``). Exact for the catalogue's ARN templates and the template's own names alike, and it
costs one more build only when something is unknown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_perms.deploy.generate import deploy_policy
from lambda_perms.deploy.result import DeployPolicy
from lambda_perms.deploy.samcli import DeployOptions
from lambda_perms.deploy.scope import Scope
from lambda_perms.iam._glob import collapse_stars

__all__ = ["PIECES", "ScopeGap", "scope_gaps"]


def __dir__() -> list[str]:
    return __all__


#: Each piece of the scope, with what names it (lowest-precedence last).
PIECES: Final[Mapping[str, str]] = {
    "account": "--account",
    "region": "--region, --region after '--' or samconfig's region",
    "stack": "--stack, --stack-name or samconfig's stack_name",
    "bucket": "--bucket, --s3-bucket, --resolve-s3 or samconfig's s3_bucket/resolve_s3",
}
# markers no real deployment uses; no longer than the '*' they stand for counts (14), so a
# generated name that fits with '*' fits with the marker too
_MARKERS: Final[Mapping[str, str]] = {
    "account": "000000000000",
    "region": "zq-marker-7",
    "stack": "zq7stack",
    "bucket": "zq7bucket",
}
_SHOWN: Final[int] = 4


@dataclass(frozen=True)
class ScopeGap:
    """A piece of the scope nobody named (``account``, ``region``, ``stack``, ``bucket``) and
    the ARNs it widens, as the policy prints them (sorted)."""

    piece: str
    arns: tuple[str, ...]

    def describe(self) -> str:
        """One line: what is unknown, what names it, and the ARNs it widens."""
        shown = ", ".join(self.arns[:_SHOWN])
        more = f" and {len(self.arns) - _SHOWN} more" if len(self.arns) > _SHOWN else ""
        return (
            f"no {self.piece} is given ({PIECES[self.piece]}): {len(self.arns)} ARN pattern(s) "
            f"take any {self.piece}: {shown}{more}"
        )


def _resources(document: Any) -> Iterator[str]:
    if isinstance(document, Mapping):
        for key, value in document.items():
            if key in ("Resource", "NotResource"):
                yield from [value] if isinstance(value, str) else value
            else:
                yield from _resources(value)
    elif isinstance(document, list):
        for item in document:
            yield from _resources(item)


def _documents(result: DeployPolicy) -> list[dict[str, Any]]:
    documents = [result.policy.to_dict()]
    if result.service_role_policy is not None:
        documents.append(result.service_role_policy.to_dict())
    return documents


def scope_gaps(
    options: DeployOptions | None = None,
    scope: Scope | None = None,
    *,
    built: DeployPolicy | None = None,
    **deploy: Any,
) -> tuple[ScopeGap, ...]:
    """The pieces of the scope that neither ``scope`` nor the command line names and that
    widen some ARN of the policy :func:`~lambda_perms.deploy.generate.deploy_policy` builds
    with the same arguments (``deploy``: its keywords; give a loaded
    :class:`~lambda_perms.deploy.template_model.Template` to read the template once).

    ``built`` is that policy when it is already built: only the ARNs it prints are named (an
    ARN the widening merged into a wider one is not)."""
    options = options or DeployOptions()
    filled = (scope or Scope()).filled(options)
    missing = [piece for piece in PIECES if getattr(filled, piece) is None]
    if not missing:
        return ()
    probe = dataclasses.replace(filled, **{piece: _MARKERS[piece] for piece in missing})
    resources = sorted({r for d in _documents(deploy_policy(options, probe, **deploy))
                        for r in _resources(d)})  # fmt: skip
    printed = None if built is None else {r for d in _documents(built) for r in _resources(d)}
    out = []
    for piece in missing:
        marker = _MARKERS[piece]
        widened = {
            collapse_stars(_replace(r, marker, "*")) for r in resources if marker in r.lower()
        }
        if printed is not None:
            widened &= printed
        if widened:
            out.append(ScopeGap(piece, tuple(sorted(widened))))
    return tuple(out)


def _replace(text: str, marker: str, by: str) -> str:
    """``text`` with every ``marker`` (in any case: some names are lowercased) replaced."""
    lower = text.lower()
    out, i = [], 0
    while (found := lower.find(marker, i)) >= 0:
        out.append(text[i:found] + by)
        i = found + len(marker)
    out.append(text[i:])
    text = "".join(out)
    for other in _MARKERS.values():  # another unknown piece in the same ARN prints as '*' too
        if other in text.lower():
            text = _replace(text, other, by)
    return text
