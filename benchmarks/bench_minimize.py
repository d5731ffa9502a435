"""Wildcard minimization against the shipped universe, on the input shapes minimizers are
compared on, side by side with iam-floyd's ``compact()``.

    python benchmarks/bench_minimize.py [--runs 15] [--floyd-python PATH] [--floyd-npm DIR]

Inputs: a 37-action SAM deploy set (12 cloudformation, 9 iam, 5 s3, 11 lambda); every lambda
action but DeleteFunction, InvokeFunction and UpdateFunctionCode; a random half of
s3+iam+ec2 (seed 20261128); every action. Nothing is protected (as the other tools do).
For each style: output characters (JSON list without white space), over- and under-grants
(expanding the output against the universe, case-insensitively), and the time of
``Policy.minimize(wildcards=True)`` from a policy of one Allow statement with the actions on
``*`` (first call, then the median of warm calls), and of ``minimize_actions`` alone.

iam-floyd is timed in the same run, warm (one warm-up call, then the median), as minimizers
are compared: one statement per service class, ``.to(action)`` for each
action, then ``.compact()``. It is not a dependency; install it outside the repository:

* PyPI (the Python port, the better minimizer):
  ``python3 -m venv /tmp/floyd && /tmp/floyd/bin/pip install iam-floyd==0.851.0``, then
  ``--floyd-python /tmp/floyd/bin/python``;
* npm: ``mkdir -p /tmp/floyd-npm && cd /tmp/floyd-npm && npm init -y && npm install
  iam-floyd@0.842.0``, then ``--floyd-npm /tmp/floyd-npm`` (needs ``node``).

Without either, the iam-floyd columns are skipped with a message. Targets (issue: scale
without cliffs): ``Policy.minimize`` at least 10x faster than iam-floyd in the readable style
and 3x in the compact style on sam, lambda and mix50, with readable lambda <= 304 characters,
compact lambda <= 60 and compact mix50 <= 6,600.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

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
_FLOYD_PY = r"""
import importlib, json, statistics, sys, time
from iam_floyd.statement import _MODULES
cfg = json.load(sys.stdin)
by_prefix = {}
for cls_name, mod in _MODULES.items():
    cls = getattr(importlib.import_module(f"iam_floyd.statement.{mod}"), cls_name)
    inst = cls()
    names = {a for lst in inst._access_level_list.values() for a in lst}
    by_prefix.setdefault(inst.service_prefix, []).append((cls, {n.lower(): n for n in names}))
def minimize(actions):
    groups, out = {}, []
    for a in actions:
        s, n = a.split(":", 1)
        for cls, names in by_prefix.get(s.lower(), []):
            if n.lower() in names:
                groups.setdefault(id(cls), (cls, []))[1].append(f"{s.lower()}:{names[n.lower()]}")
                break
        else:
            out.append(a)
    for cls, acts in groups.values():
        st = cls().allow()
        for a in acts:
            st.to(a)
        st.compact()
        act = st.to_json()["Action"]
        out.extend([act] if isinstance(act, str) else act)
    return out
result = {}
for name, actions in cfg["inputs"].items():
    minimize(actions)
    times = []
    for _ in range(cfg["runs"]):
        t = time.perf_counter(); out = minimize(actions); times.append(time.perf_counter() - t)
    result[name] = {"ms": statistics.median(times) * 1000,
                    "chars": len(json.dumps(sorted(out), separators=(",", ":")))}
print(json.dumps(result))
"""

_FLOYD_JS = r"""
const floyd = require('iam-floyd');
const cfg = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const byPrefix = new Map();
for (const [, Cls] of Object.entries(floyd.Statement)) {
  let inst; try { inst = new Cls(); } catch (e) { continue; }
  if (!inst.servicePrefix || !inst.accessLevelList) continue;
  const names = new Map();
  for (const list of Object.values(inst.accessLevelList)) {
    for (const a of list) names.set(a.toLowerCase(), a);
  }
  if (!byPrefix.has(inst.servicePrefix)) byPrefix.set(inst.servicePrefix, []);
  byPrefix.get(inst.servicePrefix).push({ Cls, names });
}
function minimize(actions) {
  const groups = new Map(); const out = [];
  for (const a of actions) {
    const i = a.indexOf(':');
    const s = a.slice(0, i).toLowerCase();
    const n = a.slice(i + 1).toLowerCase();
    const c = (byPrefix.get(s) || []).find((c) => c.names.has(n));
    if (!c) { out.push(a); continue; }
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c).push(`${s}:${c.names.get(n)}`);
  }
  for (const [c, acts] of groups) {
    const st = new c.Cls().allow(); for (const a of acts) st.to(a); st.compact();
    const act = st.toJSON().Action; if (Array.isArray(act)) out.push(...act); else out.push(act);
  }
  return out;
}
const result = {};
for (const [name, actions] of Object.entries(cfg.inputs)) {
  minimize(actions);
  const times = [];
  let out;
  for (let r = 0; r < cfg.runs; r++) {
    const t = process.hrtime.bigint(); out = minimize(actions);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  result[name] = { ms: times[times.length >> 1], chars: JSON.stringify([...out].sort()).length };
}
console.log(JSON.stringify(result));
"""


def floyd_python(python: str, inputs: dict[str, list[str]], runs: int) -> dict[str, Any] | None:
    """iam-floyd (PyPI) timed in ``python`` (an interpreter with iam-floyd installed)."""
    config = json.dumps({"inputs": inputs, "runs": runs})
    done = subprocess.run(
        [python, "-c", _FLOYD_PY], input=config, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"iam-floyd (PyPI) skipped: {python} failed: {done.stderr.strip()[-200:]}")
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def floyd_npm(directory: str, inputs: dict[str, list[str]], runs: int) -> dict[str, Any] | None:
    """iam-floyd (npm) timed under node, from ``directory``'s node_modules."""
    node = shutil.which("node")
    if node is None or not (Path(directory) / "node_modules" / "iam-floyd").is_dir():
        print(f"iam-floyd (npm) skipped: no node, or no node_modules/iam-floyd in {directory}")
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".js", dir=directory, delete=False) as script:
        script.write(_FLOYD_JS)
    try:
        done = subprocess.run(
            [node, script.name],
            input=json.dumps({"inputs": inputs, "runs": runs}),
            capture_output=True,
            text=True,
            check=False,
            cwd=directory,
        )
    finally:
        Path(script.name).unlink()
    if done.returncode != 0:
        print(f"iam-floyd (npm) skipped: node failed: {done.stderr.strip()[-200:]}")
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


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


def rounds(
    args: argparse.Namespace, anchored: dict[str, list[str]]
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], float]]:
    """iam-floyd and ``Policy.minimize`` take turns, ``--rounds`` times; each figure is the
    median over the rounds of the per-round medians (a 2-core machine shared with others is
    noisy, and side by side means under the same load)."""
    floyd_runs: dict[str, list[dict[str, Any]]] = {}
    ours: dict[tuple[str, str], list[float]] = {}
    styles: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")
    for _ in range(args.rounds):
        if args.floyd_python:
            found = floyd_python(args.floyd_python, anchored, args.runs)
            if found:
                floyd_runs.setdefault("iam-floyd PyPI", []).append(found)
        if args.floyd_npm:
            found = floyd_npm(args.floyd_npm, anchored, args.runs)
            if found:
                floyd_runs.setdefault("iam-floyd npm", []).append(found)
        for name, actions in anchored.items():
            policy = Policy.of(Statement.allow(actions))
            for style in styles:
                times = []
                for _ in range(args.runs + 1):
                    start = time.perf_counter()
                    policy.minimize(wildcards=True, style=style, protected=())
                    times.append((time.perf_counter() - start) * 1000)
                ours.setdefault((name, style), []).append(statistics.median(times[1:]))
    floyds = {
        tool: {
            name: {
                "ms": statistics.median(r[name]["ms"] for r in runs),
                "chars": runs[0][name]["chars"],
            }
            for name in runs[0]
        }
        for tool, runs in floyd_runs.items()
    }
    return floyds, {key: statistics.median(values) for key, values in ours.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--floyd-python", help="a Python interpreter with iam-floyd installed")
    parser.add_argument("--floyd-npm", help="a directory whose node_modules holds iam-floyd")
    parser.add_argument("--no-all", action="store_true", help="skip the all-actions input")
    args = parser.parse_args(argv)
    u = lambda_perms.universe()
    u.expand("*")
    cases = inputs()
    if args.no_all:
        cases.pop("all")
    anchored = {k: v for k, v in cases.items() if k != "all"}
    floyds, ours = rounds(args, anchored)
    for flag, tool in (("floyd_python", "PyPI"), ("floyd_npm", "npm")):
        if not getattr(args, flag):
            print(
                f"iam-floyd ({tool}) skipped: pass --{flag.replace('_', '-')} (see the docstring)"
            )
    print(
        f"universe {u.version}; Python {sys.version.split()[0]}; warm: median over "
        f"{args.rounds} rounds of the median of {args.runs} calls"
    )
    for name, actions in cases.items():
        report(name, actions, floyds, ours, args.runs)
    return 0


def report(
    name: str,
    actions: list[str],
    floyds: dict[str, dict[str, Any]],
    ours: dict[tuple[str, str], float],
    runs: int,
) -> None:
    u = lambda_perms.universe()
    policy = Policy.of(Statement.allow(actions))
    wanted = {a.lower() for a in actions}
    exact = len(json.dumps(sorted(actions), separators=(",", ":")))
    anchors = "".join(
        f"; {tool} {f[name]['chars']:,} chars in {f[name]['ms']:.1f} ms"
        for tool, f in floyds.items()
        if name in f
    )
    print(f"{name} ({len(actions)} actions, exact {exact:,} chars){anchors}")
    styles: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")
    for style in styles:
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            result = policy.minimize(wildcards=True, style=style, protected=())
            times.append((time.perf_counter() - start) * 1000)
        patterns = [a.text for s in result.policy.statements for a in s.action or ()]
        chars = len(json.dumps(patterns, separators=(",", ":")))
        granted = {a.key for p in patterns for a in u.expand(p)}
        engine = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            minimize_actions(actions, style=style, protected=())
            engine.append((time.perf_counter() - start) * 1000)
        warm = ours.get((name, style), statistics.median(times[1:]))
        speedups = "".join(
            f" | x{f[name]['ms'] / warm:.1f} vs {tool}" for tool, f in floyds.items() if name in f
        )
        print(
            f"  {style:>8}: {len(patterns):5} patterns {chars:7,} chars"
            f"  over {len(granted - wanted)}  under {len(wanted - granted)}"
            f" | minimize_actions warm {statistics.median(engine[1:]):7.2f} ms"
            f" | Policy.minimize first {times[0]:7.1f} ms, warm {warm:7.2f} ms{speedups}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
