import itertools

import numpy as np
import pytest

from qbench.qubo import QUBO
from qbench.solvers.local_search import local_search
from qbench.solvers.pce import PCESolver, correlator_labels, pce_qubits


def brute_force(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.num_variables)))
    return float(q.energy(X).min())


def test_qubit_count_is_smallest_n():
    assert pce_qubits(3, 3) == 3
    assert pce_qubits(3, 1) == 1
    assert pce_qubits(100, 2) == 9      # 3*C(9,2)=108 >= 100, 3*C(8,2)=84 < 100
    assert pce_qubits(60, 2) == 7       # 63 >= 60
    labels = correlator_labels(100, 9, 2)
    assert len(set(labels)) == 100 and all(len(qs) == 2 for _, qs in labels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pce_three_variables_three_qubits_reproduces_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    q = QUBO(rng.normal(size=3), np.triu(rng.normal(size=(3, 3)), 1), offset=0.5)
    ss = PCESolver(k=3, local_search="none", maxiter=300).solve(q, seed=seed)
    assert ss.info["num_qubits"] == 3 and ss.info["variables"] == 3
    assert ss.energies[0] == pytest.approx(brute_force(q))
    assert ss.energies[0] == pytest.approx(q.energy(ss.samples[0]))
    for key in ("alpha", "beta", "nu", "k", "pce_qubits", "raw_energy", "post_search_energy"):
        assert key in ss.info


def test_samples_hold_the_raw_rounding_and_the_search_is_reported_apart():
    rng = np.random.default_rng(7)
    q = QUBO(rng.normal(size=12), np.triu(rng.normal(size=(12, 12)), 1))
    ss = PCESolver(maxiter=20).solve(q, seed=3)      # barely trained: the search has work to do
    assert ss.info["num_qubits"] == pce_qubits(12, 2) < 12
    raw = np.array([int(b) for b in ss.info["raw_bits"]])
    assert (ss.samples[0] == raw).all()
    assert ss.info["post_search_energy"] <= ss.info["raw_energy"] + 1e-12
    post = np.array([int(b) for b in ss.info["post_search_bits"]], dtype=np.uint8)
    assert q.energy(post) == pytest.approx(ss.info["post_search_energy"])


def test_same_seed_same_result():
    rng = np.random.default_rng(5)
    q = QUBO(rng.normal(size=6), np.triu(rng.normal(size=(6, 6)), 1))
    a, b = (PCESolver(maxiter=40).solve(q, seed=11) for _ in range(2))
    assert a.info["raw_bits"] == b.info["raw_bits"] and a.info["loss"] == b.info["loss"]


def test_local_search_reaches_a_flip_and_swap_minimum():
    rng = np.random.default_rng(9)
    q = QUBO(rng.normal(size=10), np.triu(rng.normal(size=(10, 10)), 1))
    x, facts = local_search(q, np.zeros(10, dtype=np.uint8), "flip-swap")
    e = q.energy(x)
    for i in range(10):
        y = x.copy(); y[i] ^= 1
        assert q.energy(y) >= e - 1e-12
    for i, j in itertools.combinations(range(10), 2):
        if x[i] != x[j]:
            y = x.copy(); y[i], y[j] = x[j], x[i]
            assert q.energy(y) >= e - 1e-12


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        PCESolver(k=0)
    with pytest.raises(ValueError):
        PCESolver(local_search="tabu")
    from qbench.errors import ConfigError
    with pytest.raises(ConfigError):
        PCESolver(qubits=2).num_qubits(QUBO(np.zeros(10), np.zeros((10, 10))))
