"""Cold import cost of ``lambda_perms`` over pydantic alone, in fresh interpreters.

    python benchmarks/bench_import.py [--runs 15]

Each run starts a new interpreter, imports pydantic, then times ``import lambda_perms`` and,
for scale, ``lambda_perms.Policy`` (the first use, which builds the pydantic models). The
medians are printed; the target is at most 30 ms over pydantic alone.
"""

from __future__ import annotations

import argparse
import statistics

from _cold import cold_samples, report

_PROBE = """
import json, time
t0 = time.perf_counter()
import pydantic
t1 = time.perf_counter()
import lambda_perms
t2 = time.perf_counter()
lambda_perms.Policy
t3 = time.perf_counter()
print(json.dumps({"pydantic": t1 - t0, "lambda_perms": t2 - t1, "first_policy_use": t3 - t2}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    samples = cold_samples(_PROBE, args.runs)
    report(samples)
    over = statistics.median(samples["lambda_perms"])
    print(f"import lambda_perms costs {over:.2f} ms over pydantic alone (target <= 30 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
