"""Scaling of merge and diff with the number of statements (10 to 10,000).

    python benchmarks/bench_algebra.py

Each policy has N Allow statements, each granting 1-3 real actions on one of a few hundred
bucket/object ARNs (seeded), so statements overlap the way real policies do. Prints the time
of ``a.merge(b)`` and ``a.diff(b)`` for two such policies of N statements each, and the ratio
to the previous size (near-linear scaling: 10x more statements should cost at most ~12x).
"""

from __future__ import annotations

import random
import time

import lambda_perms
from lambda_perms import Policy, Statement


def policy(n: int, seed: int) -> Policy:
    rng = random.Random(seed)
    u = lambda_perms.universe()
    actions = [a.text for p in ("s3", "lambda", "cloudformation", "iam") for a in u.actions(p)]
    statements = []
    for _ in range(n):
        picked = rng.sample(actions, rng.randint(1, 3))
        bucket = f"bucket-{rng.randrange(300)}"
        resource = f"arn:aws:s3:::{bucket}" + ("/*" if rng.random() < 0.5 else "")
        statements.append(Statement.allow(picked, resource))
    return Policy.of(*statements)


def main() -> int:
    lambda_perms.universe().expand("*")  # load the universe outside the timings
    previous: tuple[float, float] | None = None
    for n in (10, 100, 1_000, 10_000):
        a, b = policy(n, 1), policy(n, 2)
        start = time.perf_counter()
        a.merge(b)
        merged = time.perf_counter() - start
        start = time.perf_counter()
        a.diff(b)
        diffed = time.perf_counter() - start
        ratio = (
            f"  (x{merged / previous[0]:.1f} merge, x{diffed / previous[1]:.1f} diff)"
            if previous
            else ""
        )
        print(
            f"{n:6} statements: merge {merged * 1000:9.1f} ms  diff {diffed * 1000:9.1f} ms{ratio}"
        )
        previous = (merged, diffed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
