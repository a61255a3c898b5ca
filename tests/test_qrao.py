import itertools

import numpy as np
import pytest

from qbench.qubo import QUBO
from qbench.solvers.qrao import QRAOSolver


def sparse_qubo(m: int, seed: int) -> QUBO:
    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=m), np.triu(rng.normal(size=(m, m)), 1) * (rng.random((m, m)) < 0.5))


def brute_force(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.num_variables)))
    return float(q.energy(X).min())


def test_reported_qubits_are_fewer_than_variables():
    q = sparse_qubo(9, 3)
    for per_qubit in (2, 3):
        solver = QRAOSolver(max_vars_per_qubit=per_qubit)
        assert solver.num_qubits(q) < q.num_variables
    assert QRAOSolver(max_vars_per_qubit=1).num_qubits(q) == q.num_variables


def test_magic_rounding_finds_the_brute_force_optimum_of_a_small_qubo():
    q = sparse_qubo(6, 1)
    ss = QRAOSolver(rounding="magic", maxiter=60, shots=512).solve(q, seed=0)
    assert ss.info["num_qubits"] < ss.info["variables"] == 6
    assert ss.info["compression_ratio"] == pytest.approx(6 / ss.info["num_qubits"])
    assert ss.energies.min() == pytest.approx(brute_force(q))
    assert np.allclose(ss.energies, q.energy(ss.samples))
    assert ss.probabilities.sum() == pytest.approx(1.0)


def test_semideterministic_rounding_gives_one_bitstring():
    q = sparse_qubo(5, 2)
    ss = QRAOSolver(rounding="semideterministic", maxiter=30).solve(q, seed=1)
    assert len(ss) == 1 and ss.info["rounding"] == "semideterministic"
    assert ss.energies[0] == pytest.approx(q.energy(ss.samples[0]))


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        QRAOSolver(max_vars_per_qubit=4)
    with pytest.raises(ValueError):
        QRAOSolver(rounding="round")


def test_max_qubits_caps_the_encoding():
    from qbench.errors import TooLargeError
    from qbench.registry import make_solver

    dense = QUBO(-np.ones(5), np.triu(np.ones((5, 5)), 1))      # every pair coupled: no compression
    with pytest.raises(TooLargeError, match="5 qubits exceed this QRAO solver's max_qubits=4"):
        make_solver("qrao", {"max_qubits": 4}).check_size(dense)
    make_solver("qrao", {"max_qubits": 5}).check_size(dense)
