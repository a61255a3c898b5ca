"""Classical QUBO solvers: simulated annealing against brute force, and the exact solver's three routes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.qubo import QUBO
from qbench.solvers.annealing import SimulatedAnnealingSolver, default_beta_range
from qbench.solvers.qubo_exact import ExactQuboSolver


def random_qubo(n: int, seed: int, density: float = 1.0) -> QUBO:
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(size=(n, n)), 1) * (rng.random((n, n)) < density)
    return QUBO(rng.normal(size=n), J, float(rng.normal()))


def brute_force_min(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.num_variables)))
    return float(q.energy(X).min())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [6, 10, 14])
def test_annealing_finds_brute_force_optimum(n, seed):
    q = random_qubo(n, seed)
    result = SimulatedAnnealingSolver(num_reads=16, num_sweeps=300).solve(q, seed=seed)
    assert result.lowest()[1] == pytest.approx(brute_force_min(q))


def test_annealing_sampleset_is_consistent_and_seeded():
    q = random_qubo(12, 3)
    a = SimulatedAnnealingSolver(num_reads=20, num_sweeps=50).solve(q, seed=7)
    b = SimulatedAnnealingSolver(num_reads=20, num_sweeps=50).solve(q, seed=7)
    assert np.array_equal(a.samples, b.samples) and np.allclose(a.probabilities, b.probabilities)
    assert np.allclose(a.energies, q.energy(a.samples))
    assert a.probabilities.sum() == pytest.approx(1.0) and len(a) <= 20
    assert a.info["evaluations"] == 20 * 50 and a.shots == 20


def test_annealing_beta_range():
    q = random_qubo(5, 0)
    hot, cold = default_beta_range(q)
    assert 0 < hot < cold
    assert SimulatedAnnealingSolver(beta_range=(0.1, 5)).beta_range == (0.1, 5.0)
    with pytest.raises(ValueError):
        SimulatedAnnealingSolver(beta_range=(5, 0.1))
    with pytest.raises(ValueError):
        SimulatedAnnealingSolver(num_reads=0)


def test_annealing_on_a_larger_sparse_qubo_beats_greedy_zero():
    q = random_qubo(60, 1, density=0.1)
    result = SimulatedAnnealingSolver(num_reads=8, num_sweeps=200).solve(q, seed=0)
    assert result.lowest()[1] < q.offset + min(0.0, q.linear.min())


# ---- exact -----------------------------------------------------------------------------------------

def test_exact_separable_route_any_size():
    rng = np.random.default_rng(0)
    h = rng.normal(size=500)
    result = ExactQuboSolver().solve(QUBO(h, np.zeros((500, 500)), 1.5))
    assert result.info["method"] == "separable" and result.info["optimal"]
    assert result.energies[0] == pytest.approx(1.5 + h[h < 0].sum())
    assert np.array_equal(result.samples[0], (h < 0).astype(np.uint8))


@pytest.mark.parametrize("seed", range(3))
def test_exact_enumeration_route(seed):
    q = random_qubo(12, seed)
    result = ExactQuboSolver().solve(q)
    assert result.info["method"] == "enumeration" and len(result) == 1
    assert result.energies[0] == pytest.approx(brute_force_min(q))


def test_exact_enumeration_up_to_30_variables_agrees_with_milp():
    # 27 sparse variables: enumeration by default, the MILP route when told to
    q = random_qubo(27, 5, density=0.12)
    enum = ExactQuboSolver().solve(q)
    milp = ExactQuboSolver(brute_force_max=20, time_limit=20).solve(q)
    assert enum.info["method"] == "enumeration" and milp.info["method"] == "milp"
    if milp.info["optimal"]:
        assert enum.energies[0] == pytest.approx(milp.energies[0], abs=1e-9)
    else:   # time limit: the incumbent cannot beat the enumerated optimum, the bound cannot exceed it
        assert enum.energies[0] <= milp.energies[0] + 1e-9
        assert milp.info["bound"] <= enum.energies[0] + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_exact_milp_route_matches_enumeration(seed):
    q = random_qubo(10, 10 + seed)
    result = ExactQuboSolver(brute_force_max=4).solve(q)
    assert result.info["method"] == "milp" and result.info["optimal"]
    assert result.energies[0] == pytest.approx(brute_force_min(q))


def test_exact_solver_is_not_sampling():
    assert ExactQuboSolver.sampling is False and SimulatedAnnealingSolver.sampling is True
