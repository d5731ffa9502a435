"""authorize: one request against every policy type, one row per branch of the flowchart.

Expected decisions come from the IAM User Guide, "Policy evaluation logic": the pages "How AWS
enforcement code logic evaluates requests to allow or deny access" (DENYALLOW), "Cross-account
policy evaluation logic" (CROSS), "Permissions boundaries for IAM entities" (BOUNDARIES) and the
example of Carlos and his bucket ("Example identity-based and resource-based policy evaluation",
EXAMPLE), quoted above each group.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_perms import Authorization, Policy, Request, UsageError, authorize
from lambda_perms.iam.policy import Decision

ACCOUNT = "123456789012"
OTHER = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/examplerole"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/examplerole/examplerolesessionname"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/exampleuser"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OBJECT = "arn:aws:s3:::carlossalazar/notes.txt"
LOG_OBJECT = "arn:aws:s3:::carlossalazar-logs/notes.txt"
SAME_ACCOUNT = {"aws:ResourceAccount": ACCOUNT}  # S3 ARNs name no account


def document(*statements: dict[str, Any], kind: str = "identity") -> Policy:
    return Policy.from_dict({"Version": "2012-10-17", "Statement": list(statements)}, kind=kind)


def allow(action: str = "s3:*", resource: str = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: str = "s3:*", resource: str = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


# EXAMPLE: the identity policy of the carlossalazar IAM user and the policy of his bucket.
CARLOS = document(
    {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": ["s3:GetBucketLocation",
     "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
     "Resource": "arn:aws:s3:::*"},
    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]},
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
)  # fmt: skip


def bucket_policy(principal: Any) -> Policy:
    return document(
        allow(resource="arn:aws:s3:::carlossalazar/*", Principal=principal), kind="resource"
    )


BUCKET = bucket_policy({"AWS": USER})
EVERYTHING = document(allow("*"))
NOTHING = document(allow("ec2:DescribeInstances"))


def aws(principal: str | None) -> tuple[str, str] | None:
    return None if principal is None else ("AWS", principal)


def put(principal: str | None = USER, resource: str = OBJECT, **context: Any) -> Request:
    return Request("s3:PutObject", resource, {**SAME_ACCOUNT, **context}, aws(principal))


def decided(result: Authorization, decision: Decision, source: str | None) -> None:
    assert result.decision is decision, result.explanation
    assert result.allowed is (decision is Decision.ALLOW)
    if source is None:
        assert not result.deciders
    else:
        assert result.deciders[0].source == source, result.explanation


# -- the guide's example ------------------------------------------------------------------------


def test_carlos_is_denied_the_logs_bucket_by_his_explicit_deny() -> None:
    # EXAMPLE: "AWS first checks for a Deny statement that applies to the context of the
    # request. It finds one ... Carlos is denied access."
    result = authorize(put(resource=LOG_OBJECT), identity=CARLOS, resource_policy=BUCKET)
    decided(result, Decision.EXPLICIT_DENY, "identity[0]")
    assert result.statements == (2,)
    assert "DenyS3Logs" in result.explanation


def test_carlos_may_save_to_his_own_bucket() -> None:
    # EXAMPLE: "Both the identity-based policy and the resource-based policy allow the request.
    # Therefore, AWS allows the request."
    result = authorize(put(), identity=CARLOS, resource_policy=BUCKET)
    decided(result, Decision.ALLOW, "resource")
    # EXAMPLE: "If one of the policy types allows the request and the other doesn't, the request
    # is still allowed."
    decided(authorize(put(), identity=CARLOS), Decision.ALLOW, "identity[0]")
    decided(authorize(put(), identity=[], resource_policy=BUCKET), Decision.ALLOW, "resource")


# -- 1. deny evaluation -------------------------------------------------------------------------

DENY_ALL = document(deny("*"))


@pytest.mark.parametrize(
    ("arguments", "source"),
    [
        # DENYALLOW, "Deny evaluation": "These include AWS Organizations SCPs and RCPs,
        # resource-based policies, identity-based policies, IAM permissions boundaries, and
        # session policies ... If the enforcement code finds even one explicit deny that
        # applies, the enforcement code returns a final decision of Deny."
        ({"scps": [DENY_ALL]}, "scp[0]"),
        ({"rcps": [DENY_ALL]}, "rcp[0]"),
        ({"boundary": DENY_ALL}, "boundary"),
        ({"session_policies": [DENY_ALL]}, "session[0]"),
        ({"resource_policy": document(deny("*", Principal="*"), kind="resource")}, "resource"),
    ],
)
def test_an_explicit_deny_in_any_policy_decides(arguments: dict[str, Any], source: str) -> None:
    result = authorize(put(SESSION), identity=EVERYTHING, **arguments)
    decided(result, Decision.EXPLICIT_DENY, source)
    assert result.steps[0].outcome == "deny"


def test_a_deny_on_the_role_arn_applies_to_its_sessions() -> None:
    policy = document(
        allow(Principal="*"), deny(Principal={"AWS": ROLE}), kind="resource"
    )  # fmt: skip
    decided(authorize(put(SESSION), identity=EVERYTHING, resource_policy=policy),
            Decision.EXPLICIT_DENY, "resource")  # fmt: skip


# -- 2./3. RCPs and SCPs ------------------------------------------------------------------------


@pytest.mark.parametrize("guard", ["scps", "rcps"])
def test_every_level_of_the_organization_must_allow(guard: str) -> None:
    # DENYALLOW, "AWS Organizations RCPs" / "SCPs": "If the enforcement code does not find any
    # applicable Allow statements in the RCPs [SCPs], then the enforcement code returns a final
    # decision of Deny."
    # RCPs are resource-based: they name principals ("Principal": "*" in RCPFullAWSAccess)
    extra, kind = ({"Principal": "*"}, "resource") if guard == "rcps" else ({}, "identity")
    full = document(allow("*", **extra), kind=kind)
    only_ec2 = document(allow("ec2:*", **extra), kind=kind)

    def levels(*entries: Any) -> dict[str, Any]:
        return {guard: list(entries)}

    decided(authorize(put(), identity=EVERYTHING, **levels(full, full)), Decision.ALLOW,
            "identity[0]")  # fmt: skip
    result = authorize(put(), identity=EVERYTHING, **levels(full, only_ec2))
    decided(result, Decision.IMPLICIT_DENY, f"{guard[:3]}[1]")
    # several policies at one level: any of them allowing is enough for that level
    decided(authorize(put(), identity=EVERYTHING, **levels(full, [only_ec2, full])),
            Decision.ALLOW, "identity[0]")  # fmt: skip
    # a guard never grants: an SCP or RCP allow without an identity allow is no allow
    decided(authorize(put(), identity=NOTHING, **levels(full)), Decision.IMPLICIT_DENY,
            "identity[0]")  # fmt: skip


def test_scps_apply_to_the_root_user_which_has_no_identity_policies() -> None:
    # DENYALLOW: "all requests are implicitly denied with the exception of the AWS account root
    # user, which has full access"; "The SCP maximum applies to principals in member accounts,
    # including each AWS account root user" ("Evaluating policies within a single account").
    decided(authorize(put(ROOT), identity=[]), Decision.ALLOW, None)
    decided(authorize(put(ROOT), identity=[], scps=[NOTHING]), Decision.IMPLICIT_DENY, "scp[0]")


# -- 4. resource-based policies in the same account ------------------------------------------

NO_S3_BOUNDARY = document(allow("ec2:*"))
NO_S3_SESSION = document(allow("ec2:*"))


@pytest.mark.parametrize(
    ("principal", "granted", "boundary", "session", "decision"),
    [
        # DENYALLOW: "IAM user - Within the same account, resource-based policies that grant
        # permissions to an IAM user ARN ... are not limited by an implicit deny in an
        # identity-based policy or permissions boundary."
        (USER, USER, NO_S3_BOUNDARY, None, Decision.ALLOW),
        # "IAM role session - ... resource-based policies that grant permissions to an IAM role
        # session ARN grant permissions directly to the assumed role session ... not limited by
        # an implicit deny in an identity-based policy, a permissions boundary, or session policy"
        (SESSION, SESSION, NO_S3_BOUNDARY, NO_S3_SESSION, Decision.ALLOW),
        # "IAM role - Resource-based policies that grant permissions to an IAM role ARN are
        # limited by an implicit deny in a permissions boundary or session policy."
        (SESSION, ROLE, None, None, Decision.ALLOW),
        (SESSION, ROLE, NO_S3_BOUNDARY, None, Decision.IMPLICIT_DENY),
        (SESSION, ROLE, None, NO_S3_SESSION, Decision.IMPLICIT_DENY),
        # "IAM federated user sessions - ... resource-based policies that grant permissions to a
        # federated user ARN grant permissions directly to the session"
        (FEDERATED, FEDERATED, NO_S3_BOUNDARY, NO_S3_SESSION, Decision.ALLOW),
        # PRINCIPAL: an account "delegates authority to the account": the identity policies
        # must allow (here none do)
        (USER, ACCOUNT, None, None, Decision.IMPLICIT_DENY),
        (USER, ROOT, None, None, Decision.IMPLICIT_DENY),
        # "*" names the requester too
        (USER, "*", NO_S3_BOUNDARY, None, Decision.ALLOW),
    ],
)
def test_the_resource_policy_by_principal_type(
    principal: str,
    granted: str,
    boundary: Policy | None,
    session: Policy | None,
    decision: Decision,
) -> None:
    result = authorize(
        put(principal),
        identity=NOTHING,
        boundary=boundary,
        session_policies=[session] if session is not None else [],
        resource_policy=bucket_policy({"AWS": granted} if granted != "*" else "*"),
    )
    assert result.decision is decision, result.explanation
    assert not result.cross_account


def test_an_account_grant_needs_the_identity_policies() -> None:
    result = authorize(put(), identity=EVERYTHING, resource_policy=bucket_policy({"AWS": ACCOUNT}))
    decided(result, Decision.ALLOW, "identity[0]")
    assert "delegates" in result.explanation


# -- 5./6./7. identity policies, boundary, session policies ---------------------------------


def test_identity_policies() -> None:
    # DENYALLOW, "Identity-based policies": "If there are no identity-based policies or no
    # statements in identity-based policies that allow the requested action, then the request
    # is implicitly denied"
    decided(authorize(put(), identity=[]), Decision.IMPLICIT_DENY, None)
    result = authorize(put(), identity=[NOTHING, CARLOS])
    decided(result, Decision.ALLOW, "identity[1]")
    assert result.statements == (1,)


def test_the_boundary_limits_identity_policies() -> None:
    # BOUNDARIES: "the entity can perform only the actions that are allowed by both its
    # identity-based policies and its permissions boundaries"
    decided(authorize(put(), identity=EVERYTHING, boundary=NO_S3_BOUNDARY),
            Decision.IMPLICIT_DENY, "boundary")  # fmt: skip
    decided(authorize(put(), identity=NOTHING, boundary=EVERYTHING),
            Decision.IMPLICIT_DENY, "identity[0]")  # fmt: skip
    decided(authorize(put(), identity=EVERYTHING, boundary=EVERYTHING), Decision.ALLOW,
            "identity[0]")  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "sessions", "decision"),
    [
        # DENYALLOW, "Session policies": "If a session policy is present and does not allow the
        # requested action, then the request is implicitly denied."
        (SESSION, [NO_S3_SESSION], Decision.IMPLICIT_DENY),
        # "If a session policy is present and allows the requested action, then the enforcement
        # code returns a final decision of Allow."
        (SESSION, [NO_S3_SESSION, EVERYTHING], Decision.ALLOW),
        # "If there is no session policy, the code checks whether the principal is a role
        # session. If the principal is a role session, then the request is Allowed. Otherwise,
        # the request is implicitly denied"
        (SESSION, [], Decision.ALLOW),
        (FEDERATED, [], Decision.IMPLICIT_DENY),
        (FEDERATED, [EVERYTHING], Decision.ALLOW),
        # "If the principal is not a session principal, the enforcement code returns a final
        # decision of Allow."
        (USER, [], Decision.ALLOW),
    ],
)
def test_session_policies(principal: str, sessions: list[Policy], decision: Decision) -> None:
    result = authorize(put(principal), identity=EVERYTHING, session_policies=sessions)
    assert result.decision is decision, result.explanation


# -- across accounts -----------------------------------------------------------------------------

QUEUE = f"arn:aws:sqs:us-east-1:{OTHER}:queue"


def send(principal: str = USER) -> Request:
    return Request("sqs:SendMessage", QUEUE, {}, aws(principal))


def queue_policy(principal: Any) -> Policy:
    return document(allow("sqs:SendMessage", QUEUE, Principal=principal), kind="resource")


@pytest.mark.parametrize(
    ("identity", "resource", "decision", "source"),
    [
        # CROSS: "the requester in the trusted AccountA must have an identity-based policy ...
        # Additionally, the resource-based policy in AccountB must allow the requester" and
        # "The request is allowed only if both evaluations return a decision of Allow."
        (EVERYTHING, queue_policy({"AWS": USER}), Decision.ALLOW, "identity[0]"),
        (EVERYTHING, queue_policy({"AWS": ACCOUNT}), Decision.ALLOW, "identity[0]"),
        (EVERYTHING, None, Decision.IMPLICIT_DENY, None),
        (NOTHING, queue_policy({"AWS": USER}), Decision.IMPLICIT_DENY, "identity[0]"),
        (EVERYTHING, queue_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:user/else"}),
         Decision.IMPLICIT_DENY, "resource"),
    ],
)  # fmt: skip
def test_a_cross_account_request_needs_both_accounts(
    identity: Policy, resource: Policy | None, decision: Decision, source: str | None
) -> None:
    result = authorize(send(), identity=identity, resource_policy=resource)
    assert result.cross_account
    decided(result, decision, source)
    if decision is Decision.ALLOW:
        assert [d.source for d in result.deciders] == ["identity[0]", "resource"]


def test_across_accounts_a_direct_grant_does_not_skip_the_identity_policies() -> None:
    result = authorize(send(), identity=[], resource_policy=queue_policy({"AWS": USER}))
    decided(result, Decision.IMPLICIT_DENY, None)


def test_the_accounts_come_from_the_context_when_the_arns_name_none() -> None:
    cross = Request("s3:PutObject", OBJECT, {"aws:ResourceAccount": OTHER}, aws(USER))
    result = authorize(cross, identity=[], resource_policy=BUCKET)
    assert result.cross_account
    decided(result, Decision.IMPLICIT_DENY, None)
    unknown = Request("s3:PutObject", OBJECT, {}, aws(USER))
    result = authorize(unknown, identity=[], resource_policy=BUCKET)
    assert not result.cross_account
    assert "not both known" in result.explanation


# -- the result -----------------------------------------------------------------------------


def test_the_explanation_and_the_document() -> None:
    result = authorize(put(SESSION), identity=CARLOS, boundary=NO_S3_BOUNDARY)
    lines = result.explanation.splitlines()
    assert lines[0].endswith("implicitly denied by boundary")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "deny evaluation", "RCPs", "SCPs", "resource-based policy", "identity-based policies",
        "permissions boundary",
    ]  # fmt: skip
    assert str(result) == result.explanation
    data = result.to_dict()
    assert data["decision"] == "implicit_deny"
    assert data["allowed"] is False
    assert data["deciders"] == [{"source": "boundary", "statements": []}]
    json.dumps(data)
    assert result.policy is NO_S3_BOUNDARY


def test_conditions_take_part() -> None:
    mfa = document(allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    decided(authorize(put(), identity=mfa), Decision.IMPLICIT_DENY, "identity[0]")
    with_mfa = Request("s3:PutObject", OBJECT, {"aws:MultiFactorAuthPresent": "true"}, aws(USER))
    decided(authorize(with_mfa, identity=mfa), Decision.ALLOW, "identity[0]")


def test_misuse_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="resource policy names principals"):
        authorize(put(None), identity=EVERYTHING, resource_policy=BUCKET)
    with pytest.raises(UsageError, match="Request"):
        authorize("s3:PutObject", identity=EVERYTHING)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="identity"):
        authorize(put(), identity=["not a policy"])  # type: ignore[list-item]
