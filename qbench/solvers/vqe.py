"""VQE and CVaR-VQE (Barkoutsos et al. 2020) with Qiskit's hardware-efficient ansätze on a circuit backend.

``ansatz``: ``efficient_su2`` (RY+RZ layers) or ``real_amplitudes`` (RY layers); ``reps`` and
``entanglement`` as in qiskit.circuit.library. ``cvar_alpha < 1`` optimises the mean of the lowest
alpha fraction of the energy distribution instead of its expectation. ``backend: auto`` runs on Aer's
statevector up to :data:`AUTO_STATEVECTOR_QUBITS` qubits and on Aer MPS above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from qbench.errors import TooLargeError
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver
from qbench.solvers.variational import check_optimizer

ANSATZE = ("efficient_su2", "real_amplitudes")
ENTANGLEMENTS = ("linear", "reverse_linear", "circular", "full", "pairwise", "sca")
VQE_INITS = ("random", "zeros")
AUTO_STATEVECTOR_QUBITS = 26


def vqe_ansatz(name: str, n: int, reps: int, entanglement: str):
    from qiskit.circuit.library import efficient_su2, real_amplitudes

    build = efficient_su2 if name == "efficient_su2" else real_amplitudes
    return build(n, reps=reps, entanglement=entanglement)


@dataclass
class VQESolver(QuboSolver):
    name: ClassVar[str] = "vqe"
    sampling: ClassVar[bool] = True

    ansatz: str = "real_amplitudes"
    reps: int = 1
    entanglement: str = "linear"
    shots: int = 1024
    optimizer: str = "COBYLA"
    maxiter: int = 100
    cvar_alpha: float = 1.0
    #: "random": angles uniform in [-pi, pi) (seeded); "zeros": the all-|0> start
    init: str = "random"
    #: "auto" (aer up to 26 qubits, aer-mps above) or any qbench.backends spec
    backend: str = "auto"
    #: backend settings (ibm: mode, dynamical_decoupling, twirling, resilience_level, optimization_level,
    #: retries; aer/aer-mps: precision, max_bond_dimension, Aer options); see docs/backends.md
    backend_options: dict[str, Any] | None = None
    #: objective read-out: auto | expectation | probabilities | samples (see qbench.solvers.circuit_loop)
    estimate: str = "auto"
    top_k: int = 1024
    resources_on: str | None = None
    #: "qubo" (energy) or "problem" (the problem's own cost, infeasible = worst; see solvers.qaoa)
    objective: str = "qubo"
    #: with objective 'problem' and cvar_alpha < 1: CVaR over "all" samples or the "feasible" ones (see solvers.qaoa)
    cvar_scope: str = "all"
    #: refuse QUBOs above this many qubits (None: whatever the backend admits), like qaoa's max_qubits
    max_qubits: int | None = None

    def __post_init__(self) -> None:
        from qbench.backends import check_backend_options, validate_spec

        if self.ansatz not in ANSATZE:
            raise ValueError(f"ansatz must be one of {', '.join(ANSATZE)}, got {self.ansatz!r}")
        if self.entanglement not in ENTANGLEMENTS:
            raise ValueError(f"entanglement must be one of {', '.join(ENTANGLEMENTS)}, got {self.entanglement!r}")
        for field in ("reps", "maxiter", "top_k"):
            v = getattr(self, field)
            if not isinstance(v, int) or v < (1 if field != "maxiter" else 0):
                raise ValueError(f"{field} must be a {'positive' if field != 'maxiter' else 'non-negative'} integer, got {v!r}")
        if not isinstance(self.shots, int) or self.shots < 0:
            raise ValueError(f"shots must be a non-negative integer (0 = exact readout), got {self.shots!r}")
        check_optimizer(self.optimizer)
        if not 0.0 < float(self.cvar_alpha) <= 1.0:
            raise ValueError(f"cvar_alpha must be in (0, 1], got {self.cvar_alpha!r}")
        from qbench.solvers.qaoa import OBJECTIVES

        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        from qbench.formulations.problem_cost import check_cvar_scope

        check_cvar_scope(self.cvar_scope, self.objective)
        if self.objective == "problem" and self.estimate == "expectation":
            raise ValueError("objective 'problem' is read from probabilities or samples, not estimate 'expectation'")
        if self.init not in VQE_INITS:
            raise ValueError(f"init must be one of {', '.join(VQE_INITS)}, got {self.init!r}")
        if self.backend != "auto":
            validate_spec(self.backend)
        check_backend_options("aer" if self.backend == "auto" else self.backend, self.backend_options,
                              ("seed", "shots"))
        if self.resources_on is not None:
            from qbench.backends.noisy import fake_device

            fake_device(self.resources_on)   # ConfigError naming the known fake devices
        if self.max_qubits is not None and (not isinstance(self.max_qubits, int) or self.max_qubits < 1):
            raise ValueError(f"max_qubits must be a positive integer or None, got {self.max_qubits!r}")

    def backend_for(self, num_qubits: int) -> str:
        if self.backend != "auto":
            return self.backend
        return "aer" if num_qubits <= AUTO_STATEVECTOR_QUBITS else "aer-mps"

    def check_size(self, qubo: QUBO) -> None:
        from qbench.backends import open_backend

        n = self.num_qubits(qubo)
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooLargeError(f"{n} qubits exceed this VQE solver's max_qubits={self.max_qubits}")
        open_backend(self.backend_for(n), self.backend_options).check_fits(n, "VQE circuit")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        from qbench.backends import open_backend
        from qbench.formulations.problem_cost import for_objective
        from qbench.solvers.circuit_loop import CircuitObjective, run_variational

        n = qubo.num_variables
        if n == 0:
            return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset), {"evaluations": 0})
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooLargeError(f"{n} qubits exceed this VQE solver's max_qubits={self.max_qubits}")
        rng_init, rng_shots = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        spec = self.backend_for(n)
        with open_backend(spec, self.backend_options, seed=int(rng_shots.integers(2 ** 31)),
                          shots=max(self.shots, 1)) as backend:
            backend.check_fits(n, "VQE circuit")
            circuit = vqe_ansatz(self.ansatz, n, self.reps, self.entanglement)
            cost = for_objective(self.objective, n, "vqe")
            objective = CircuitObjective(backend, circuit, qubo, alpha=self.cvar_alpha, shots=self.shots,
                                         estimate=self.estimate, cost=cost, cvar_scope=self.cvar_scope)
            k = circuit.num_parameters
            x0 = rng_init.uniform(-math.pi, math.pi, k) if self.init == "random" else np.zeros(k)
            info = {"ansatz": self.ansatz, "reps": self.reps, "entanglement": self.entanglement,
                    "cvar_alpha": float(self.cvar_alpha), "objective_kind": self.objective,
                    "cvar_scope": self.cvar_scope}
            samples = run_variational(objective, x0, optimizer=self.optimizer, maxiter=self.maxiter,
                                      seed=int(rng_init.integers(2 ** 31)), top_k=self.top_k,
                                      resources_on=self.resources_on, info=info)
            return samples
