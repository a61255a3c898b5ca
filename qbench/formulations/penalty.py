"""Penalty algebra and penalty weights shared by the slack, unbalanced and Lagrangian formulations.

Three jobs live here:

* **Energy convention.** Every QUBO minimises. :func:`energy_sign` is -1 for a max problem and +1 for
  a min problem, so the objective's energy is ``sign * f(x)``; :class:`QuboAccumulator` starts from that
  energy and adds penalty terms.
* **Constraint kinds.** :func:`split_constraints` finds, generically, the ``<=`` rows that only say
  "x_u and x_v are not both 1" (MIS edges, conflict pairs): those are encoded slack-free as
  ``w * x_u * x_v``. Every other ``<=`` row is an ordinary inequality; ``A_eq`` rows are equalities.
* **Automatic weights.** :func:`automatic_weights` gives every constraint a weight that provably makes
  each infeasible point's energy worse than the best feasible one (see its docstring for the two
  arguments used), and :func:`integer_row` scales fractional rows so that those arguments apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbench.errors import ConfigError
from qbench.problems.base import BinaryModel
from qbench.qubo import QUBO

#: Largest power of ten tried when scaling a fractional constraint row to integers.
MAX_DECIMALS = 6
_INT_TOL = 1e-9


def energy_sign(model: BinaryModel) -> float:
    """-1 for a max problem (energy = -objective), +1 for a min problem."""
    return -1.0 if model.sense == "max" else 1.0


# ---- accumulating a QUBO ---------------------------------------------------------------------------

@dataclass
class QuboAccumulator:
    """A QUBO under construction over ``N`` variables: ``offset + linear.y + y^T M y`` with ``M`` any
    square matrix (the :class:`~qbench.qubo.QUBO` constructor folds its diagonal and lower triangle)."""

    linear: np.ndarray
    matrix: np.ndarray
    offset: float = 0.0

    @classmethod
    def zeros(cls, num_variables: int) -> "QuboAccumulator":
        return cls(np.zeros(num_variables), np.zeros((num_variables, num_variables)), 0.0)

    @classmethod
    def from_objective(cls, model: BinaryModel, num_variables: int | None = None) -> "QuboAccumulator":
        """The objective's energy ``sign * (constant + c.x + x^T Q x)`` on the first n of N variables."""
        n = model.num_variables
        acc = cls.zeros(n if num_variables is None else num_variables)
        s = energy_sign(model)
        acc.linear[:n] += s * model.c
        if model.Q is not None:
            acc.matrix[:n, :n] += s * model.Q
        acc.offset += s * model.constant
        return acc

    @property
    def num_variables(self) -> int:
        return self.linear.shape[0]

    def add_squared_rows(self, R: np.ndarray, r: np.ndarray, weights: np.ndarray) -> None:
        """Add ``sum_k w_k (R_k . y - r_k)^2`` (rows of R span all N variables)."""
        R = np.atleast_2d(np.asarray(R, dtype=float))
        if R.shape[0] == 0:
            return
        w = np.broadcast_to(np.asarray(weights, dtype=float), (R.shape[0],))
        r = np.asarray(r, dtype=float)
        self.matrix += (R * w[:, None]).T @ R          # y_i^2 = y_i is folded by QUBO
        self.linear += -2.0 * (w * r) @ R
        self.offset += float((w * r * r).sum())

    def add_linear_rows(self, R: np.ndarray, r: np.ndarray, weights: np.ndarray) -> None:
        """Add ``sum_k w_k (R_k . y - r_k)``."""
        R = np.atleast_2d(np.asarray(R, dtype=float))
        if R.shape[0] == 0:
            return
        w = np.broadcast_to(np.asarray(weights, dtype=float), (R.shape[0],))
        self.linear += w @ R
        self.offset -= float(w @ np.asarray(r, dtype=float))

    def add_equalities(self, model: BinaryModel, weights: np.ndarray) -> None:
        """``w_k (s_k (e_k.x - d_k))^2`` for every equality row, ``s_k`` its integer scale (``row_scales``)."""
        if model.A_eq.shape[0]:
            s = row_scales(model.A_eq, model.b_eq)
            self.add_squared_rows(model.A_eq * s[:, None], model.b_eq * s, weights)

    def add_pair_products(self, pairs: np.ndarray, weights: np.ndarray) -> None:
        """Add ``sum_k w_k y_u y_v`` for pairs (u, v)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if pairs.shape[0] == 0:
            return
        w = np.broadcast_to(np.asarray(weights, dtype=float), (pairs.shape[0],))
        np.add.at(self.matrix, (pairs[:, 0], pairs[:, 1]), w)

    def build(self, labels: list[str] | None = None) -> QUBO:
        return QUBO(self.linear, self.matrix, self.offset, list(labels or []))


# ---- constraint kinds ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConstraintSplit:
    """The ``<=`` rows of a model split into pairwise conflicts and the rest (indices into ``A_ub``)."""

    conflict_rows: np.ndarray    # rows equivalent to x_u + x_v <= 1
    conflict_pairs: np.ndarray   # (k, 2) variable pairs of those rows, u < v
    inequality_rows: np.ndarray  # every other <= row
    num_equalities: int

    @property
    def num_conflicts(self) -> int:
        return int(self.conflict_rows.shape[0])


def conflict_pair(row: np.ndarray, rhs: float) -> tuple[int, int] | None:
    """(u, v) when ``row . x <= rhs`` says exactly "not both x_u and x_v": two positive coefficients
    with ``max(a_u, a_v) <= rhs < a_u + a_v`` (so either alone fits, both together do not)."""
    nz = np.flatnonzero(row)
    if nz.shape[0] != 2:
        return None
    a_u, a_v = row[nz]
    if a_u > 0 and a_v > 0 and max(a_u, a_v) <= rhs + _INT_TOL and rhs < a_u + a_v - _INT_TOL:
        return int(nz[0]), int(nz[1])
    return None


def split_constraints(model: BinaryModel, conflict_edges: bool = True) -> ConstraintSplit:
    """Split the ``<=`` rows; with ``conflict_edges=False`` every row counts as an ordinary inequality."""
    if not conflict_edges:
        return ConstraintSplit(np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64),
                               np.arange(model.A_ub.shape[0]), model.A_eq.shape[0])
    conflicts, pairs, others = [], [], []
    for i, (row, rhs) in enumerate(zip(model.A_ub, model.b_ub)):
        pair = conflict_pair(row, rhs)
        if pair is None:
            others.append(i)
        else:
            conflicts.append(i)
            pairs.append(pair)
    return ConstraintSplit(np.array(conflicts, dtype=np.int64),
                           np.array(pairs, dtype=np.int64).reshape(-1, 2),
                           np.array(others, dtype=np.int64), model.A_eq.shape[0])


# ---- integrality -----------------------------------------------------------------------------------

def integer_row(a: np.ndarray, b: float, max_decimals: int = MAX_DECIMALS) -> float | None:
    """The smallest power of ten ``s <= 10**max_decimals`` with ``s*a`` and ``s*b`` integral, else None.

    Integral rows matter twice: a violated integral constraint is violated by at least 1 (what makes
    the automatic weights provable), and an integral slack range is encoded exactly by integer bits.
    """
    v = np.append(np.asarray(a, dtype=float), float(b))
    for d in range(max_decimals + 1):
        s = 10.0 ** d
        sv = s * v
        if np.all(np.abs(sv - np.round(sv)) <= _INT_TOL * np.maximum(1.0, np.abs(sv))):
            return s
    return None


# ---- automatic weights -----------------------------------------------------------------------------

def variable_gain_bound(model: BinaryModel) -> np.ndarray:
    """For each variable j, an upper bound on how much the objective can change when x_j flips:
    ``|c_j| + sum_k |Q_jk|`` (both triangles of Q)."""
    gain = np.abs(model.c).astype(float)
    if model.Q is not None:
        absQ = np.abs(model.Q)
        gain = gain + absQ.sum(axis=0) + absQ.sum(axis=1)
    return gain


def objective_range_bound(model: BinaryModel) -> float:
    """An upper bound on ``max_x f(x) - min_x f(x)``: ``sum|c| + sum|Q|``."""
    bound = float(np.abs(model.c).sum())
    if model.Q is not None:
        bound += float(np.abs(model.Q).sum())
    return bound


def is_packing(model: BinaryModel) -> bool:
    """Only ``<=`` rows, all coefficients and right-hand sides non-negative (x = 0 is feasible and
    dropping a variable never hurts a constraint): knapsack, MDKP, MIS."""
    return (model.A_eq.shape[0] == 0 and bool((model.A_ub >= 0).all())
            and bool((model.b_ub >= 0).all()))


@dataclass(frozen=True)
class AutomaticWeights:
    ub: np.ndarray     # one weight per A_ub row, on the squared residual of the integer-scaled row
    eq: np.ndarray     # one weight per A_eq row, likewise
    rule: str          # "packing-drop" or "objective-range"
    provable: bool     # False when some row could not be scaled to integers


def automatic_weights(model: BinaryModel, margin: float = 1.0) -> AutomaticWeights:
    """Penalty weights on squared residuals (and on ``x_u*x_v`` for conflicts) that make every
    infeasible point's energy strictly worse than the best feasible point's.

    Both rules assume integral rows (after :func:`integer_row` scaling), so a violated row is violated
    by at least 1 and pays at least its weight.

    * **packing-drop** (all rows ``<=`` with non-negative data, :func:`is_packing`): row i gets
      ``w_i = margin + max_{j: a_ij > 0} gain_j`` with ``gain_j`` from :func:`variable_gain_bound`.
      Why: take an infeasible x and a variable u > 0 in a violated row i. Setting x_u = 0 lowers row
      i's penalty by at least ``w_i`` (its violation v >= 1 falls by a_iu >= 1: ``v^2 - max(0, v -
      a)^2 >= 1``), never raises another row's penalty (non-negative coefficients), and raises the
      objective energy by at most ``gain_u < w_i``. So the energy strictly falls; repeating reaches a
      feasible point with lower energy than x. For MIS (gain 1) this is the classical ``P = 2 > 1``
      per edge.
    * **objective-range** (anything else, e.g. equalities): every row gets ``w = margin +
      sum|c| + sum|Q|``. Why: an infeasible x pays at least w, and ``w > max f - min f`` exceeds
      anything it can gain over any feasible point.

    The guarantee is stated for an exact slack encoding (slack bits can make a feasible row's residual
    zero); it is lost for rows that cannot be scaled to integers (``provable`` is then False).
    """
    A, b = model.A_ub, model.b_ub
    provable = all(integer_row(a, r) is not None
                   for a, r in zip(np.vstack([A, model.A_eq]), np.append(b, model.b_eq)))
    if is_packing(model):
        gain = variable_gain_bound(model)
        masked = np.where(A > 0, gain[None, :], 0.0)
        w_ub = margin + masked.max(axis=1, initial=0.0)
        return AutomaticWeights(w_ub, np.zeros(0), "packing-drop", provable)
    w = margin + objective_range_bound(model)
    return AutomaticWeights(np.full(A.shape[0], w), np.full(model.A_eq.shape[0], w), "objective-range",
                            provable)


def check_weight_params(penalty: float | None, penalty_scale: float, penalties: list[float] | None) -> None:
    """The weight knobs' own checks, run when a formulation is built (before any instance is read)."""
    if penalty is not None and not penalty >= 0:
        raise ValueError(f"penalty must be non-negative, got {penalty!r}")
    if not penalty_scale > 0:
        raise ValueError(f"penalty_scale must be positive, got {penalty_scale!r}")
    if penalties is not None and not all(w >= 0 for w in penalties):
        raise ValueError(f"penalties must all be non-negative, got {penalties!r}")


def resolve_weights(model: BinaryModel, *, penalty: float | None, penalty_scale: float,
                    penalties: list[float] | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Per-row weights (A_ub rows, then A_eq rows) from the user's three knobs, in this order of
    precedence: ``penalties`` (one per constraint) > ``penalty`` (all rows) > automatic weights; then
    everything is multiplied by ``penalty_scale``. Returns (w_ub, w_eq, rule)."""
    k_ub, k_eq = model.A_ub.shape[0], model.A_eq.shape[0]
    if penalties is not None:
        w = np.asarray(penalties, dtype=float).reshape(-1)
        if w.shape[0] != k_ub + k_eq:
            raise ConfigError(f"penalties has {w.shape[0]} entries, the model has {k_ub + k_eq} constraints "
                             f"({k_ub} <= then {k_eq} ==)")
        w_ub, w_eq, rule = w[:k_ub], w[k_ub:], "user-per-constraint"
    elif penalty is not None:
        w_ub, w_eq, rule = np.full(k_ub, float(penalty)), np.full(k_eq, float(penalty)), "user"
    else:
        auto = automatic_weights(model)
        w_ub, w_eq, rule = auto.ub, auto.eq, auto.rule
    if (w_ub < 0).any() or (w_eq < 0).any():
        raise ConfigError("penalty weights must be non-negative")
    return w_ub * penalty_scale, w_eq * penalty_scale, rule


def row_scales(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`integer_row` for every row (1.0 where no power of ten makes the row integral)."""
    return np.array([integer_row(a, r) or 1.0 for a, r in zip(A, b)], dtype=float)


def merit_energy(model: BinaryModel, X: np.ndarray) -> np.ndarray:
    """``sign*f(x) + sum_i w_i max(0, s_i(a_i.x - b_i))^2 + sum_k w_k s_k^2 (e_k.x - d_k)^2`` with the
    automatic weights and integer scales: a slack-free, multiplier-free energy that ranks samples of
    any formulation alike (feasible ones by objective, every infeasible one behind the best feasible)."""
    auto = automatic_weights(model)
    r_ub, r_eq = model.residuals(X)
    r_ub = np.clip(r_ub, 0.0, None) * row_scales(model.A_ub, model.b_ub)
    r_eq = r_eq * row_scales(model.A_eq, model.b_eq)
    return energy_sign(model) * model.objective(X) + (r_ub ** 2) @ auto.ub + (r_eq ** 2) @ auto.eq
