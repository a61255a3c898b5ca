"""objective: problem: the variational loop minimises the problem's own cost (infeasible = worst)."""

import itertools

import numpy as np
import pytest

from qbench.errors import ConfigError
from qbench.formulations import problem_cost
from qbench.problems.mdkp import generate
from qbench.registry import make_formulation, make_solver
from qbench.solvers.qaoa import QAOASolver


def knapsack():
    return generate(n=5, m=1, tightness=0.5, seed=3)


def test_cost_known_values_and_diagonal():
    p = knapsack()
    lo, hi = problem_cost.energy_bounds(p)
    assert lo == pytest.approx(-p.model.c.sum()) and hi == 0.0          # max with positive profits
    cost = problem_cost.ProblemCost(p, 5, 7)                             # 2 auxiliary bits, ignored
    X = np.array(list(itertools.product([0, 1], repeat=7)), dtype=np.uint8)
    feasible = p.is_feasible(X[:, :5])
    expected = np.where(feasible, (-p.objective(X[:, :5]) - lo) / (hi - lo), 1.0)
    assert np.allclose(cost(X), expected)
    assert cost(np.zeros((1, 7), np.uint8))[0] == pytest.approx(1.0)     # empty knapsack: as bad as infeasible
    assert (cost(X)[feasible] >= 0).all() and (cost(X)[feasible] <= 1).all()
    # diagonal index i has bit k = variable k (the engine's order)
    diag = cost.diagonal(block_bits=3)
    idx = np.array([int("".join(map(str, row[::-1])), 2) for row in X])
    assert np.allclose(diag[idx], expected)


@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_qaoa_minimises_the_problem_cost_it_reports(alpha):
    """Through the formulation (which binds the cost): the recorded objective is the expectation /
    CVaR of the problem cost over the returned exact distribution."""
    p = knapsack()
    form = make_formulation("unbalanced")
    solver = make_solver("qaoa", {"reps": 1, "maxiter": 30, "shots": 0, "top_k": 1 << 10, "objective": "problem",
                                  "cvar_alpha": alpha})
    enc = form.encode(p)
    with problem_cost.bound(p, enc.num_decision, enc.num_qubits):
        raw = solver.solve(enc.qubo, seed=0)
        costs = problem_cost.current(enc.num_qubits, "test")(raw.samples)
    from qbench.solvers.variational import cvar

    assert raw.info["objective_kind"] == "problem"
    assert raw.info["objective"] == pytest.approx(cvar(costs, raw.probabilities, alpha), abs=1e-9)
    # gamma = beta = 0 (uniform) is never better than what the optimiser returns
    uniform = cvar(costs, np.full(len(costs), 1.0 / len(costs)), alpha)
    assert raw.info["objective"] <= uniform + 1e-9
    out = form.run(p, solver, seed=0, repair=False)        # the formulation binds it itself
    assert out.info["objective_kind"] == "problem" and out.info["objective"] == pytest.approx(raw.info["objective"])


def test_circuit_backend_reads_the_problem_cost_from_probabilities():
    p = knapsack()
    form = make_formulation("unbalanced")
    enc = form.encode(p)
    engine = make_solver("qaoa", {"reps": 1, "maxiter": 0, "shots": 0, "top_k": 1 << 10, "objective": "problem"})
    circuit = make_solver("qaoa", {"reps": 1, "maxiter": 0, "shots": 0, "top_k": 1 << 10, "objective": "problem",
                                   "backend": "aer"})
    with problem_cost.bound(p, enc.num_decision, enc.num_qubits):
        a, b = engine.solve(enc.qubo, seed=0), circuit.solve(enc.qubo, seed=0)
    assert a.info["objective"] == pytest.approx(b.info["objective"], abs=1e-9)


def test_objective_problem_needs_a_problem_and_no_gradients():
    q = knapsack()
    enc = make_formulation("unbalanced").encode(q)
    with pytest.raises(ConfigError, match="needs the problem behind the QUBO"):
        QAOASolver(objective="problem", maxiter=2).solve(enc.qubo, seed=0)
    with pytest.raises(ConfigError, match="derivative-free"):
        make_solver("qaoa", {"objective": "problem", "optimizer": "L-BFGS-B"})
    with pytest.raises(ConfigError, match="objective must be one of"):
        make_solver("qaoa", {"objective": "energy"})
    with problem_cost.bound(q, enc.num_decision, enc.num_qubits + 1):
        with pytest.raises(ConfigError, match="shrinking is not supported"):
            QAOASolver(objective="problem", maxiter=2).solve(enc.qubo, seed=0)


def test_vqe_minimises_the_problem_cost_too():
    from qbench.solvers.variational import cvar

    p = knapsack()
    enc = make_formulation("unbalanced").encode(p)
    solver = make_solver("vqe", {"reps": 1, "maxiter": 20, "shots": 0, "top_k": 1 << 10, "objective": "problem",
                                 "backend": "aer"})
    with problem_cost.bound(p, enc.num_decision, enc.num_qubits):
        raw = solver.solve(enc.qubo, seed=1)
        costs = problem_cost.current(enc.num_qubits, "test")(raw.samples)
    assert raw.info["estimate"] == "probabilities" and raw.info["objective_kind"] == "problem"
    assert raw.info["objective"] == pytest.approx(cvar(costs, raw.probabilities, 1.0), abs=1e-9)


def test_feasible_scope_cvar_known_values():
    cost = np.array([0.2, 0.5, 1.0, 0.8])
    feasible = np.array([True, True, False, True])
    w = np.array([0.1, 0.2, 0.3, 0.4])
    # all: the lowest half of the mass is 0.1 at 0.2, 0.2 at 0.5, 0.2 at 0.8
    assert problem_cost.scoped_cvar(cost, feasible, w, 0.5, "all") == pytest.approx(0.56)
    # feasible: F = 0.7; the lowest half of the feasible mass (1/7, 2/7, then 1/14 at 0.8) -> 0.457;
    # the infeasible 0.3 is charged in full
    assert problem_cost.scoped_cvar(cost, feasible, w, 0.5, "feasible") == pytest.approx(0.3 + 0.7 * 0.32 / 0.7)
    # alpha 1: both are the expectation; counts instead of probabilities give the same
    for scope in ("all", "feasible"):
        assert problem_cost.scoped_cvar(cost, feasible, 10 * w, 1.0, scope) == pytest.approx(0.74)
    assert problem_cost.scoped_cvar(cost, np.zeros(4, bool), w, 0.5, "feasible") == 1.0


def test_feasible_scope_keeps_the_infeasible_mass_in_the_objective():
    """With 80 % feasible mass a CVaR at alpha 0.25 over every sample cannot see the infeasible 20 %:
    moving feasible mass onto infeasible points leaves it unchanged; the feasible scope rises."""
    cost = np.array([0.1, 0.6, 1.0])
    feasible = np.array([True, True, False])
    before, after = np.array([0.5, 0.3, 0.2]), np.array([0.5, 0.1, 0.4])
    assert problem_cost.scoped_cvar(cost, feasible, before, 0.25, "all") == \
        pytest.approx(problem_cost.scoped_cvar(cost, feasible, after, 0.25, "all"))
    assert problem_cost.scoped_cvar(cost, feasible, after, 0.25, "feasible") > \
        problem_cost.scoped_cvar(cost, feasible, before, 0.25, "feasible")


def test_qaoa_feasible_scope_on_the_engine_and_on_aer():
    p = knapsack()
    form = make_formulation("unbalanced")
    enc = form.encode(p)
    params = {"reps": 1, "shots": 0, "top_k": 1 << 10, "objective": "problem", "cvar_alpha": 0.3,
              "cvar_scope": "feasible"}
    with problem_cost.bound(p, enc.num_decision, enc.num_qubits):
        raw = make_solver("qaoa", {**params, "maxiter": 30}).solve(enc.qubo, seed=0)
        cost, feasible = problem_cost.current(enc.num_qubits, "test").evaluate(raw.samples)
        a = make_solver("qaoa", {**params, "maxiter": 0}).solve(enc.qubo, seed=0)
        b = make_solver("qaoa", {**params, "maxiter": 0, "backend": "aer"}).solve(enc.qubo, seed=0)
    assert raw.info["cvar_scope"] == "feasible"
    assert raw.info["objective"] == pytest.approx(
        problem_cost.scoped_cvar(cost, feasible, raw.probabilities, 0.3, "feasible"), abs=1e-9)
    assert a.info["objective"] == pytest.approx(b.info["objective"], abs=1e-9)


def test_cvar_scope_is_checked():
    with pytest.raises(ConfigError, match="cvar_scope 'feasible' needs objective 'problem'"):
        make_solver("qaoa", {"cvar_scope": "feasible"})
    with pytest.raises(ConfigError, match="cvar_scope must be one of"):
        make_solver("vqe", {"objective": "problem", "cvar_scope": "best"})


def test_vqe_feasible_scope_from_samples():
    """The sampled path: costs and feasibility of the drawn bitstrings, weighted by their counts."""
    p = knapsack()
    enc = make_formulation("unbalanced").encode(p)
    solver = make_solver("vqe", {"reps": 1, "maxiter": 5, "shots": 256, "objective": "problem", "cvar_alpha": 0.5,
                                 "cvar_scope": "feasible", "estimate": "samples", "backend": "aer"})
    with problem_cost.bound(p, enc.num_decision, enc.num_qubits):
        raw = solver.solve(enc.qubo, seed=2)
    assert raw.info["estimate"] == "samples" and raw.info["cvar_scope"] == "feasible"
    assert 0.0 <= raw.info["objective"] <= 1.0


@pytest.mark.parametrize("scope", ["all", "feasible"])
@pytest.mark.parametrize("alpha", [1.0, 0.4, 0.05])
def test_presorted_diagonal_objective_equals_scoped_cvar(scope, alpha):
    p = knapsack()
    cost = problem_cost.ProblemCost(p, 5, 7)
    probabilities = np.random.default_rng(4).dirichlet(np.ones(1 << 7))
    expected = problem_cost.scoped_cvar(cost.diagonal(), cost.feasible_diagonal(), probabilities, alpha, scope)
    assert problem_cost.DiagonalObjective(cost, alpha, scope)(probabilities) == pytest.approx(expected, abs=1e-12)
