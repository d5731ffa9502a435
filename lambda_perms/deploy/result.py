"""What :func:`~lambda_perms.deploy.generate.deploy_policy` returns: :class:`DeployPolicy`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lambda_perms.catalogues.model import Need
from lambda_perms.iam.policy import Policy

__all__ = ["DeployPolicy"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class DeployPolicy:
    """A generated deploy policy: the caller's, the service role's (with ``--role-arn``), the
    warnings, and for each statement which needs brought each action in."""

    policy: Policy
    service_role_policy: Policy | None = None
    warnings: tuple[str, ...] = ()
    reasons: Mapping[str, Mapping[str, tuple[Need, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: With a template: per statement (by Sid), each action with the template resources (and
    #: properties) that brought it in.
    origins: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def to_dict(self) -> dict[str, object]:
        """The caller's policy document, or ``{"caller": ..., "service_role": ...}``."""
        if self.service_role_policy is None:
            return self.policy.to_dict()
        return {"caller": self.policy.to_dict(), "service_role": self.service_role_policy.to_dict()}

    def explain(self) -> str:
        """Per statement (by Sid), each action with the reasons it is there."""
        lines: list[str] = []
        for sid, actions in self.reasons.items():
            lines.append(sid)
            brought = self.origins.get(sid, {})
            for action, needs in actions.items():
                lines.append(f"  {action}")
                for need in needs:
                    triggers = ", ".join(str(t) for t in need.triggers)
                    lines.append(f"    - {need.why} ({need.caller.value}; {triggers})")
                for origin in brought.get(action, ()):
                    lines.append(f"    brought in by {origin}")
        return "\n".join(lines)
