"""Unbalanced penalization: the published penalty form term by term, defaults, qubit count."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.formulations.penalty import automatic_weights
from qbench.formulations.unbalanced import PAPER_LAMBDA1, PAPER_LAMBDA2, UnbalancedFormulation
from qbench.problems.base import BinaryModel, Problem
from qbench.backends.statevector import qubo_diagonal


def all_bitstrings(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int64)


def random_mdkp(seed: int, n: int = 6, m: int = 2) -> Problem:
    rng = np.random.default_rng(seed)
    A = rng.integers(1, 30, size=(m, n))
    b = np.floor(A.sum(axis=1) * 0.5)
    c = rng.integers(1, 50, size=n)
    return Problem(f"mdkp{seed}", BinaryModel("max", c, A_ub=A, b_ub=b))


def test_defaults_are_the_paper_values():
    f = UnbalancedFormulation()
    assert (f.lambda1, f.lambda2) == (PAPER_LAMBDA1, PAPER_LAMBDA2) == (0.96, 0.0371)
    assert f.scaling == "objective"


@pytest.mark.parametrize("seed", range(4))
def test_published_form_term_by_term_raw(seed):
    problem = random_mdkp(seed)
    l1, l2 = 0.7, 0.05
    enc = UnbalancedFormulation(lambda1=l1, lambda2=l2, scaling="none").encode(problem)
    X = all_bitstrings(6)
    h = problem.model.b_ub - X @ problem.model.A_ub.T              # h(x) = b - a.x, one column per row
    expected = -problem.objective(X) + (-l1 * h + l2 * h ** 2).sum(axis=1)
    assert np.allclose(enc.qubo.energy(X), expected)
    assert enc.info["lambda1"] == [l1, l1] and enc.info["lambda2"] == [l2, l2]


@pytest.mark.parametrize("scaling, power", [("objective", 1), ("units", 2)])
def test_scaled_weights_follow_profit_and_row_scales(scaling, power):
    problem = random_mdkp(5)
    enc = UnbalancedFormulation(scaling=scaling).encode(problem)
    model = problem.model
    p = np.abs(model.c).mean()
    w = np.array([row[row > 0].mean() for row in model.A_ub])
    assert np.allclose(enc.info["lambda1"], PAPER_LAMBDA1 * p / w)
    assert np.allclose(enc.info["lambda2"], PAPER_LAMBDA2 * p / w ** power)
    X = all_bitstrings(6)
    h = model.b_ub - X @ model.A_ub.T
    l1, l2 = np.array(enc.info["lambda1"]), np.array(enc.info["lambda2"])
    assert np.allclose(enc.qubo.energy(X), -problem.objective(X) + (-l1 * h + l2 * h ** 2).sum(axis=1))


def test_units_scaling_is_invariant_to_units():
    """Scaling all weights and capacities by 10 leaves the 'units'-scaled QUBO unchanged."""
    problem = random_mdkp(2)
    m = problem.model
    scaled = Problem("scaled", BinaryModel("max", m.c, A_ub=10 * m.A_ub, b_ub=10 * m.b_ub))
    X = all_bitstrings(6)
    e1 = UnbalancedFormulation(scaling="units").encode(problem).qubo.energy(X)
    e2 = UnbalancedFormulation(scaling="units").encode(scaled).qubo.energy(X)
    assert np.allclose(e1, e2)


def test_min_problem_sign_and_equalities():
    # min x0 + 2 x1 + 3 x2  s.t.  x0 + x1 + x2 = 2,  x0 + x1 + 2 x2 <= 3 (inequality, raw parabola)
    model = BinaryModel("min", [1, 2, 3], A_ub=[[1, 1, 2]], b_ub=[3],
                        A_eq=[[1, 1, 1]], b_eq=[2])
    problem = Problem("mix", model)
    enc = UnbalancedFormulation(lambda1=1.0, lambda2=0.5, scaling="none", penalty=4.0).encode(problem)
    X = all_bitstrings(3)
    h = 3 - X @ np.array([1, 1, 2])
    expected = problem.objective(X) + (-1.0 * h + 0.5 * h ** 2) + 4.0 * (X.sum(axis=1) - 2) ** 2
    assert np.allclose(enc.qubo.energy(X), expected)


def test_conflict_edges_use_the_automatic_edge_weight_and_no_qubits():
    edges = [(0, 1), (1, 2), (2, 3), (3, 0)]
    A = np.zeros((4, 4))
    for k, (u, v) in enumerate(edges):
        A[k, [u, v]] = 1
    problem = Problem("C4", BinaryModel("max", np.ones(4), A_ub=A, b_ub=np.ones(4)))
    enc = UnbalancedFormulation().encode(problem)
    assert enc.num_qubits == 4 == UnbalancedFormulation().num_qubits(problem)
    X = all_bitstrings(4)
    w = automatic_weights(problem.model).ub[0]
    expected = -X.sum(axis=1) + w * sum(X[:, u] * X[:, v] for u, v in edges)
    assert np.allclose(enc.qubo.energy(X), expected)


def test_qubits_equal_variables_for_mdkp():
    problem = random_mdkp(0, n=8, m=3)
    assert UnbalancedFormulation().encode(problem).num_qubits == 8


def test_single_knapsack_minimiser_is_feasible_and_good():
    """A case where the method works: one knapsack, the QUBO minimiser is the optimum."""
    c = np.array([10, 13, 7, 8, 12])
    a = np.array([4, 6, 3, 4, 5])
    problem = Problem("kp", BinaryModel("max", c, A_ub=[a], b_ub=[12]))
    enc = UnbalancedFormulation().encode(problem)
    E = qubo_diagonal(enc.qubo)
    x = ((int(np.argmin(E)) >> np.arange(5)) & 1).astype(np.uint8)
    X = all_bitstrings(5)
    opt = problem.objective(X)[problem.is_feasible(X)].max()
    assert problem.is_feasible(x)[0] and problem.objective(x)[0] == opt


def test_rejects_bad_parameters():
    with pytest.raises(ValueError):
        UnbalancedFormulation(lambda1=-1)
    with pytest.raises(ValueError):
        UnbalancedFormulation(scaling="log")
