"""The conformance kit every QUBO solver passes (issue 10, item 7), old and new alike: it is
parametrised over ``qbench.registry.QUBO_SOLVERS``, so a solver added to the table is checked without
touching this file.

For each solver, on small seeded QUBOs: samples are 0/1 rows over exactly the QUBO's variables with a
probability distribution; every reported energy equals ``qubo.energy`` of its row; the same seed gives
the same samples, probabilities and energies; and the brute-force optimum is among the samples
(unless the solver declares ``finds_optimum = False``, e.g. the ``random`` null baseline).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from qbench.qubo import QUBO
from qbench.registry import QUBO_SOLVERS, make_solver, solver_class

#: Cheap settings per solver. Keys a solver does not have are dropped, so a guess at the parameters of
#: a solver written on another branch cannot break the kit; solvers not listed get DEFAULT_PARAMS.
DEFAULT_PARAMS = {"reps": 1, "shots": 512, "maxiter": 40, "num_reads": 32, "num_sweeps": 200}
SMALL_PARAMS: dict[str, dict] = {
    "qaoa": {"reps": 2, "shots": 1024, "maxiter": 60},
    "annealing": {"num_reads": 32, "num_sweeps": 300},
    "bruteforce": {},
    "qubo-exact": {},
    "vqe": {"reps": 1, "shots": 1024, "maxiter": 60},
    "pce": {"shots": 1024, "maxiter": 60},
    "qrao": {"shots": 1024, "maxiter": 60},
}
#: Solvers known not to aim at the optimum (in addition to a class-level ``finds_optimum = False``).
NOT_OPTIMUM_FINDING = {"random"}

def small_params(name: str) -> dict:
    fields = {f.name for f in dataclasses.fields(solver_class(name)) if f.init}
    return {k: v for k, v in SMALL_PARAMS.get(name, DEFAULT_PARAMS).items() if k in fields}


def random_qubo(n: int, seed: int) -> QUBO:
    """Integer coefficients (ties are exact) redrawn until the minimum is unique."""
    rng = np.random.default_rng(seed)
    while True:
        h = rng.integers(-6, 7, n).astype(float)
        J = np.triu(rng.integers(-5, 6, (n, n)), 1).astype(float)
        q = QUBO(h, J, offset=float(rng.integers(-3, 4)))
        E = brute_energies(q)
        if np.count_nonzero(E == E.min()) == 1:
            return q


def all_bits(n: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)


def brute_energies(q: QUBO) -> np.ndarray:
    """Reference energies written out term by term (shares nothing with QUBO.energy)."""
    X = all_bits(q.num_variables).astype(float)
    n = q.num_variables
    out = np.full(X.shape[0], q.offset)
    for i in range(n):
        out += q.linear[i] * X[:, i]
        for j in range(i + 1, n):
            out += q.quadratic[i, j] * X[:, i] * X[:, j]
    return out


def finds_optimum(name: str) -> bool:
    return name not in NOT_OPTIMUM_FINDING and getattr(solver_class(name), "finds_optimum", True)


@pytest.fixture(scope="module", params=sorted(QUBO_SOLVERS))
def solver_name(request):
    return request.param


@pytest.mark.parametrize("n,seed", [(4, 1), (6, 2)])
def test_samples_energies_and_optimum(solver_name, n, seed):
    qubo = random_qubo(n, seed)
    solver = make_solver(solver_name, small_params(solver_name))
    out = solver.solve(qubo, seed=7)

    X = np.asarray(out.samples)
    assert X.ndim == 2 and X.shape[1] == n and X.shape[0] >= 1
    assert set(np.unique(X).tolist()) <= {0, 1}
    p = np.asarray(out.probabilities)
    assert p.shape == (X.shape[0],) and (p >= 0).all() and p.sum() == pytest.approx(1.0)

    assert np.allclose(out.energies, qubo.energy(X), rtol=0, atol=1e-9)
    index = X.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1))   # rows of ALL_BITS are big-endian
    assert np.allclose(out.energies, brute_energies(qubo)[index], rtol=0, atol=1e-9)

    if finds_optimum(solver_name):
        assert float(np.min(out.energies)) == pytest.approx(float(brute_energies(qubo).min()), abs=1e-9)


def test_same_seed_same_result(solver_name):
    qubo = random_qubo(6, 3)
    a = make_solver(solver_name, small_params(solver_name)).solve(qubo, seed=11)
    b = make_solver(solver_name, small_params(solver_name)).solve(qubo, seed=11)
    assert np.array_equal(a.samples, b.samples)
    assert np.array_equal(a.probabilities, b.probabilities)
    assert np.array_equal(a.energies, b.energies)


def test_kit_covers_every_registered_solver():
    assert set(QUBO_SOLVERS) >= {"qaoa", "bruteforce", "annealing", "qubo-exact"}
    for name in QUBO_SOLVERS:  # every entry can be built from the table's (filtered) cheap settings
        make_solver(name, small_params(name))


def test_brute_force_reference_is_right():
    q = QUBO.from_terms(2, {0: 1.0, 1: -2.0}, {(0, 1): 4.0}, offset=0.5)
    assert brute_energies(q).tolist() == [0.5, -1.5, 1.5, 3.5]
