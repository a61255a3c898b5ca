"""Constraint-aware merging: which merges a problem forbids.

A merge folds two groups of variables into one (:mod:`qbench.shrink.merge`); the merged group then has
two *phases* (its representative's spin +1 or -1; only +1 for the reference node's group of fixed
variables), and each phase sets its members to fixed 0/1 values. A merge is forbidden when some phase
sets the problem's decision variables - together with the variables already fixed - so that a
constraint can no longer hold, or when the group would hold slack bits of two different constraints.

Per problem kind a *check* ``allows(ones, zeros) -> bool`` looks at one such partial assignment
(indices of the problem's variables). :data:`CHECKS` is the per-kind table; a kind that is not in it
gets :func:`model_rows_check`, a generic bound test on the rows of its
:class:`~qbench.problems.base.BinaryModel`. A new problem adds one entry here.

* MIS: no phase selects two adjacent vertices.
* QAP / TSP: no phase selects two variables of one one-hot row or column, or zeroes a whole row/column.
* MDKP: no phase selects items whose joint weight exceeds a capacity.

On top of the per-kind rule, :class:`MergeGuard` bounds every row of the model over all groups at
once (see there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Check = Callable[[np.ndarray, np.ndarray], bool]


@dataclass(frozen=True)
class VariableLayout:
    """What each QUBO variable is: the first ``num_decision`` are the problem's variables; auxiliary
    variable k (QUBO index ``num_decision + k``) is a slack bit of ``<=`` row ``aux_constraint[k]`` of
    the problem's model (-1: tied to no row)."""

    num_decision: int
    aux_constraint: tuple[int, ...] = field(default_factory=tuple)

    @classmethod
    def for_qubo(cls, num_variables: int, num_decision: int, aux_constraint=()) -> "VariableLayout":
        aux = list(aux_constraint)[: max(0, num_variables - num_decision)]
        aux += [-1] * (num_variables - num_decision - len(aux))
        return cls(min(num_decision, num_variables), tuple(int(a) for a in aux))


def mis_check(problem) -> Check:
    A = problem.adjacency.tocsr()

    def allows(ones: np.ndarray, zeros: np.ndarray) -> bool:
        return ones.size < 2 or A[ones][:, ones].nnz == 0
    return allows


def onehot_check(side: int) -> Check:
    """Variables ``i * side + k`` of a side x side assignment matrix (QAP: facility i at location k;
    TSP: city i + 1 at position k + 1)."""
    def allows(ones: np.ndarray, zeros: np.ndarray) -> bool:
        if ones.size > 1:
            if np.unique(ones // side).size < ones.size or np.unique(ones % side).size < ones.size:
                return False
        if zeros.size >= side:
            if (np.bincount(zeros // side, minlength=side) >= side).any():
                return False
            if (np.bincount(zeros % side, minlength=side) >= side).any():
                return False
        return True
    return allows


def mdkp_check(problem) -> Check:
    weights, capacities = problem.weights, problem.capacities

    def allows(ones: np.ndarray, zeros: np.ndarray) -> bool:
        return ones.size == 0 or bool((weights[:, ones].sum(axis=1) <= capacities + 1e-9).all())
    return allows


def model_rows_check(problem) -> Check:
    """Generic: a partial assignment is refused when some row's left-hand side, over every completion
    of the free variables, cannot meet its right-hand side."""
    m = problem.model
    A = np.vstack([m.A_ub, m.A_eq])
    b = np.append(m.b_ub, m.b_eq)
    k_ub = m.A_ub.shape[0]
    neg, pos = np.clip(A, None, 0.0), np.clip(A, 0.0, None)

    def allows(ones: np.ndarray, zeros: np.ndarray) -> bool:
        fixed = np.concatenate([ones, zeros])
        lo = A[:, ones].sum(axis=1) + neg.sum(axis=1) - neg[:, fixed].sum(axis=1)
        hi = A[:, ones].sum(axis=1) + pos.sum(axis=1) - pos[:, fixed].sum(axis=1)
        if (lo[:k_ub] > b[:k_ub] + 1e-9).any():
            return False
        return not ((lo[k_ub:] > b[k_ub:] + 1e-9) | (hi[k_ub:] < b[k_ub:] - 1e-9)).any()
    return allows


#: kind -> factory of its check (problem -> Check).
CHECKS: dict[str, Callable[[object], Check]] = {
    "mis": mis_check,
    "qap": lambda p: onehot_check(p.n),
    "tsp": lambda p: onehot_check(p.m),
    "mdkp": mdkp_check,
}


def check_for(problem) -> Check:
    return CHECKS.get(problem.kind, model_rows_check)(problem)


@dataclass(frozen=True)
class ModelRows:
    """The problem's linear rows over its decision variables: ``A[:k_ub] x <= b[:k_ub]``,
    ``A[k_ub:] x == b[k_ub:]``."""

    A: np.ndarray
    b: np.ndarray
    k_ub: int

    @classmethod
    def of(cls, problem) -> "ModelRows":
        m = problem.model
        return cls(np.vstack([m.A_ub, m.A_eq]), np.append(m.b_ub, m.b_eq), m.A_ub.shape[0])


class MergeGuard:
    """Decides, for a :class:`~qbench.shrink.merge.MergeState`, whether folding node i into node j is
    allowed (nodes are 1 + QUBO variable index; node 0 the reference).

    Two tests: the per-kind ``check`` on each phase of the merged group (the rules of the module
    docstring), and, when ``rows`` are given, a bound over *all* groups: every decision variable is in
    exactly one group, so a row's value is the sum of one phase's contribution per group, and the
    merge is refused when even the smallest (largest) contributions overshoot (cannot reach) the
    right-hand side. That catches what no single group shows, e.g. two anti-merged pairs of one
    QAP row (each pair always holds exactly one 1, so the row holds two)."""

    def __init__(self, check: Check, layout: VariableLayout, rows: ModelRows | None = None):
        self.check = check
        self.layout = layout
        self.rows = rows
        self._owner = np.array((-1,) * layout.num_decision + layout.aux_constraint, dtype=np.int64)
        self._bounds: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}

    def allows(self, state, i: int, j: int, sign: int) -> bool:
        if i == 0:
            i, j = j, i
        members, parities = state.merged_group(i, j, sign)
        var = np.array(members, dtype=np.int64) - 1         # QUBO variable index, -1 = the reference
        par = np.array(parities, dtype=np.int64)
        keep = var >= 0
        var, par = var[keep], par[keep]
        owners = self._owner[var]
        owners = np.unique(owners[owners >= 0])
        if owners.size > 1:
            return False
        decision = var < self.layout.num_decision
        var, par = var[decision], par[decision]
        fixed_ones, fixed_zeros = self._fixed(state) if j != 0 else (np.zeros(0, np.int64),) * 2
        phases = (1,) if j == 0 else (1, -1)
        for s in phases:       # phase s: x_v = 1 iff p_v * s == -1
            ones = np.concatenate([var[par * s == -1], fixed_ones])
            zeros = np.concatenate([var[par * s == 1], fixed_zeros])
            if not self.check(ones, zeros):
                return False
        return self.rows is None or self._rows_feasible(state, i, j, (members, parities))

    def _group_phases(self, root: int, members, parities) -> np.ndarray:
        """(2, rows): the group's contribution to every row in phase +1 and phase -1 (the reference's
        group has only phase +1; it is repeated)."""
        var = np.array(members, dtype=np.int64) - 1
        par = np.array(parities, dtype=np.int64)
        keep = (var >= 0) & (var < self.layout.num_decision)
        var, par = var[keep], par[keep]
        A = self.rows.A
        plus = A[:, var[par == -1]].sum(axis=1)
        minus = plus if root == 0 else A[:, var[par == 1]].sum(axis=1)
        return np.vstack([plus, minus])

    def _rows_feasible(self, state, i: int, j: int, merged, max_rounds: int = 50) -> bool:
        """Bound propagation over group phases: drop a phase of a group when, with every other group
        at its most favourable allowed phase, it breaks a row; refuse when a group has no phase left."""
        contrib = []
        for root, (members, parities) in state.groups.items():
            if root == i:
                continue
            if root == j:
                contrib.append(self._group_phases(j, *merged))
                continue
            cached = self._bounds.get(root)
            if cached is None or cached[0] != len(members):
                cached = (len(members), self._group_phases(root, members, parities))
                self._bounds[root] = cached
            contrib.append(cached[1])
        C = np.stack(contrib)                       # (groups, 2, rows)
        allowed = np.ones(C.shape[:2], dtype=bool)  # phases still possible
        b, k = self.rows.b, self.rows.k_ub
        big = np.inf
        for _ in range(max_rounds):
            lo_g = np.where(allowed[:, :, None], C, big).min(axis=1)
            hi_g = np.where(allowed[:, :, None], C, -big).max(axis=1)
            lo, hi = lo_g.sum(axis=0), hi_g.sum(axis=0)
            # row value if group g takes phase s and every other group its extreme
            lo_if = lo[None, None, :] - lo_g[:, None, :] + C
            hi_if = hi[None, None, :] - hi_g[:, None, :] + C
            bad = (lo_if[:, :, :k] > b[:k] + 1e-9).any(axis=2)
            bad |= ((lo_if[:, :, k:] > b[k:] + 1e-9) | (hi_if[:, :, k:] < b[k:] - 1e-9)).any(axis=2)
            newly = allowed & bad
            if not newly.any():
                return True
            allowed &= ~bad
            if not allowed.any(axis=1).all():
                return False
        return True

    def _fixed(self, state) -> tuple[np.ndarray, np.ndarray]:
        members, parities = state.groups[0]
        var = np.array(members, dtype=np.int64) - 1
        par = np.array(parities, dtype=np.int64)
        keep = (var >= 0) & (var < self.layout.num_decision)
        var, par = var[keep], par[keep]
        return var[par == -1], var[par == 1]
