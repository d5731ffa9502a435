"""Deploy policy performance: ``lambda-perms policy`` end to end, and the in-process build.

    python benchmarks/bench_deploy.py [--runs 9] [--warm 200]

* ``cold``: ``python -m lambda_perms policy --account ... --region ... --stack ... --bucket ...``
  in a fresh interpreter, wall clock, median of ``--runs`` (target <= 0.5 s). The runs use
  bytecode caches in a temporary directory, filled by one untimed run first, as an installed
  package has them;
* ``warm``: ``deploy_policy()`` (the default policy) in this process after a first call that
  loads the catalogue, median of ``--warm`` calls (target <= 20 ms);
* ``warm scoped``: the same with a scope and ``--resolve-s3 --role-arn`` (more statements).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _cold import cold_command

_ARGV = [
    "policy",
    "--account",
    "123456789012",
    "--region",
    "ap-northeast-1",
    "--stack",
    "my-app",
    "--bucket",
    "my-artifacts",
]


def cold(runs: int) -> list[float]:
    return cold_command(_ARGV, runs)


def warm(calls: int, *, scoped: bool) -> list[float]:
    from lambda_perms import DeployOptions, Scope, deploy_policy

    if scoped:
        options, _ = DeployOptions.from_sam_args(
            ["deploy", "--resolve-s3", "--role-arn", "arn:aws:iam::123456789012:role/cfn"]
        )
        scope = Scope(account="123456789012", region="ap-northeast-1", stack="my-app")
    else:
        options, scope = DeployOptions(), Scope()
    deploy_policy(options, scope)  # loads the catalogue
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        deploy_policy(options, scope)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()
    result = {
        "cold_policy_cli_s": statistics.median(cold(args.runs)),
        "warm_default_ms": statistics.median(warm(args.warm, scoped=False)) * 1000,
        "warm_scoped_role_arn_ms": statistics.median(warm(args.warm, scoped=True)) * 1000,
    }
    print(json.dumps({k: round(v, 4) for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
