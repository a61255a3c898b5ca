"""Pauli correlation encoding (PCE; Sciorilli et al., arXiv 2401.09421): m binary variables on n qubits.

Variable i is the sign of a k-body Pauli correlator ``<Pi_i>`` (``X..X``, ``Y..Y`` or ``Z..Z`` on a
k-subset of the qubits); n is the smallest with ``3 * C(n, k) >= m``, so m = O(n^k). The parameterised
state (Qiskit's ``efficient_su2``) is trained on the relaxed QUBO energy, in Ising form with
``z_i = tanh(alpha <Pi_i>)`` (``x = (1 - z) / 2``), plus the paper's regulariser
``beta * nu * (mean_i z_i^2)^2``, which keeps the correlators small during training. Defaults as in
the paper: ``alpha = 1.5 n^floor(k/2)``, ``beta = 1/2``, ``nu`` the Poljak-Turzik scale
``W/2 + w(T_min)/4`` of the coupling graph (here: |J| between variables plus |h| as edges to one
extra vertex; W total weight, T_min a minimum spanning tree).

The answer is the sign-rounded bitstring (the SampleSet holds only it, so scores show the quantum
part's own quality); the classical bit-flip/swap local search that the paper applies afterwards is
run too and reported in ``info`` (``post_search_*``), never mixed into the samples.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar

import numpy as np

from qbench.errors import ConfigError
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver
from qbench.solvers.local_search import LOCAL_SEARCHES, local_search
from qbench.solvers.variational import Tracker, check_optimizer, minimize

ANSATZ_ENTANGLEMENT = ("linear", "reverse_linear", "circular", "full", "pairwise", "sca")


def pce_qubits(m: int, k: int) -> int:
    """The smallest n >= k with 3 * C(n, k) >= m."""
    n = max(k, 1)
    while 3 * math.comb(n, k) < m:
        n += 1
    return n


def correlator_labels(m: int, n: int, k: int) -> list[tuple[str, tuple[int, ...]]]:
    """(Pauli letter, qubits) of the first m k-body correlators: per k-subset, X then Y then Z."""
    out = []
    for subset in combinations(range(n), k):
        for letter in "XYZ":
            out.append((letter, subset))
            if len(out) == m:
                return out
    if len(out) < m:
        raise ConfigError(f"pce: {n} qubits with k={k} encode at most {len(out)} variables, not {m}")
    return out


def poljak_turzik_nu(h: np.ndarray, J: np.ndarray) -> float:
    """W/2 + w(T_min)/4 of the graph with edge weights |J_ij| and |h_i| (to an extra vertex)."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    m = h.size
    W = np.zeros((m + 1, m + 1))
    W[:m, :m] = np.abs(np.triu(J, 1) + np.tril(J, -1).T)
    W[:m, m] = np.abs(h)
    total = float(W.sum())
    tree = float(minimum_spanning_tree(W).sum()) if total > 0 else 0.0
    return total / 2.0 + tree / 4.0


@dataclass
class PCESolver(QuboSolver):
    name: ClassVar[str] = "pce"
    sampling: ClassVar[bool] = False

    #: body of the Pauli correlators (k=2: m ~ 1.5 n^2 variables on n qubits)
    k: int = 2
    #: qubits (None: the smallest n with 3*C(n, k) >= m)
    qubits: int | None = None
    #: tanh sharpness (None: 1.5 * n^floor(k/2), the paper's choice)
    alpha: float | None = None
    beta: float = 0.5
    #: regulariser scale (None: Poljak-Turzik scale of the couplings)
    nu: float | None = None
    reps: int = 3
    entanglement: str = "linear"
    optimizer: str = "COBYLA"
    maxiter: int = 1000
    local_search: str = "flip-swap"
    backend: str = "aer"
    #: backend settings (ibm: mode, dynamical_decoupling, twirling, resilience_level, optimization_level,
    #: retries; aer/aer-mps: precision, max_bond_dimension, Aer options); see docs/backends.md
    backend_options: dict[str, Any] | None = None
    resources_on: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.k, int) or self.k < 1:
            raise ValueError(f"k must be a positive integer, got {self.k!r}")
        if self.qubits is not None and (not isinstance(self.qubits, int) or self.qubits < self.k):
            raise ValueError(f"qubits must be an integer >= k or None, got {self.qubits!r}")
        if self.alpha is not None and not float(self.alpha) > 0:
            raise ValueError(f"alpha must be positive or None, got {self.alpha!r}")
        if not float(self.beta) >= 0:
            raise ValueError(f"beta must be >= 0, got {self.beta!r}")
        if not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be a positive integer, got {self.reps!r}")
        if self.entanglement not in ANSATZ_ENTANGLEMENT:
            raise ValueError(f"entanglement must be one of {', '.join(ANSATZ_ENTANGLEMENT)}")
        if not isinstance(self.maxiter, int) or self.maxiter < 0:
            raise ValueError(f"maxiter must be a non-negative integer, got {self.maxiter!r}")
        if self.local_search not in LOCAL_SEARCHES:
            raise ValueError(f"local_search must be one of {', '.join(LOCAL_SEARCHES)}, got {self.local_search!r}")
        check_optimizer(self.optimizer)
        from qbench.backends import check_backend_options, validate_spec

        validate_spec(self.backend)
        check_backend_options(self.backend, self.backend_options)

    def num_qubits(self, qubo: QUBO) -> int:
        m = qubo.num_variables
        n = self.qubits if self.qubits is not None else pce_qubits(m, self.k)
        if 3 * math.comb(n, self.k) < m:
            raise ConfigError(f"pce: qubits={n} with k={self.k} encode at most {3 * math.comb(n, self.k)} "
                              f"variables; this QUBO has {m}")
        return n

    def check_size(self, qubo: QUBO) -> None:
        from qbench.backends import open_backend

        open_backend(self.backend, self.backend_options).check_fits(self.num_qubits(qubo), "PCE circuit")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        from qiskit.circuit.library import efficient_su2
        from qiskit.quantum_info import SparsePauliOp

        from qbench.backends import open_backend
        from qbench.solvers.resources import circuit_resources

        t0 = time.perf_counter()
        m = qubo.num_variables
        if m == 0:
            return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset), {"evaluations": 0})
        n, k = self.num_qubits(qubo), self.k
        rng_init, rng_backend, rng_opt = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
        with open_backend(self.backend, self.backend_options, seed=int(rng_backend.integers(2 ** 31))) as backend:
            backend.check_fits(n, "PCE circuit")
            alpha = float(self.alpha) if self.alpha is not None else 1.5 * n ** (k // 2)
            h, J, c = qubo.to_ising()
            J = np.triu(J, 1)
            nu = float(self.nu) if self.nu is not None else poljak_turzik_nu(h, J)
            beta = float(self.beta)

            labels = correlator_labels(m, n, k)
            observables = [SparsePauliOp.from_sparse_list([(p * k, list(qs), 1.0)], num_qubits=n) for p, qs in labels]
            circuit = efficient_su2(n, reps=self.reps, entanglement=self.entanglement)
            pm = backend.pass_manager()
            t = time.perf_counter()
            run_circuit = circuit
            if pm is not None:
                run_circuit = pm.run(circuit)
                observables = [o.apply_layout(run_circuit.layout) for o in observables]
            transpile_seconds = time.perf_counter() - t
            estimator = backend.estimator()

            def correlators(x) -> np.ndarray:
                res = estimator.run([(run_circuit, observables, np.asarray(x, dtype=float))]).result()[0]
                return np.real(np.asarray(res.data.evs, dtype=float)).reshape(m)

            def relaxed(ev: np.ndarray) -> tuple[float, float]:
                z = np.tanh(alpha * ev)
                energy = c + float(h @ z) + float(z @ J @ z)
                return energy, beta * nu * float(np.mean(z * z)) ** 2

            tracker = Tracker(self.maxiter)

            def loss(x) -> float:
                ts = time.perf_counter()
                energy, reg = relaxed(correlators(x))
                tracker.record(x, energy + reg, ts)
                return energy + reg

            x0 = rng_init.uniform(-math.pi, math.pi, circuit.num_parameters)
            message, success = minimize(loss, x0, self.optimizer, self.maxiter, seed=int(rng_opt.integers(2 ** 31)))
            x_best = tracker.x if tracker.x is not None else x0
            ev = correlators(x_best)
            relaxed_energy, reg = relaxed(ev)
            raw = (ev < 0).astype(np.uint8)          # z = sign(<Pi>) = -1  <=>  x = 1
            raw_energy = float(qubo.energy(raw))
            t_ls = time.perf_counter()
            post, ls_facts = local_search(qubo, raw, self.local_search)
            post_energy = float(qubo.energy(post))
            info = {
                "evaluations": tracker.evals + 1, "objective_seconds": tracker.seconds,
                "optimizer": self.optimizer, "optimizer_message": message, "optimizer_success": success,
                "k": k, "pce_qubits": n, "num_qubits": n, "variables": m, "compression_ratio": m / n,
                "alpha": alpha, "beta": beta, "nu": nu, "reps": self.reps, "entanglement": self.entanglement,
                "loss": relaxed_energy + reg, "relaxed_energy": relaxed_energy, "regulariser": reg,
                "correlators": [f"{p * k}@{','.join(map(str, qs))}" for p, qs in labels] if m <= 200 else None,
                "min_abs_correlator": float(np.min(np.abs(ev))),
                "raw_energy": raw_energy, "raw_bits": "".join(map(str, raw)),
                "post_search_energy": post_energy, "post_search_bits": "".join(map(str, post)),
                "post_search_seconds": time.perf_counter() - t_ls, **ls_facts,
                "transpile_seconds": transpile_seconds, **backend.describe(),
                **tracker.convergence(),
                **circuit_resources(circuit, self.resources_on, isa=run_circuit if pm is not None else None,
                                    isa_device=getattr(backend, "device_name", None) if pm is not None else None),
            }
            info["backend_options"] = str(info.pop("options", {}))
            info["seconds"] = time.perf_counter() - t0
            return SampleSet.single(raw, raw_energy, info)
