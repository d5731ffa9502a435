"""Catalogue performance: cold load plus one look-up, and a full load.

    python benchmarks/bench_catalogue.py [--runs 9] [--action cloudformation:CreateChangeSet]

Each run is a fresh interpreter that has imported ``lambda_perms`` (which reads nothing):

* ``pydantic``: importing pydantic's ``BaseModel`` (the price of the dependency, paid once
  per process by anything that validates);
* ``models``: importing the catalogue module (the rest of pydantic it uses, the models);
* ``load+lookup``: ``lambda_perms.catalogue()`` plus ``needs(action)``: listing
  ``data/services/``, reading and validating ``resources.toml`` and the action's service file
  (target <= 50 ms);
* ``total``: the three together, what a script that asks one question pays;
* ``all services``: then loading every other service file (what the docs need).

The runs use bytecode caches in a temporary directory, filled by one untimed run first, as an
installed package has them (``PYTHONDONTWRITEBYTECODE`` would make every run compile pydantic
and the package from source).
"""

from __future__ import annotations

import argparse

from _cold import cold_samples, report

_COLD = """
import json, sys, time
import lambda_perms
t0 = time.perf_counter()
import pydantic
pydantic.BaseModel
t1 = time.perf_counter()
import lambda_perms.catalogues.catalogue
t2 = time.perf_counter()
cat = lambda_perms.catalogues.catalogue.catalogue()
cat.needs(sys.argv[1])
t3 = time.perf_counter()
cat.services
t4 = time.perf_counter()
print(json.dumps({"pydantic": t1 - t0, "models": t2 - t1, "load+lookup": t3 - t2,
                  "total": t3 - t0, "all services": t4 - t3}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--action", default="cloudformation:CreateChangeSet")
    args = parser.parse_args(argv)

    report(cold_samples(_COLD, args.runs, args.action))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
