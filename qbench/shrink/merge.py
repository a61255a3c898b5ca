"""The merge rule and its record.

A merge ``(i, j, sign)`` imposes ``z_i = sign * z_j`` on the Ising graph (:mod:`qbench.shrink.maxcut`):
``x_i = x_j`` for ``sign = +1``, ``x_i = 1 - x_j`` for ``sign = -1``. Node i disappears and its
couplings fold into j: ``W_jk += sign * W_ik`` for every other k, and the edge between them becomes
the constant ``sign * W_ij``. Every assignment that satisfies the merge keeps its energy exactly.
Merging into the reference node 0 fixes a variable (``x_i = 0`` for +1, ``x_i = 1`` for -1): the same
mechanism, no special case.

Each surviving node represents a *group* of original variables with a parity each (``z_v = p_v z_r``);
the guards of :mod:`qbench.shrink.guards` look at those groups. :class:`MergeRecord` is the list of
steps; :meth:`MergeRecord.expand` replays them backwards to map samples of the shrunk QUBO to the
original variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qbench.qubo import QUBO
from qbench.shrink.maxcut import IsingGraph, bits_to_spins, spins_to_bits


@dataclass(frozen=True)
class Merge:
    removed: int       # node (1..n) that disappears
    kept: int          # node it folds into (0 = the reference: a fixing)
    sign: int          # +1: z_removed = z_kept; -1: z_removed = -z_kept
    correlation: float = 0.0   # the estimate that chose it (for the record)

    def to_dict(self) -> dict:
        return {"removed": self.removed, "kept": self.kept, "sign": self.sign,
                "correlation": round(float(self.correlation), 6)}


@dataclass
class MergeRecord:
    """Everything needed to go back from the shrunk QUBO to the original one."""

    num_variables: int                     # n of the original QUBO
    steps: list[Merge] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)   # nodes (1..n) that are the shrunk QUBO's variables, in order

    def expand(self, X: np.ndarray) -> np.ndarray:
        """Bitstrings of the shrunk QUBO (S, len(survivors)) -> bitstrings of the original (S, n)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.uint8))
        if X.shape[1] != len(self.survivors):
            raise ValueError(f"expected {len(self.survivors)} shrunk variables, got {X.shape[1]}")
        Z = np.zeros((X.shape[0], self.num_variables + 1))
        Z[:, 0] = 1.0
        Z[:, self.survivors] = 1.0 - 2.0 * X
        for m in reversed(self.steps):     # a kept node is always known before the one folded into it
            Z[:, m.removed] = m.sign * Z[:, m.kept]
        return spins_to_bits(Z)

    def satisfied(self, X: np.ndarray) -> np.ndarray:
        """Which original bitstrings (S, n) satisfy every merge."""
        Z = bits_to_spins(X)
        ok = np.ones(Z.shape[0], dtype=bool)
        for m in self.steps:
            ok &= Z[:, m.removed] == m.sign * Z[:, m.kept]
        return ok

    def to_dict(self) -> dict:
        return {"num_variables": self.num_variables, "survivors": list(self.survivors),
                "steps": [m.to_dict() for m in self.steps]}


class MergeState:
    """The Ising graph being shrunk, with the group each surviving node stands for."""

    def __init__(self, qubo: QUBO):
        self.original = IsingGraph.from_qubo(qubo)
        self.weights = self.original.weights.copy()
        self.constant = self.original.constant
        self.labels = list(self.original.labels)
        n1 = self.weights.shape[0]
        self.alive = np.ones(n1, dtype=bool)
        # group[r] = (members, parities): z_v = parity * z_r for every member v (r itself included)
        self.groups: dict[int, tuple[list[int], list[int]]] = {r: ([r], [1]) for r in range(n1)}
        self.record = MergeRecord(qubo.num_variables)

    @property
    def num_variables(self) -> int:
        """Variables the shrunk QUBO has now (alive nodes other than the reference)."""
        return int(self.alive.sum()) - 1

    def alive_nodes(self) -> np.ndarray:
        return np.flatnonzero(self.alive)

    def merged_group(self, i: int, j: int, sign: int) -> tuple[list[int], list[int]]:
        """The group node j would stand for after folding i into it (nothing is changed)."""
        mi, pi = self.groups[i]
        mj, pj = self.groups[j]
        return mj + mi, pj + [sign * p for p in pi]

    def apply(self, i: int, j: int, sign: int, correlation: float = 0.0) -> None:
        if i == 0:
            i, j = j, i
        if i == j or not (self.alive[i] and self.alive[j]) or sign not in (1, -1):
            raise ValueError(f"cannot merge node {i} into {j} with sign {sign}")
        W = self.weights
        self.constant += sign * W[i, j]
        W[j, :] += sign * W[i, :]
        W[:, j] += sign * W[:, i]
        W[j, j] = 0.0
        W[i, :] = 0.0
        W[:, i] = 0.0
        self.alive[i] = False
        self.groups[j] = self.merged_group(i, j, sign)
        del self.groups[i]
        self.record.steps.append(Merge(int(i), int(j), int(sign), float(correlation)))

    def current_graph(self) -> IsingGraph:
        """The shrunk graph over the alive nodes (node 0 first)."""
        nodes = self.alive_nodes()
        return IsingGraph(self.weights[np.ix_(nodes, nodes)].copy(), self.constant,
                          [self.labels[v - 1] for v in nodes[1:]])

    def shrunk_qubo(self) -> tuple[QUBO, MergeRecord]:
        self.record.survivors = [int(v) for v in self.alive_nodes()[1:]]
        return self.current_graph().to_qubo(), self.record
