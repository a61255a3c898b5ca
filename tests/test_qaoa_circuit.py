"""QAOA as a Qiskit circuit on Aer backends: the same energies as the fast engine."""

from __future__ import annotations

import numpy as np
import pytest

from qbench.backends import get_backend
from qbench.backends.statevector import QAOAEngine
from qbench.qubo import QUBO
from qbench.solvers.circuit_loop import CircuitObjective
from qbench.solvers.qaoa import QAOASolver, angle_scale, relaxed_solution
from qbench.solvers.qaoa_circuit import qaoa_circuit

N = 10


@pytest.fixture(scope="module")
def qubo10() -> QUBO:
    rng = np.random.default_rng(11)
    Q = np.triu(rng.normal(size=(N, N)), 1) * (rng.random((N, N)) < 0.5)
    return QUBO(rng.normal(size=N), Q, 0.7)


def _objective(solver, qubo, spec, thetas=None, alpha=1.0, shots=0, estimate="auto"):
    circuit, p = qaoa_circuit(solver, qubo, thetas)
    scale = angle_scale(qubo)
    values = lambda x: np.concatenate([np.asarray(x[:p]) / scale, np.asarray(x[p:])])  # noqa: E731
    return CircuitObjective(get_backend(spec, seed=5, shots=max(shots, 1)), circuit, qubo, alpha=alpha,
                            shots=shots, estimate=estimate, values=values), scale


@pytest.mark.parametrize("spec", ["statevector", "aer", "aer-mps"])
@pytest.mark.parametrize("variant", ["standard", "multi_angle", "warm_start"])
def test_exact_energies_equal_the_engine(qubo10, spec, variant):
    solver = QAOASolver(reps=2, multi_angle=variant == "multi_angle")
    thetas = 2 * np.arcsin(np.sqrt(relaxed_solution(qubo10, 3))) if variant == "warm_start" else None
    objective, scale = _objective(solver, qubo10, spec, thetas)
    assert objective.mode == "expectation"
    engine = QAOAEngine.from_qubo(qubo10, thetas=thetas)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = solver.initial_point(N, rng) + rng.normal(scale=0.3, size=2 + (2 * N if solver.multi_angle else 2))
        g, b = solver.split(x, N, scale)
        assert objective(x) == pytest.approx(engine.run(g, b), abs=1e-9)


def test_cvar_on_aer_equals_the_engine(qubo10):
    solver = QAOASolver(reps=1)
    objective, scale = _objective(solver, qubo10, "aer", alpha=0.25)
    assert objective.mode == "probabilities"
    engine = QAOAEngine.from_qubo(qubo10, store_diagonal=True)
    x = np.array([0.4, -0.3])
    g, b = solver.split(x, N, scale)
    assert objective(x) == pytest.approx(engine.objective(g, b, 0.25), abs=1e-9)


@pytest.mark.parametrize("spec", ["aer", "aer-mps"])
def test_sampled_energy_within_shot_noise(qubo10, spec):
    solver = QAOASolver(reps=1)
    shots = 4000
    objective, scale = _objective(solver, qubo10, spec, shots=shots, estimate="samples")
    x = np.array([0.5, -0.4])
    g, b = solver.split(x, N, scale)
    engine = QAOAEngine.from_qubo(qubo10, store_diagonal=True)
    exact = engine.run(g, b)
    p = engine.probabilities()
    from qbench.backends.statevector import qubo_diagonal

    sd = float(np.sqrt(p @ (qubo_diagonal(qubo10) - exact) ** 2 / shots))
    assert abs(objective(x) - exact) < 5 * sd


def test_multi_angle_with_tied_angles_equals_standard(qubo10):
    std, ma = QAOASolver(reps=2), QAOASolver(reps=2, multi_angle=True)
    o_std, _ = _objective(std, qubo10, "aer")
    o_ma, _ = _objective(ma, qubo10, "aer")
    x = np.array([0.3, 0.6, -0.5, -0.2])
    tied = np.concatenate([x[:2], np.repeat(x[2:], N)])
    assert o_ma(tied) == pytest.approx(o_std(x), abs=1e-10)


def test_solver_on_aer_matches_the_engine_run(qubo10):
    # same seeds, same optimiser, exact objectives: the same optimisation path and final energy
    kw = dict(reps=1, maxiter=15, shots=0, optimizer="COBYLA")
    a = QAOASolver(**kw).solve(qubo10, seed=4)
    b = QAOASolver(backend="aer", **kw).solve(qubo10, seed=4)
    assert b.info["objective"] == pytest.approx(a.info["objective"], abs=1e-8)
    assert b.info["backend"] == "aer" and b.info["depth"] > 0 and b.info["two_qubit_gates"] > 0
    np.testing.assert_allclose(b.energies, qubo10.energy(b.samples))
    assert len(b.info["trace_best"]) == len(b.info["trace_evaluation"]) >= 2
    assert np.all(np.diff(b.info["trace_best"]) <= 0)


def test_resources_on_a_fake_device(qubo10):
    r = QAOASolver(reps=1, maxiter=2, shots=64, backend="aer", resources_on="fake_kolkata").solve(qubo10, seed=0)
    assert r.info["isa_device"] == "fake_kolkata"
    assert r.info["isa_two_qubit_gates"] >= r.info["two_qubit_gates"] and r.info["isa_depth"] > r.info["depth"]
    # the engine path reports the same resources when asked
    e = QAOASolver(reps=1, maxiter=2, shots=64, resources_on="fake_kolkata").solve(qubo10, seed=0)
    assert e.info["isa_two_qubit_gates"] == r.info["isa_two_qubit_gates"]
