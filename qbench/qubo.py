"""The QUBO type: minimise  E(x) = offset + sum_i h_i x_i + sum_{i<j} J_ij x_i x_j  over x in {0,1}^n.

Coefficients are held dense (``linear`` of shape (n,), ``quadratic`` strictly upper-triangular (n, n)).
QUBOs in this suite are sized for quantum hardware and simulators (tens to a few thousand variables),
where dense storage is both simplest and fastest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class QUBO:
    linear: np.ndarray
    quadratic: np.ndarray
    offset: float = 0.0
    labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.linear = np.asarray(self.linear, dtype=float).copy()
        n = self.linear.shape[0]
        q = np.asarray(self.quadratic, dtype=float)
        if q.shape != (n, n):
            raise ValueError(f"quadratic has shape {q.shape}, expected {(n, n)}")
        # Fold any symmetric / lower / diagonal input into the canonical strictly-upper form.
        self.linear = self.linear + np.diag(q)
        self.quadratic = np.triu(q, 1) + np.tril(q, -1).T
        self.offset = float(self.offset)
        if not self.labels:
            self.labels = [f"x{i}" for i in range(n)]
        elif len(self.labels) != n:
            raise ValueError(f"{len(self.labels)} labels for {n} variables")

    @classmethod
    def from_terms(cls, n: int, linear: dict[int, float] | None = None,
                   quadratic: dict[tuple[int, int], float] | None = None, offset: float = 0.0,
                   labels: list[str] | None = None) -> "QUBO":
        h = np.zeros(n)
        J = np.zeros((n, n))
        for i, v in (linear or {}).items():
            h[i] += v
        for (i, j), v in (quadratic or {}).items():
            if i == j:
                h[i] += v
            else:
                J[min(i, j), max(i, j)] += v
        return cls(h, J, offset, list(labels or []))

    @property
    def num_variables(self) -> int:
        return self.linear.shape[0]

    # The number of qubits a direct (one qubit per variable) encoding needs.
    num_qubits = num_variables

    def energy(self, X: np.ndarray) -> np.ndarray | float:
        """Energies of one bitstring (shape (n,)) or a batch (shape (S, n))."""
        X = np.asarray(X, dtype=float)
        single = X.ndim == 1
        X2 = np.atleast_2d(X)
        e = X2 @ self.linear + np.einsum("si,si->s", X2 @ self.quadratic, X2) + self.offset
        return float(e[0]) if single else e

    def symmetric_matrix(self) -> np.ndarray:
        """Q with E(x) = x^T Q x + offset (linear terms on the diagonal, couplings split in half)."""
        return np.diag(self.linear) + (self.quadratic + self.quadratic.T) / 2.0

    def to_ising(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(h, J, c) with E = c + sum_i h_i z_i + sum_{i<j} J_ij z_i z_j and x = (1 - z) / 2."""
        J = self.quadratic / 4.0
        h = -self.linear / 2.0 - (self.quadratic.sum(axis=1) + self.quadratic.sum(axis=0)) / 4.0
        c = self.offset + self.linear.sum() / 2.0 + self.quadratic.sum() / 4.0
        return h, J, float(c)

    def to_sparse_pauli_op(self):
        """The Ising Hamiltonian as a qiskit ``SparsePauliOp`` (qubit i = variable i, little-endian)
        and its constant offset: E(x) = <x|H|x> + constant."""
        from qiskit.quantum_info import SparsePauliOp

        h, J, c = self.to_ising()
        n = self.num_variables
        terms: list[tuple[str, list[int], float]] = []
        for i in np.flatnonzero(h):
            terms.append(("Z", [int(i)], float(h[i])))
        for i, j in zip(*np.nonzero(J)):
            terms.append(("ZZ", [int(i), int(j)], float(J[i, j])))
        if not terms:
            terms.append(("I", [0], 0.0))
        return SparsePauliOp.from_sparse_list(terms, num_qubits=n), c

    def scaled(self, factor: float) -> "QUBO":
        return QUBO(self.linear * factor, self.quadratic * factor, self.offset * factor, list(self.labels))

    def max_abs_coefficient(self) -> float:
        return float(max(np.abs(self.linear).max(initial=0.0), np.abs(self.quadratic).max(initial=0.0)))
