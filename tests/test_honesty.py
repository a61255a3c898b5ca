"""Known-answer tests for the null baselines, ``repair: false`` and the readout rules (issue 14)."""

import itertools

import numpy as np
import pytest

from qbench.problems import generate
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.registry import make_solver
from qbench.runner.execute import solve_problem
from qbench.runner.grid import Component, InstanceRef, RunSpec
from qbench.sampleset import SampleSet
from qbench.scoring import score


def brute_optimum(problem) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=problem.num_variables)), dtype=np.uint8)
    vals = np.where(problem.is_feasible(X), problem.objective(X), -np.inf if problem.sense == "max" else np.inf)
    return float(vals.max() if problem.sense == "max" else vals.min())


def held_out(kind: str, **params):
    problem = generate(kind, **params)
    if problem.optimum is None:
        problem.optimum = Optimum(brute_optimum(problem), "computed")
    return problem


def spec_for(problem, solver, formulation, seed=3, repair=True, readout="best-sample", solver_params=None,
             form_params=None):
    return RunSpec("t", InstanceRef(problem.name, problem.kind), Component(solver, solver, solver_params or {}),
                   None if formulation is None else Component(formulation, formulation, form_params or {}),
                   seed, 10.0, repair, readout=readout)


def raw_best_gap(problem, X):
    feas = problem.is_feasible(X)
    if not feas.any():
        return None
    vals = problem.objective(X[feas])
    return problem.gap_pct(float(vals.max() if problem.sense == "max" else vals.min()))


def uniform_shots(seed, shots, n):
    return np.random.default_rng(seed).integers(0, 2, size=(shots, n), dtype=np.uint8)


HELD_OUT = [("mdkp", dict(n=10, m=3, tightness=0.3, seed=101)),
            ("mdkp", dict(n=12, m=2, tightness=0.25, seed=202)),
            ("mis", dict(n=12, p=0.4, seed=303))]


@pytest.mark.parametrize("kind,params", HELD_OUT)
def test_repair_off_stores_the_best_raw_samples_gap_static(kind, params):
    problem = held_out(kind, **params)
    spec = spec_for(problem, "random", "unbalanced", seed=5, repair=False, solver_params={"shots": 16})
    m = solve_problem(spec, problem)["metrics"]
    expected = raw_best_gap(problem, uniform_shots(5, 16, problem.num_variables))
    assert m["gap_pct"] == (pytest.approx(expected) if expected is not None else None)
    assert m["best_gap_pct_raw"] == m["gap_pct"] and m["repairs"] == 0
    on = solve_problem(spec_for(problem, "random", "unbalanced", seed=5, solver_params={"shots": 16}), problem)["metrics"]
    assert on["best_gap_pct_raw"] == m["best_gap_pct_raw"] and on["repairs"] > 0
    assert on["gap_pct"] <= (m["gap_pct"] if m["gap_pct"] is not None else np.inf)


@pytest.mark.parametrize("kind,params", HELD_OUT)
def test_repair_off_stores_the_best_raw_samples_gap_lagrangian(kind, params):
    """The Lagrangian loop repairs inside; with repair off it must not, and its own best must not leak."""
    problem = held_out(kind, **params)
    spec = spec_for(problem, "random", "lagrangian", seed=7, repair=False, solver_params={"shots": 4},
                    form_params={"max_iter": 3})
    result = solve_problem(spec, problem)
    iters = len(result["trace"])
    X = np.vstack([uniform_shots(7 + k, 4, problem.num_variables) for k in range(1, iters + 1)])
    expected = raw_best_gap(problem, X)
    m = result["metrics"]
    assert m["gap_pct"] == (pytest.approx(expected) if expected is not None else None)
    assert m["repairs"] == 0 and result["info"]["repairs"] == 0


def test_qap_without_feasible_samples_reports_infeasible_when_repair_is_off():
    problem = generate("qap", n=4, seed=11)
    spec = spec_for(problem, "random", "lagrangian", seed=1, repair=False, solver_params={"shots": 2},
                    form_params={"max_iter": 2})
    result = solve_problem(spec, problem)
    X = np.vstack([uniform_shots(1 + k, 2, 16) for k in range(1, len(result["trace"]) + 1)])
    assert not problem.is_feasible(X).any()          # the premise: no sample is a permutation
    m = result["metrics"]
    assert m["feasible"] is False and m["gap_pct"] is None and m["best_gap_pct_raw"] is None
    assert m["feasible_mass"] == 0 and m["repairs"] == 0 and result["x_raw"] is None
    on = solve_problem(spec_for(problem, "random", "lagrangian", seed=1, solver_params={"shots": 2},
                                form_params={"max_iter": 2}), problem)
    assert on["metrics"]["feasible"] is True and on["metrics"]["best_gap_pct_raw"] is None
    assert on["metrics"]["repairs"] >= on["info"]["repairs"] > 0 and on["metrics"]["repair_share_pct"] is None


@pytest.fixture
def knapsack():
    # max 3a + 4b + 5c  s.t.  2a + 3b + 4c <= 5 ; optimum 7 at (1,1,0)
    return Problem("kp", BinaryModel("max", [3, 4, 5], A_ub=[[2, 3, 4]], b_ub=[5]), Optimum(7.0))


def test_readout_rules_on_a_hand_made_sampleset(knapsack):
    X = np.array([[1, 1, 1],    # infeasible, most probable
                  [0, 0, 1],    # feasible 5, lowest energy
                  [1, 0, 0],    # feasible 3
                  [1, 1, 0]])   # feasible 7 (optimum), rare
    ss = SampleSet(X, np.array([0.5, 0.2, 0.25, 0.05]), np.array([1.0, -9.0, -3.0, -7.0]))
    ml = score(knapsack, ss, readout="most-likely").metrics
    assert ml["readout"] == "most-likely" and ml["readout_objective"] is None and ml["readout_gap_pct"] is None
    le = score(knapsack, ss, readout="lowest-energy").metrics
    assert le["readout_objective"] == 5 and le["readout_gap_pct"] == pytest.approx(100 * 2 / 7)
    bs = score(knapsack, ss, readout="best-sample").metrics
    assert bs["readout_objective"] == 7 and bs["readout_gap_pct"] == 0
    # E[r] with infeasible = 0: 0.2*5/7 + 0.25*3/7 + 0.05*1
    assert bs["expectation_approx_ratio"] == pytest.approx(0.2 * 5 / 7 + 0.25 * 3 / 7 + 0.05)
    ss2 = SampleSet(X[[2, 1]], np.array([0.6, 0.4]), np.array([-3.0, -9.0]))
    assert score(knapsack, ss2, readout="most-likely").metrics["readout_objective"] == 3
    with pytest.raises(ValueError):
        score(knapsack, ss, readout="median")


def test_random_solver_feasible_mass_matches_the_uniform_fraction():
    problem = held_out("mdkp", n=10, m=2, tightness=0.4, seed=9)
    X = np.array(list(itertools.product([0, 1], repeat=10)), dtype=np.uint8)
    exact = float(problem.is_feasible(X).mean())
    shots = 4000
    m = solve_problem(spec_for(problem, "random", "unbalanced", seed=0, solver_params={"shots": shots}),
                      problem)["metrics"]
    assert abs(m["feasible_mass"] - exact) < 4 * np.sqrt(exact * (1 - exact) / shots)


def test_random_solver_is_seeded_and_uses_every_shot():
    from qbench.qubo import QUBO

    q = QUBO(np.array([1.0, -1.0, 0.5]), np.zeros((3, 3)))
    a, b = (make_solver("random", {"shots": 64}).solve(q, seed=4) for _ in range(2))
    assert np.array_equal(a.samples, b.samples) and a.shots == 64
    assert np.isclose(a.probabilities.sum(), 1.0) and np.allclose(a.energies, q.energy(a.samples))


@pytest.mark.parametrize("kind,params", [("mdkp", dict(n=15, m=3, seed=1)), ("mis", dict(n=14, p=0.3, seed=2)),
                                         ("qap", dict(n=5, seed=3, solve=False))])
def test_random_feasible_is_feasible_seeded_and_not_local_searched(kind, params):
    problem = generate(kind, **params)
    solver = make_solver("random-feasible")
    xs = [solver.solve(problem, seed=s) for s in range(4)]
    assert all(bool(problem.is_feasible(ss.samples)[0]) for ss in xs)
    assert np.array_equal(solver.solve(problem, seed=2).samples, xs[2].samples)
    assert len({ss.samples.tobytes() for ss in xs}) > 1
    assert xs[0].info["local_search"] is False and xs[0].info["repairs"] == 0


def test_greedy_says_what_it_ran():
    problem = generate("mdkp", n=12, m=2, seed=4)
    info = make_solver("greedy").solve(problem).info
    assert info["steps"] == "construction+repair+local-search" and info["repairs"] == 1
    problem.optimum = Optimum(brute_optimum(problem), "computed")
    m = solve_problem(spec_for(problem, "greedy", None, seed=None), problem)["metrics"]
    assert m["repairs"] == 2 and m["repaired_changed"] == 0   # the scorer's second repair is counted


def test_grid_runs_random_feasible_per_seed_and_passes_readout(tmp_path):
    from qbench.runner.config import load_config
    from qbench.runner.grid import expand, resolve_instances

    cfg = tmp_path / "c.yaml"
    cfg.write_text("name: t\nreadout: most-likely\nseeds: [0, 1, 2]\n"
                   "instances:\n  - generate: mdkp\n    params: {n: 6, m: 2, seed: 0}\n"
                   "formulations: [{name: unbalanced}]\n"
                   "solvers: [{name: random-feasible}, {name: greedy}, {name: random}]\n")
    config = load_config(cfg)
    specs = expand(config, resolve_instances(config, tmp_path, tmp_path))
    by_solver = {}
    for s in specs:
        by_solver.setdefault(s.solver.name, []).append(s.seed)
    assert by_solver == {"random-feasible": [0, 1, 2], "greedy": [None], "random": [0, 1, 2]}
    assert all(s.readout == "most-likely" and s.resolved()["readout"] == "most-likely" for s in specs)
    bad = tmp_path / "b.yaml"
    bad.write_text(cfg.read_text().replace("most-likely", "mode"))
    from qbench.errors import ConfigError
    with pytest.raises(ConfigError, match="readout"):
        load_config(bad)


def test_cli_solve_readout_and_no_repair(tmp_path):
    import json
    import subprocess
    import sys

    f = tmp_path / "toy.dat"
    f.write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")   # optimum 7
    run = lambda *a: subprocess.run([sys.executable, "-m", "qbench", "solve", str(f), *a], capture_output=True,
                                    text=True, timeout=300)
    proc = run("--solver", "random", "--formulation", "unbalanced", "--shots", "2", "--seed", "3",
               "--no-repair", "--readout", "most-likely", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["readout"] == "most-likely" and out["repairs"] == 0 and out["gap_pct"] == out["best_gap_pct_raw"]
    bad = run("--solver", "random", "--readout", "mode")
    assert bad.returncode == 2 and "readout" in bad.stderr and "Traceback" not in bad.stderr
