"""Quantum random access optimisation (QRAO; Fuller et al., arXiv 2111.03167) through
qiskit-optimization 0.7's ``qiskit_optimization.algorithms.qrao``.

Up to 3 variables share a qubit (``max_vars_per_qubit`` 1/2/3; variables that interact get different
qubits, by graph colouring). A VQE (qiskit-optimization's own, on the seam backend's V2 estimator and
pass manager) minimises the relaxed Hamiltonian, then ``rounding``: ``semideterministic`` (signs of the
Pauli expectation values, one bitstring) or ``magic`` (measurement in random magic bases on the V2
sampler, a distribution). The VQE's optimiser is qbench's shared loop (:mod:`qbench.solvers.variational`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from qbench.errors import TooLargeError
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver
from qbench.solvers.variational import Tracker, check_optimizer, minimize

ROUNDINGS = ("semideterministic", "magic")
ANSATZE = ("real_amplitudes", "efficient_su2")


def quadratic_program(qubo: QUBO):
    """The QUBO as a qiskit-optimization QuadraticProgram (binary x0..x{n-1}, minimise)."""
    from qiskit_optimization import QuadraticProgram

    qp = QuadraticProgram("qubo")
    names = [f"x{i}" for i in range(qubo.num_variables)]
    for name in names:
        qp.binary_var(name)
    quad = {(names[i], names[j]): float(qubo.quadratic[i, j]) for i, j in zip(*np.nonzero(qubo.quadratic))}
    qp.minimize(constant=float(qubo.offset), linear=[float(v) for v in qubo.linear], quadratic=quad)
    return qp


def encode(qubo: QUBO, max_vars_per_qubit: int):
    from qiskit_optimization.algorithms.qrao import QuantumRandomAccessEncoding

    enc = QuantumRandomAccessEncoding(max_vars_per_qubit=max_vars_per_qubit)
    enc.encode(quadratic_program(qubo))
    return enc


@dataclass
class QRAOSolver(QuboSolver):
    name: ClassVar[str] = "qrao"
    sampling: ClassVar[bool] = True

    max_vars_per_qubit: int = 3
    rounding: str = "magic"
    #: magic rounding: "uniform" (the paper's bounds hold) or "weighted" bases
    basis_sampling: str = "uniform"
    shots: int = 1024
    ansatz: str = "real_amplitudes"
    reps: int = 2
    optimizer: str = "COBYLA"
    maxiter: int = 300
    backend: str = "aer"
    #: backend settings (ibm: mode, dynamical_decoupling, twirling, resilience_level, optimization_level,
    #: retries; aer/aer-mps: precision, max_bond_dimension, Aer options); see docs/backends.md
    backend_options: dict[str, Any] | None = None
    resources_on: str | None = None
    #: refuse encodings above this many qubits (None: whatever the backend admits); QRAO cannot compress
    #: a dense QUBO (slack encodings), whose relaxed Hamiltonian then has a term per coupling
    max_qubits: int | None = None

    def __post_init__(self) -> None:
        if self.max_qubits is not None and (not isinstance(self.max_qubits, int) or self.max_qubits < 1):
            raise ValueError(f"max_qubits must be a positive integer or None, got {self.max_qubits!r}")
        if self.max_vars_per_qubit not in (1, 2, 3):
            raise ValueError(f"max_vars_per_qubit must be 1, 2 or 3, got {self.max_vars_per_qubit!r}")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, got {self.rounding!r}")
        if self.basis_sampling not in ("uniform", "weighted"):
            raise ValueError(f"basis_sampling must be 'uniform' or 'weighted', got {self.basis_sampling!r}")
        if self.ansatz not in ANSATZE:
            raise ValueError(f"ansatz must be one of {', '.join(ANSATZE)}, got {self.ansatz!r}")
        if not isinstance(self.shots, int) or self.shots < 1:
            raise ValueError(f"shots must be a positive integer, got {self.shots!r}")
        if not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be a positive integer, got {self.reps!r}")
        if not isinstance(self.maxiter, int) or self.maxiter < 0:
            raise ValueError(f"maxiter must be a non-negative integer, got {self.maxiter!r}")
        check_optimizer(self.optimizer)
        from qbench.backends import check_backend_options, validate_spec

        validate_spec(self.backend)
        check_backend_options(self.backend, self.backend_options, ("seed", "shots"))

    def num_qubits(self, qubo: QUBO) -> int:
        """Qubits of the encoding (what size checks must admit), not QUBO variables."""
        if qubo.num_variables == 0:
            return 0
        if not (qubo.linear.any() or qubo.quadratic.any()):  # no terms: qiskit's encoder has nothing to colour
            return -(-qubo.num_variables // self.max_vars_per_qubit)
        return int(encode(qubo, self.max_vars_per_qubit).num_qubits)

    def check_size(self, qubo: QUBO) -> None:
        from qbench.backends import open_backend

        n = self.num_qubits(qubo)
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooLargeError(f"QRAO encoding: {n} qubits exceed this QRAO solver's max_qubits={self.max_qubits}")
        open_backend(self.backend, self.backend_options).check_fits(n, "QRAO circuit")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        from qiskit.circuit import library
        from qiskit_optimization.algorithms.qrao import (MagicRounding, QuantumRandomAccessOptimizer,
                                                         SemideterministicRounding)
        from qiskit_optimization.minimum_eigensolvers import VQE
        from scipy.optimize import OptimizeResult

        from qbench.backends import open_backend
        from qbench.solvers.resources import circuit_resources

        t0 = time.perf_counter()
        m = qubo.num_variables
        if m == 0:
            return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset), {"evaluations": 0})
        rng_init, rng_backend, rng_opt, rng_round = (np.random.default_rng(s)
                                                     for s in np.random.SeedSequence(seed).spawn(4))
        enc = encode(qubo, self.max_vars_per_qubit)
        n = int(enc.num_qubits)
        if self.max_qubits is not None and n > self.max_qubits:
            raise TooLargeError(f"QRAO encoding: {n} qubits exceed this QRAO solver's max_qubits={self.max_qubits}")
        with open_backend(self.backend, self.backend_options, seed=int(rng_backend.integers(2 ** 31)),
                          shots=self.shots) as backend:
            backend.check_fits(n, "QRAO circuit")
            pm = backend.pass_manager()
            ansatz = getattr(library, self.ansatz)(n, reps=self.reps)
            tracker = Tracker(self.maxiter)
            opt_seed = int(rng_opt.integers(2 ** 31))
            facts: dict = {}

            def shared_minimizer(fun, x0, jac=None, bounds=None):
                def tracked(x):
                    ts = time.perf_counter()
                    v = float(fun(x))
                    tracker.record(x, v, ts)
                    return v

                facts["optimizer_message"], facts["optimizer_success"] = minimize(
                    tracked, np.asarray(x0, dtype=float), self.optimizer, self.maxiter, seed=opt_seed)
                x = tracker.x if tracker.x is not None else np.asarray(x0, dtype=float)
                return OptimizeResult(x=x, fun=tracker.best, nfev=tracker.evals, nit=tracker.evals)

            x0 = rng_init.uniform(-np.pi, np.pi, ansatz.num_parameters)
            vqe = VQE(backend.estimator(), ansatz, shared_minimizer, initial_point=x0, pass_manager=pm or _plain_pm())
            if self.rounding == "magic":
                rounding = MagicRounding(backend.sampler(), basis_sampling=self.basis_sampling,
                                         seed=int(rng_round.integers(2 ** 31)), pass_manager=pm or _plain_pm())
            else:
                rounding = SemideterministicRounding(seed=int(rng_round.integers(2 ** 31)))
            qrao = QuantumRandomAccessOptimizer(vqe, max_vars_per_qubit=self.max_vars_per_qubit, rounding_scheme=rounding)
            relaxed, context = qrao.solve_relaxed(enc)
            result = rounding.round(context)
            X = np.array([np.asarray(s.x, dtype=float).round() for s in result.samples], dtype=np.uint8).reshape(-1, m)
            p = np.array([float(s.probability) for s in result.samples])
            p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1.0 / len(p))
            info = {
                "evaluations": tracker.evals, "objective_seconds": tracker.seconds, "optimizer": self.optimizer,
                **facts, "max_vars_per_qubit": self.max_vars_per_qubit, "num_qubits": n, "qrao_qubits": n,
                "variables": m, "compression_ratio": float(enc.compression_ratio),
                "minimum_recovery_probability": float(enc.minimum_recovery_probability),
                "rounding": self.rounding, "basis_sampling": self.basis_sampling if self.rounding == "magic" else None,
                "relaxed_energy": float(np.real(relaxed.eigenvalue)) + float(enc.offset) if relaxed.eigenvalue is not None else None,
                "ansatz": self.ansatz, "reps": self.reps, **backend.describe(), **tracker.convergence(),
                **circuit_resources(ansatz, self.resources_on),
            }
            info["backend_options"] = str(info.pop("options", {}))
            info["seconds"] = time.perf_counter() - t0
            shots = self.shots if self.rounding == "magic" else None
            return SampleSet(X, p, np.asarray(qubo.energy(X), dtype=float).reshape(-1), info, shots).sorted()


def _plain_pm():
    """Magic rounding's basis circuits hold high-level gates; Aer's ideal samplers want them unrolled."""
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(optimization_level=1, basis_gates=["u", "cx", "measure"], seed_transpiler=0)
