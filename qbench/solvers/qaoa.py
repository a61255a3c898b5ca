"""QAOA on the fast statevector engine (``qbench.backends.statevector``).

Variants: standard (one gamma and one beta per layer), multi-angle (one beta per qubit per layer),
warm start (initial product state and rotated mixer from a relaxed solution), CVaR objective.
Angles are optimised with COBYLA (NLopt's compiled implementation) or any ``scipy.optimize.minimize``
method; gradient-based methods get the engine's exact adjoint gradient.

Angle scale. The optimiser works on ``gamma~ = gamma * s`` where ``s`` is the RMS local field of the
Ising form of the QUBO (``sqrt(mean_i(h_i^2 + sum_j J_ij^2))``), so the same initial angles and
step sizes work for a unit-weight Max-Cut and for a knapsack with 1e6 penalties. The linear ramp
(``init='ramp'``) is the discretised anneal from |+> (ground state of -sum X) to the cost:
``gamma~_l = D t_l``, ``beta_l = -D (1 - t_l)``, ``t_l = (l + 1/2) / p``, ``D = 0.8`` (the sign of beta
follows from ``exp(-i beta X)`` being Qiskit's ``RX(2 beta)``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from qbench.backends.statevector import QAOAEngine, check_fits, index_to_bits
from qbench.errors import TooLargeError
from qbench.formulations.problem_cost import DiagonalObjective, check_cvar_scope, current
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver
from qbench.solvers.variational import (DERIVATIVE_FREE, GRADIENT_METHODS, Tracker, check_optimizer,  # noqa: F401
                                        cvar_sorted, minimize, nlopt_cobyla)
INITS = ("ramp", "random", "zeros")
#: what the classical loop minimises: the QUBO's energy, or the problem's own cost of each basis state
#: (qbench.formulations.problem_cost: feasible -> scaled energy, infeasible -> the worst bound)
OBJECTIVES = ("qubo", "problem")
#: objective 'problem' on the engine evaluates the problem on all 2^n basis states once
PROBLEM_OBJECTIVE_MAX_QUBITS = 24
WARM_STARTS = ("none", "relaxed")
RAMP_DELTA = 0.8


def angle_scale(qubo: QUBO) -> float:
    """RMS local field of the Ising form (1.0 for a QUBO without couplings or fields)."""
    h, J, _ = qubo.to_ising()
    Js = J + J.T
    s = math.sqrt(float(np.mean(h ** 2 + (Js ** 2).sum(axis=1)))) if h.size else 0.0
    return s if s > 0 else 1.0


def relaxed_solution(qubo: QUBO, seed: int | None, eps: float = 0.25) -> np.ndarray:
    """A local minimiser of the continuous relaxation E(c), c in [0, 1]^n, clipped to [eps, 1-eps]
    (Egger et al.'s regularised warm start)."""
    from scipy.optimize import minimize

    Q = qubo.quadratic + qubo.quadratic.T
    rng = np.random.default_rng(seed)
    c0 = 0.5 + 0.01 * rng.standard_normal(qubo.num_variables)
    res = minimize(lambda c: (float(qubo.linear @ c + 0.5 * c @ Q @ c), qubo.linear + Q @ c), c0, jac=True,
                   method="L-BFGS-B", bounds=[(0.0, 1.0)] * qubo.num_variables)
    return np.clip(res.x, eps, 1.0 - eps)


@dataclass
class QAOASolver(QuboSolver):
    name: ClassVar[str] = "qaoa"
    sampling: ClassVar[bool] = True

    reps: int = 1
    shots: int = 1024
    optimizer: str = "COBYLA"
    maxiter: int = 100
    init: str = "ramp"
    multi_angle: bool = False
    cvar_alpha: float = 1.0
    precision: str = "double"
    warm_start: str = "none"
    top_k: int = 1024
    #: Refuse QUBOs above this many qubits (None: whatever fits in memory). Lets a study cap the
    #: simulation cost, e.g. with ``skip_too_large`` to run QAOA only where it is practical.
    max_qubits: int | None = None
    #: Engine threads (None: every numba thread from 14 qubits up, one below). Give 1 to solvers that
    #: run side by side (parallel sweeps), so that they do not wait on each other's cores.
    threads: int | None = None
    #: where the circuit runs: "statevector" (the fast engine) or a circuit backend ("aer", "aer-mps",
    #: "aer-noisy:fake_torino", ...; see qbench.backends), where QAOA is built as a Qiskit circuit
    backend: str = "statevector"
    #: backend settings (ibm: mode, dynamical_decoupling, twirling, resilience_level, optimization_level,
    #: retries; aer/aer-mps: precision, max_bond_dimension, Aer options); see docs/backends.md
    backend_options: dict[str, Any] | None = None
    #: also report ISA depth / 2-qubit gates after transpiling onto this fake device (e.g. "fake_torino")
    resources_on: str | None = None
    #: "qubo": minimise the QUBO energy (expectation or CVaR); "problem": minimise the problem's own cost
    #: (infeasible = worst), the phase separator still being the QUBO's; derivative-free optimisers only
    objective: str = "qubo"
    #: with objective 'problem' and cvar_alpha < 1: "all" takes the CVaR over every sample; "feasible"
    #: over the feasible ones, the infeasible mass charged in full (qbench.formulations.problem_cost)
    cvar_scope: str = "all"

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        check_cvar_scope(self.cvar_scope, self.objective)
        if self.objective == "problem" and self.optimizer.lower() in GRADIENT_METHODS:
            raise ValueError(f"objective 'problem' has no gradient; use a derivative-free optimizer "
                             f"({', '.join(sorted(DERIVATIVE_FREE))}), not {self.optimizer!r}")
        if not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be a positive integer, got {self.reps!r}")
        if not isinstance(self.shots, int) or self.shots < 0:
            raise ValueError(f"shots must be a non-negative integer (0 = exact readout), got {self.shots!r}")
        if not isinstance(self.maxiter, int) or self.maxiter < 0:
            raise ValueError(f"maxiter must be a non-negative integer, got {self.maxiter!r}")
        check_optimizer(self.optimizer)
        from qbench.backends import check_backend_options, validate_spec

        validate_spec(self.backend)
        if self.backend == "statevector" and self.backend_options:
            raise ValueError("backend_options apply to circuit backends; the statevector engine takes precision "
                             "and threads as solver parameters")
        check_backend_options(self.backend, self.backend_options, ("seed", "shots"))
        if self.resources_on is not None:
            from qbench.backends.noisy import fake_device

            fake_device(self.resources_on)   # ConfigError naming the known fake devices
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if not 0.0 < float(self.cvar_alpha) <= 1.0:
            raise ValueError(f"cvar_alpha must be in (0, 1], got {self.cvar_alpha!r}")
        if self.precision not in ("double", "single"):
            raise ValueError(f"precision must be 'double' or 'single', got {self.precision!r}")
        if self.warm_start not in WARM_STARTS:
            raise ValueError(f"warm_start must be one of {', '.join(WARM_STARTS)}, got {self.warm_start!r}")
        if not isinstance(self.top_k, int) or self.top_k < 1:
            raise ValueError(f"top_k must be a positive integer, got {self.top_k!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise ValueError(f"threads must be a positive integer or None (automatic), got {self.threads!r}")

    @property
    def uses_gradient(self) -> bool:
        return self.optimizer.lower() in GRADIENT_METHODS

    @property
    def needs_diagonal(self) -> bool:
        """Gradients and CVaR need the stored cost diagonal; plain expectations do without it when it
        does not fit (the engine then reads energies from the QUBO's block tables)."""
        return self.uses_gradient or self.cvar_alpha < 1.0

    def check_size(self, qubo: QUBO) -> None:
        if self.max_qubits is not None and qubo.num_variables > self.max_qubits:
            raise TooLargeError(f"{qubo.num_variables} qubits exceed this QAOA solver's max_qubits={self.max_qubits}")
        if self.backend != "statevector":
            from qbench.backends import open_backend

            open_backend(self.backend, self.backend_options).check_fits(self.num_qubits(qubo), "QAOA circuit")
            return
        if self.objective == "problem" and qubo.num_variables > PROBLEM_OBJECTIVE_MAX_QUBITS:
            raise TooLargeError(f"QAOA objective 'problem' on the statevector engine: {qubo.num_variables} qubits "
                                f"exceed {PROBLEM_OBJECTIVE_MAX_QUBITS} (it scores all 2^n basis states); use a "
                                f"sampling backend (aer-mps) or objective 'qubo'")
        try:
            check_fits(qubo.num_variables, self.precision, gradient=self.uses_gradient,
                       cvar=self.cvar_alpha < 1.0, diagonal=self.needs_diagonal, what="QAOA statevector engine")
        except TooLargeError as exc:
            from qbench.backends.base import too_large_message
            from qbench.backends.statevector.memory import MAX_QUBITS

            n = qubo.num_variables   # the memory figures (not the old hint) when the count is below the limit
            reason = "a 2^n state" if n > MAX_QUBITS else str(exc).split(": ", 1)[-1].split("; ")[0]
            raise TooLargeError(too_large_message("QAOA", qubo.num_variables, "statevector", MAX_QUBITS, reason)) from None

    # ---- angles ----------------------------------------------------------------------------------
    def initial_point(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Flat [gamma~ (p), beta (p or p*n)] in the optimiser's (scaled) units."""
        p = self.reps
        nb = p * n if self.multi_angle else p
        if self.init == "ramp":
            t = (np.arange(p) + 0.5) / p
            g, b = RAMP_DELTA * t, -RAMP_DELTA * (1.0 - t)
        elif self.init == "random":
            g, b = rng.uniform(0.0, 1.5, p), rng.uniform(-1.0, 0.0, p)
        else:
            g, b = np.zeros(p), np.zeros(p)
        beta = np.repeat(b, n) if self.multi_angle else b
        return np.concatenate([g, beta.reshape(nb)])

    def split(self, x: np.ndarray, n: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
        p = self.reps
        g = np.asarray(x[:p]) / scale
        b = np.asarray(x[p:]).reshape(p, n) if self.multi_angle else np.asarray(x[p:])
        return g, b

    def _resources(self, qubo: QUBO) -> dict:
        """Circuit resources (logical, and ISA on ``resources_on``) of this QAOA as a Qiskit circuit."""
        n = qubo.num_variables
        nb = self.reps * n if self.multi_angle else self.reps
        if self.resources_on is None:   # no qiskit on the engine's path unless asked for
            return {"two_qubit_gates": int(self.reps * np.count_nonzero(qubo.quadratic)),
                    "parameters": self.reps + nb}
        from qbench.solvers.qaoa_circuit import qaoa_circuit
        from qbench.solvers.resources import circuit_resources

        return circuit_resources(qaoa_circuit(self, qubo, None)[0], self.resources_on, seed=0)

    # ---- solve -----------------------------------------------------------------------------------
    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        if self.backend != "statevector":
            from qbench.solvers.qaoa_circuit import solve_qaoa_circuit

            return solve_qaoa_circuit(self, qubo, seed)
        self.check_size(qubo)
        t0 = time.perf_counter()
        n = qubo.num_variables
        if n == 0:
            return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset),
                                    {"evaluations": 0, "reps": self.reps, "seconds": 0.0})
        ss = np.random.SeedSequence(seed)
        rng_init, rng_shots, rng_warm = (np.random.default_rng(s) for s in ss.spawn(3))
        thetas = None
        if self.warm_start == "relaxed":
            c = relaxed_solution(qubo, int(rng_warm.integers(2 ** 31)))
            thetas = 2.0 * np.arcsin(np.sqrt(c))
        eng = QAOAEngine.from_qubo(qubo, precision=self.precision, thetas=thetas, threads=self.threads,
                                   store_diagonal=True if self.needs_diagonal else None)
        scale = angle_scale(qubo)
        alpha = float(self.cvar_alpha)
        tracker = Tracker(self.maxiter)
        record = tracker.record
        problem_objective = None
        if self.objective == "problem":   # the problem's own cost of the exact distribution
            problem_objective = DiagonalObjective(current(qubo.num_variables, "qaoa"), alpha, self.cvar_scope)

        def fun(x):
            t = time.perf_counter()
            g, b = self.split(x, n, scale)
            if problem_objective is None:
                v = eng.objective(g, b, alpha)
            else:
                eng.run(g, b)
                v = problem_objective(eng.probabilities())
            record(x, v, t)
            return v

        def fun_grad(x):
            t = time.perf_counter()
            g, b = self.split(x, n, scale)
            v, dg, db = eng.value_and_grad(g, b, alpha)
            record(x, v, t)
            return v, np.concatenate([dg / scale, np.ravel(db)])

        x0 = self.initial_point(n, rng_init)
        message, success = minimize(fun, x0, self.optimizer, self.maxiter, fun_grad=fun_grad,
                                    seed=int(rng_init.integers(2 ** 31)))
        x_best = tracker.x if tracker.x is not None else x0
        g, b = self.split(x_best, n, scale)
        expectation = eng.run(g, b)
        if problem_objective is not None:
            final = problem_objective(eng.probabilities())
        else:
            final = expectation if alpha >= 1.0 else eng.cvar(alpha)[0]
        info = {
            "evaluations": tracker.evals + 1,
            "gradient_evaluations": eng.gradient_evaluations,
            "objective_seconds": tracker.seconds,
            "reps": self.reps,
            "expectation": expectation,
            "objective": final,
            "cvar_alpha": alpha,
            "objective_kind": self.objective,
            "cvar_scope": self.cvar_scope,
            "gammas": [float(v) for v in g],
            "betas": np.asarray(b).tolist(),
            "angle_scale": scale,
            "optimizer": self.optimizer,
            "optimizer_message": message,
            "optimizer_success": success,
            "precision": self.precision,
            "cost_diagonal_stored": eng.has_diagonal,
            "num_qubits": n,
            "backend": "statevector",
            **tracker.convergence(),
            **self._resources(qubo),
        }
        if thetas is not None:
            info["warm_start_thetas"] = thetas.tolist()
        if self.shots > 0:
            # distinct shots as basis indices (the same rows and order as SampleSet.from_samples,
            # without expanding every shot to a bit row)
            idx, counts = np.unique(eng.sample(self.shots, rng_shots), return_counts=True)
            X = index_to_bits(idx, n)
            info["seconds"] = time.perf_counter() - t0
            return SampleSet(X, counts / self.shots, qubo.energy(X), info, self.shots).sorted()
        k = min(self.top_k, 1 << n)
        idx, probs = eng.top_k(k)
        X = index_to_bits(idx, n)
        info["probability_covered"] = float(probs.sum())
        info["seconds"] = time.perf_counter() - t0
        return SampleSet(X, probs, np.asarray(qubo.energy(X), dtype=float), info, None).sorted()


def _nlopt_cobyla(objective, x0: np.ndarray, maxeval: int, rhobeg: float = 0.5,
                  rhoend: float = 1e-4) -> tuple[str, bool]:
    """Kept for callers of the old name; see :func:`qbench.solvers.variational.nlopt_cobyla`."""
    return nlopt_cobyla(objective, x0, maxeval, rhobeg, rhoend)
