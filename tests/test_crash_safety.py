"""A sweep killed at random moments and rerun ends with every planned run stored exactly once."""

from __future__ import annotations

import json
from contextlib import closing
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from qbench.runner import experiment
from qbench.runner.experiment import execute, plan_experiment
from qbench.runner.store import SCHEMA_VERSION, STATUSES, RunStore
from qbench.verify import verify_results

SWEEP = """
name: sweep
instances:
  - generate: mdkp
    params: {n: 6, m: 1, seed: 1}
  - generate: mis
    params: {n: 6, p: 0.3, seed: 1}
formulations:
  - name: slack
solvers:
  - name: annealing
    params: {num_reads: 4, num_sweeps: 10}
  - name: greedy
seeds: %s
"""
KILLS = 20


def _config(tmp_path: Path, seeds: int = 40) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(SWEEP % list(range(seeds))))
    return path


def _sweep(cfg: Path, data: Path, results: Path, planned) -> None:  # runs in a forked child
    plan = plan_experiment(cfg, data, results)
    planned.set()
    execute(plan)
    os._exit(0)


def _start(ctx, cfg, data, results):
    planned = ctx.Event()
    child = ctx.Process(target=_sweep, args=(cfg, data, results, planned))
    child.start()
    assert planned.wait(60)
    return child


def _assert_whole_rows(store: Path) -> None:
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for status, result, config in conn.execute("SELECT status, result, config FROM runs"):
            assert status in STATUSES
            assert json.loads(config)["instance"]
            if status == "ok":
                assert "metrics" in json.loads(result)


def _stored(db: Path) -> int:
    """Rows in the store, read-only, retried while a killed or running child holds a lock."""
    for _ in range(200):
        if not db.exists():
            return 0
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
                return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:
            time.sleep(0.01)
    raise AssertionError(f"{db} stayed locked")


def test_sigkill_at_random_moments_then_rerun_stores_every_run_once(tmp_path):
    """Forked children run the real executor; each is killed at a seeded random moment: after a seeded
    number of further stored runs, at a seeded fraction of one run's time (mid-run, mid-write). The
    parent runs the sweep first, so the children inherit warm imports and compiled kernels."""
    cfg, results = _config(tmp_path, seeds=40), tmp_path / "results"
    ctx = mp.get_context("fork")
    warm = plan_experiment(cfg, tmp_path, tmp_path / "warm")
    execute(warm)                      # compiles the kernels once
    again = plan_experiment(cfg, tmp_path, tmp_path / "warm-again")
    t0 = time.perf_counter()
    execute(again)
    full = time.perf_counter() - t0  # the runs alone, warm (no compilation in the figure)
    planned = len(warm.specs)
    per_run = full / planned
    db = results / "sweep" / "runs.sqlite"
    rng = np.random.default_rng(20251202)
    kills, stored = 0, []
    while kills < KILLS:
        child = _start(ctx, cfg, tmp_path, results)
        # a seeded moment defined by progress, not by the clock (a loaded machine cannot shift it):
        # after 0-3 more stored runs, somewhere inside the next run (~1/3 of the grid in all)
        target = _stored(db) + int(rng.integers(0, 4))
        while _stored(db) < target and child.is_alive():
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, per_run))
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.join()
        stored.append(RunStore(results / "sweep").count())
        if child.exitcode == 0:  # finished before the kill: start over so every kill cuts a sweep
            break
        _assert_whole_rows(results / "sweep" / "runs.sqlite")
    assert kills == KILLS, f"the sweep finished after {kills} kills; make the grid larger"
    assert 0 < stored[-1] < planned, stored  # the kills landed inside the sweep

    rest = plan_experiment(cfg, tmp_path, results)
    assert len(rest.specs) == planned - stored[-1]
    execute(rest)
    _assert_whole_rows(results / "sweep" / "runs.sqlite")
    rep = verify_results(results / "sweep")
    assert rep.line() == f"runs {planned} planned {planned} duplicates 0 mismatches 0"
    assert plan_experiment(cfg, tmp_path, results).specs == []


@pytest.mark.partial_store
def test_sigint_stops_cleanly_and_says_how_many_runs_are_done(tmp_path):
    cfg, results = _config(tmp_path, seeds=400), tmp_path / "results"  # long enough to be interrupted
    proc = subprocess.Popen([sys.executable, "-m", "qbench", "run", str(cfg), "--results", str(results),
                             "--data-dir", str(tmp_path), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()  # the plan summary: imports and planning are over
    assert "runs to do" in first, first
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    if proc.returncode == 0:
        pytest.skip("the sweep finished before SIGINT arrived")
    assert proc.returncode == 130, err
    line = [ln for ln in err.splitlines() if ln.startswith("interrupted:")]
    assert line and "runs done" in line[0], err
    done = int(line[0].split()[1])
    store = RunStore(results / "sweep")
    assert store.count() == done
    _assert_whole_rows(store.path)
    rep = verify_results(results / "sweep")
    assert rep.mismatches == 0 and rep.duplicates == 0 and rep.runs == done < rep.planned


def test_errors_are_retried_only_when_asked(tmp_path, monkeypatch):
    cfg, results = _config(tmp_path, seeds=2), tmp_path / "results"
    real = experiment.run_one
    calls = []

    def flaky(spec):
        calls.append(spec.run_id)
        rec = real(spec)
        if len(calls) == 1:
            return {**rec, "status": "error", "error": "simulated failure", "result": {}, "trace": []}
        return rec

    monkeypatch.setattr(experiment, "run_one", flaky)
    plan = plan_experiment(cfg, tmp_path, results)
    execute(plan)
    store = RunStore(results / "sweep")
    assert store.status_counts() == {"ok": len(plan.specs) - 1, "error": 1}
    assert plan_experiment(cfg, tmp_path, results).specs == []
    retry = plan_experiment(cfg, tmp_path, results, retry_errors=True)
    assert [s.run_id for s in retry.specs] == calls[:1]
    execute(retry)
    assert store.status_counts() == {"ok": len(plan.specs)}
    assert store.meta()["schema_version"] == SCHEMA_VERSION


def test_cli_retry_errors_flag_is_offered():
    from typer.testing import CliRunner

    from qbench.cli import app

    out = CliRunner().invoke(app, ["run", "--help"]).output
    assert "--retry-errors" in out
