"""Shared by the benchmark scripts: run a probe in fresh interpreters and collect its timings.

The probe prints one JSON object of seconds; :func:`cold_samples` returns milliseconds per key.
Bytecode goes to a temporary cache (filled by one unmeasured run), so "cold" means a new process
with compiled modules, as an installed package has, even where PYTHONDONTWRITEBYTECODE is set.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def cold_samples(probe: str, runs: int, *args: str) -> dict[str, list[float]]:
    """Milliseconds per key of ``probe``'s JSON output, over ``runs`` fresh interpreters."""
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        command = [sys.executable, "-c", probe, *args]
        subprocess.run(command, check=True, capture_output=True, env=env)  # fills the cache
        for _ in range(runs):
            out = subprocess.run(
                command, check=True, capture_output=True, text=True, env=env
            ).stdout
            for key, value in json.loads(out).items():
                samples.setdefault(key, []).append(value * 1000)
    return samples


def cold_command(args: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``python -m lambda_perms ARGS`` over ``runs`` fresh interpreters."""
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        command = [sys.executable, "-m", "lambda_perms", *args]
        subprocess.run(command, check=True, capture_output=True, env=env)  # fills the cache
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - start)
    return times


def report(samples: dict[str, list[float]], *, label: str = "cold") -> None:
    """One line per key: the median and the minimum."""
    for key, values in samples.items():
        print(
            f"{label} {key:>18}: median {statistics.median(values):8.3f} ms"
            f"  (min {min(values):.3f})"
        )
