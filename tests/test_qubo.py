import itertools

import numpy as np
import pytest

from qbench.qubo import QUBO


def random_qubo(n, rng):
    return QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), rng.normal())


def all_bitstrings(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)


def test_energy_matches_definition():
    rng = np.random.default_rng(0)
    q = random_qubo(5, rng)
    X = all_bitstrings(5)
    expected = [q.offset + sum(q.linear[i] * x[i] for i in range(5))
                + sum(q.quadratic[i, j] * x[i] * x[j] for i in range(5) for j in range(i + 1, 5)) for x in X]
    np.testing.assert_allclose(q.energy(X), expected)
    assert q.energy(X[3]) == pytest.approx(expected[3])


def test_symmetric_and_lower_input_is_canonicalised():
    Q = np.array([[1.0, 2.0], [4.0, -3.0]])
    q = QUBO(np.zeros(2), Q)
    assert q.linear.tolist() == [1.0, -3.0]
    assert q.quadratic.tolist() == [[0.0, 6.0], [0.0, 0.0]]
    X = all_bitstrings(2)
    np.testing.assert_allclose(q.energy(X), [x @ Q @ x for x in X])
    np.testing.assert_allclose(q.energy(X), [x @ q.symmetric_matrix() @ x for x in X])


def test_ising_and_pauli_op_agree_with_energy():
    from qiskit.quantum_info import Statevector

    rng = np.random.default_rng(1)
    q = random_qubo(4, rng)
    h, J, c = q.to_ising()
    op, const = q.to_sparse_pauli_op()
    for x in all_bitstrings(4):
        z = 1 - 2 * x.astype(float)
        assert c + h @ z + z @ J @ z == pytest.approx(q.energy(x))
        index = int(sum(int(b) << i for i, b in enumerate(x)))  # qubit i = variable i
        assert Statevector.from_int(index, 16).expectation_value(op).real + const == pytest.approx(q.energy(x))


def test_from_terms_and_labels():
    q = QUBO.from_terms(3, {0: 1.0}, {(2, 0): 2.0, (1, 1): -1.0}, offset=0.5, labels=["a", "b", "c"])
    assert q.labels == ["a", "b", "c"]
    assert q.energy(np.array([1, 1, 1])) == pytest.approx(1 - 1 + 2 + 0.5)
    with pytest.raises(ValueError):
        QUBO(np.zeros(2), np.zeros((3, 3)))
