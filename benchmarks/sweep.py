"""One 40-run grid (QAOA, p = 2, on small MDKP and MIS instances, two encodings, five seeds), run
serially in this process and on a 2-worker Dask LocalCluster; the same runs, the same results.

Every run uses one engine thread (``threads: 1``) in both modes, so the ratio measures the executor,
not numba's own threading. numba kernels are warmed in this process and on every worker before any
timing; starting the cluster is timed apart. The last line is ``dask_speedup <x>`` (serial wall time
over Dask wall time, cluster start excluded); with N cores the ceiling is min(N, 2).

    python benchmarks/sweep.py
    python benchmarks/sweep.py --workers 4 --maxiter 40
"""

from __future__ import annotations

import argparse
import os
import tempfile
import textwrap
import time
from pathlib import Path

from _bootstrap import ensure_environment

ensure_environment()   # re-runs this script with the project's .venv when needed

from qbench.runner.executors import DaskExecutor, LocalExecutor, _init_worker  # noqa: E402
from qbench.runner.experiment import execute, plan_experiment  # noqa: E402
from qbench.runner.warmup import warm_up  # noqa: E402

GRID = """
name: sweep_bench
instances:
  - generate: mdkp
    params: {{n: 16, m: 1, tightness: 0.5, seed: 1}}
  - generate: mdkp
    params: {{n: 16, m: 2, tightness: 0.5, seed: 2}}
formulations:
  - name: unbalanced
  - name: lagrangian
    params: {{multiplier: subgradient, max_iter: 4}}
solvers:
  - name: qaoa
    params: {{reps: 2, shots: 1024, maxiter: {maxiter}, threads: 1}}
seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
time_limit: 30
"""


def _outcome(records):
    return {r["run_id"]: (r["status"], r["result"].get("metrics", {}).get("best_objective")) for r in records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--maxiter", type=int, default=100)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "grid.yaml"
        cfg.write_text(textwrap.dedent(GRID.format(maxiter=args.maxiter)))
        _init_worker(1)
        warm_up()

        plan = plan_experiment(cfg, tmp, tmp / "serial")
        n_runs = len(plan.specs)
        t = time.perf_counter()
        serial = execute(plan, executor=LocalExecutor())
        t_serial = time.perf_counter() - t

        t = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        with Client(cluster) as client:
            client.run(_init_worker, 1)   # compile / load the JIT cache on each worker, untimed
        t_start = time.perf_counter() - t
        try:
            plan = plan_experiment(cfg, tmp, tmp / "dask")
            t = time.perf_counter()
            dasked = execute(plan, executor=DaskExecutor(cluster.scheduler_address))
            t_dask = time.perf_counter() - t
        finally:
            cluster.close()

    same = _outcome(serial) == _outcome(dasked)
    ok = sum(r["status"] == "ok" for r in dasked)
    run_s = sorted(r["seconds"] for r in serial if r["status"] == "ok")
    print(f"grid               {n_runs} runs (QAOA p=2, threads=1), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"serial             {t_serial:8.2f} s   (median run {run_s[len(run_s) // 2]:.2f} s)")
    print(f"dask {args.workers} workers     {t_dask:8.2f} s   ({ok}/{len(dasked)} ok, same results as serial: {same})")
    print(f"cluster start      {t_start:8.2f} s   (not in the ratio)")
    print(f"dask_speedup {t_serial / t_dask:.2f}")


if __name__ == "__main__":
    main()
