"""QAOA as a Qiskit circuit (standard, multi-angle, warm-start, CVaR) for circuit backends.

Same circuit, angles and scaling as the fast engine (:mod:`qbench.backends.statevector.engine`):
``|psi0> = prod_q RY(theta_q)|0>``, per layer ``exp(-i gamma E)`` (RZ/RZZ of the Ising form) then
``exp(-i beta_lq G_q)`` with ``G_q = sin(theta_q) X + cos(theta_q) Z`` (= RY(theta) RZ(2 beta) RY(-theta);
RX(2 beta) without warm start), so its energies equal the engine's."""

from __future__ import annotations

import math

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet


def qaoa_circuit(solver, qubo: QUBO, thetas: np.ndarray | None):
    """(circuit, number of gammas); parameters sort as gamma[0..p-1] then mixer[0..]."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    n, p = qubo.num_variables, solver.reps
    h, J, _ = qubo.to_ising()
    gammas = ParameterVector("gamma", p)
    betas = ParameterVector("mixer", p * n if solver.multi_angle else p)
    qc = QuantumCircuit(n, name="qaoa")
    for q in range(n):
        if thetas is None:
            qc.h(q)
        else:
            qc.ry(float(thetas[q]), q)
    pairs = [(int(i), int(j), float(J[i, j])) for i, j in zip(*np.nonzero(J))]
    for layer in range(p):
        g = gammas[layer]
        for q in np.flatnonzero(h):
            qc.rz(2.0 * float(h[q]) * g, int(q))
        for i, j, w in pairs:
            qc.rzz(2.0 * w * g, i, j)
        for q in range(n):
            b = betas[layer * n + q] if solver.multi_angle else betas[layer]
            if thetas is None:
                qc.rx(2.0 * b, q)
            else:
                qc.ry(-float(thetas[q]), q)
                qc.rz(2.0 * b, q)
                qc.ry(float(thetas[q]), q)
    return qc, p


def solve_qaoa_circuit(solver, qubo: QUBO, seed: int | None) -> SampleSet:
    from qbench.backends import open_backend
    from qbench.formulations.problem_cost import for_objective
    from qbench.solvers.circuit_loop import CircuitObjective, run_variational
    from qbench.solvers.qaoa import angle_scale, relaxed_solution

    n = qubo.num_variables
    if n == 0:
        return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset), {"evaluations": 0, "reps": solver.reps})
    ss = np.random.SeedSequence(seed)
    rng_init, rng_shots, rng_warm = (np.random.default_rng(s) for s in ss.spawn(3))
    with open_backend(solver.backend, solver.backend_options, seed=int(rng_shots.integers(2 ** 31)),
                      shots=max(solver.shots, 1)) as backend:
        backend.check_fits(n, "QAOA circuit")
        thetas = None
        if solver.warm_start == "relaxed":
            thetas = 2.0 * np.arcsin(np.sqrt(relaxed_solution(qubo, int(rng_warm.integers(2 ** 31)))))
        circuit, p = qaoa_circuit(solver, qubo, thetas)
        scale = angle_scale(qubo)

        def values(x):
            return np.concatenate([np.asarray(x[:p]) / scale, np.asarray(x[p:])])

        cost = for_objective(solver.objective, n, "qaoa")
        objective = CircuitObjective(backend, circuit, qubo, alpha=solver.cvar_alpha, shots=solver.shots,
                                     estimate="auto", values=values, cost=cost, cvar_scope=solver.cvar_scope)
        x0 = solver.initial_point(n, rng_init)
        info = {"reps": solver.reps, "cvar_alpha": float(solver.cvar_alpha), "angle_scale": scale,
                "multi_angle": solver.multi_angle, "warm_start": solver.warm_start,
                "objective_kind": solver.objective, "cvar_scope": solver.cvar_scope}
        samples = run_variational(objective, x0, optimizer=solver.optimizer, maxiter=solver.maxiter,
                                  seed=int(rng_init.integers(2 ** 31)), top_k=solver.top_k,
                                  resources_on=solver.resources_on, info=info)
        return samples
