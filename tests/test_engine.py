"""The statevector engine against known answers: brute-force energies, Qiskit statevectors,
finite-difference gradients, exact CVaR, chi-square sampling, memory refusal."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbench.backends.statevector import (QAOAEngine, bits_to_index, check_fits, index_to_bits, qubo_diagonal,
                                         qubo_minimum, required_bytes)
from qbench.errors import TooLargeError
from qbench.qubo import QUBO


def random_qubo(n: int, rng: np.random.Generator, density: float = 1.0) -> QUBO:
    J = np.triu(rng.normal(size=(n, n)), 1) * (rng.random((n, n)) < density)
    return QUBO(rng.normal(size=n), J, float(rng.normal()))


def all_bits(n: int) -> np.ndarray:
    return index_to_bits(np.arange(1 << n), n)


def qaoa_circuit(qubo: QUBO, gammas, betas, thetas=None):
    """The QAOA circuit from Qiskit gates (H/RY, RZ, RZZ, RX or the warm-start mixer)."""
    from qiskit import QuantumCircuit

    n = qubo.num_variables
    h, J, _ = qubo.to_ising()
    qc = QuantumCircuit(n)
    for q in range(n):
        if thetas is None:
            qc.h(q)
        else:
            qc.ry(thetas[q], q)
    betas = np.asarray(betas, dtype=float)
    for l, g in enumerate(gammas):
        for i in range(n):
            if h[i]:
                qc.rz(2 * g * h[i], i)
        for i in range(n):
            for j in range(i + 1, n):
                if J[i, j]:
                    qc.rzz(2 * g * J[i, j], i, j)
        for q in range(n):
            b = betas[l] if betas.ndim == 1 else betas[l, q]
            if thetas is None:
                qc.rx(2 * b, q)
            else:  # exp(-i b (sin t X + cos t Z)) = Ry(t) Rz(2b) Ry(-t)
                qc.ry(-thetas[q], q)
                qc.rz(2 * b, q)
                qc.ry(thetas[q], q)
    return qc


def qiskit_state(qubo: QUBO, gammas, betas, thetas=None):
    """Statevector of the QAOA circuit built from Qiskit gates, and <H> + constant."""
    from qiskit.quantum_info import Statevector

    sv = Statevector(qaoa_circuit(qubo, gammas, betas, thetas))
    op, const = qubo.to_sparse_pauli_op()
    return sv.data, float(np.real(sv.expectation_value(op))) + const


# ---- cost diagonal -------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 5, 12, 15])
def test_diagonal_matches_energies(n):
    q = random_qubo(n, np.random.default_rng(n))
    E = qubo_diagonal(q)
    assert E.dtype == np.float64 and E.shape == (1 << n,)
    np.testing.assert_allclose(E, q.energy(all_bits(n)), rtol=0, atol=1e-11)
    E32 = qubo_diagonal(q, dtype=np.float32)
    assert E32.dtype == np.float32
    np.testing.assert_allclose(E32, E, rtol=1e-5, atol=1e-4)


def test_diagonal_bit_convention_and_sparse_inputs():
    # E(z) with bit i of z = variable i (little-endian, as Qiskit)
    q = QUBO.from_terms(3, {0: 1.0, 2: 10.0}, {(0, 2): 100.0})
    E = qubo_diagonal(q)
    assert E[0b001] == 1.0 and E[0b100] == 10.0 and E[0b101] == 111.0 and E[0b010] == 0.0
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    n = 9
    q = random_qubo(n, rng, density=0.2)
    ref = qubo_diagonal(q)
    coo = sp.coo_matrix(q.quadratic)
    for quad in (sp.csr_matrix(q.quadratic), {(int(i), int(j)): float(v) for i, j, v in zip(coo.row, coo.col, coo.data)},
                 (coo.row, coo.col, coo.data), q.quadratic.T):   # lower triangle folds too
        np.testing.assert_allclose(qubo_diagonal(linear=q.linear, quadratic=quad, offset=q.offset), ref, atol=1e-12)


def test_minimum_and_ties():
    rng = np.random.default_rng(1)
    for n in (1, 3, 8, 14):
        q = QUBO(rng.integers(-3, 3, n).astype(float), np.triu(rng.integers(-3, 3, (n, n)), 1).astype(float))
        E = q.energy(all_bits(n))
        idx, e = qubo_minimum(q)
        assert e == pytest.approx(E.min()) and idx == int(np.flatnonzero(E == E.min())[0])
    assert bits_to_index(index_to_bits([5, 6], 4)).tolist() == [5, 6]


# ---- energies and states vs Qiskit ---------------------------------------------------------------

def _check_against_qiskit(n, p, per_qubit, structured, rng, low_bits=15, thetas=None):
    q = random_qubo(n, rng)
    if structured:   # small phase sub-blocks exercise the structured phase at small n
        eng = QAOAEngine.from_qubo(q, low_bits=low_bits, thetas=thetas, phase_bits=max(3, min(low_bits, n - 3)))
        assert eng.structured == (n >= 5)
    else:
        eng = QAOAEngine(qubo_diagonal(q), low_bits=low_bits, thetas=thetas)
    g = rng.normal(size=p)
    b = rng.normal(size=(p, n)) * 1.5 if per_qubit else rng.normal(size=p) * 1.5
    e = eng.run(g, b)
    sv, ref = qiskit_state(q, g, b, thetas)
    assert abs(e - ref) < 1e-8, (n, p, per_qubit, structured, e, ref)
    assert abs(abs(np.vdot(eng.statevector(), sv)) - 1.0) < 1e-10


@pytest.mark.parametrize("n", range(2, 17))
def test_energy_matches_qiskit(n):
    # the sweep: n = 2..16, p = 1..4, with and without per-qubit angles (~10 s in all)
    rng = np.random.default_rng(200 + n)
    for p in (1, 2, 3, 4):
        for per_qubit in (False, True):
            for structured in (False, True):
                _check_against_qiskit(n, p, per_qubit, structured, rng)


@pytest.mark.slow
@pytest.mark.parametrize("per_qubit", [False, True])
def test_energy_matches_aer_at_24_qubits(per_qubit):
    # the benchmark's size: several gathered segments, two threads, structured phase
    from qiskit_aer.primitives import EstimatorV2

    rng = np.random.default_rng(24)
    n, p = 24, 2
    q = random_qubo(n, rng)
    g = rng.normal(size=p) * 0.3
    b = rng.normal(size=(p, n)) if per_qubit else rng.normal(size=p)
    est = EstimatorV2(options={"backend_options": {"method": "statevector"}, "default_precision": 0.0})
    op, const = q.to_sparse_pauli_op()
    ref = float(est.run([(qaoa_circuit(q, g, b), op)]).result()[0].data.evs) + const
    assert QAOAEngine.from_qubo(q).run(g, b) == pytest.approx(ref, abs=1e-8)


def test_blocking_layouts_and_threads_agree():
    # small cache blocks force the stream passes (qubits >= B) and their per-thread partition
    rng = np.random.default_rng(7)
    n = 11
    q = random_qubo(n, rng)
    g, b = rng.normal(size=3), rng.normal(size=(3, n))
    ref = QAOAEngine.from_qubo(q).run(g, b)
    _, qref = qiskit_state(q, g, b)
    assert ref == pytest.approx(qref, abs=1e-9)
    for low_bits, phase_bits in ((3, 3), (5, 3), (5, 5), (8, 6), (15, 8)):
        for threads in (1, 2):
            for structured in (True, False):
                eng = QAOAEngine.from_qubo(q, low_bits=low_bits, threads=threads, phase_bits=phase_bits) \
                    if structured else QAOAEngine(qubo_diagonal(q), low_bits=low_bits, threads=threads)
                assert eng.structured == structured
                assert eng.run(g, b) == pytest.approx(ref, abs=1e-10)
                v, dg, db = eng.value_and_grad(g, b)
                v0, dg0, db0 = QAOAEngine.from_qubo(q).value_and_grad(g, b)
                np.testing.assert_allclose(dg, dg0, atol=1e-9)
                np.testing.assert_allclose(db, db0, atol=1e-9)


def test_gathered_segments_and_parallel_layouts_agree():
    # several gathered passes per layer (high_bits < qubits above the block), short rows, and the
    # layout a multithreaded engine picks from 14 qubits (at least four blocks)
    rng = np.random.default_rng(8)
    n = 14
    q = random_qubo(n, rng)
    g, b = rng.normal(size=2), rng.normal(size=(2, n))
    ref = QAOAEngine.from_qubo(q, threads=1)
    assert not ref.layout.has_high
    e0 = ref.run(g, b)
    v0, dg0, db0 = ref.value_and_grad(g, b)
    for kw in ({"low_bits": 5, "high_bits": 4}, {"low_bits": 6, "high_bits": 3, "row_bits": 3},
               {"low_bits": 4, "high_bits": 9, "row_bits": 4}, {"threads": 2}):
        for thetas in (None, rng.uniform(0.2, 2.9, n)):
            eng = QAOAEngine.from_qubo(q, thetas=thetas, **kw)
            assert eng.layout.has_high
            if "high_bits" in kw:
                assert max(h for _, h in eng.layout.segments) <= kw["high_bits"]
            if thetas is None:
                assert eng.run(g, b) == pytest.approx(e0, abs=1e-10)
                v, dg, db = eng.value_and_grad(g, b)
                np.testing.assert_allclose(dg, dg0, atol=1e-9)
                np.testing.assert_allclose(db, db0, atol=1e-9)
            else:
                ws = QAOAEngine.from_qubo(q, thetas=thetas, threads=1)
                assert eng.run(g, b) == pytest.approx(ws.run(g, b), abs=1e-10)
                np.testing.assert_allclose(eng.value_and_grad(g, b)[2], ws.value_and_grad(g, b)[2], atol=1e-9)
    assert len(QAOAEngine.from_qubo(q, low_bits=5, high_bits=4).layout.segments) == 3


def test_state_and_diagonal_start_on_cache_lines():
    q = random_qubo(16, np.random.default_rng(2))
    eng = QAOAEngine.from_qubo(q)
    eng.value_and_grad([0.1, 0.2], [0.3, 0.4])
    for a in (eng.F, eng.FL, qubo_diagonal(q), qubo_diagonal(q, dtype=np.float32)):
        assert a.ctypes.data % 64 == 0


def test_layout_passes_per_layer():
    from qbench.backends.statevector.schedule import make_layout
    assert make_layout(16).segments == ()                       # one block, one pass per layer
    assert make_layout(16, parallel=True) == make_layout(16, 14)   # >= 4 blocks for the threads
    assert make_layout(24, parallel=True).segments == ((15, 9),)
    assert make_layout(25, parallel=True).segments == ((16, 9),)   # not two segments of 5
    assert make_layout(26, parallel=True).segments == ((17, 9),)   # nor of 6 and 5
    assert make_layout(27).segments == ((15, 6), (21, 6))
    assert make_layout(30).segments == ((15, 8), (23, 7))
    assert all(L.R == 8 for L in (make_layout(24), make_layout(30)))


def test_warm_start_matches_qiskit():
    rng = np.random.default_rng(11)
    for n in (3, 7):
        th = rng.uniform(0.2, 2.9, size=n)
        for structured in (False, True):
            _check_against_qiskit(n, 2, True, structured, rng, thetas=th)
            _check_against_qiskit(n, 3, False, structured, rng, low_bits=4, thetas=th)


def test_mixer_branches():
    # beta near and beyond pi/4 switches the tangent form to the Pauli-frame branch
    rng = np.random.default_rng(5)
    n = 6
    q = random_qubo(n, rng)
    eng = QAOAEngine.from_qubo(q, low_bits=4, phase_bits=3)
    for beta in (math.pi / 4, math.pi / 2, 3 * math.pi / 4, -math.pi / 2, math.pi, 2.5):
        _, ref = qiskit_state(q, [0.3, -0.7], [beta, 0.1])
        assert eng.run([0.3, -0.7], [beta, 0.1]) == pytest.approx(ref, abs=1e-9)


def test_single_precision():
    rng = np.random.default_rng(9)
    n = 10
    q = random_qubo(n, rng)
    g, b = rng.normal(size=2), rng.normal(size=2)
    e64 = QAOAEngine.from_qubo(q).run(g, b)
    for phase_bits in (None, 5):
        eng = QAOAEngine.from_qubo(q, precision="single", phase_bits=phase_bits, low_bits=7)
        assert eng.run(g, b) == pytest.approx(e64, abs=1e-4)
        assert eng.F.dtype == np.float32 and eng.statevector().dtype == np.complex64
        v, dg, db = eng.value_and_grad(g, b)
        v64, dg64, db64 = QAOAEngine.from_qubo(q).value_and_grad(g, b)
        np.testing.assert_allclose(dg, dg64, atol=1e-3)
        np.testing.assert_allclose(db, db64, atol=1e-3)


# ---- gradients -----------------------------------------------------------------------------------

GRADIENT_VARIANTS = ["standard", "multi", "warm", "cvar", "generic", "blocked"]


@pytest.mark.parametrize("variant", GRADIENT_VARIANTS)
def test_gradient_matches_finite_differences(variant):
    # a fixed seed per variant (hash() of a str changes with every process, so failures would not repeat)
    rng = np.random.default_rng(100 + GRADIENT_VARIANTS.index(variant))
    n, p = 6, 3
    q = random_qubo(n, rng)
    th = rng.uniform(0.3, 2.8, size=n) if variant == "warm" else None
    if variant == "generic":
        eng = QAOAEngine(qubo_diagonal(q))
    else:
        eng = QAOAEngine.from_qubo(q, thetas=th, low_bits=4 if variant == "blocked" else 15, phase_bits=3)
    alpha = 0.35 if variant == "cvar" else 1.0
    g = rng.normal(size=p)
    b = rng.normal(size=(p, n)) if variant in ("multi", "warm", "blocked") else rng.normal(size=p)
    v, dg, db = eng.value_and_grad(g, b, alpha)
    assert v == pytest.approx(eng.objective(g, b, alpha), abs=1e-12)
    h = 1e-6
    for l in range(p):
        d = np.zeros(p)
        d[l] = h
        fd = (eng.objective(g + d, b, alpha) - eng.objective(g - d, b, alpha)) / (2 * h)
        assert dg[l] == pytest.approx(fd, abs=2e-7)
    for idx in np.ndindex(np.shape(b)):
        d = np.zeros(np.shape(b))
        d[idx] = h
        fd = (eng.objective(g, b + d, alpha) - eng.objective(g, b - d, alpha)) / (2 * h)
        assert db[idx] == pytest.approx(fd, abs=2e-7)


# ---- readout -------------------------------------------------------------------------------------

def test_cvar_masks_topk():
    rng = np.random.default_rng(21)
    n = 7
    q = random_qubo(n, rng)
    eng = QAOAEngine.from_qubo(q)
    e = eng.run([0.4, 0.9], [-0.5, -0.2])
    P = eng.probabilities()
    E = qubo_diagonal(q)
    assert P.sum() == pytest.approx(1.0, abs=1e-12)
    assert e == pytest.approx(float(P @ E), abs=1e-12)
    for alpha in (0.05, 0.3, 1.0):
        order = np.argsort(E, kind="stable")
        cum = np.cumsum(P[order])
        k = min(int(np.searchsorted(cum, alpha)), P.size - 1)
        exact = (float(P[order[:k]] @ E[order[:k]]) + (alpha - (cum[k - 1] if k else 0.0)) * E[order[k]]) / alpha
        cv, var = eng.cvar(alpha)
        assert cv == pytest.approx(exact, abs=1e-10) and var == E[order[k]]
    feas = E < np.median(E)
    best = np.flatnonzero(E == E.min())
    r = eng.analyze(masks=[feas, best], cvar_alpha=0.3)
    assert r.expectation == pytest.approx(e, abs=1e-12) and r.norm == pytest.approx(1.0, abs=1e-12)
    assert r.mask_probabilities[0] == pytest.approx(P[feas].sum(), abs=1e-12)
    assert r.mask_probabilities[1] == pytest.approx(P[best].sum(), abs=1e-12)
    assert r.cvar == pytest.approx(eng.cvar(0.3)[0])
    idx, probs = eng.top_k(10)
    np.testing.assert_allclose(probs, np.sort(P)[::-1][:10], atol=1e-14)
    np.testing.assert_allclose(P[idx], probs, atol=1e-14)


def test_sampling_frequencies_chi_square():
    from scipy.stats import chisquare

    rng = np.random.default_rng(31)
    n = 5
    q = random_qubo(n, rng)
    eng = QAOAEngine.from_qubo(q, low_bits=3)   # several sampling blocks, a non-trivial frame
    eng.run([0.7, 1.1], [2.0, -1.3])
    P = eng.probabilities()
    shots = 40000
    s = eng.sample(shots, seed=1234)
    assert s.shape == (shots,) and s.min() >= 0 and s.max() < 1 << n
    assert np.array_equal(s, eng.sample(shots, seed=1234))
    counts = np.bincount(s, minlength=1 << n)
    keep = P * shots >= 5
    f_obs, f_exp = counts[keep], P[keep] * shots
    if (~keep).any():
        f_obs, f_exp = np.append(f_obs, counts[~keep].sum()), np.append(f_exp, P[~keep].sum() * shots)
    assert chisquare(f_obs, f_exp * f_obs.sum() / f_exp.sum()).pvalue > 1e-3


# ---- memory --------------------------------------------------------------------------------------

def _paired_qubo(n: int, rng: np.random.Generator) -> QUBO:
    """Qubit i coupled to qubit i + n/2 only: the QAOA state is a product of n/2 two-qubit states,
    so its energy is a sum of 4-amplitude simulations at any n."""
    h = rng.normal(size=n)
    J = np.zeros((n, n))
    for i in range(n // 2):
        J[i, i + n // 2] = rng.normal()
    return QUBO(h, J, 0.5)


def _paired_energy(qubo: QUBO, gammas, betas) -> float:
    n = qubo.num_variables
    rx = [np.array([[math.cos(b), -1j * math.sin(b)], [-1j * math.sin(b), math.cos(b)]]) for b in betas]
    total = float(qubo.offset)
    for i in range(n // 2):
        a, b = i, i + n // 2
        z = all_bits(2)
        e = qubo.linear[a] * z[:, 0] + qubo.linear[b] * z[:, 1] + qubo.quadratic[a, b] * z[:, 0] * z[:, 1]
        psi = np.full(4, 0.5, dtype=complex)
        for g, m in zip(gammas, rx):
            psi = np.kron(m, m) @ (np.exp(-1j * g * e) * psi)   # kron(m, m) is symmetric in the two bits
        total += float(np.sum(np.abs(psi) ** 2 * e))
    return total


def test_paired_qubo_reference():
    q = _paired_qubo(8, np.random.default_rng(5))
    g, b = [0.4, 0.9], [0.3, -0.2]
    eng = QAOAEngine.from_qubo(q)
    assert eng.run(g, b) == pytest.approx(_paired_energy(q, g, b), abs=1e-10)
    assert eng.run(g, b) == pytest.approx(qiskit_state(q, g, b)[1], abs=1e-10)


def test_engine_without_diagonal_matches():
    # energies from the QUBO's block tables instead of a stored diagonal: same state, same numbers;
    # large betas put Pauli frames on the final state, small blocks give several sub-blocks per block
    rng = np.random.default_rng(11)
    for n in (14, 17):
        q = random_qubo(n, rng)
        g, b = rng.normal(size=3), rng.normal(size=3) * 2
        ref = QAOAEngine.from_qubo(q)
        e_ref = ref.run(g, b)
        mask = rng.random(1 << n) < 0.3
        r_ref = ref.analyze([mask])
        for threads in (1, 2):
            for low_bits in (15, 10):
                eng = QAOAEngine.from_qubo(q, store_diagonal=False, threads=threads, low_bits=low_bits)
                assert not eng.has_diagonal and eng.E.size < 1 << n
                assert eng.run(g, b) == pytest.approx(e_ref, abs=1e-10)
                r = eng.analyze([mask])
                assert r.expectation == pytest.approx(r_ref.expectation, abs=1e-10)
                assert r.mask_probabilities[0] == pytest.approx(r_ref.mask_probabilities[0], abs=1e-12)
                np.testing.assert_array_equal(eng.sample(300, seed=2), ref.sample(300, seed=2))
        with pytest.raises(ValueError, match="cost diagonal"):
            eng.cvar(0.2)
        with pytest.raises(ValueError, match="cost diagonal"):
            eng.value_and_grad(g, b)
    q = random_qubo(15, rng)
    thetas = rng.uniform(0.3, 2.8, 15)   # warm-start mixer
    for precision, tol in (("double", 1e-12), ("single", 1e-6)):
        ref = QAOAEngine.from_qubo(q, thetas=thetas, precision=precision).run([0.3, 0.7], [0.5, -0.4])
        eng = QAOAEngine.from_qubo(q, thetas=thetas, precision=precision, store_diagonal=False)
        assert eng.run([0.3, 0.7], [0.5, -0.4]) == pytest.approx(ref, abs=tol)
    with pytest.raises(ValueError, match="pass the diagonal"):
        QAOAEngine.from_qubo(random_qubo(8, rng), store_diagonal=False)


def test_diagonal_is_dropped_only_when_it_does_not_fit(monkeypatch):
    from qbench.backends.statevector import memory

    q = random_qubo(20, np.random.default_rng(12))
    with_diag = required_bytes(20, "double")
    state_only = required_bytes(20, "double", diagonal=False)
    monkeypatch.setattr(memory, "available_bytes", lambda: (with_diag + state_only) // 2)
    eng = QAOAEngine.from_qubo(q)
    assert not eng.has_diagonal
    monkeypatch.setattr(memory, "available_bytes", lambda: with_diag)
    assert QAOAEngine.from_qubo(q).has_diagonal
    monkeypatch.setattr(memory, "available_bytes", lambda: state_only - 1)
    with pytest.raises(TooLargeError, match="20 qubits"):
        QAOAEngine.from_qubo(q)


@pytest.mark.slow
@pytest.mark.parametrize("n, precision, store, tol", [(28, "double", True, 1e-9), (30, "single", True, 2e-4),
                                                      (30, "double", False, 1e-9)])
def test_largest_states_that_fit_24_gib(n, precision, store, tol):
    # 28 qubits in double precision need 6 GiB and 30 in single precision 12 GiB (state + diagonal);
    # 30 in double precision need 16 GiB without the diagonal
    import gc

    from qbench.backends.statevector.memory import fits

    assert required_bytes(n, precision, diagonal=store) < 17 << 30
    gc.collect()   # the previous case's engine
    if not fits(n, precision, diagonal=store):
        pytest.skip(f"{n} qubits ({precision}) need more memory than this machine has available now")
    q = _paired_qubo(n, np.random.default_rng(n))
    g, b = [0.4, 0.9], [0.3, -0.2]
    eng = QAOAEngine.from_qubo(q, precision=precision, store_diagonal=store)
    assert eng.has_diagonal == store
    e = eng.run(g, b)
    ref = _paired_energy(q, g, b)
    assert abs(e - ref) < tol * max(1.0, abs(ref)), (e, ref)
    r = eng.analyze()
    assert r.norm == pytest.approx(1.0, abs=10 * tol)
    shots = eng.sample(64, seed=1)
    assert shots.min() >= 0 and shots.max() < 1 << n


def test_too_large_is_refused_before_allocation():
    with pytest.raises(TooLargeError) as err:
        check_fits(30, "double", gradient=True, available=16 << 30)
    msg = str(err.value)
    assert "\n" not in msg and "30 qubits" in msg and "GiB" in msg
    for word in ("shrink", "PCE", "QRAO", "MPS"):
        assert word in msg
    assert required_bytes(30, "single") < required_bytes(30, "double")
    assert check_fits(30, "single", available=24 << 30) <= 24 << 30   # 30 qubits fit in 24 GiB in single
    with pytest.raises(TooLargeError):
        check_fits(40)
