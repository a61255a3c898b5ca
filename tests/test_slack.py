"""Slack QUBO: bit counts, exactness of the automatic penalty (brute force over the QUBO), special rows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.errors import QbenchError
from qbench.formulations.penalty import automatic_weights, conflict_pair, integer_row, split_constraints
from qbench.formulations.slack import SlackFormulation, num_slack_bits, slack_coefficients
from qbench.problems.base import BinaryModel, Problem
from qbench.backends.statevector import qubo_diagonal
from qbench.solvers.qubo_exact import ExactQuboSolver


def all_bitstrings(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)


def constrained_optimum(problem: Problem) -> float:
    X = all_bitstrings(problem.num_variables)
    ok = problem.is_feasible(X)
    vals = problem.objective(X)[ok]
    return float(vals.max() if problem.sense == "max" else vals.min())


def qubo_argmin_decoded(formulation, problem: Problem) -> np.ndarray:
    enc = formulation.encode(problem)
    E = qubo_diagonal(enc.qubo)
    i = int(np.argmin(E))
    return ((i >> np.arange(enc.num_decision)) & 1).astype(np.uint8)


def random_mdkp(seed: int, n: int = 6, m: int = 2) -> Problem:
    rng = np.random.default_rng(seed)
    A = rng.integers(1, 10, size=(m, n))
    b = np.floor(A.sum(axis=1) * rng.uniform(0.3, 0.7, size=m))
    c = rng.integers(1, 20, size=n)
    return Problem(f"mdkp{seed}", BinaryModel("max", c, A_ub=A, b_ub=b))


def cycle_mis(n: int) -> Problem:
    edges = [(i, (i + 1) % n) for i in range(n)]
    A = np.zeros((n, n))
    for k, (u, v) in enumerate(edges):
        A[k, u] = A[k, v] = 1
    return Problem(f"C{n}", BinaryModel("max", np.ones(n), A_ub=A, b_ub=np.ones(n)))


def assignment_problem(seed: int, k: int = 3) -> Problem:
    """min sum C_ij x_ij with one-hot rows and columns (equalities)."""
    rng = np.random.default_rng(seed)
    C = rng.integers(1, 10, size=(k, k)).astype(float)
    n = k * k
    A = np.zeros((2 * k, n))
    for i in range(k):
        A[i, i * k:(i + 1) * k] = 1
        A[k + i, i::k] = 1
    return Problem(f"assign{seed}", BinaryModel("min", C.ravel(), A_eq=A, b_eq=np.ones(2 * k)))


# ---- slack bits ------------------------------------------------------------------------------------

@pytest.mark.parametrize("S", list(range(0, 41)) + [219, 255, 256])
def test_slack_bits_cover_exactly_the_range(S):
    q = slack_coefficients(S)
    assert q.shape[0] == num_slack_bits(S) == (int(np.ceil(np.log2(S + 1))) if S > 0 else 0)
    if S <= 40:
        sums = {int(np.dot(bits, q)) for bits in itertools.product([0, 1], repeat=q.shape[0])}
        assert sums == set(range(S + 1))
    assert q.sum() == S  # the top bit never overshoots


def test_bit_count_formula_per_row():
    # (3, 5, 1).x <= 7: slack range 7 -> 3 bits; (-2, 4, 0).x <= 3: range 3 - (-2) = 5 -> 3 bits
    model = BinaryModel("max", [1, 1, 1], A_ub=[[3, 5, 1], [-2, 4, 0]], b_ub=[7, 3])
    enc = SlackFormulation().encode(Problem("t", model))
    assert enc.info["slack_bits"] == [3, 3]
    assert enc.num_qubits == 3 + 6


def test_redundant_row_gets_no_bits():
    model = BinaryModel("max", [1, 2, 1], A_ub=[[1, 1, 1], [3, 4, 1]], b_ub=[5, 4])
    enc = SlackFormulation().encode(Problem("t", model))
    assert enc.info["slack_bits"] == [0, 3] and enc.info["redundant_rows"] == 1


# ---- exactness ------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_default_penalty_makes_qubo_minimiser_a_feasible_optimum_mdkp(seed):
    problem = random_mdkp(seed, n=5, m=2)
    enc = SlackFormulation().encode(problem)
    assert enc.num_qubits <= 24
    x = qubo_argmin_decoded(SlackFormulation(), problem)
    assert problem.is_feasible(x)[0]
    assert problem.objective(x)[0] == constrained_optimum(problem)
    assert enc.info["penalty_rule"] == "packing-drop" and enc.info["provable"]


@pytest.mark.parametrize("seed", range(4))
def test_every_infeasible_assignment_is_worse_than_the_optimum(seed):
    problem = random_mdkp(100 + seed, n=4, m=2)
    enc = SlackFormulation().encode(problem)
    E = qubo_diagonal(enc.qubo)
    idx = np.arange(E.shape[0])
    X = ((idx[:, None] >> np.arange(enc.num_qubits)) & 1).astype(np.uint8)
    infeasible = ~problem.is_feasible(X[:, :4])
    assert E[infeasible].min() > -constrained_optimum(problem)


def test_feasible_point_with_right_slack_has_energy_minus_objective():
    problem = random_mdkp(3, n=5, m=2)
    enc = SlackFormulation().encode(problem)
    E = qubo_diagonal(enc.qubo)
    idx = np.arange(E.shape[0])
    X = ((idx[:, None] >> np.arange(enc.num_qubits)) & 1).astype(np.uint8)
    for x in all_bitstrings(5):
        if problem.is_feasible(x)[0]:
            rows = np.all(X[:, :5] == x, axis=1)
            assert E[rows].min() == pytest.approx(-problem.objective(x)[0])


@pytest.mark.parametrize("n", [5, 6, 7])
def test_mis_edges_are_slack_free_with_weight_two(n):
    problem = cycle_mis(n)
    enc = SlackFormulation().encode(problem)
    assert enc.num_qubits == n and enc.info["conflict_edges"] == n
    assert np.allclose(enc.info["penalties"], 2.0)
    x = qubo_argmin_decoded(SlackFormulation(), problem)
    assert problem.is_feasible(x)[0] and x.sum() == n // 2


def test_mis_edges_can_be_forced_through_slack():
    problem = cycle_mis(5)
    enc = SlackFormulation(conflict_edges=False).encode(problem)
    assert enc.num_qubits == 10  # one slack bit per edge
    x = qubo_argmin_decoded(SlackFormulation(conflict_edges=False), problem)
    assert problem.is_feasible(x)[0] and x.sum() == 2


@pytest.mark.parametrize("seed", range(3))
def test_one_hot_equalities_min_problem(seed):
    problem = assignment_problem(seed)
    enc = SlackFormulation().encode(problem)
    assert enc.num_qubits == 9 and enc.info["penalty_rule"] == "objective-range"
    x = ExactQuboSolver().solve(enc.qubo).samples[0][:9]
    assert problem.is_feasible(x)[0]
    assert problem.objective(x)[0] == constrained_optimum(problem)


def test_negative_coefficients_and_quadratic_objective():
    # max x0 + x1 + x2 - 3 x0 x1 + 2 x1 x2  s.t.  x0 + x1 + x2 >= 2 (as -x <= -2),  x0 - x2 <= 0
    Q = np.zeros((3, 3))
    Q[0, 1], Q[1, 2] = -3, 2
    model = BinaryModel("max", [1, 1, 1], Q, A_ub=[[-1, -1, -1], [1, 0, -1]], b_ub=[-2, 0])
    problem = Problem("q", model)
    x = qubo_argmin_decoded(SlackFormulation(), problem)
    assert problem.is_feasible(x)[0] and problem.objective(x)[0] == constrained_optimum(problem)


def test_fractional_row_is_scaled_to_integers():
    model = BinaryModel("max", [3, 2, 2], A_ub=[[0.5, 0.25, 0.3]], b_ub=[0.6])
    problem = Problem("frac", model)
    assert integer_row(model.A_ub[0], 0.6) == 100.0
    enc = SlackFormulation().encode(problem)
    assert enc.info["slack_bits"] == [num_slack_bits(60)] and enc.info["provable"]
    x = qubo_argmin_decoded(SlackFormulation(), problem)
    assert problem.is_feasible(x)[0] and problem.objective(x)[0] == constrained_optimum(problem)


def test_irrational_row_uses_slack_resolution():
    model = BinaryModel("max", [3, 2, 1], A_ub=[[np.pi, np.e, 1.0]], b_ub=[4.0])
    enc = SlackFormulation(slack_resolution=0.5).encode(Problem("irr", model))
    assert not enc.info["provable"]
    assert enc.info["slack_bits"] == [num_slack_bits(8)]  # floor(4 / 0.5) = 8 units


# ---- weights ---------------------------------------------------------------------------------------

def test_penalty_knobs():
    problem = random_mdkp(1, n=5, m=2)
    auto = automatic_weights(problem.model).ub
    assert np.allclose(SlackFormulation(penalty_scale=3).encode(problem).info["penalties"], 3 * auto)
    assert np.allclose(SlackFormulation(penalty=7).encode(problem).info["penalties"], 7)
    assert SlackFormulation(penalties=[1, 2]).encode(problem).info["penalties"] == [1, 2]
    with pytest.raises(QbenchError, match="penalties has 3 entries"):  # a user mistake: one line, exit 2
        SlackFormulation(penalties=[1, 2, 3]).encode(problem)
    with pytest.raises(ValueError):
        SlackFormulation(penalty_scale=0)


def test_packing_weight_is_one_plus_largest_profit_in_the_row():
    model = BinaryModel("max", [4, 9, 2], A_ub=[[1, 0, 1], [1, 1, 1]], b_ub=[1, 2])
    assert automatic_weights(model).ub.tolist() == [5.0, 10.0]


def test_conflict_detection_is_generic():
    assert conflict_pair(np.array([0, 1.0, 0, 1.0]), 1.0) == (1, 3)
    assert conflict_pair(np.array([2.0, 3.0]), 3.0) == (0, 1)     # either fits, not both
    assert conflict_pair(np.array([2.0, 3.0]), 5.0) is None       # both fit
    assert conflict_pair(np.array([1.0, 1.0, 1.0]), 1.0) is None   # a clique row, not a pair
    model = BinaryModel("max", [1, 1, 1], A_ub=[[1, 1, 0], [1, 1, 1]], b_ub=[1, 2])
    split = split_constraints(model)
    assert split.conflict_rows.tolist() == [0] and split.inequality_rows.tolist() == [1]


def test_qubit_counts_of_paper_instances(data_dir):
    from qbench.problems import mdkp

    expected = {"hp1": 60, "pet2": 99}
    for name, qubits in expected.items():
        problem = mdkp.read(data_dir / "mdkp" / f"{name}.dat")[0]
        assert SlackFormulation().num_qubits(problem) == qubits


def test_num_qubits_counts_without_building_matches_encode():
    from qbench.problems import marketsplit, mdkp, mis, qap, tsp

    problems = [mdkp.generate(8, 3, seed=1), mis.generate(9, 0.4, seed=2), qap.generate(3, seed=0),
                tsp.generate(4, seed=0), marketsplit.generate(2, seed=0)]
    for problem in problems:
        for form in (SlackFormulation(), SlackFormulation(conflict_edges=False)):
            assert form.num_qubits(problem) == form.encode(problem).num_qubits, problem.name
