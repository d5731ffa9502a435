"""Template-aware policy performance: real and generated SAM applications to a policy.

    python benchmarks/bench_templates.py [--runs 5] [--warm 20] [--template PATH]
    python benchmarks/bench_templates.py --growth [--max 3000] [--profile]

* ``cold``: ``python -m lambda_perms policy --template large-app.yaml -- sam deploy ...`` in a
  fresh interpreter, wall clock, median of ``--runs`` (target <= 2 s, the SAM transform
  included). The runs use bytecode caches in a temporary directory, filled by one untimed run
  first, as an installed package has them;
* ``warm``: ``deploy_policy(..., template=path)`` in this process after a first call, median of
  ``--warm`` calls: reading, the SAM transform and the policy, with every cache warm;
* ``stages``: one warm call split into reading + transform (``load_template``) and the policy
  from the loaded template, both in default and tight mode.
* ``--growth``: generated templates, each read and transformed once, then the policy timed
  (warm, best of three, wall clock and CPU time): 4/40/400 functions each with its own SQS
  queue as event source (target: 10x the input <= 12x the time, 400 functions <= 3 s),
  50/500/3000 bare queues, and a mixed application of 30/300 functions with queues, topics,
  tables, buckets, schedules and API routes.
  ``--profile`` prints the top of a cProfile of the largest of each series.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _cold import cold_command

_ROOT = Path(__file__).resolve().parents[1]
_TEMPLATE = _ROOT / "tests" / "fixtures" / "templates" / "large-app.yaml"
_SAM = ["sam", "deploy", "--stack-name", "my-app", "--s3-bucket", "my-artifacts"]


def _argv(template: Path) -> list[str]:
    return ["policy", "--account", "123456789012", "--region", "eu-west-1", "--template",
            str(template), "--", *_SAM]  # fmt: skip


def cold(runs: int, template: Path) -> list[float]:
    return cold_command(_argv(template), runs)


def warm(calls: int, template: Path) -> tuple[list[float], dict[str, float], int]:
    from lambda_perms import DeployOptions, Scope, deploy_policy
    from lambda_perms.deploy.templates import load_template

    options, _ = DeployOptions.from_sam_args(_SAM)
    scope = Scope(account="123456789012", region="eu-west-1")
    first = deploy_policy(options, scope, template=template)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        deploy_policy(options, scope, template=template)
        times.append(time.perf_counter() - start)
    stages: dict[str, float] = {}
    start = time.perf_counter()
    loaded = load_template(template)
    stages["read + SAM transform"] = time.perf_counter() - start
    for tight in (False, True):
        start = time.perf_counter()
        deploy_policy(options, scope, template=loaded, tight=tight)
        stages[f"policy ({'tight' if tight else 'default'})"] = time.perf_counter() - start
    size = len(json.dumps(first.policy.to_dict(), separators=(",", ":")))
    return times, stages, size


def _source_resources(template: Path) -> int:
    """How many resources the template itself declares (before the SAM transform)."""
    import re

    text = template.read_text()
    section = text.split("\nResources:", 1)[-1]
    section = re.split(r"\n[A-Za-z]", section, maxsplit=1)[0]
    return len(re.findall(r"^  [A-Za-z0-9]+:\s*$", section, flags=re.M))


# --- generated templates ------------------------------------------------------------------

_CODE = "def handler(event, context):\n    return None\n"


def _function(events: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "InlineCode": _CODE,
            "Handler": "index.handler",
            "Runtime": "python3.12",
            "Events": events,
            **extra,
        },
    }


def _sam(resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": resources,
    }


def sqs_functions(n: int) -> dict[str, Any]:
    """``n`` functions, each consuming its own queue."""
    resources: dict[str, Any] = {}
    for i in range(n):
        resources[f"Queue{i}"] = {"Type": "AWS::SQS::Queue"}
        resources[f"Consumer{i}"] = _function(
            {
                "Messages": {
                    "Type": "SQS",
                    "Properties": {"Queue": {"Fn::GetAtt": [f"Queue{i}", "Arn"]}},
                }
            }
        )
    return _sam(resources)


def queues(n: int) -> dict[str, Any]:
    """``n`` queues and one function."""
    resources: dict[str, Any] = {f"Queue{i}": {"Type": "AWS::SQS::Queue"} for i in range(n)}
    resources["Worker"] = _function({})
    return _sam(resources)


def mixed(n: int) -> dict[str, Any]:
    """``n`` functions, cycling through SQS, SNS, DynamoDB stream, S3 and schedule sources,
    each with its own source resource, plus an API."""
    resources: dict[str, Any] = {
        "Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "prod"}}
    }
    for i in range(n):
        kind = i % 6
        if kind == 0:
            resources[f"Queue{i}"] = {"Type": "AWS::SQS::Queue"}
            event = {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": [f"Queue{i}", "Arn"]}}}
        elif kind == 1:
            resources[f"Topic{i}"] = {"Type": "AWS::SNS::Topic"}
            event = {"Type": "SNS", "Properties": {"Topic": {"Ref": f"Topic{i}"}}}
        elif kind == 2:
            resources[f"Table{i}"] = {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            }
            event = {
                "Type": "DynamoDB",
                "Properties": {
                    "Stream": {"Fn::GetAtt": [f"Table{i}", "StreamArn"]},
                    "StartingPosition": "LATEST",
                },
            }
        elif kind == 3:
            resources[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket"}
            event = {
                "Type": "S3",
                "Properties": {"Bucket": {"Ref": f"Bucket{i}"}, "Events": "s3:ObjectCreated:*"},
            }
        elif kind == 4:
            event = {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}
        else:
            event = {
                "Type": "Api",
                "Properties": {"RestApiId": {"Ref": "Api"}, "Path": f"/r{i}", "Method": "get"},
            }
        resources[f"Function{i}"] = _function({"Source": event})
    return _sam(resources)


_SERIES: dict[str, tuple[Callable[[int], dict[str, Any]], tuple[int, ...]]] = {
    "functions with SQS": (sqs_functions, (4, 40, 400)),
    "queues": (queues, (50, 500, 3000)),
    "mixed application": (mixed, (30, 300)),
}


def growth(limit: int, profile: bool) -> None:
    from lambda_perms import DeployOptions, Scope, deploy_policy
    from lambda_perms.deploy.templates import load_template

    options, _ = DeployOptions.from_sam_args(_SAM)
    scope = Scope(account="123456789012", region="eu-west-1")
    deploy_policy(options, scope)  # the catalogue and the universe, loaded once
    for name, (make, sizes) in _SERIES.items():
        previous: tuple[int, float] | None = None
        for n in sizes:
            if n > limit:
                continue
            start = time.perf_counter()
            loaded = load_template(make(n))
            read = time.perf_counter() - start
            times, cpu = [], []
            for _ in range(3):
                gc.collect()  # the garbage of the previous run is not this run's cost
                start, start_cpu = time.perf_counter(), time.process_time()
                result = deploy_policy(options, scope, template=loaded)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            best = min(times)
            size = len(json.dumps(result.policy.to_dict(), separators=(",", ":")))
            ratio = ""
            if previous is not None:
                ratio = f"  ({n / previous[0]:.0f}x input: {best / previous[1]:.1f}x time)"
            print(f"{name:>20} {n:>5}: read+transform {read:6.2f} s, policy {best:7.3f} s "
                  f"(CPU {min(cpu):.3f} s), "
                  f"{len(loaded.resources)} resources, {size} characters{ratio}")  # fmt: skip
            previous = (n, best)
        if profile and previous is not None:
            import cProfile
            import pstats

            loaded = load_template(make(previous[0]))
            profiler = cProfile.Profile()
            profiler.enable()
            deploy_policy(options, scope, template=loaded)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--template", type=Path, default=_TEMPLATE)
    parser.add_argument("--growth", action="store_true", help="the generated growth series")
    parser.add_argument("--max", type=int, default=3000, help="largest generated size (--growth)")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest (--growth)")
    args = parser.parse_args()
    if args.growth:
        growth(args.max, args.profile)
        return
    from lambda_perms.deploy.templates import load_template

    loaded = load_template(args.template)
    source = _source_resources(args.template)
    print(f"template: {args.template.name}: {source} source resources, "
          f"{len(loaded.resources)} CloudFormation resources, "
          f"{len(loaded.resource_types)} types")  # fmt: skip
    times = cold(args.runs, args.template)
    print(f"cold CLI run: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}; target <= 2 s)")  # fmt: skip
    warm_times, stages, size = warm(args.warm, args.template)
    print(f"warm deploy_policy(template=...): median {statistics.median(warm_times) * 1000:.0f} ms")
    for name, seconds in stages.items():
        print(f"  {name}: {seconds * 1000:.0f} ms")
    print(f"policy size: {size} characters (compact JSON)")


if __name__ == "__main__":
    main()
