"""Brute-force QUBO solver against explicit enumeration with QUBO.energy."""

from __future__ import annotations

import time

import numpy as np
import pytest

from qbench.backends.statevector import index_to_bits
from qbench.errors import ConfigError, TooLargeError
from qbench.qubo import QUBO
from qbench.registry import make_solver
from qbench.solvers.bruteforce import BruteForceSolver


def enumerate_energies(q: QUBO) -> np.ndarray:
    n = q.num_variables
    return q.energy(index_to_bits(np.arange(1 << n), n))


@pytest.mark.parametrize("n", [1, 2, 3, 6, 10, 13])
def test_lowest_matches_enumeration(n):
    rng = np.random.default_rng(n)
    for integer in (False, True):
        if integer:   # many ties: the lowest basis index wins
            q = QUBO(rng.integers(-3, 3, n).astype(float), np.triu(rng.integers(-3, 3, (n, n)), 1).astype(float), 2.0)
        else:
            q = QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), rng.normal())
        E = enumerate_energies(q)
        ss = BruteForceSolver().solve(q)
        x, e = ss.lowest()
        assert len(ss) == 1 and e == pytest.approx(E.min(), abs=1e-12)
        assert e == pytest.approx(q.energy(x), abs=0)
        first = int(np.flatnonzero(E == E.min())[0])
        assert np.array_equal(x, index_to_bits([first], n)[0])
        assert ss.info["evaluations"] == 1 << n and ss.info["status"] == "optimal"


def test_k_lowest_sorted():
    rng = np.random.default_rng(4)
    n = 9
    q = QUBO(rng.integers(-4, 4, n).astype(float), np.triu(rng.integers(-4, 4, (n, n)), 1).astype(float))
    E = enumerate_energies(q)
    for k in (1, 7, 40, 1 << n, 5000):
        ss = BruteForceSolver(num_lowest=k).solve(q)
        kk = min(k, 1 << n)
        assert len(ss) == kk
        np.testing.assert_allclose(np.sort(ss.energies), np.sort(E)[:kk])
        np.testing.assert_allclose(ss.energies, q.energy(ss.samples))
        assert np.all(np.diff(ss.energies) >= 0) and ss.probabilities.sum() == pytest.approx(1.0)
        assert len({tuple(r) for r in ss.samples}) == kk


def test_edge_cases_and_config():
    ss = BruteForceSolver().solve(QUBO(np.zeros(0), np.zeros((0, 0)), 3.5))
    assert ss.lowest()[1] == 3.5 and ss.num_variables == 0
    assert BruteForceSolver.sampling is False
    s = make_solver("bruteforce", {"max_variables": 10, "num_lowest": 2})
    assert isinstance(s, BruteForceSolver) and s.max_variables == 10
    with pytest.raises(ConfigError):
        make_solver("bruteforce", {"max_vars": 3})
    with pytest.raises(ConfigError):
        make_solver("bruteforce", {"num_lowest": 0})
    big = QUBO(np.zeros(12), np.zeros((12, 12)))
    with pytest.raises(TooLargeError, match="12 variables"):
        BruteForceSolver(max_variables=11).solve(big)


def test_repeated_inner_solves_are_fast():
    # Lagrangian loops call this on ~20-variable QUBOs many times; a loose bound (not a benchmark)
    rng = np.random.default_rng(0)
    n = 20
    s = BruteForceSolver()
    q = QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1))
    ref = s.solve(q).lowest()[1]
    t0 = time.perf_counter()
    for k in range(10):
        qk = QUBO(q.linear + 0.01 * k, q.quadratic, 0.0)
        assert s.solve(qk).lowest()[1] <= ref + 0.01 * k * n + 1e-9
    assert time.perf_counter() - t0 < 5.0
