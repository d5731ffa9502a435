"""Universe performance: cold load, warm expansion.

    python benchmarks/bench_universe.py [--runs 9]

* cold load: a fresh interpreter imports lambda_perms and calls ``lambda_perms.universe()``
  plus one look-up (target <= 100 ms for the load);
* ``expand("*")`` warm (target <= 15 ms) and ``expand("s3:Get*")`` warm (target <= 0.2 ms),
  measured with the expansion cache cleared between calls (the data stays loaded) and again
  with the cache.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _cold import cold_samples, report

_COLD = """
import json, time
import lambda_perms
t0 = time.perf_counter()
u = lambda_perms.universe()
t1 = time.perf_counter()
u.exists("lambda:CreateFunction")
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "first_lookup": t2 - t1}))
"""


def _timed(func: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)

    report(cold_samples(_COLD, args.runs))

    import lambda_perms
    from lambda_perms._universe import Universe

    u = lambda_perms.universe()
    u.expand("*")  # parse every service once: "warm"
    for pattern in ("*", "s3:Get*"):

        def uncached(p: str = pattern) -> None:
            Universe._expand.cache_clear()
            u.expand(p)

        def cached(p: str = pattern) -> None:
            u.expand(p)

        print(
            f"expand({pattern!r:>10}) warm: {_timed(uncached, args.runs * 5):8.3f} ms uncached, "
            f"{_timed(cached, args.runs * 5):8.4f} ms cached"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
