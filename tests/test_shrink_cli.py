"""``qbench solve FILE --shrink ...`` and the YAML shrink axis, on instances written here (not the public
sets): qubits before and after, feasibility re-checked from the printed solution, gap to an optimum
computed independently."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from qbench.problems import generate, load_instance
from qbench.problems.graphs import write_dimacs
from qbench.solvers.exact import ExactSolver

REPO = Path(__file__).resolve().parents[1]


def qbench(*args):
    return subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


def write_qap(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    F = np.triu(rng.integers(0, 10, (n, n)), 1)
    D = np.triu(rng.integers(1, 10, (n, n)), 1)
    rows = lambda M: "\n".join(" ".join(map(str, r)) for r in M + M.T)
    path.write_text(f"{n}\n\n{rows(F)}\n\n{rows(D)}\n")


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    problem = generate("mis", n=30, p=0.15, seed=11)
    path = tmp_path_factory.mktemp("shrink") / "g30.clq"
    write_dimacs(path, problem.num_vertices, problem.edges)
    return path


@pytest.fixture(scope="module")
def qap_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("shrink") / "r5.dat"
    write_qap(path, 5, seed=7)
    return path


def independent_mis_check(path: Path, chosen: list[int]) -> bool:
    edges = [tuple(map(int, ln.split()[1:3])) for ln in path.read_text().splitlines() if ln.startswith("e ")]
    s = set(chosen)
    return all(not (u in s and v in s) for u, v in edges)


def qap_cost(path: Path, perm: list[int]) -> float:
    nums = path.read_text().split()
    n = int(nums[0])
    vals = np.array(nums[1:], dtype=float)
    F, D = vals[: n * n].reshape(n, n), vals[n * n:].reshape(n, n)
    return float(sum(F[i, j] * D[perm[i], perm[j]] for i in range(n) for j in range(n)))


@pytest.mark.parametrize("solver_args", [["--solver", "exact"],
                                         ["--solver", "qaoa", "--reps", "1", "--maxiter", "15"]])
def test_solve_mis_graph_with_shrink(graph_file, solver_args):
    proc = qbench("solve", graph_file, "--shrink", "20", *solver_args, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["qubits_before"] == 30 and out["qubits"] == 20
    assert out["shrink"]["qubits_after"] == 20 and out["shrink"]["energy_mismatch"] < 1e-6
    chosen = out["solution"]  # the native form: 1-based vertex list
    assert independent_mis_check(graph_file, chosen) and out["feasible"]
    assert out["best_objective"] == len(chosen)
    optimum = -ExactSolver().solve(load_instance(graph_file)).energies[0]
    gap = 100 * (optimum - len(chosen)) / optimum
    assert 0 <= gap <= (10 if solver_args[1] == "exact" else 25), gap


@pytest.mark.parametrize("solver_args", [["--solver", "exact"],
                                         ["--solver", "qaoa", "--reps", "1", "--maxiter", "15"]])
def test_solve_qap_with_shrink(qap_file, solver_args):
    proc = qbench("solve", qap_file, "--shrink", "20", *solver_args, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["qubits_before"] == 25 and out["qubits"] == 20
    perm = out["solution"]  # the native form: the permutation
    assert sorted(perm) == list(range(5)) and out["feasible"]
    assert np.isclose(qap_cost(qap_file, perm), out["best_objective"])
    optimum = ExactSolver().solve(load_instance(qap_file)).energies[0]
    assert out["best_objective"] >= optimum - 1e-9


def test_shrink_fraction_and_bad_values(graph_file):
    proc = qbench("solve", graph_file, "--shrink", "0.5", "--solver", "exact", "--json",
                  "--shrink-param", "estimator=lp", "--shrink-param", "constraint_aware=false")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["qubits"] == 15 and out["shrink"]["estimator"] == "lp" and not out["shrink"]["constraint_aware"]
    for bad in (["--shrink", "1.5"], ["--shrink", "20", "--shrink-param", "estimator=magic"],
                ["--shrink", "20", "--shrink-param", "colour=red"]):
        proc = qbench("solve", graph_file, "--solver", "exact", *bad)
        assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_yaml_shrink_axis_runs_and_ids(tmp_path):
    from qbench.runner.config import load_config
    from qbench.runner.experiment import execute, plan_experiment

    cfg = tmp_path / "exp.yaml"
    cfg.write_text(textwrap.dedent("""
        name: shrink-axis
        instances:
          - generate: mis
            params: {n: 22, p: 0.2, seed: 2}
        formulations: [{name: slack}]
        solvers: [{name: qubo-exact}, {name: greedy}]
        shrink:
          - none
          - {target: 12, estimator: sdp, constraint_aware: true, recompute_every: 5}
          - {target: 12, estimator: sdp, constraint_aware: false, label: plain12}
    """))
    plan = plan_experiment(cfg, tmp_path, tmp_path / "results")
    assert len(plan.specs) == 4                                   # 3 shrink settings x qubo-exact + greedy once
    assert len({s.run_id for s in plan.specs}) == 4
    records = execute(plan)
    ok = [r for r in records if r["status"] == "ok"]
    assert len(ok) == 4, [r.get("error") for r in records]
    shrunk = [r for r in ok if "shrink" in r["result"]]
    assert len(shrunk) == 2 and all(r["result"]["qubits_before"] == 22 and r["qubits"] == 12 for r in shrunk)
    assert {r["solver"] for r in shrunk} == {"qubo-exact+shrink(12,sdp,aware,k5)", "qubo-exact+plain12"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(cfg.read_text().replace("recompute_every: 5", "recompute_evry: 5"))
    from qbench.errors import ConfigError
    with pytest.raises(ConfigError, match="recompute_evry"):
        load_config(bad)
