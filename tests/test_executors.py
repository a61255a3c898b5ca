"""Executors (local, process pool, Dask LocalCluster), portable instance references, the optimum
cache and ``qbench run --dry-run``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qbench.runner import grid as grid_module
from qbench.runner.execute import run_one
from qbench.runner.executors import DaskExecutor, LocalExecutor, ProcessPoolRunExecutor, make_executor
from qbench.runner.experiment import execute, plan_experiment
from qbench.runner.grid import InstanceRef
from qbench.runner.portable import OPTIMA_FILE

REPO = Path(__file__).resolve().parents[1]

CONFIG = """
name: exec
instances:
  - generate: mdkp
    params: {n: 6, m: 1, seed: 1}
  - generate: mis
    params: {n: 7, p: 0.3, seed: 2}
formulations: [{name: unbalanced}]
solvers:
  - name: annealing
    params: {num_reads: 4, num_sweeps: 50}
  - name: greedy
seeds: [0, 1]
time_limit: 10
"""


def _config(tmp_path, body=CONFIG):
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def _results(records):
    return {r["run_id"]: (r["status"], r["result"]["metrics"]["best_objective"]) for r in records}


def test_pool_and_local_give_the_same_records(tmp_path):
    cfg = _config(tmp_path)
    local = execute(plan_experiment(cfg, tmp_path, tmp_path / "a"), executor=LocalExecutor())
    pooled = execute(plan_experiment(cfg, tmp_path, tmp_path / "b"), executor=ProcessPoolRunExecutor(2))
    assert len(local) == 6 and _results(local) == _results(pooled)
    assert all(r["status"] == "ok" for r in pooled)
    # the coordinator stored every record as it arrived
    assert plan_experiment(cfg, tmp_path, tmp_path / "b").specs == []


def _die_once(spec):
    """Kills its worker process the first time it sees the mis instance (a lost worker)."""
    marker = Path(os.environ["QBENCH_TEST_MARKER"])
    if spec.instance.kind == "mis" and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return run_one(spec)


def test_pool_reschedules_the_runs_of_a_lost_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("QBENCH_TEST_MARKER", str(tmp_path / "marker"))
    plan = plan_experiment(_config(tmp_path), tmp_path, tmp_path / "r")
    records = list(ProcessPoolRunExecutor(2).map(_die_once, plan.specs))
    assert (tmp_path / "marker").exists()
    assert sorted(r["run_id"] for r in records) == sorted(s.run_id for s in plan.specs)


def test_dask_local_cluster_runs_the_grid(tmp_path):
    pytest.importorskip("distributed")
    cfg = _config(tmp_path)
    local = execute(plan_experiment(cfg, tmp_path, tmp_path / "a"))
    dasked = execute(plan_experiment(cfg, tmp_path, tmp_path / "d"), executor=DaskExecutor("local", workers=2))
    assert _results(local) == _results(dasked)


def _worker_settings():
    import dask

    return (dask.config.get("distributed.worker.profile.enabled"),
            dask.config.get("distributed.admin.tick.interval"))


def test_local_cluster_workers_run_without_the_stack_profiler():
    pytest.importorskip("distributed")
    from distributed import Client

    from qbench.runner.executors import COMPUTE_WORKER_CONFIG, start_local_cluster

    cluster = start_local_cluster(1)
    try:
        with Client(cluster) as client:
            settings = set(client.run(_worker_settings).values())
    finally:
        cluster.close()
    assert settings == {(False, COMPUTE_WORKER_CONFIG["distributed.admin.tick.interval"])}
    assert _worker_settings()[0] is True   # this process's own Dask settings are left alone


def test_executor_choice_from_cli_and_config():
    assert isinstance(make_executor(), LocalExecutor)
    assert isinstance(make_executor(workers=3), ProcessPoolRunExecutor)
    assert isinstance(make_executor(dask="local"), DaskExecutor)
    assert make_executor(config_executor={"dask": "tcp://h:8786"}).address == "tcp://h:8786"
    assert isinstance(make_executor(workers=2, config_executor={"dask": "tcp://h:8786"}), ProcessPoolRunExecutor)


def test_instance_paths_are_relative_to_the_data_dir(tmp_path):
    data = tmp_path / "data"
    (data / "mdkp").mkdir(parents=True)
    (data / "mdkp" / "toy.dat").write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")
    cfg = _config(tmp_path, """
        name: rel
        instances: [{file: mdkp/toy.dat}]
        solvers: [{name: greedy}]
    """)
    plan = plan_experiment(cfg, data, tmp_path / "res")
    ref = plan.specs[0].instance
    assert ref.path == "mdkp/toy.dat" and ref.root == "data"
    # a worker whose coordinator's folder does not exist finds the file under its own QBENCH_DATA
    moved = tmp_path / "elsewhere"
    data.rename(moved)
    env = {**os.environ, "QBENCH_DATA": str(moved)}
    code = ("import sys, pickle; from qbench.runner.execute import run_one; "
            "r = run_one(pickle.loads(sys.stdin.buffer.read())); print(r['status'], r['result']['metrics']['best_objective'])")
    import pickle

    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(plan.specs[0]), capture_output=True,
                         env=env, timeout=300)
    assert out.stdout.decode().split() == ["ok", "7.0"], out.stderr.decode()


def test_reference_optima_are_computed_once_and_cached(tmp_path, monkeypatch):
    cfg = _config(tmp_path)
    first = plan_experiment(cfg, tmp_path, tmp_path / "res")
    assert (tmp_path / "res" / OPTIMA_FILE).exists()

    def fail(*args, **kwargs):
        raise AssertionError("reference optimum recomputed")

    monkeypatch.setattr(grid_module, "reference_optimum", fail)
    again = plan_experiment(cfg, tmp_path, tmp_path / "res")
    assert [s.instance.optimum for s in again.specs] == [s.instance.optimum for s in first.specs]


def test_dry_run_prints_the_grid_and_writes_nothing(tmp_path):
    cfg = _config(tmp_path, CONFIG + "\n")
    proc = subprocess.run([sys.executable, "-m", "qbench", "run", str(cfg), "--results", str(tmp_path / "res"),
                           "--dry-run"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "6 runs in the grid: 6 to run" in proc.stdout
    assert "unbalanced" in proc.stdout and "annealing" in proc.stdout
    assert not (tmp_path / "res").exists()


def test_thread_cap_holds_for_kernels_that_ask_for_no_number():
    from qbench.backends.statevector.threads import auto_threads, set_thread_cap

    import numba

    try:
        set_thread_cap(1)
        assert auto_threads(20) == 1          # the cap, from any Python thread
        assert auto_threads(4) == 1
        assert auto_threads(20, threads=2) == min(2, numba.config.NUMBA_NUM_THREADS)  # explicit wins
    finally:
        set_thread_cap(None)
    assert auto_threads(20) == numba.config.NUMBA_NUM_THREADS


_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from qbench.runner.executors import _keep_freed_memory
    _keep_freed_memory()
for _ in range(5):          # let glibc's dynamic threshold settle
    np.ones(1 << 17).sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    np.ones(1 << 17).sum()  # 1 MiB, freed at once
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_workers_keep_freed_state_vectors_under_dasks_trim_setting():
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536; without the worker's mallopt every 1 MiB
    array is mapped and faulted in afresh (about 256 faults each)."""
    import os
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")
    faults = {mode: int(subprocess.run([sys.executable, "-c", _FAULTS, mode], env=env, capture_output=True,
                                       text=True, check=True).stdout.split()[-1]) for mode in ("plain", "keep")}
    assert faults["plain"] > 200 * 100        # the effect exists under the trim setting
    assert faults["keep"] < faults["plain"] / 20
