"""Lagrangian relaxation: valid dual bounds for every method, primal bookkeeping, trace, options."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.formulations.lagrangian import LagrangianFormulation
from qbench.formulations.multipliers import METHODS
from qbench.problems.base import BinaryModel, Problem
from qbench.solvers.annealing import SimulatedAnnealingSolver
from qbench.solvers.qubo_exact import ExactQuboSolver

TRACE_KEYS = {"iteration", "lambda", "dual_value", "dual_estimate", "best_primal", "inner_feasible",
              "feasible_mass", "violation", "inner_evaluations", "step"}


def all_bitstrings(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)


def optimum(problem: Problem) -> float:
    X = all_bitstrings(problem.num_variables)
    vals = problem.objective(X)[problem.is_feasible(X)]
    return float(vals.max() if problem.sense == "max" else vals.min())


def random_mdkp(seed: int, n: int = 8, m: int = 2) -> Problem:
    rng = np.random.default_rng(seed)
    A = rng.integers(1, 20, size=(m, n))
    b = np.floor(A.sum(axis=1) * 0.5)
    c = rng.integers(1, 30, size=n)
    return Problem(f"mdkp{seed}", BinaryModel("max", c, A_ub=A, b_ub=b))


def cycle_mis(n: int) -> Problem:
    A = np.zeros((n, n))
    for k in range(n):
        A[k, [k, (k + 1) % n]] = 1
    return Problem(f"C{n}", BinaryModel("max", np.ones(n), A_ub=A, b_ub=np.ones(n)))


def assignment_problem(seed: int, k: int = 3) -> Problem:
    rng = np.random.default_rng(seed)
    C = rng.integers(1, 10, size=(k, k)).astype(float)
    A = np.zeros((2 * k, k * k))
    for i in range(k):
        A[i, i * k:(i + 1) * k] = 1
        A[k + i, i::k] = 1
    return Problem(f"assign{seed}", BinaryModel("min", C.ravel(), A_eq=A, b_eq=np.ones(2 * k)))


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("seed", range(3))
def test_dual_bound_never_below_optimum_for_max_problems(method, seed):
    problem = random_mdkp(seed)
    opt = optimum(problem)
    out = LagrangianFormulation(multiplier=method, max_iter=25).run(problem, ExactQuboSolver(), seed=0)
    bounds = [e["dual_value"] for e in out.trace]
    assert all(b is not None for b in bounds)
    assert all(b >= opt - 1e-7 for b in bounds)
    assert out.info["dual_bound"] == pytest.approx(min(bounds))
    assert out.info["best_primal"] is not None and out.info["best_primal"] <= opt
    x = np.array(out.info["best_x"])
    assert problem.is_feasible(x)[0] and problem.objective(x)[0] == out.info["best_primal"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_trace_is_complete(method):
    problem = random_mdkp(7)
    out = LagrangianFormulation(multiplier=method, max_iter=6, patience=100).run(problem, ExactQuboSolver(), seed=1)
    assert len(out.trace) == out.info["outer_iterations"] <= 6
    for k, entry in enumerate(out.trace, start=1):
        assert TRACE_KEYS <= set(entry)
        assert entry["iteration"] == k and len(entry["lambda"]) == 2
        assert entry["inner_evaluations"] >= 1
    assert out.trace[0]["lambda"] == [0.0, 0.0]
    assert out.qubits == problem.num_variables == LagrangianFormulation().num_qubits(problem)
    assert out.evaluations == sum(e["inner_evaluations"] for e in out.trace)
    assert {"outer_iterations", "dual_bound", "best_primal", "stop_reason", "multiplier"} <= set(out.info)


def test_best_primal_is_monotone_and_samples_are_the_union():
    problem = random_mdkp(3)
    out = LagrangianFormulation(multiplier="subgradient", max_iter=12, patience=100).run(
        problem, ExactQuboSolver(), seed=0)
    primal = [e["best_primal"] for e in out.trace if e["best_primal"] is not None]
    assert primal == sorted(primal)
    assert out.samples.probabilities.sum() == pytest.approx(1.0)
    assert out.samples.num_variables == problem.num_variables
    assert 1 <= len(out.samples) <= out.info["outer_iterations"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_min_problem_with_equalities_bound_below_optimum(method):
    problem = assignment_problem(1)
    opt = optimum(problem)
    out = LagrangianFormulation(multiplier=method, max_iter=20).run(problem, ExactQuboSolver(), seed=0)
    assert all(e["dual_value"] <= opt + 1e-7 for e in out.trace)
    assert out.info["dual_bound"] == pytest.approx(max(e["dual_value"] for e in out.trace))


def test_equality_multipliers_may_go_negative():
    problem = assignment_problem(2)
    out = LagrangianFormulation(multiplier="subgradient", max_iter=15).run(problem, ExactQuboSolver(), seed=0)
    assert any(v < 0 for e in out.trace for v in e["lambda"])


def test_min_problem_inequalities():
    # set cover: min c.x s.t. each element covered (-A x <= -1)
    A = np.array([[1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 0, 1, 0]])
    problem = Problem("cover", BinaryModel("min", [3, 2, 2, 3, 1], A_ub=-A, b_ub=-np.ones(4)))
    opt = optimum(problem)
    for method in METHODS:
        out = LagrangianFormulation(multiplier=method, max_iter=25).run(problem, ExactQuboSolver(), seed=0)
        assert all(e["dual_value"] <= opt + 1e-7 for e in out.trace), method


def test_product_form_edges_close_the_gap_on_mis():
    problem = cycle_mis(7)
    out = LagrangianFormulation(multiplier="subgradient", edge_form="product", max_iter=30).run(
        problem, ExactQuboSolver(), seed=0)
    assert out.info["best_primal"] == 3
    assert out.info["dual_bound"] < 4 and out.info["stop_reason"] == "gap"   # integral: bound < 4 proves 3


def test_linear_edges_give_the_weak_edge_bound():
    problem = cycle_mis(7)
    out = LagrangianFormulation(multiplier="cutting-plane", max_iter=40).run(problem, ExactQuboSolver(), seed=0)
    assert out.info["dual_bound"] == pytest.approx(3.5, abs=1e-6)           # n/2 for an odd cycle
    assert out.info["best_primal"] == 3


def test_kept_edge_penalty_dualises_nothing_on_mis():
    problem = cycle_mis(6)
    f = LagrangianFormulation(keep_edge_penalty=True, max_iter=3)
    dual, base = f.split(problem.model)
    assert dual.m_ineq + dual.m_eq == 0
    assert np.allclose(base.matrix[np.triu_indices(6, 1)].sum(), 2 * 6)       # weight 2 per edge
    out = f.run(problem, ExactQuboSolver(), seed=0)
    assert out.info["best_primal"] == 3 and out.trace[0]["lambda"] == []


def test_kept_equality_penalty():
    problem = assignment_problem(0)
    out = LagrangianFormulation(keep_equality_penalty=True, max_iter=2).run(problem, ExactQuboSolver(), seed=0)
    assert out.info["dualised"] == 0 and out.info["best_primal"] == optimum(problem)


def test_augmented_relaxation_is_quadratic_and_its_bound_valid():
    problem = random_mdkp(4, n=8)
    opt = optimum(problem)
    f = LagrangianFormulation(multiplier="augmented", rho=0.05, max_iter=8)
    dual, base = f.split(problem.model)
    q = f.relaxed_qubo(base, dual, np.ones(2), 0.025, [])
    assert q.quadratic.any()
    out = f.run(problem, ExactQuboSolver(), seed=0)
    assert all(e["dual_value"] >= opt - 1e-7 for e in out.trace)
    assert out.trace[0]["rho"] == 0.05


def test_sampling_inner_solver_gives_estimates_not_bounds():
    problem = random_mdkp(5, n=10)
    out = LagrangianFormulation(multiplier="dual-averaging", max_iter=5, subgradient_from="mean").run(
        problem, SimulatedAnnealingSolver(num_reads=8, num_sweeps=50), seed=3)
    assert all(e["dual_value"] is None and e["dual_estimate"] is not None for e in out.trace)
    assert out.info["dual_bound"] is None and out.info["best_primal"] is not None
    assert out.info["inner_exact"] is False


def test_gap_stop_when_relaxation_is_tight():
    # one knapsack whose LP optimum is integral: the dual bound meets the primal at once
    problem = Problem("tight", BinaryModel("max", [5, 4, 3], A_ub=[[2, 2, 2]], b_ub=[4]))
    out = LagrangianFormulation(multiplier="cutting-plane", max_iter=30).run(problem, ExactQuboSolver(), seed=0)
    assert out.info["stop_reason"] == "gap" and out.info["best_primal"] == 9


def test_bad_parameters_are_rejected():
    for kwargs in ({"multiplier": "newton"}, {"edge_form": "cubic"}, {"max_iter": 0},
                   {"subgradient_from": "worst"}, {"step_rule": "armijo"}):
        with pytest.raises(ValueError):
            LagrangianFormulation(**kwargs)


def test_sac94_mdkp_bound_and_feasibility(data_dir):
    from qbench.problems import mdkp

    problem = mdkp.read(data_dir / "mdkp" / "pet3.dat")[0]
    out = LagrangianFormulation(multiplier="bundle").run(problem, ExactQuboSolver(), seed=0)
    assert out.info["dual_bound"] >= problem.optimum.value
    assert problem.gap_pct(out.info["best_primal"]) <= 3.0
