"""A generated corpus of policy shapes that reproduce the cliffs found on AWS managed policies.

Shared by the benchmark scripts and the property tests (``tests/property``), so the shapes that
are timed are the shapes whose meaning is proved kept. Every generator is deterministic (seeded)
and takes a size, so the benchmarks can grow each shape by steps of 10.

Shapes (name -> generator of one size argument):

* ``segment_stars``: one statement whose N resources end segments with ``*`` in several
  segments, ``arn:aws:ec2:*:*:<type>/*`` (ViewOnlyAccess-like resource lists). This is the shape
  whose subsumption check grew exponentially (6 resources 6.6 s, 8 resources 75 s);
* ``wildcard_arns``: one statement with N ARNs with wildcards in several segments (region,
  account, name), five services mixed;
* ``literal_arns``: one statement with N literal ARNs;
* ``many_statements``: N statements of 1-3 actions on a few hundred buckets, with a Deny in
  every 10 and a condition in every 7 (statements overlap as in real policies);
* ``conditions``: N statements over overlapping wildcard resources, each under one of N/3
  distinct conditions, some Deny (stresses conditions as atoms);
* ``read_only``: ViewOnlyAccess/SecurityAudit-like, ``Describe*``/``List*``/``Get*`` patterns
  across N services on ``*``, plus resource statements with segment stars;
* ``quick_setup``: SSMQuickSetupRolePolicy-like, N statements of stacksets/documents with
  ``*`` in region and account and prefix names, some under conditions.

:func:`five_by_500` is the policy of 5 statements and 500 ARNs (about 30 KB); :func:`big` a
policy of about the given size in characters (for ``validate``).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lambda_perms import Policy, Statement
from lambda_perms.iam.policy import Condition

__all__ = [
    "ACTION_POOL",
    "EC2_TYPES",
    "SHAPES",
    "big",
    "conditions",
    "five_by_500",
    "literal_arns",
    "many_statements",
    "quick_setup",
    "read_only",
    "segment_stars",
    "wildcard_arns",
]

#: Real EC2 resource types (the Service Authorization Reference's names).
EC2_TYPES = [
    "capacity-reservation",
    "dedicated-host",
    "dhcp-options",
    "elastic-gpu",
    "elastic-ip",
    "export-image-task",
    "fleet",
    "fpga-image",
    "host-reservation",
    "image",
    "import-image-task",
    "instance",
    "instance-event-window",
    "internet-gateway",
    "ipam",
    "ipam-pool",
    "ipv4pool-ec2",
    "key-pair",
    "launch-template",
    "local-gateway",
    "natgateway",
    "network-acl",
    "network-interface",
    "placement-group",
    "prefix-list",
    "reserved-instances",
    "route-table",
    "security-group",
    "security-group-rule",
    "snapshot",
    "spot-fleet-request",
    "spot-instances-request",
    "subnet",
    "traffic-mirror-filter",
    "traffic-mirror-session",
    "transit-gateway",
    "transit-gateway-attachment",
    "volume",
    "vpc",
    "vpc-endpoint",
    "vpc-flow-log",
    "vpc-peering-connection",
    "vpn-connection",
    "vpn-gateway",
]

_SERVICES = [
    "access-analyzer",
    "acm",
    "apigateway",
    "application-autoscaling",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognito-idp",
    "config",
    "dax",
    "directconnect",
    "dms",
    "ds",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticfilesystem",
    "elasticloadbalancing",
    "elasticmapreduce",
    "es",
    "events",
    "firehose",
    "glacier",
    "glue",
    "guardduty",
    "iam",
    "inspector",
    "iot",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "lightsail",
    "logs",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "s3",
    "sagemaker",
    "secretsmanager",
    "securityhub",
    "servicecatalog",
    "ses",
    "shield",
    "sns",
    "sqs",
    "ssm",
    "states",
    "storagegateway",
    "sts",
    "waf",
    "xray",
]


def _types(n: int) -> list[str]:
    """``n`` distinct resource-type names: the real ones, then numbered ones."""
    return [EC2_TYPES[i] if i < len(EC2_TYPES) else f"type{i}" for i in range(n)]


def segment_stars(n: int) -> Policy:
    resources = [f"arn:aws:ec2:*:*:{t}/*" for t in _types(n)]
    return Policy.of(Statement.allow(["ec2:DescribeInstances", "ec2:DescribeVolumes"], resources))


def _wild_arn(i: int, rng: random.Random) -> str:
    kind = i % 5
    if kind == 0:
        return f"arn:aws:logs:*:*:log-group:/aws/lambda/app-{i}-*:*"
    if kind == 1:
        return f"arn:aws:lambda:us-*-{rng.randint(1, 2)}:*:function:app-{i}-*"
    if kind == 2:
        return f"arn:aws:s3:::bucket-{i}-*/prefix/*"
    if kind == 3:
        return f"arn:aws:dynamodb:*:123456789012:table/t{i}/index/*"
    return f"arn:aws:ssm:*:*:parameter/app/{i}/*"


def wildcard_arns(n: int) -> Policy:
    rng = random.Random(n)
    resources = [_wild_arn(i, rng) for i in range(n)]
    actions = ["logs:PutLogEvents", "lambda:InvokeFunction", "s3:GetObject", "dynamodb:Query"]
    return Policy.of(Statement.allow(actions, resources))


def _literal_arn(i: int) -> str:
    kind = i % 3
    if kind == 0:
        return f"arn:aws:s3:::bucket-{i}/key-{i}"
    if kind == 1:
        return f"arn:aws:lambda:us-east-1:123456789012:function:fn-{i}"
    return f"arn:aws:sqs:eu-west-1:123456789012:queue-{i}"


def literal_arns(n: int) -> Policy:
    resources = [_literal_arn(i) for i in range(n)]
    return Policy.of(Statement.allow(["s3:GetObject", "lambda:InvokeFunction"], resources))


ACTION_POOL = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetObjectVersion",
    "s3:PutObjectAcl",
    "lambda:InvokeFunction",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:CreateFunction",
    "cloudformation:CreateStack",
    "cloudformation:DescribeStacks",
    "cloudformation:UpdateStack",
    "iam:GetRole",
    "iam:PassRole",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sns:Publish",
    "logs:CreateLogGroup",
    "logs:PutLogEvents",
    "kms:Decrypt",
]


def many_statements(n: int, seed: int = 1) -> Policy:
    rng = random.Random(seed)
    statements = []
    for i in range(n):
        actions = rng.sample(ACTION_POOL, rng.randint(1, 3))
        bucket = f"bucket-{rng.randrange(300)}"
        resource = f"arn:aws:s3:::{bucket}" + ("/*" if rng.random() < 0.5 else "")
        condition = (
            Condition.of({"StringEquals": {"aws:PrincipalTag/team": f"t{i % 5}"}})
            if i % 7 == 3
            else None
        )
        make = Statement.deny if i % 10 == 9 else Statement.allow
        statements.append(make(actions, resource, condition=condition))
    return Policy.of(*statements)


def conditions(n: int) -> Policy:
    rng = random.Random(n)
    statements = []
    for i in range(n):
        actions = rng.sample(ACTION_POOL, 2)
        resources = [
            f"arn:aws:s3:::bucket-{rng.randrange(max(1, n // 4))}/*",
            f"arn:aws:lambda:*:*:function:app-{rng.randrange(max(1, n // 4))}-*",
        ]
        condition = Condition.of({"StringEquals": {"aws:RequestTag/env": f"e{i % max(1, n // 3)}"}})
        make = Statement.deny if i % 6 == 5 else Statement.allow
        statements.append(make(actions, resources, condition=condition))
    return Policy.of(*statements)


def read_only(n: int) -> Policy:
    services = [_SERVICES[i % len(_SERVICES)] for i in range(n)]
    actions = sorted(
        {f"{s}:{verb}*" for s in services for verb in ("Describe", "List", "Get")}
        | {f"{s}:BatchGet*" for s in services[::3]}
    )
    resources = [f"arn:aws:ec2:*:*:{t}/*" for t in _types(max(2, n // 4))]
    return Policy.of(
        Statement.allow(actions, "*", sid="ReadOnly"),
        Statement.allow(["ec2:DescribeInstances", "ec2:GetConsoleOutput"], resources, sid="Ec2"),
        Statement.allow(
            ["s3:GetObject"],
            [f"arn:aws:s3:::*-{s}-*/*" for s in services[: max(2, n // 4)]],
            sid="Objects",
        ),
    )


def quick_setup(n: int) -> Policy:
    statements = []
    for i in range(n):
        names = [f"AWS-QuickSetup-{i}-*", f"SSMQuickSetup{i}*"]
        resources = [
            f"arn:aws:cloudformation:*:*:{kind}/{name}"
            for kind in ("stackset", "stack/StackSet-", "stackset-target")
            for name in names
        ] + [f"arn:aws:ssm:*:*:document/*-AWSQuickSetupType-{i}-*"]
        resources = [r.replace("/StackSet-/", "/StackSet-") for r in resources]
        condition = (
            Condition.of({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}})
            if i % 2
            else None
        )
        statements.append(
            Statement.allow(
                ["cloudformation:DescribeStackSet", "cloudformation:DeleteStackSet"],
                resources,
                sid=f"QuickSetup{i}",
                condition=condition,
            )
        )
    return Policy.of(*statements)


def five_by_500(per_statement: int = 100) -> Policy:
    """Five statements of 500 ARNs in all (100 each, literal and wildcard mixed, about 30 KB,
    the size of the policy whose ``minimize`` did not finish); ``per_statement=500`` gives
    five statements of 500 ARNs each."""
    rng = random.Random(500)
    statements = []
    for s in range(5):
        resources = [
            _long(_literal_arn(s * per_statement + i))
            if i % 2
            else _long(_wild_arn(s * per_statement + i, rng))
            for i in range(per_statement)
        ]
        actions = rng.sample(ACTION_POOL, 4)
        statements.append(Statement.allow(actions, resources, sid=f"Part{s}"))
    return Policy.of(*statements)


def _long(arn: str) -> str:
    """An ARN with a longer, realistic name (``.../service-team-name-...``)."""
    return arn.replace("-", "-payments-service-", 1)


def big(chars: int) -> Policy:
    """A policy of about ``chars`` characters: statements of 50 actions and 200 ARNs each."""
    rng = random.Random(chars)
    statements = []
    size = 0
    i = 0
    while size < chars:
        actions = rng.sample(ACTION_POOL, 10)
        resources = [
            _literal_arn(i * 200 + j) if j % 3 else _wild_arn(i * 200 + j, rng) for j in range(200)
        ]
        statement = Statement.allow(actions, resources, sid=f"S{i}")
        statements.append(statement)
        size += sum(len(r) + 3 for r in resources) + sum(len(a) + 3 for a in actions) + 40
        i += 1
    return Policy.of(*statements)


#: The shapes that take a size, by name.
SHAPES: dict[str, Callable[[int], Policy]] = {
    "segment_stars": segment_stars,
    "wildcard_arns": wildcard_arns,
    "literal_arns": literal_arns,
    "many_statements": many_statements,
    "conditions": conditions,
    "read_only": read_only,
    "quick_setup": quick_setup,
}
