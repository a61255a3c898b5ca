"""One 40-run grid (QAOA, p = 2, on small MDKP and MIS instances, two encodings, five seeds), run
serially in this process and on a 2-worker Dask LocalCluster; the same runs, the same results.

Every run uses one engine thread (``threads: 1``) in both modes, so the ratio measures the executor,
not numba's own threading. numba kernels are warmed in this process and on every worker before any
timing; starting the cluster is timed apart. Serial and Dask runs alternate ``--repeat`` times
(this host's speed drifts by a few per cent within minutes, as much as the effects measured); each
pair is printed, and the last line is ``dask_speedup <x>``: the median over the pairs of serial wall
time over Dask wall time, cluster start excluded. With N cores the ceiling is min(N, workers).

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

from qbench.runner.executors import DaskExecutor, LocalExecutor, _init_worker, start_local_cluster  # noqa: E402
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


def _timed(plan, executor):
    t = time.perf_counter()
    records = execute(plan, executor=executor)
    return time.perf_counter() - t, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--maxiter", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3,
                        help="serial/Dask pairs, interleaved; the ratio printed last is their median")
    args = parser.parse_args()

    from distributed import Client

    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "grid.yaml"
        cfg.write_text(textwrap.dedent(GRID.format(maxiter=args.maxiter)))
        _init_worker(1)
        warm_up()

        starts = []
        for i in range(args.repeat):
            # serial first, with no cluster alive (an idle one still takes ~1 % of a core)
            t_serial, serial = _timed(plan_experiment(cfg, tmp, tmp / f"serial{i}"), LocalExecutor())
            t = time.perf_counter()
            cluster = start_local_cluster(args.workers)
            try:
                with Client(cluster) as client:
                    client.run(_init_worker, 1)   # compile / load the JIT cache on each worker, untimed
                starts.append(time.perf_counter() - t)
                t_dask, dasked = _timed(plan_experiment(cfg, tmp, tmp / f"dask{i}"),
                                        DaskExecutor(cluster.scheduler_address))
            finally:
                cluster.close()
            pairs.append((t_serial, t_dask, serial, dasked))
        t_start = sorted(starts)[len(starts) // 2]

    serial, dasked = pairs[0][2], pairs[0][3]
    same = all(_outcome(p[2]) == _outcome(serial) and _outcome(p[3]) == _outcome(serial) for p in pairs)
    ok = sum(r["status"] == "ok" for r in dasked)
    run_s = sorted(r["seconds"] for r in serial if r["status"] == "ok")
    ratios = sorted(p[0] / p[1] for p in pairs)
    print(f"grid               {len(serial)} runs (QAOA p=2, threads=1), {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, median run {run_s[len(run_s) // 2]:.2f} s")
    for i, (t_serial, t_dask, _, _) in enumerate(pairs):
        print(f"pair {i}             serial {t_serial:6.2f} s   dask {args.workers} workers {t_dask:6.2f} s   "
              f"ratio {t_serial / t_dask:.2f}")
    print(f"results            {ok}/{len(dasked)} ok, Dask's the same as serial's in every pair: {same}")
    print(f"cluster start      {t_start:8.2f} s   (median; not in the ratio)")
    print(f"ratio range        {ratios[0]:.2f} - {ratios[-1]:.2f} over {len(pairs)} pairs")
    print(f"dask_speedup {ratios[len(ratios) // 2]:.2f}")


if __name__ == "__main__":
    main()
