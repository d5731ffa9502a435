"""Template-aware policy performance: a 50-resource SAM application to a policy.

    python benchmarks/bench_templates.py [--runs 5] [--warm 20] [--template PATH]

* ``cold``: ``python -m lambda_perms policy --template large-app.yaml -- sam deploy ...`` in a
  fresh interpreter, wall clock, median of ``--runs`` (target <= 2 s, the SAM transform
  included). The runs use bytecode caches in a temporary directory, filled by one untimed run
  first, as an installed package has them;
* ``warm``: ``deploy_policy(..., template=path)`` in this process after a first call, median of
  ``--warm`` calls: reading, the SAM transform and the policy, with every cache warm;
* ``stages``: one warm call split into reading + transform (``load_template``) and the policy
  from the loaded template, both in default and tight mode.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--template", type=Path, default=_TEMPLATE)
    args = parser.parse_args()
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
