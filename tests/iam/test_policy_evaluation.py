"""Request evaluation: IAM's decision logic for one policy, against hand-written tables.

Sources (IAM User Guide): "Policy evaluation logic" (explicit deny wins; otherwise an allow is
needed), "IAM JSON policy elements: NotAction" / "NotResource" (complements), "Condition
operators" (missing keys, IfExists, set operators) and "Policy variables".
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_perms import InvalidActionError, Policy
from lambda_perms.iam.policy import Context, Decision

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
ACCOUNT = "123456789012"


def policy(
    *statements: dict[str, Any], version: str | None = "2012-10-17", kind: str = "identity"
) -> Policy:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return Policy.from_dict(document, kind=kind)


# "Allow all actions on all services except IAM" (NotAction with Allow)
ALL_BUT_IAM = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
# "Deny everything outside the HR payroll folder"
DENY_OUTSIDE = policy(
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {
        "Effect": "Deny",
        "Action": "s3:*",
        "NotResource": [f"{BUCKET}/Payroll", f"{BUCKET}/Payroll/*"],
    },
)
# MFA example: deny all but IAM unless MFA is present
MFA = policy(
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
)  # fmt: skip
# home folders with policy variables
HOME = policy(
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{BUCKET}/home/${{aws:username}}/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
     "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}},
)  # fmt: skip
# the same without a Version element: variables are literal text
HOME_2008 = policy(
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/home/${{aws:username}}/*"},
    version=None,
)
# explicit deny on a wildcard beats a specific allow
DENY_WINS = policy(
    {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:Terminate*", "Resource": "*"},
)
TAGS = policy(
    {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
     "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}},
    {"Effect": "Allow", "Action": "ec2:DeleteTags", "Resource": "*",
     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["temporary"]}}},
)  # fmt: skip
NETWORK = policy(
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
)  # fmt: skip
TIME = policy(
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                   "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}},
)  # fmt: skip
PASSROLE = policy(
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/app-*",
     "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
)  # fmt: skip
NULL = policy(
    {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
     "Condition": {"Null": {"aws:RequestTag/CostCenter": "true"}}},
    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
)  # fmt: skip
NUMERIC = policy(
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
     "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}},
)  # fmt: skip
ARN = policy(
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
     "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"}}},
)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "subject", "action", "resource", "context", "decision"),
    [
        # NotAction + Allow: everything except IAM, including actions of other services
        ("not-action allows others", ALL_BUT_IAM, "s3:GetObject", "*", {}, Decision.ALLOW),
        ("not-action allows others (any case)", ALL_BUT_IAM, "EC2:RunInstances", "*", {}, Decision.ALLOW),
        ("not-action leaves iam out", ALL_BUT_IAM, "iam:CreateUser", "*", {}, Decision.IMPLICIT_DENY),
        ("not-action leaves iam out (any case)", ALL_BUT_IAM, "IAM:createuser", "*", {}, Decision.IMPLICIT_DENY),
        # Deny + NotResource
        ("payroll allowed", DENY_OUTSIDE, "s3:GetObject", f"{BUCKET}/Payroll/jan.csv", {}, Decision.ALLOW),
        ("outside payroll denied", DENY_OUTSIDE, "s3:GetObject", f"{BUCKET}/Other/x", {}, Decision.EXPLICIT_DENY),
        ("payroll folder itself", DENY_OUTSIDE, "s3:ListBucket", f"{BUCKET}/Payroll", {}, Decision.ALLOW),
        # MFA: BoolIfExists false; a missing key makes IfExists true, so the deny applies
        ("mfa false denied", MFA, "s3:GetObject", "*", {"aws:MultiFactorAuthPresent": "false"}, Decision.EXPLICIT_DENY),
        ("mfa missing denied", MFA, "s3:GetObject", "*", {}, Decision.EXPLICIT_DENY),
        ("mfa true allowed", MFA, "s3:GetObject", "*", {"aws:MultiFactorAuthPresent": "true"}, Decision.ALLOW),
        ("mfa iam excluded", MFA, "iam:ChangePassword", "*", {}, Decision.ALLOW),
        ("mfa key case-insensitive", MFA, "s3:GetObject", "*", {"AWS:multifactorauthpresent": "true"}, Decision.ALLOW),
        # policy variables
        ("own home", HOME, "s3:GetObject", f"{BUCKET}/home/alice/a.txt", {"aws:username": "alice"}, Decision.ALLOW),
        ("other's home", HOME, "s3:GetObject", f"{BUCKET}/home/bob/a.txt", {"aws:username": "alice"}, Decision.IMPLICIT_DENY),
        ("no username", HOME, "s3:GetObject", f"{BUCKET}/home/alice/a.txt", {}, Decision.IMPLICIT_DENY),
        ("list own prefix", HOME, "s3:ListBucket", BUCKET, {"aws:username": "alice", "s3:prefix": "home/alice/docs"}, Decision.ALLOW),
        ("list other prefix", HOME, "s3:ListBucket", BUCKET, {"aws:username": "alice", "s3:prefix": "home/bob/"}, Decision.IMPLICIT_DENY),
        ("2008 literal variable", HOME_2008, "s3:GetObject", f"{BUCKET}/home/alice/a", {"aws:username": "alice"}, Decision.IMPLICIT_DENY),
        ("2008 literal text matches", HOME_2008, "s3:GetObject", f"{BUCKET}/home/${{aws:username}}/a", {}, Decision.ALLOW),
        # explicit deny wins
        ("deny wins", DENY_WINS, "ec2:TerminateInstances", "*", {}, Decision.EXPLICIT_DENY),
        ("deny pattern case", DENY_WINS, "EC2:terminateinstances", "*", {}, Decision.EXPLICIT_DENY),
        # set operators
        ("forall subset", TAGS, "ec2:CreateTags", "*", {"aws:TagKeys": ["environment"]}, Decision.ALLOW),
        ("forall outside", TAGS, "ec2:CreateTags", "*", {"aws:TagKeys": ["environment", "owner"]}, Decision.IMPLICIT_DENY),
        ("forall absent key is true", TAGS, "ec2:CreateTags", "*", {}, Decision.ALLOW),
        ("forany one matches", TAGS, "ec2:DeleteTags", "*", {"aws:TagKeys": ["x", "temporary"]}, Decision.ALLOW),
        ("forany absent key is false", TAGS, "ec2:DeleteTags", "*", {}, Decision.IMPLICIT_DENY),
        # IpAddress family, negated: a missing key makes NotIpAddress true
        ("inside v4 network", NETWORK, "s3:GetObject", "*", {"aws:SourceIp": "192.0.2.7"}, Decision.ALLOW),
        ("inside v6 network", NETWORK, "s3:GetObject", "*", {"aws:SourceIp": "2001:db8::1"}, Decision.ALLOW),
        ("outside network", NETWORK, "s3:GetObject", "*", {"aws:SourceIp": "198.51.100.1"}, Decision.EXPLICIT_DENY),
        ("no source ip", NETWORK, "s3:GetObject", "*", {}, Decision.EXPLICIT_DENY),
        # Date family
        ("inside window", TIME, "s3:GetObject", "*", {"aws:CurrentTime": "2020-05-01T12:00:00Z"}, Decision.ALLOW),
        ("after window", TIME, "s3:GetObject", "*", {"aws:CurrentTime": "2020-07-01T00:00:00Z"}, Decision.IMPLICIT_DENY),
        ("no time", TIME, "s3:GetObject", "*", {}, Decision.IMPLICIT_DENY),
        # iam:PassRole scoped by resource and iam:PassedToService
        ("pass to lambda", PASSROLE, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-fn", {"iam:PassedToService": "lambda.amazonaws.com"}, Decision.ALLOW),
        ("pass to ec2", PASSROLE, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-fn", {"iam:PassedToService": "ec2.amazonaws.com"}, Decision.IMPLICIT_DENY),
        ("pass other role", PASSROLE, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", {"iam:PassedToService": "lambda.amazonaws.com"}, Decision.IMPLICIT_DENY),
        ("pass role name case", PASSROLE, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/App-fn", {"iam:PassedToService": "lambda.amazonaws.com"}, Decision.IMPLICIT_DENY),
        # Null
        ("null tag missing denied", NULL, "ec2:RunInstances", "*", {}, Decision.EXPLICIT_DENY),
        ("null tag present allowed", NULL, "ec2:RunInstances", "*", {"aws:RequestTag/CostCenter": "42"}, Decision.ALLOW),
        # Numeric: policy value given as a string still compares numerically
        ("numeric within", NUMERIC, "s3:ListBucket", BUCKET, {"s3:max-keys": 10}, Decision.ALLOW),
        ("numeric above", NUMERIC, "s3:ListBucket", BUCKET, {"s3:max-keys": "11"}, Decision.IMPLICIT_DENY),
        # Arn
        ("arn equal", ARN, "sqs:SendMessage", "*", {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"}, Decision.ALLOW),
        ("arn other", ARN, "sqs:SendMessage", "*", {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:other"}, Decision.IMPLICIT_DENY),
    ],
)  # fmt: skip
def test_decision(  # noqa: PLR0917  (one parameter per table column)
    name: str, subject: Policy, action: str, resource: str, context: Context, decision: Decision
) -> None:
    result = subject.evaluate(action, resource, context)
    assert result.decision is decision, name
    assert subject.allows(action, resource, context) is (decision is Decision.ALLOW)


def test_deciding_statements() -> None:
    result = DENY_WINS.evaluate("ec2:TerminateInstances", "*")
    assert result.statements == (1,)
    allowed = DENY_OUTSIDE.evaluate("s3:GetObject", f"{BUCKET}/Payroll/x")
    assert allowed.statements == (0,)
    assert allowed.allowed
    assert ALL_BUT_IAM.evaluate("iam:GetUser", "*").statements == ()


class TestPrincipals:
    BUCKET_POLICY = policy(
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}, "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"},
        kind="resource",
    )  # fmt: skip

    @pytest.mark.parametrize(
        ("principal", "action", "allowed"),
        [
            # an account id stands for every principal of the account
            (("AWS", f"arn:aws:iam::{ACCOUNT}:role/app"), "s3:GetObject", True),
            (("AWS", "arn:aws:iam::999999999999:role/app"), "s3:GetObject", False),
            (("Service", "cloudtrail.amazonaws.com"), "s3:PutObject", True),
            (("Service", "config.amazonaws.com"), "s3:PutObject", False),
            (("AWS", f"arn:aws:iam::{ACCOUNT}:role/admin"), "s3:DeleteObject", True),
            (("AWS", f"arn:aws:iam::{ACCOUNT}:role/app"), "s3:DeleteObject", False),
        ],
    )
    def test_principal(self, principal: tuple[str, str], action: str, allowed: bool) -> None:
        assert self.BUCKET_POLICY.allows(action, f"{BUCKET}/k", principal=principal) is allowed


def test_request_must_name_a_concrete_action() -> None:
    with pytest.raises(InvalidActionError):
        ALL_BUT_IAM.allows("s3:*", "*")
    with pytest.raises(InvalidActionError):
        ALL_BUT_IAM.allows("GetObject", "*")


def test_resource_defaults_to_star() -> None:
    assert ALL_BUT_IAM.allows("s3:ListAllMyBuckets")
