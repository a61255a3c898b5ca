"""QUBO <-> weighted Max-Cut graph on n + 1 nodes, exact both ways.

With spins ``z_i = 1 - 2 x_i`` a QUBO is an Ising energy ``c + sum_i h_i z_i + sum_{i<j} J_ij z_i z_j``.
A reference node 0 with ``z_0 = +1`` turns each field into a coupling ``h_i z_0 z_i``, so the whole
energy is ``E(z) = constant + sum_{i<j} W_ij z_i z_j`` over nodes 0..n (W symmetric, zero diagonal).
Because ``z_i z_j = 1 - 2 [i and j on different sides]``, minimising E is the maximum cut of the
graph with weights W: ``E(z) = constant + sum_{i<j} W_ij - 2 cut_W(z)``. A cut reads back as the
bitstring ``x_i = [node i is on the other side from node 0]``, which is what makes both directions
exact (flipping every side gives the same cut and the same bitstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qbench.qubo import QUBO


@dataclass
class IsingGraph:
    """``E(z) = constant + sum_{i<j} weights[i, j] z_i z_j`` over nodes 0..n, node 0 the reference."""

    weights: np.ndarray           # (n+1, n+1) symmetric, zero diagonal
    constant: float = 0.0
    labels: list[str] = field(default_factory=list)   # labels of nodes 1..n

    @property
    def num_nodes(self) -> int:
        return self.weights.shape[0]

    @property
    def num_variables(self) -> int:
        return self.num_nodes - 1

    @classmethod
    def from_qubo(cls, qubo: QUBO) -> "IsingGraph":
        h, J, c = qubo.to_ising()
        n = qubo.num_variables
        W = np.zeros((n + 1, n + 1))
        W[0, 1:] = h
        W[1:, 1:] = J
        W = W + W.T
        return cls(W, float(c), list(qubo.labels))

    def to_qubo(self) -> QUBO:
        """The QUBO with ``z_0 = +1`` and ``x_i = (1 - z_i) / 2``; ``E_qubo(x) == energy(z)``."""
        W = self.weights
        h = W[0, 1:]
        J = np.triu(W[1:, 1:], 1)
        # z = 1 - 2x:  h z = h - 2 h x;  J z_i z_j = J (1 - 2x_i - 2x_j + 4 x_i x_j)
        linear = -2.0 * h - 2.0 * (J.sum(axis=1) + J.sum(axis=0))
        offset = self.constant + h.sum() + J.sum()
        return QUBO(linear, 4.0 * J, offset, list(self.labels))

    def energy(self, Z: np.ndarray) -> np.ndarray | float:
        """Energies of spin vectors over all n + 1 nodes (shape (n+1,) or (S, n+1))."""
        Z = np.asarray(Z, dtype=float)
        single = Z.ndim == 1
        Z2 = np.atleast_2d(Z)
        e = self.constant + 0.5 * np.einsum("si,ij,sj->s", Z2, self.weights, Z2)
        return float(e[0]) if single else e

    def cut_value(self, Z: np.ndarray) -> np.ndarray | float:
        """Total weight of the edges whose ends lie on different sides."""
        Z = np.asarray(Z, dtype=float)
        single = Z.ndim == 1
        Z2 = np.atleast_2d(Z)
        differ = (1.0 - Z2[:, :, None] * Z2[:, None, :]) / 2.0
        v = 0.5 * np.einsum("sij,ij->s", differ, self.weights)
        return float(v[0]) if single else v

    def total_weight(self) -> float:
        return float(np.triu(self.weights, 1).sum())


def bits_to_spins(X: np.ndarray) -> np.ndarray:
    """Bitstrings (S, n) -> spins over n + 1 nodes with the reference ``z_0 = +1``."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    return np.hstack([np.ones((X.shape[0], 1)), 1.0 - 2.0 * X])


def spins_to_bits(Z: np.ndarray) -> np.ndarray:
    """Spins over n + 1 nodes -> bitstrings: ``x_i = 1`` iff node i is on the other side from node 0."""
    Z = np.atleast_2d(np.asarray(Z, dtype=float))
    return (Z[:, 1:] * Z[:, :1] < 0).astype(np.uint8)
