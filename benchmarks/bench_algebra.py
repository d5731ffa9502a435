"""Scaling of the policy algebra: growth series by steps of 10, and the hard shapes.

    python benchmarks/bench_algebra.py [--quick] [--only NAME ...]

Shapes come from the generated corpus (``_shapes.py``). Two parts:

* **growth**: for each series, each operation on inputs 10x larger each step, with the time
  and its ratio to the previous step (target: 10x the input costs at most 12x the time):

  - ``statements``: ``many_statements(n)`` for n = 10 .. 10,000 (Deny every 10th statement,
    a condition every 7th); ``merge`` and ``diff`` against a second policy of the same shape
    and size (another seed), ``covers`` of the policy by itself plus one statement,
    ``minimize`` (plain and ``wildcards=True``), ``validate`` and ``split``;
  - ``arns``: one statement of n = 5 .. 5,000 ARNs, literal and with wildcards in several
    segments (``literal_arns``, ``wildcard_arns``), the same operations;
  - ``segment_stars``: n = 5 .. 500 resources ``arn:aws:ec2:*:*:<type>/*``;
* **hard**: the shapes that hit cliffs before (figures measured before the fix, on the
  same 2-core machine, in brackets): one statement with 6 and 8 segment-star resources
  (6.6 s, 75 s), the 33 KB policy of 5 statements and 500 ARNs (``minimize`` over 120 s,
  ``--wildcards`` over 8 minutes; also with 500 ARNs in each statement),
  ViewOnlyAccess/SecurityAudit-like (``read_only``) and SSMQuickSetupRolePolicy-like
  (``quick_setup``) shapes, and ``validate`` of a 6 MB policy (69 s). Target: each
  ``minimize`` of a corpus shape <= 1 s, the 6 MB ``validate`` <= 5 s.

Each time is the best of ``--runs`` calls (default 5), in this process with the universe
loaded, after a garbage collection. In a growth series the sizes are timed in alternating
rounds (every size once per round), so that a slow spell of a shared machine falls on every
size alike rather than on one step's ratio; ``--cpu`` times process CPU instead of wall clock
(for a machine shared with other work). The hard shapes take one call past a second.
"""

from __future__ import annotations

import argparse
import functools
import gc
import time
from collections.abc import Callable

import _shapes

import lambda_perms
from lambda_perms import Policy, Statement
from lambda_perms.algebra.validation import validate

Op = Callable[[Policy, Policy], object]

OPS: dict[str, Op] = {
    "merge": lambda p, q: p.merge(q),
    "diff": lambda p, q: p.diff(q),
    "covers": lambda p, q: q.covers(p),
    "minimize": lambda p, q: p.minimize(),
    "minimize-w": lambda p, q: p.minimize(wildcards=True),
    "validate": lambda p, q: validate(p),
    "split": lambda p, q: p.split(),
}

_EXTRA = Statement.allow("s3:GetObject", "arn:aws:s3:::extra/*")


Clock = Callable[[], float]


def once(call: Callable[[], object], clock: Clock = time.perf_counter) -> float:
    gc.collect()
    start = clock()
    call()
    return clock() - start


def timed(call: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        elapsed = once(call)
        best = min(best, elapsed)
        if elapsed > 1.0:
            break
    return best


def _pair(shape: str, n: int) -> tuple[Policy, Policy]:
    if shape == "many_statements":
        return _shapes.many_statements(n, 1), _shapes.many_statements(n, 2)
    policy = _shapes.SHAPES[shape](n)
    return policy, Policy.of(*policy.statements, _EXTRA)


SERIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "statements": ("many_statements", (10, 100, 1_000, 10_000)),
    "literal-arns": ("literal_arns", (5, 50, 500, 5_000)),
    "wildcard-arns": ("wildcard_arns", (5, 50, 500, 5_000)),
    "segment-stars": ("segment_stars", (5, 50, 500)),
}


def growth(runs: int, only: set[str], quick: bool, clock: Clock) -> None:
    for series, (shape, sizes) in SERIES.items():
        if only and series not in only:
            continue
        steps = sizes[:-1] if quick else sizes
        print(f"\n{series} ({shape}): seconds (ratio to the previous size)", flush=True)
        print(f"{'n':>7} {'KB':>7} " + " ".join(f"{op:>16}" for op in OPS))
        pairs = {n: _pair(shape, n) for n in steps}
        best = {(op, n): float("inf") for op in OPS for n in steps}
        for op, call in OPS.items():
            for _ in range(runs):  # rounds: each size once per round
                for n in steps:
                    p, q = pairs[n]
                    elapsed = once(functools.partial(call, p, q), clock)
                    best[op, n] = min(best[op, n], elapsed)
        for i, n in enumerate(steps):
            cells = []
            for op in OPS:
                seconds = best[op, n]
                ratio = f"(x{seconds / best[op, steps[i - 1]]:.1f})" if i else ""
                cells.append(f"{seconds:8.3f} {ratio:>7}")
            size = pairs[n][0].size() / 1000
            print(f"{n:>7} {size:7.1f} " + " ".join(f"{c:>16}" for c in cells), flush=True)


def hard(runs: int) -> None:
    print("\nhard shapes: seconds [before the fix]")
    cases: list[tuple[str, Policy, dict[str, str]]] = [
        ("segment_stars(6)", _shapes.segment_stars(6), {"minimize": "6.6"}),
        ("segment_stars(8)", _shapes.segment_stars(8), {"minimize": "75"}),
        ("five_by_500", _shapes.five_by_500(), {"minimize": ">120", "minimize-w": ">480"}),
        ("five_by_500(500 each)", _shapes.five_by_500(500), {}),
        ("read_only(60)", _shapes.read_only(60), {}),
        ("quick_setup(3)", _shapes.quick_setup(3), {}),
        ("quick_setup(30)", _shapes.quick_setup(30), {}),
        ("conditions(30)", _shapes.conditions(30), {}),
    ]
    for label, policy, before in cases:
        q = Policy.of(*policy.statements, _EXTRA)
        cells = []
        for op in ("minimize", "minimize-w", "diff", "covers", "merge", "validate"):
            seconds = timed(functools.partial(OPS[op], policy, q), runs)
            note = f" [{before[op]}]" if op in before else ""
            cells.append(f"{op} {seconds:.3f}{note}")
        print(f"  {label:<22} {policy.size() / 1000:6.1f} KB  " + "  ".join(cells))
    big = _shapes.big(6_000_000)
    text = big.to_json()
    start = time.perf_counter()
    parsed = Policy.from_json(text)
    parse = time.perf_counter() - start
    seconds = timed(lambda: validate(parsed), 1)
    print(
        f"  {'big (6 MB)':<22} {len(text) / 1e6:6.1f} MB  parse {parse:.3f}  "
        f"validate {seconds:.3f} [69]  parse+validate {parse + seconds:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", action="store_true", help="time process CPU, not wall clock")
    parser.add_argument("--quick", action="store_true", help="skip the largest size")
    parser.add_argument("--only", nargs="*", default=[], help=f"series: {', '.join(SERIES)}")
    parser.add_argument("--no-hard", action="store_true")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu else time.perf_counter
    lambda_perms.universe().expand("*")  # load the universe outside the timings
    growth(args.runs, set(args.only), args.quick, clock)
    if not args.no_hard:
        hard(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
