"""VQE / CVaR-VQE and the shared variational loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.errors import ConfigError
from qbench.qubo import QUBO
from qbench.registry import make_solver
from qbench.solvers.variational import Tracker, bits_from_counts, cvar, minimize, spsa


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), 0.5)


def brute_min(q):
    X = np.array(list(itertools.product([0, 1], repeat=q.num_variables)))
    return float(q.energy(X).min())


def test_config_and_bad_params():
    s = make_solver("vqe", {"ansatz": "efficient_su2", "reps": 2, "entanglement": "full", "cvar_alpha": 0.2,
                            "backend": "aer-mps", "optimizer": "SPSA"})
    assert s.backend_for(60) == "aer-mps"
    assert make_solver("vqe").backend_for(26) == "aer" and make_solver("vqe").backend_for(27) == "aer-mps"
    for bad in ({"ansatz": "two_local"}, {"reps": 0}, {"entanglement": "star"}, {"cvar_alpha": 0},
                {"backend": "gpu"}, {"optimizer": "adam"}, {"init": "tqa"}, {"shots": -2}):
        with pytest.raises(ConfigError):
            make_solver("vqe", bad)


@pytest.mark.parametrize("kw", [{}, {"cvar_alpha": 0.2}, {"ansatz": "efficient_su2", "backend": "aer-mps"}])
def test_vqe_finds_the_optimum_of_a_small_qubo(kw):
    q = random_qubo(5, 3)
    r = make_solver("vqe", {"maxiter": 80, **kw}).solve(q, seed=2)
    assert r.lowest()[1] == pytest.approx(brute_min(q), abs=1e-9)
    np.testing.assert_allclose(r.energies, q.energy(r.samples))
    assert r.info["evaluations"] == 81 and r.info["parameters"] > 0 and r.info["depth"] > 0


def test_vqe_is_seeded():
    q = random_qubo(4, 1)
    s = make_solver("vqe", {"maxiter": 10, "shots": 256, "estimate": "samples", "optimizer": "SPSA"})
    a, b = s.solve(q, seed=5), s.solve(q, seed=5)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.probabilities, b.probabilities)
    assert a.info["objective"] == b.info["objective"]


def test_exact_vqe_expectation_equals_statevector():
    from qiskit.quantum_info import Statevector

    from qbench.backends import get_backend
    from qbench.solvers.circuit_loop import CircuitObjective
    from qbench.solvers.vqe import vqe_ansatz

    q = random_qubo(6, 4)
    circ = vqe_ansatz("efficient_su2", 6, 1, "linear")
    x = np.random.default_rng(0).uniform(-3, 3, circ.num_parameters)
    p = Statevector(circ.assign_parameters(x)).probabilities()
    from qbench.backends.statevector import qubo_diagonal

    exact = float(p @ qubo_diagonal(q))
    for spec in ("aer", "aer-mps", "statevector"):
        assert CircuitObjective(get_backend(spec), circ, q)(x) == pytest.approx(exact, abs=1e-9)
    assert CircuitObjective(get_backend("aer"), circ, q, alpha=0.3)(x) == pytest.approx(
        cvar(qubo_diagonal(q), p, 0.3), abs=1e-9)


# ---- the loop's pieces ----------------------------------------------------------------------------
def test_cvar_of_a_distribution():
    e, w = np.array([3.0, 1.0, 2.0]), np.array([0.2, 0.3, 0.5])
    assert cvar(e, w, 1.0) == pytest.approx(3 * 0.2 + 0.3 + 1.0)
    assert cvar(e, w, 0.3) == pytest.approx(1.0)
    assert cvar(e, w, 0.5) == pytest.approx((0.3 * 1 + 0.2 * 2) / 0.5)


def test_bits_from_counts_is_little_endian():
    X = bits_from_counts(["001", "110"], 3)
    np.testing.assert_array_equal(X, [[1, 0, 0], [0, 1, 1]])


@pytest.mark.parametrize("optimizer", ["COBYLA", "Powell", "Nelder-Mead", "SPSA", "L-BFGS-B"])
def test_every_optimizer_respects_the_budget_and_improves(optimizer):
    target = np.array([0.3, -0.2, 0.5])
    tracker = Tracker(60)
    import time

    def fun(x):
        t = time.perf_counter()
        v = float(np.sum((x - target) ** 2))
        tracker.record(x, v, t)
        return v

    minimize(fun, np.zeros(3), optimizer, 60, seed=1)
    assert tracker.evals <= 64 and tracker.best < 0.5 * float(np.sum(target ** 2))
    conv = tracker.convergence()
    assert conv["trace_best"][-1] == tracker.best and conv["trace_evaluation"][-1] == tracker.evals


def test_spsa_is_seeded():
    def run(seed):
        xs = []
        spsa(lambda x: xs.append(x.copy()) or float(np.sum(x ** 2)), np.ones(4), 40, np.random.default_rng(seed))
        return np.array(xs)

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_max_qubits_sets_a_cap_like_qaoa():
    from qbench.errors import TooLargeError

    q = QUBO(np.ones(6), np.zeros((6, 6)))
    capped = make_solver("vqe", {"max_qubits": 5, "maxiter": 2})
    with pytest.raises(TooLargeError, match="max_qubits=5"):
        capped.check_size(q)
    with pytest.raises(TooLargeError, match="max_qubits=5"):
        capped.solve(q, seed=0)
    make_solver("vqe", {"max_qubits": 6, "maxiter": 2}).check_size(q)
