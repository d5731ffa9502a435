"""Wildcard minimization against the shipped universe, on four input shapes.

    python benchmarks/bench_minimize.py [--runs 7]

Inputs: a 37-action SAM deploy set (12 cloudformation, 9 iam, 5 s3, 11 lambda); every lambda
action but DeleteFunction, InvokeFunction and UpdateFunctionCode; a random half of
s3+iam+ec2 (seed 20261128); every action. Nothing is protected (as the other tools do).
For each style: output characters (JSON list without white space), over- and under-grants
(expanding the output against the universe, case-insensitively), and the time of
``Policy.minimize(wildcards=True)`` (first call, then the median of warm calls).
For reference, iam-floyd 0.851.0 (measured on the same inputs) gives 796 / 223 / 11,725 /
57,496 characters in 32 ms / 23 ms / 348 ms / 5.8 s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Literal

import lambda_perms
from lambda_perms import Policy, Statement
from lambda_perms.algebra.minimize import minimize_actions

_CFN = (
    "CreateChangeSet DeleteStack DescribeChangeSet DescribeStackEvents DescribeStacks "
    "ExecuteChangeSet GetTemplateSummary ListStackResources CreateStack UpdateStack "
    "DescribeStackResource GetTemplate"
)
_IAM = (
    "AttachRolePolicy CreateRole DeleteRole DetachRolePolicy GetRole PassRole TagRole "
    "PutRolePolicy DeleteRolePolicy"
)
_S3 = "CreateBucket GetObject PutObject ListBucket GetBucketLocation"
_LAMBDA = (
    "AddPermission CreateFunction DeleteFunction GetFunction GetFunctionConfiguration "
    "ListTags RemovePermission TagResource UntagResource UpdateFunctionCode "
    "UpdateFunctionConfiguration"
)
SAM = [
    f"{prefix}:{name}"
    for prefix, names in (("cloudformation", _CFN), ("iam", _IAM), ("s3", _S3), ("lambda", _LAMBDA))
    for name in names.split()
]
IAM_FLOYD = {"sam": (796, 32), "lambda": (223, 23), "mix50": (11_725, 348), "all": (57_496, 5_800)}


def inputs() -> dict[str, list[str]]:
    u = lambda_perms.universe()
    excluded = {"DeleteFunction", "InvokeFunction", "UpdateFunctionCode"}
    pool = [a.text for p in ("s3", "iam", "ec2") for a in u.actions(p)]
    return {
        "sam": SAM,
        "lambda": [a.text for a in u.actions("lambda") if a.name not in excluded],
        "mix50": sorted(random.Random(20261128).sample(pool, len(pool) // 2)),
        "all": [a.text for a in u.actions()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    u = lambda_perms.universe()
    print(f"universe {u.version}; exact JSON size, then per style: chars, over, under, time")
    for name, actions in inputs().items():
        policy = Policy.of(Statement.allow(actions))
        wanted = {a.lower() for a in actions}
        exact = len(json.dumps(sorted(actions), separators=(",", ":")))
        floyd_chars, floyd_ms = IAM_FLOYD[name]
        print(
            f"{name} ({len(actions)} actions, exact {exact:,} chars; "
            f"iam-floyd {floyd_chars:,} in {floyd_ms} ms)"
        )
        styles: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")
        for style in styles:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                result = policy.minimize(wildcards=True, style=style, protected=())
                times.append((time.perf_counter() - start) * 1000)
            patterns = [a.text for s in result.policy.statements for a in s.action or ()]
            chars = len(json.dumps(patterns, separators=(",", ":")))
            granted = {a.key for p in patterns for a in u.expand(p)}
            engine = []
            for _ in range(args.runs):
                start = time.perf_counter()
                minimize_actions(actions, style=style, protected=())
                engine.append((time.perf_counter() - start) * 1000)
            print(
                f"  {style:>8}: {len(patterns):5} patterns {chars:7,} chars"
                f"  over {len(granted - wanted)}  under {len(wanted - granted)}"
                f"  | minimize_actions: first {engine[0]:7.1f} ms,"
                f" warm {statistics.median(engine[1:]):7.2f} ms"
                f" | Policy.minimize: first {times[0]:7.1f} ms,"
                f" warm {statistics.median(times[1:]):7.2f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
