"""Whole-request authorization: every policy type that takes part, combined as AWS does.

:func:`authorize` decides one :class:`~lambda_perms.iam.request.Request` against the identity
policies of the principal, its permissions boundary, the Organizations SCPs and RCPs, the session
policies and the resource's policy, following the flowchart of the IAM User Guide, "Policy
evaluation logic" (pages "How AWS enforcement code logic evaluates requests to allow or deny
access" and "Cross-account policy evaluation logic"; the sentences are quoted next to the code
that follows them). Each policy decides its part with :meth:`lambda_perms.Policy.evaluate`.

Within one account, in order:

1. **Deny evaluation** - "If the enforcement code finds even one explicit deny that applies, the
   enforcement code returns a final decision of Deny" (every policy of every type).
2. **Organizations RCPs**, then **SCPs** - "If the enforcement code does not find any applicable
   Allow statements in the RCPs [SCPs], then the enforcement code returns a final decision of
   Deny." Each entry of ``rcps``/``scps`` is one level of the organization (root, each OU, the
   account): a policy, or the policies attached at that level. Every level must allow.
3. **Resource-based policy** - "If a resource-based policy grants permission directly to the IAM
   user or the session principal that is making the request, then an implicit deny in an
   identity-based policy, a permissions boundary, or a session policy does not impact the final
   decision"; "Resource-based policies that grant permissions to an IAM role ARN are limited by an
   implicit deny in a permissions boundary or session policy". A grant to the account (its id or
   ``:root``) "delegates authority to the account" ("Principal" page): the identity policies
   must then allow. ``"*"`` grants to the requester directly.
4. **Identity-based policies** - "If there are no identity-based policies or no statements in
   identity-based policies that allow the requested action, then the request is implicitly denied".
5. **Permissions boundary** - "If the policy that is used to set the permissions boundary does not
   allow the requested action, then the request is implicitly denied."
6. **Session policies** - for a session principal (role session, federated user session): "If a
   session policy is present and does not allow the requested action, then the request is
   implicitly denied"; without one, a role session is allowed and a federated user session is
   implicitly denied.

Across accounts ("AWS evaluates the request in the trusting account and the trusted account ...
The request is allowed only if both evaluations return a decision of Allow"): the requester's
side needs its identity policies, boundary, SCPs and session policies to allow; the resource's
side needs the resource policy (any principal match, an account grant included) and its RCPs.

The accounts come from the request: the principal's ARN (or ``aws:PrincipalAccount`` in the
context) and the resource's ARN (or ``aws:ResourceAccount``, since S3 ARNs name no account). When
either is unknown the request is evaluated as a same-account one, and the explanation says so.
The account root user "has full access": its identity policies are not consulted.

Not modelled (say so when it matters): KMS key policies and role trust policies, which "must
explicitly allow access for principals"; role ARNs with a path, which an assumed-role session ARN
does not show; grants to the IAM user behind a federated user session; VPC endpoint policies;
ACLs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lambda_perms.errors import UsageError
from lambda_perms.iam.conditions import _lookup
from lambda_perms.iam.policy import Decision, Policy
from lambda_perms.iam.request import Request

__all__ = ["Authorization", "Decider", "Step", "authorize"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True, slots=True)
class Decider:
    """A policy that decided: ``source`` names it (``identity[0]``, ``boundary``, ``scp[1]``,
    ``rcp[0][2]``, ``session[0]``, ``resource``), ``statements`` are the statements that
    matched (indices into ``policy.statements``; none for an implicit deny)."""

    source: str
    policy: Policy
    statements: tuple[int, ...] = ()

    def describe(self) -> str:
        if not self.statements:
            return self.source
        shown = ", ".join(_statement_name(self.policy, i) for i in self.statements)
        return f"{self.source} {shown}"


@dataclass(frozen=True, slots=True)
class Step:
    """One box of the flowchart: its name, what it concluded (``pass``: go on; ``allow``,
    ``deny``: the final decision; ``skip``: nothing to check) and why."""

    name: str
    outcome: str
    reason: str


@dataclass(frozen=True, slots=True)
class Authorization:
    """The decision on one request and how it was reached.

    ``deciders`` are the policies that made the decision: every policy with an explicit deny;
    the guard (SCP or RCP level, boundary, session policies, identity policies) that found no
    allow; or the policies whose allows made the request allowed. ``steps`` follow the
    flowchart; :attr:`explanation` reads them out.
    """

    request: Request
    decision: Decision
    deciders: tuple[Decider, ...]
    steps: tuple[Step, ...]
    cross_account: bool

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    @property
    def policy(self) -> Policy | None:
        """The first deciding policy (``None``: nothing applied at all)."""
        return self.deciders[0].policy if self.deciders else None

    @property
    def statements(self) -> tuple[int, ...]:
        """The matching statements of :attr:`policy`."""
        return self.deciders[0].statements if self.deciders else ()

    @property
    def explanation(self) -> str:
        """The decision and its reason, then each step, one a line."""
        verdict = {Decision.ALLOW: "allowed", Decision.EXPLICIT_DENY: "explicitly denied",
                   Decision.IMPLICIT_DENY: "implicitly denied"}[self.decision]  # fmt: skip
        lines = [f"{self.request.describe()}: {verdict}"]
        if self.deciders:
            lines[0] += f" by {'; '.join(d.describe() for d in self.deciders)}"
        lines += [f"  {step.name}: {step.outcome} - {step.reason}" for step in self.steps]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.to_dict(),
            "decision": self.decision.value,
            "allowed": self.allowed,
            "cross_account": self.cross_account,
            "deciders": [
                {
                    "source": d.source,
                    "statements": [_statement_name(d.policy, i) for i in d.statements],
                }
                for d in self.deciders
            ],
            "steps": [
                {"name": s.name, "outcome": s.outcome, "reason": s.reason} for s in self.steps
            ],
        }


PolicyLevel = Policy | Sequence[Policy]


def authorize(
    request: Request,
    *,
    identity: Policy | Sequence[Policy],
    boundary: Policy | None = None,
    scps: Sequence[PolicyLevel] = (),
    rcps: Sequence[PolicyLevel] = (),
    session_policies: Sequence[Policy] = (),
    resource_policy: Policy | None = None,
) -> Authorization:
    """Decide ``request`` against every policy that takes part (see the module documentation).

    ``identity`` is the principal's identity-based policies (its own and its groups'),
    ``boundary`` its permissions boundary, ``scps``/``rcps`` one entry per organization level
    (a policy or the policies at that level), ``session_policies`` the policies passed when the
    session was created, ``resource_policy`` the policy of the requested resource.

    :raises UsageError: for a resource policy without a principal in the request (its
        ``Principal`` elements need one), or a policy argument of the wrong type.
    """
    if not isinstance(request, Request):
        raise UsageError(f"authorize takes a Request, got {type(request).__name__}")
    identities = _policies(identity, "identity")
    if resource_policy is not None and request.principal is None:
        raise UsageError(
            "a resource policy names principals: give the request one, e.g. "
            "Request(..., principal=('AWS', 'arn:aws:iam::111122223333:user/alice'))"
        )
    return _Evaluation(
        request,
        identities=[(f"identity[{i}]", p) for i, p in enumerate(identities)],
        boundary=None if boundary is None else _policies(boundary, "boundary")[0],
        scps=[_level(level, "scp", i) for i, level in enumerate(scps)],
        rcps=[_level(level, "rcp", i) for i, level in enumerate(rcps)],
        sessions=[
            (f"session[{i}]", p) for i, p in enumerate(_policies(session_policies, "session"))
        ],
        resource=resource_policy,
    ).run()


# -- the evaluation ---------------------------------------------------------------------------

_Named = tuple[str, Policy]
_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):[^:]*:(?P<account>[^:]*):(?P<rest>.*)"
)


class _Done(Exception):
    def __init__(self, decision: Decision, deciders: Sequence[Decider]) -> None:
        self.decision = decision
        self.deciders = tuple(deciders)


class _Evaluation:
    def __init__(
        self,
        request: Request,
        *,
        identities: list[_Named],
        boundary: Policy | None,
        scps: list[list[_Named]],
        rcps: list[list[_Named]],
        sessions: list[_Named],
        resource: Policy | None,
    ) -> None:
        self.request = request
        self.identities = identities
        self.boundary = boundary
        self.scps = scps
        self.rcps = rcps
        self.sessions = sessions
        self.resource = resource
        self.steps: list[Step] = []
        self.kind, self.role_arn = _principal_kind(request.principal)
        principal_account = _principal_account(request)
        resource_account = _resource_account(request)
        self.cross_account = (
            principal_account is not None
            and resource_account is not None
            and principal_account != resource_account
        )
        self.unknown_accounts = principal_account is None or resource_account is None

    # the principals a resource policy statement may name for this requester
    def _resource_evaluations(self) -> list[tuple[tuple[str, str], Any]]:
        assert self.resource is not None
        assert self.request.principal is not None
        names = [self.request.principal]
        if self.role_arn is not None and self.role_arn != self.request.principal[1]:
            names.append(("AWS", self.role_arn))
        return [(name, self.resource.evaluate(self._as(name))) for name in names]

    def _as(self, principal: tuple[str, str]) -> Request:
        r = self.request
        return Request(r.action, r.resource, r.context, principal)

    def _step(self, name: str, outcome: str, reason: str) -> None:
        self.steps.append(Step(name, outcome, reason))

    def run(self) -> Authorization:
        try:
            self._deny_evaluation()
            if self.cross_account:
                self._cross_account()
            else:
                self._same_account()
        except _Done as done:
            return Authorization(
                self.request, done.decision, done.deciders, tuple(self.steps), self.cross_account
            )
        raise AssertionError("the flowchart always decides")  # pragma: no cover

    # -- 1. explicit deny anywhere -----------------------------------------------------------

    def _deny_evaluation(self) -> None:
        everything: list[_Named] = [
            *(p for level in self.rcps for p in level),
            *(p for level in self.scps for p in level),
            *self.identities,
            *([("boundary", self.boundary)] if self.boundary is not None else []),
            *self.sessions,
        ]
        denies = []
        for source, policy in everything:
            result = policy.evaluate(self.request)
            if result.decision is Decision.EXPLICIT_DENY:
                denies.append(Decider(source, policy, result.statements))
        if self.resource is not None:
            for _, result in self._resource_evaluations():
                if result.decision is Decision.EXPLICIT_DENY:
                    denies.append(Decider("resource", self.resource, result.statements))
                    break
        if denies:
            self._step(
                "deny evaluation",
                "deny",
                "an explicit deny in any policy overrides any allow ("
                + "; ".join(d.describe() for d in denies)
                + ")",
            )
            raise _Done(Decision.EXPLICIT_DENY, denies)
        count = len(everything) + (self.resource is not None)
        what = "policy" if count == 1 else f"{count} policies"
        self._step("deny evaluation", "pass", f"no Deny statement of the {what} applies")

    # -- 2./3. organization guards -------------------------------------------------------------

    def _guard(self, name: str, levels: list[list[_Named]], what: str) -> None:
        if not levels:
            self._step(name, "skip", f"no {what} given")
            return
        for level in levels:
            allowing = [(s, p, p.evaluate(self.request)) for s, p in level]
            if not any(result.allowed for _, _, result in allowing):
                sources = ", ".join(s for s, _ in level)
                self._step(name, "deny", f"no Allow statement in {sources} applies: implicit deny")
                raise _Done(Decision.IMPLICIT_DENY, [Decider(s, p) for s, p in level])
        self._step(name, "pass", f"every level of {what} allows the request")

    # -- same account --------------------------------------------------------------------------

    def _same_account(self) -> None:
        self._guard("RCPs", self.rcps, "resource control policies")
        self._guard("SCPs", self.scps, "service control policies")
        limited_by_resource: Decider | None = None
        if self.resource is None:
            self._step("resource-based policy", "skip", "no resource policy given")
        else:
            direct, role, delegated = self._resource_grants()
            where = " (the accounts are not both known: evaluated as a same-account request)"
            where = where if self.unknown_accounts else ""
            if direct is not None:
                self._step(
                    "resource-based policy",
                    "allow",
                    f"{direct.describe()} grants the requester directly: an implicit deny in an "
                    f"identity-based policy, a permissions boundary or a session policy does not "
                    f"matter{where}",
                )
                raise _Done(Decision.ALLOW, [direct])
            if role is not None:
                limited_by_resource = role
                self._step(
                    "resource-based policy",
                    "pass",
                    f"{role.describe()} grants the role ARN: the identity policies need not allow, "
                    f"but a permissions boundary or session policy still limits it{where}",
                )
            elif delegated is not None:
                self._step(
                    "resource-based policy",
                    "pass",
                    f"{delegated.describe()} grants the account, which delegates to its identity "
                    f"policies{where}",
                )
            else:
                self._step(
                    "resource-based policy", "pass", f"no statement allows the requester{where}"
                )
        allowed_by = [limited_by_resource] if limited_by_resource is not None else []
        if self.kind == "root":
            self._step("identity-based policies", "skip", "the account root user has full access")
            raise _Done(Decision.ALLOW, allowed_by)
        if limited_by_resource is None:
            allowed_by = [self._identity()]
        self._boundary()
        self._session()
        raise _Done(Decision.ALLOW, allowed_by)

    def _resource_grants(self) -> tuple[Decider | None, Decider | None, Decider | None]:
        """(a direct grant, a grant to the role ARN, a grant to the account) of the resource
        policy to this requester."""
        assert self.resource is not None
        assert self.request.principal is not None
        direct = role = delegated = None
        for name, result in self._resource_evaluations():
            if not result.allowed:
                continue
            for index in result.statements:
                statement = self.resource.statements[index]
                kind = _grant_kind(statement.principal, name, self.role_arn)
                decider = Decider("resource", self.resource, (index,))
                if kind == "direct" and direct is None:
                    direct = decider
                elif kind == "role" and role is None:
                    role = decider
                elif kind == "account" and delegated is None:
                    delegated = decider
        return direct, role, delegated

    def _identity(self) -> Decider:
        for source, policy in self.identities:
            result = policy.evaluate(self.request)
            if result.allowed:
                self._step(
                    "identity-based policies",
                    "pass",
                    f"{Decider(source, policy, result.statements).describe()} allows the request",
                )
                return Decider(source, policy, result.statements)
        why = (
            "no identity-based policy given"
            if not self.identities
            else "no Allow statement applies"
        )
        self._step("identity-based policies", "deny", f"{why}: implicit deny")
        raise _Done(Decision.IMPLICIT_DENY, [Decider(s, p) for s, p in self.identities])

    def _boundary(self) -> None:
        if self.boundary is None:
            self._step("permissions boundary", "skip", "no permissions boundary given")
            return
        result = self.boundary.evaluate(self.request)
        if not result.allowed:
            self._step(
                "permissions boundary",
                "deny",
                "the boundary does not allow the request: implicit deny",
            )
            raise _Done(Decision.IMPLICIT_DENY, [Decider("boundary", self.boundary)])
        self._step(
            "permissions boundary",
            "pass",
            f"{Decider('boundary', self.boundary, result.statements).describe()} allows it",
        )

    def _session(self) -> None:
        session = self.kind in ("role-session", "federated-session") or (
            self.kind == "unknown" and bool(self.sessions)
        )
        if not session:
            self._step("session policies", "skip", "the principal is not a session principal")
            return
        if self.sessions:
            for source, policy in self.sessions:
                result = policy.evaluate(self.request)
                if result.allowed:
                    self._step(
                        "session policies",
                        "pass",
                        f"{Decider(source, policy, result.statements).describe()} allows it",
                    )
                    return
            self._step(
                "session policies", "deny", "no session policy allows the request: implicit deny"
            )
            raise _Done(Decision.IMPLICIT_DENY, [Decider(s, p) for s, p in self.sessions])
        if self.kind == "federated-session":
            self._step(
                "session policies",
                "deny",
                "a federated user session without a session policy has no permissions: "
                "implicit deny",
            )
            raise _Done(Decision.IMPLICIT_DENY, [])
        self._step(
            "session policies",
            "pass",
            "a role session without a session policy keeps the role's permissions",
        )

    # -- across accounts -----------------------------------------------------------------------

    def _cross_account(self) -> None:
        # the requester's account: SCPs, identity policies, boundary, session policies
        self._guard("SCPs", self.scps, "service control policies")
        allowed_by: list[Decider] = []
        if self.kind != "root":
            allowed_by.append(self._identity())
            self._boundary()
            self._session()
        # the resource's account: RCPs and the resource policy
        self._guard("RCPs", self.rcps, "resource control policies")
        if self.resource is None:
            self._step(
                "resource-based policy",
                "deny",
                "a cross-account request needs the resource policy to allow it, and there is "
                "none: implicit deny",
            )
            raise _Done(Decision.IMPLICIT_DENY, [])
        for _, result in self._resource_evaluations():
            if result.allowed:
                decider = Decider("resource", self.resource, result.statements)
                self._step(
                    "resource-based policy",
                    "allow",
                    f"{decider.describe()} allows the requester from the other account: both "
                    "accounts allow",
                )
                raise _Done(Decision.ALLOW, [*allowed_by, decider])
        self._step(
            "resource-based policy",
            "deny",
            "the resource policy does not allow the requester from the other account: "
            "implicit deny",
        )
        raise _Done(Decision.IMPLICIT_DENY, [Decider("resource", self.resource)])


# -- helpers ------------------------------------------------------------------------------


def _policies(value: object, what: str) -> list[Policy]:
    if isinstance(value, Policy):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        out = []
        for item in value:
            if not isinstance(item, Policy):
                raise UsageError(f"{what}: expected Policy objects, got {type(item).__name__}")
            out.append(item)
        return out
    raise UsageError(f"{what}: expected a Policy or a sequence of them, got {type(value).__name__}")


def _level(level: PolicyLevel, what: str, index: int) -> list[_Named]:
    policies = _policies(level, what)
    if isinstance(level, Policy):
        return [(f"{what}[{index}]", level)]
    return [(f"{what}[{index}][{j}]", p) for j, p in enumerate(policies)]


def _statement_name(policy: Policy, index: int) -> str:
    sid = policy.statements[index].sid
    return f"Statement[{index}]" + (f" ({sid})" if sid else "")


def _principal_kind(principal: tuple[str, str] | None) -> tuple[str, str | None]:
    """(requester kind, the role ARN behind a role session)."""
    if principal is None:
        return "unknown", None
    kind, value = principal
    if kind != "AWS":
        return "other", None
    if re.fullmatch(r"\d{12}", value):
        return "root", None
    match = _ARN.fullmatch(value)
    if match is None:
        return "other", None
    service, rest = match.group("service"), match.group("rest")
    if service == "iam" and rest == "root":
        return "root", None
    if service == "iam" and rest.startswith("user/"):
        return "user", None
    if service == "iam" and rest.startswith("role/"):
        return "role-session", value  # a role ARN as requester stands for its sessions
    if service == "sts" and rest.startswith("assumed-role/"):
        role = rest.split("/")[1] if rest.count("/") >= 2 else ""
        arn = f"arn:{match.group('partition')}:iam::{match.group('account')}:role/{role}"
        return "role-session", arn
    if service == "sts" and rest.startswith("federated-user/"):
        return "federated-session", None
    return "other", None


def _principal_account(request: Request) -> str | None:
    if request.principal is not None and request.principal[0] == "AWS":
        value = request.principal[1]
        if re.fullmatch(r"\d{12}", value):
            return value
        match = _ARN.fullmatch(value)
        if match and re.fullmatch(r"\d{12}", match.group("account")):
            return match.group("account")
    given = _lookup(request.context, "aws:PrincipalAccount")
    return given if isinstance(given, str) else None


def _resource_account(request: Request) -> str | None:
    match = _ARN.fullmatch(request.resource)
    if match and re.fullmatch(r"\d{12}", match.group("account")):
        return match.group("account")
    given = _lookup(request.context, "aws:ResourceAccount")
    return given if isinstance(given, str) else None


def _grant_kind(element: Any, name: tuple[str, str], role_arn: str | None) -> str:
    """How a statement that matched principal ``name`` grants: ``direct`` (names the requester,
    or everyone), ``role`` (names the role ARN of a session) or ``account``."""
    if element is None:  # NotPrincipal: everyone but some
        return "direct"
    kind, value = name
    field = element.KINDS.get(kind)
    values: tuple[str, ...] = getattr(element, field) if field else ()
    if element.everyone or "*" in values:
        return "direct"
    if value in values:
        return "role" if value == role_arn else "direct"
    return "account"
