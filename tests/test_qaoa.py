"""QAOA solver: configuration, seeded sampling, exact readout, optimisers, scale invariance."""

from __future__ import annotations

import numpy as np
import pytest

from qbench.backends.statevector import QAOAEngine, index_to_bits
from qbench.errors import ConfigError, TooLargeError
from qbench.qubo import QUBO
from qbench.registry import make_solver
from qbench.solvers.bruteforce import BruteForceSolver
from qbench.solvers.qaoa import QAOASolver, angle_scale


def random_qubo(n, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=n) * scale, np.triu(rng.normal(size=(n, n)), 1) * scale, 1.5 * scale)


def test_config_through_registry():
    s = make_solver("qaoa", {"reps": 2, "shots": 10, "optimizer": "L-BFGS-B", "multi_angle": True,
                             "cvar_alpha": 0.5, "precision": "single", "maxiter": 5, "init": "random"})
    assert isinstance(s, QAOASolver) and s.reps == 2 and s.uses_gradient
    for bad in ({"reps": 0}, {"shots": -1}, {"optimizer": "adam"}, {"cvar_alpha": 0.0}, {"cvar_alpha": 1.5},
                {"precision": "half"}, {"init": "tqa"}, {"warm_start": "yes"}, {"layers": 2}, {"threads": 0}):
        with pytest.raises(ConfigError):
            make_solver("qaoa", bad)


def test_sampled_solution_is_seeded_and_consistent():
    q = random_qubo(8, 1)
    s = QAOASolver(reps=2, shots=512, maxiter=30)
    a, b = s.solve(q, seed=7), s.solve(q, seed=7)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.probabilities, b.probabilities)
    assert a.shots == 512 and a.probabilities.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(a.energies, q.energy(a.samples))
    info = a.info
    for key in ("evaluations", "reps", "expectation", "gammas", "betas", "optimizer_message", "seconds"):
        assert key in info
    assert info["reps"] == 2 and len(info["gammas"]) == 2 and len(info["betas"]) == 2
    assert 1 < info["evaluations"] <= 32
    # the reported angles reproduce the reported expectation
    eng = QAOAEngine.from_qubo(q)
    assert eng.run(info["gammas"], info["betas"]) == pytest.approx(info["expectation"], abs=1e-10)
    c = s.solve(q, seed=8)
    assert not np.array_equal(a.samples, c.samples) or not np.array_equal(a.probabilities, c.probabilities)


def test_thread_count_does_not_change_results():
    # 14 qubits: the automatic engine is multithreaded with its own block layout
    q = random_qubo(14, 5)
    runs = [QAOASolver(reps=2, shots=256, maxiter=20, threads=t).solve(q, seed=3) for t in (None, 1, 2)]
    for r in runs[1:]:
        assert r.info["expectation"] == pytest.approx(runs[0].info["expectation"], abs=1e-10)
        assert r.info["evaluations"] == runs[0].info["evaluations"]


def test_exact_readout_when_shots_zero():
    q = random_qubo(7, 2)
    ss = QAOASolver(reps=1, shots=0, maxiter=10, top_k=20).solve(q, seed=0)
    assert ss.shots is None and len(ss) == 20
    eng = QAOAEngine.from_qubo(q)
    eng.run(ss.info["gammas"], ss.info["betas"])
    P = eng.probabilities()
    idx = (ss.samples.astype(np.int64) << np.arange(7)).sum(axis=1)
    np.testing.assert_allclose(ss.probabilities, P[idx], atol=1e-12)
    assert set(idx) == set(np.argsort(P)[::-1][:20])
    assert ss.info["probability_covered"] == pytest.approx(P[idx].sum())
    full = QAOASolver(reps=1, shots=0, maxiter=0).solve(q, seed=0)
    assert len(full) == 128 and full.probabilities.sum() == pytest.approx(1.0)


def test_gradient_optimizer_improves_on_the_ramp():
    q = random_qubo(9, 3)
    ramp = QAOASolver(reps=3, maxiter=0, shots=16).solve(q, seed=1).info["expectation"]
    res = QAOASolver(reps=3, optimizer="L-BFGS-B", maxiter=60, shots=16).solve(q, seed=1)
    assert res.info["gradient_evaluations"] >= 1
    assert res.info["expectation"] < ramp - 1e-6
    ma = QAOASolver(reps=2, optimizer="BFGS", multi_angle=True, maxiter=40, shots=16).solve(q, seed=1)
    assert np.shape(ma.info["betas"]) == (2, 9)
    E = q.energy(index_to_bits(np.arange(512), 9))
    assert E.min() - 1e-9 <= ma.info["expectation"] < E.mean()


def _exact_cvar(P, E, alpha):
    """CVaR_alpha of the distribution P over energies E, written out here (lowest energies first)."""
    order = np.argsort(E, kind="stable")
    total, acc = 0.0, 0.0
    for i in order:
        take = min(P[i], alpha - acc)
        total += take * E[i]
        acc += take
        if acc >= alpha - 1e-15:
            break
    return total / alpha


def test_cvar_and_warm_start_and_single_precision():
    q = random_qubo(8, 4)
    E = q.energy(index_to_bits(np.arange(256), 8))
    opt = float(E.min())
    assert BruteForceSolver().solve(q).lowest()[1] == pytest.approx(opt, abs=1e-12)
    cv = QAOASolver(reps=2, cvar_alpha=0.1, maxiter=60, shots=256).solve(q, seed=2)
    # the reported expectation and CVaR are those of the state at the reported angles
    eng = QAOAEngine.from_qubo(q)
    assert eng.run(cv.info["gammas"], cv.info["betas"]) == pytest.approx(cv.info["expectation"], abs=1e-12)
    P = eng.probabilities()
    assert P @ E == pytest.approx(cv.info["expectation"], abs=1e-10)
    assert cv.info["objective"] == pytest.approx(_exact_cvar(P, E, 0.1), abs=1e-10)
    assert cv.lowest()[1] == pytest.approx(opt, abs=1e-9)          # known answer: brute-force optimum sampled
    ws = QAOASolver(reps=1, warm_start="relaxed", optimizer="L-BFGS-B", maxiter=30, shots=256).solve(q, seed=2)
    w0 = QAOASolver(reps=1, warm_start="relaxed", optimizer="L-BFGS-B", maxiter=0, shots=256).solve(q, seed=2)
    assert len(ws.info["warm_start_thetas"]) == 8
    warm = QAOAEngine.from_qubo(q, thetas=np.array(ws.info["warm_start_thetas"]))
    assert warm.run(ws.info["gammas"], ws.info["betas"]) == pytest.approx(ws.info["expectation"], abs=1e-12)
    assert ws.info["expectation"] < w0.info["expectation"] - 1e-3   # the optimiser improved on its start
    assert ws.lowest()[1] == pytest.approx(opt, abs=1e-9)
    sp = QAOASolver(reps=2, precision="single", maxiter=20, shots=64).solve(q, seed=2)
    dp = QAOASolver(reps=2, precision="double", maxiter=20, shots=64).solve(q, seed=2)
    assert sp.info["expectation"] == pytest.approx(dp.info["expectation"], abs=1e-3)


def test_angle_normalisation_makes_scales_irrelevant():
    # the same problem at coefficient scale 1 and 1e5: same initial state, same quality after
    q1, q2 = random_qubo(8, 5), random_qubo(8, 5, scale=1e5)
    assert angle_scale(q2) == pytest.approx(1e5 * angle_scale(q1))
    a0 = QAOASolver(reps=2, maxiter=0, shots=64).solve(q1, seed=3)
    b0 = QAOASolver(reps=2, maxiter=0, shots=64).solve(q2, seed=3)
    assert b0.info["expectation"] / 1e5 == pytest.approx(a0.info["expectation"], rel=1e-9)
    np.testing.assert_allclose(np.array(b0.info["gammas"]) * 1e5, a0.info["gammas"], rtol=1e-9)
    a = QAOASolver(reps=2, maxiter=40, shots=64).solve(q1, seed=3)
    b = QAOASolver(reps=2, maxiter=40, shots=64).solve(q2, seed=3)
    assert a.info["expectation"] < a0.info["expectation"]
    assert b.info["expectation"] / 1e5 == pytest.approx(a.info["expectation"], rel=1e-2)


def test_solver_drops_the_diagonal_only_for_plain_expectations(monkeypatch):
    from qbench.backends.statevector import memory, required_bytes

    rng = np.random.default_rng(4)
    n = 16
    q = QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1))
    full = QAOASolver(reps=1, maxiter=15, shots=256).solve(q, seed=5)
    assert full.info["cost_diagonal_stored"]
    avail = (required_bytes(n, "double") + required_bytes(n, "double", diagonal=False)) // 2
    monkeypatch.setattr(memory, "available_bytes", lambda: avail)
    lean = QAOASolver(reps=1, maxiter=15, shots=256).solve(q, seed=5)
    assert not lean.info["cost_diagonal_stored"]
    assert lean.info["expectation"] == pytest.approx(full.info["expectation"], abs=1e-10)
    np.testing.assert_array_equal(lean.samples, full.samples)
    for solver in (QAOASolver(optimizer="L-BFGS-B"), QAOASolver(cvar_alpha=0.2)):
        with pytest.raises(TooLargeError, match=f"{n} qubits"):
            solver.solve(q, seed=5)


def test_size_is_checked_before_work():
    q = QUBO(np.zeros(40), np.zeros((40, 40)))
    with pytest.raises(TooLargeError, match="40 qubits"):
        QAOASolver().solve(q)
    with pytest.raises(TooLargeError):
        QAOASolver().check_size(q)


def test_max_qubits_refuses_before_any_work():
    import numpy as np
    import pytest

    from qbench.errors import TooLargeError
    from qbench.qubo import QUBO
    from qbench.solvers.qaoa import QAOASolver

    qubo = QUBO(np.ones(6), np.zeros((6, 6)))
    with pytest.raises(TooLargeError, match="max_qubits=5"):
        QAOASolver(max_qubits=5).solve(qubo, seed=0)
    assert len(QAOASolver(max_qubits=6, maxiter=2, shots=16).solve(qubo, seed=0)) >= 1


def test_cobyla_respects_the_evaluation_budget_and_finds_a_tiny_optimum():
    import numpy as np

    from qbench.qubo import QUBO
    from qbench.solvers.bruteforce import BruteForceSolver
    from qbench.solvers.qaoa import QAOASolver

    rng = np.random.default_rng(7)
    qubo = QUBO(rng.normal(size=6), np.triu(rng.normal(size=(6, 6)), 1))
    result = QAOASolver(reps=2, maxiter=25, shots=2048).solve(qubo, seed=3)
    assert result.info["evaluations"] <= 25 + 1  # the budget, plus the final readout
    assert "NLopt COBYLA" in result.info["optimizer_message"]
    best = BruteForceSolver().solve(qubo).lowest()[1]
    assert result.lowest()[1] == np.float64(best) or abs(result.lowest()[1] - best) < 1e-9
