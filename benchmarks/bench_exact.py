"""The exact mode of covers and diff (z3): the SAM deploy policy, random pairs, and growth.

    python benchmarks/bench_exact.py [--pairs 1000]

Prints, warm (the universe and z3 loaded first):

* exact ``covers`` of the SAM deploy policy (``lambda-perms policy -- sam deploy``) against its
  minimized form, both ways, and against the article's policy (``policy --profile article``),
  both ways, with the default mode's time beside it;
* the time of exact ``covers`` both ways over N random pairs of 1-5 statements each, whose
  conditions are drawn from a pool of every family (strings with wildcards, numbers, dates,
  addresses, booleans, ARNs, a multivalued key, policy variables), and how many answers
  differ from the default mode's;
* a growth series: exact ``diff`` of a random policy of 10, 100 and 1,000 statements against a
  variant of it (every 7th statement dropped, every 10th with another condition), with the ratio
  to the previous size and the default mode's time beside it (the default mode decides each
  resource unit in time linear in the grants; the exact mode refines the units it leaves in
  doubt).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import lambda_perms
from lambda_perms import Policy

ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "lambda:InvokeFunction",
           "iam:PassRole", "sqs:SendMessage")  # fmt: skip
RESOURCES = ("*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::c*",
             "arn:aws:iam::123456789012:role/app-*", "arn:aws:sqs:*:123456789012:q")  # fmt: skip
ENTRIES: tuple[tuple[str, str, Any], ...] = (
    ("StringEquals", "s3:prefix", ["home/", "home/alice/"]),
    ("StringLike", "s3:prefix", "home/*"),
    ("StringNotLike", "s3:prefix", "home/a?ice/*"),
    ("StringEqualsIgnoreCase", "aws:username", "Alice"),
    ("StringLike", "s3:prefix", "home/${aws:username}/*"),
    ("NumericLessThanEquals", "s3:max-keys", 20),
    ("NumericLessThan", "s3:max-keys", "10"),
    ("NumericGreaterThan", "s3:max-keys", 5),
    ("DateLessThan", "aws:CurrentTime", "2021-01-01T00:00:00Z"),
    ("DateGreaterThan", "aws:CurrentTime", "1577836800"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
    ("IpAddress", "aws:SourceIp", "10.1.0.0/16"),
    ("NotIpAddress", "aws:SourceIp", ["192.0.2.0/24", "2001:db8::/32"]),
    ("Bool", "aws:SecureTransport", "true"),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false"),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::*"),
    ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::b"),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"]),
    ("ForAllValues:StringLike", "aws:TagKeys", "env*"),
    ("Null", "aws:TagKeys", "false"),
    ("StringEquals", "iam:PassedToService", "lambda.amazonaws.com"),
)


def random_policy(rng: random.Random, size: int) -> Policy:
    statements = []
    for _ in range(size):
        statement: dict[str, Any] = {
            "Effect": "Deny" if rng.random() < 0.2 else "Allow",
            "Action": rng.sample(ACTIONS, rng.randint(1, 2)),
            "Resource": rng.choice(RESOURCES),
        }
        condition: dict[str, dict[str, Any]] = {}
        for operator, key, values in rng.sample(ENTRIES, rng.choice((0, 1, 1, 2))):
            condition.setdefault(operator, {})[key] = values
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return Policy.from_dict({"Version": "2012-10-17", "Statement": statements})


def variant(policy: Policy, rng: random.Random) -> Policy:
    statements = []
    for i, statement in enumerate(policy.to_dict()["Statement"]):
        if i % 7 == 6:
            continue
        if i % 10 == 9:
            operator, key, values = rng.choice(ENTRIES)
            statement["Condition"] = {operator: {key: values}}
        statements.append(statement)
    return Policy.from_dict({"Version": "2012-10-17", "Statement": statements})


def timed(label: str, run: Any, default: Any = None) -> float:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    line = f"{label:32} {seconds * 1000:9.1f} ms  -> {result}"
    if default is not None:
        start = time.perf_counter()
        default()
        line += f"   (default mode {(time.perf_counter() - start) * 1000:.1f} ms)"
    print(line, flush=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    args = parser.parse_args()
    universe = lambda_perms.universe()
    universe.expand("*")
    import z3  # noqa: F401 - loaded outside the timings

    deploy = lambda_perms.deploy_policy().policy
    minimized = deploy.minimize().policy
    article = Policy.of(
        lambda_perms.Statement.allow(
            [e.action.text for e in lambda_perms.catalogue().profile("article").actions], "*"
        )
    )
    for name, a, b in (("deploy >= minimized", deploy, minimized),
                       ("minimized >= deploy", minimized, deploy),
                       ("deploy >= article", deploy, article),
                       ("article >= deploy", article, deploy)):  # fmt: skip
        timed(f"exact covers {name}", lambda a=a, b=b: a.covers(b, exact=True),
              lambda a=a, b=b: a.covers(b))  # fmt: skip
    timed("exact diff deploy / article", lambda: len(deploy.diff(article, exact=True).added))

    rng = random.Random(2026)
    pairs = [(random_policy(rng, rng.randint(1, 5)), random_policy(rng, rng.randint(1, 5)))
             for _ in range(args.pairs)]  # fmt: skip
    differ = 0
    start = time.perf_counter()
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            exact = x.covers(y, exact=True)
            differ += exact != x.covers(y)
    seconds = time.perf_counter() - start
    print(
        f"{args.pairs} random pairs, exact covers both ways: {seconds:.1f} s "
        f"({seconds / args.pairs * 1000:.1f} ms a pair; default mode included); "
        f"{differ} of {2 * args.pairs} answers differ from the default mode",
        flush=True,
    )

    previous = None
    for size in (10, 100, 1000):
        a = random_policy(random.Random(size), size)
        b = variant(a, random.Random(-size))
        start = time.perf_counter()
        difference = a.diff(b, exact=True)
        seconds = time.perf_counter() - start
        ratio = f"  (x{seconds / previous:.1f})" if previous else ""
        start = time.perf_counter()
        a.diff(b)
        default = f"{(time.perf_counter() - start) * 1000:.1f} ms"
        print(
            f"exact diff, {size:5} statements: {seconds * 1000:9.1f} ms{ratio}  "
            f"({len(difference.added)} + {len(difference.removed)} entries, "
            f"{len(difference.notes)} notes; default mode {default})",
            flush=True,
        )
        previous = seconds
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
