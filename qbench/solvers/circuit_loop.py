"""Variational solves of a parameterised Qiskit circuit on a :class:`~qbench.backends.base.Backend`.

The cost of a QUBO is diagonal, so the objective can be read three ways (``estimate``):

* ``expectation``: the estimator's <H> + constant (exact on ``aer``/``aer-mps``/``statevector``);
* ``probabilities``: the exact distribution from Aer's statevector (exact CVaR, small n);
* ``samples``: the sampler's shots, energies computed classically (CVaR from shots; noisy/device backends).

``auto`` takes the first that is exact and applies: expectation for alpha = 1 on exact backends up
to :data:`EXPECTATION_MAX_QUBITS` qubits, probabilities for CVaR on a statevector up to 26 qubits,
samples otherwise.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from qbench.errors import ConfigError
from qbench.formulations.problem_cost import DiagonalObjective, scoped_cvar
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.resources import circuit_resources
from qbench.solvers.variational import (Tracker, cvar, minimize, sampleset_from_counts,
                                        sampleset_from_probabilities)

ESTIMATES = ("auto", "expectation", "probabilities", "samples")
#: above this an estimator call per Pauli term of a dense QUBO Hamiltonian costs more than shots
EXPECTATION_MAX_QUBITS = 30
PROBABILITY_MAX_QUBITS = 26


def _statevector_like(backend) -> bool:
    return backend.exact and getattr(backend, "method", None) == "statevector"


def choose_estimate(estimate: str, backend, n: int, alpha: float) -> str:
    if estimate not in ESTIMATES:
        raise ConfigError(f"estimate must be one of {', '.join(ESTIMATES)}, got {estimate!r}")
    if estimate == "auto":
        if backend.exact and alpha >= 1.0 and n <= EXPECTATION_MAX_QUBITS:
            return "expectation"
        if _statevector_like(backend) and n <= PROBABILITY_MAX_QUBITS:
            return "probabilities"
        return "samples"
    if estimate == "expectation" and alpha < 1.0:
        raise ConfigError("estimate 'expectation' cannot give a CVaR (cvar_alpha < 1); use probabilities or samples")
    if estimate == "probabilities" and not _statevector_like(backend):
        raise ConfigError(f"estimate 'probabilities' needs an ideal statevector backend, not {backend.spec!r}")
    return estimate


class CircuitObjective:
    """x -> objective (expectation or CVaR) of ``circuit`` on ``backend``; ``values(x)`` maps the
    optimiser's vector onto the circuit's parameters (in ``circuit.parameters`` order)."""

    def __init__(self, backend, circuit, qubo: QUBO, *, alpha: float = 1.0, shots: int = 1024,
                 estimate: str = "auto", values=None, cost=None, cvar_scope: str = "all"):
        """``cost``: a :class:`~qbench.formulations.problem_cost.ProblemCost` to minimise instead of
        the QUBO energy (read from probabilities or samples; an estimator cannot give it), its CVaR
        taken over ``cvar_scope`` (:func:`~qbench.formulations.problem_cost.scoped_cvar`)."""
        self.backend, self.qubo, self.alpha, self.shots = backend, qubo, float(alpha), int(shots)
        self.values = values or (lambda x: x)
        self.circuit = circuit
        self.cost = cost
        self.cvar_scope = cvar_scope
        n = qubo.num_variables
        if cost is not None and estimate == "expectation":
            raise ConfigError("objective 'problem' is read from probabilities or samples, not estimate 'expectation'")
        # alpha 0 below only keeps 'auto' off the estimator, which cannot read the problem's cost
        self.mode = choose_estimate(estimate, backend, n, 0.0 if cost is not None and estimate == "auto" else self.alpha)
        self.pm = backend.pass_manager()
        self.isa_device = getattr(backend, "device_name", None) if self.pm is not None else None
        t = time.perf_counter()
        measured = circuit.measure_all(inplace=False)
        self.measured = self.pm.run(measured) if self.pm is not None else measured
        self.transpile_seconds = time.perf_counter() - t
        if self.mode == "expectation":
            self.H, self.constant = qubo.to_sparse_pauli_op()
            self.est_circuit = circuit
            if self.pm is not None:
                self.est_circuit = self.pm.run(circuit)
                self.H = self.H.apply_layout(self.est_circuit.layout)
            self.estimator = backend.estimator()
        elif self.mode == "probabilities":
            from qiskit_aer import AerSimulator

            self.prob_circuit = circuit.copy()
            self.prob_circuit.save_probabilities()
            self.simulator = AerSimulator(method="statevector", precision=getattr(backend, "precision", "double"))
        if self.mode == "samples" or self.shots > 0:
            self.sampler = backend.sampler()

    def probabilities(self, x) -> np.ndarray:
        bound = self.prob_circuit.assign_parameters(self.values(x))
        return np.asarray(self.simulator.run(bound, shots=1).result().data(0)["probabilities"], dtype=float)

    def counts(self, x, shots: int) -> dict[str, int]:
        res = self.sampler.run([(self.measured, self.values(x))], shots=shots).result()[0]
        return res.data.meas.get_counts()

    def __call__(self, x) -> float:
        if self.mode == "expectation":
            res = self.estimator.run([(self.est_circuit, self.H, self.values(x))]).result()[0]
            return float(res.data.evs) + self.constant
        if self.mode == "probabilities":
            p = self.probabilities(x)
            from qbench.backends.statevector import qubo_diagonal

            if self.cost is not None:
                if not hasattr(self, "_cost_objective"):
                    self._cost_objective = DiagonalObjective(self.cost, self.alpha, self.cvar_scope)
                return self._cost_objective(p)
            if not hasattr(self, "_diag"):
                self._diag = qubo_diagonal(self.qubo)
            return cvar(self._diag, p, self.alpha)
        counts = self.counts(x, max(self.shots, 1))
        from qbench.solvers.variational import bits_from_counts

        keys = list(counts)
        X = bits_from_counts(keys, self.qubo.num_variables)
        weights = np.array([counts[k] for k in keys], float)
        if self.cost is not None:
            return scoped_cvar(*self.cost.evaluate(X), weights, self.alpha, self.cvar_scope)
        return cvar(np.asarray(self.qubo.energy(X), dtype=float), weights, self.alpha)

    def final_samples(self, x, info: dict, top_k: int) -> SampleSet:
        if self.shots > 0:
            return sampleset_from_counts(self.counts(x, self.shots), self.qubo, info, self.shots)
        if not _statevector_like(self.backend) or self.qubo.num_variables > PROBABILITY_MAX_QUBITS:
            raise ConfigError(f"shots=0 (exact readout) needs backend aer or statevector up to "
                              f"{PROBABILITY_MAX_QUBITS} qubits, not {self.backend.spec!r}")
        if self.mode != "probabilities":
            from qiskit_aer import AerSimulator

            self.prob_circuit = self.circuit.copy()
            self.prob_circuit.save_probabilities()
            self.simulator = AerSimulator(method="statevector")
        return sampleset_from_probabilities(self.probabilities(x), self.qubo, info, top_k)

    def resources(self, resources_on: str | None, seed: int = 0) -> dict[str, Any]:
        return circuit_resources(self.circuit, resources_on, seed=seed,
                                 isa=self.measured if self.isa_device else None, isa_device=self.isa_device)


def run_variational(objective: CircuitObjective, x0: np.ndarray, *, optimizer: str, maxiter: int,
                    seed: int | None, top_k: int, resources_on: str | None, info: dict) -> SampleSet:
    """Optimise, read out at the best point, and assemble the SampleSet with the loop's facts in info."""
    t0 = time.perf_counter()
    tracker = Tracker(maxiter)

    def fun(x):
        t = time.perf_counter()
        v = objective(x)
        tracker.record(x, v, t)
        return v

    message, success = minimize(fun, np.asarray(x0, dtype=float), optimizer, maxiter, seed=seed)
    x_best = tracker.x if tracker.x is not None else np.asarray(x0, dtype=float)
    final = objective(x_best)
    info.update({
        "evaluations": tracker.evals + 1, "objective_seconds": tracker.seconds, "objective": final,
        "optimizer": optimizer, "optimizer_message": message, "optimizer_success": success,
        "estimate": objective.mode, "transpile_seconds": objective.transpile_seconds,
        "num_qubits": objective.circuit.num_qubits, **objective.backend.describe(),
        **tracker.convergence(), **objective.resources(resources_on),
    })
    if objective.mode == "expectation" and objective.alpha >= 1.0:
        info["expectation"] = final
    info["backend_options"] = str(info.pop("options", {}))
    samples = objective.final_samples(x_best, info, top_k)
    info["active_qubits"] = len(getattr(objective.sampler, "last_active", ())) or None \
        if hasattr(objective, "sampler") else None
    info["seconds"] = time.perf_counter() - t0
    return samples
