"""Slack-variable QUBO: every inequality becomes an equality with binary slack bits, squared.

For a row ``a.x <= b`` with integer data the encoding adds slack bits ``s = sum_k q_k t_k`` covering
exactly ``0..S`` with ``S = b - min_x a.x`` (``min_x a.x`` = sum of the negative coefficients) and the
penalty ``w * (a.x + s - b)^2``. The bits use the *bounded* binary expansion ``q = 1, 2, 4, ...,
2^(k-2), S - (2^(k-1) - 1)`` with ``k = ceil(log2(S + 1))`` bits, so their largest sum is S, never more:
a plain power-of-two top bit could overshoot and reward violating the row.

Special rows:

* pairwise conflicts ``x_u + x_v <= 1`` (MIS edges; detected generically by
  :func:`~qbench.formulations.penalty.conflict_pair`) need no slack: ``w * x_u * x_v``;
* redundant rows (``max_x a.x <= b``) are dropped, with no bits and no penalty;
* equalities get ``w * (a.x - b)^2``;
* fractional rows are first scaled by the smallest power of ten (up to 10^6) that makes them integral;
  a row that no such scale fixes gets slack in units of ``slack_resolution`` (default: its smallest
  non-zero |coefficient|), so a feasible point keeps a residual in ``(-unit, 0]`` and may pay up to
  ``w * unit^2``: the optimality guarantee of the automatic weight is then lost (``info['provable']``).

Weights multiply the squared residual of the (integer-scaled) row; the default is
:func:`~qbench.formulations.penalty.automatic_weights`, which provably ranks every infeasible point
behind the best feasible one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.errors import InfeasibleInstanceError
from qbench.formulations.base import Encoding, StaticFormulation
from qbench.formulations.penalty import (QuboAccumulator, check_weight_params, conflict_pair, integer_row, resolve_weights,
                                        split_constraints)


def slack_coefficients(slack_range: int) -> np.ndarray:
    """Bounded binary expansion of ``0..slack_range``: ``1, 2, ..., 2^(k-2), slack_range - (2^(k-1) - 1)``
    with ``k = ceil(log2(slack_range + 1))`` bits (none for a range of 0)."""
    S = int(slack_range)
    if S <= 0:
        return np.zeros(0)
    k = S.bit_length()
    low = 2.0 ** np.arange(k - 1)
    return np.append(low, S - (2 ** (k - 1) - 1)).astype(float)


def num_slack_bits(slack_range: int) -> int:
    return int(slack_range).bit_length() if slack_range > 0 else 0


@dataclass
class _Rows:
    """Just the ``<=`` rows, in the shape ``_slack_rows`` reads from a model."""

    A_ub: np.ndarray
    b_ub: np.ndarray


@dataclass
class _SlackRow:
    row: int             # index into A_ub
    a: np.ndarray        # integer-scaled coefficients
    b: float             # integer-scaled right-hand side
    coefficients: np.ndarray  # slack bit values (in the row's scaled units)


@dataclass
class SlackFormulation(StaticFormulation):
    """Slack bits for inequalities, squared penalties; see the module docstring.

    penalty: one weight for every constraint (None: automatic, provably exact).
    penalty_scale: multiplies whatever weights apply (automatic or given).
    penalties: one weight per constraint, ``<=`` rows then ``==`` rows (overrides ``penalty``).
    conflict_edges: encode ``x_u + x_v <= 1`` rows slack-free as ``w * x_u * x_v``.
    slack_resolution: slack unit for rows no power of ten makes integral.
    """

    name: ClassVar[str] = "slack"
    penalty: float | None = None
    penalty_scale: float = 1.0
    penalties: list[float] | None = None
    conflict_edges: bool = True
    slack_resolution: float | None = None

    def __post_init__(self) -> None:
        check_weight_params(self.penalty, self.penalty_scale, self.penalties)
        if self.slack_resolution is not None and self.slack_resolution <= 0:
            raise ValueError("slack_resolution must be positive")

    def encode(self, problem) -> Encoding:
        model = problem.model
        n = model.num_variables
        w_ub, w_eq, rule = resolve_weights(model, penalty=self.penalty, penalty_scale=self.penalty_scale,
                                           penalties=self.penalties)
        split = split_constraints(model, self.conflict_edges)
        conflict_rows, pairs, ordinary = split.conflict_rows, split.conflict_pairs, split.inequality_rows

        slack_rows, redundant, exact = self._slack_rows(model, ordinary)
        bits = [r.coefficients.shape[0] for r in slack_rows]
        N = n + sum(bits)
        acc = QuboAccumulator.from_objective(model, N)
        labels = list(model.var_names)

        if slack_rows:
            R = np.zeros((len(slack_rows), N))
            start = n
            for k, sr in enumerate(slack_rows):
                R[k, :n] = sr.a
                R[k, start:start + bits[k]] = sr.coefficients
                labels += [f"s{sr.row}_{j}" for j in range(bits[k])]
                start += bits[k]
            acc.add_squared_rows(R, np.array([sr.b for sr in slack_rows]),
                                 w_ub[[sr.row for sr in slack_rows]])
        acc.add_pair_products(pairs, w_ub[conflict_rows])
        acc.add_equalities(model, w_eq)
        exact = exact and all(integer_row(a, d) is not None for a, d in zip(model.A_eq, model.b_eq))

        bits_per_row = np.zeros(model.A_ub.shape[0], dtype=int)
        for sr, k in zip(slack_rows, bits):
            bits_per_row[sr.row] = k
        info = {
            "slack_bits": bits_per_row.tolist(),
            "slack_bits_total": int(sum(bits)),
            "penalties": np.append(w_ub, w_eq).tolist(),
            "penalty_rule": rule,
            "provable": bool(exact and rule in ("packing-drop", "objective-range")),
            "conflict_edges": int(pairs.shape[0]),
            "redundant_rows": int(len(redundant)),
            "num_qubits": int(N),
        }
        aux_constraint = [sr.row for sr, k in zip(slack_rows, bits) for _ in range(k)]
        return Encoding(acc.build(labels), n, info, aux_constraint)

    def num_qubits(self, problem) -> int:
        """n plus the slack bits, counted from the inequality rows alone (no QUBO, and no model for
        kinds whose rows need no slack), so listing large instances stays cheap."""
        if not self.conflict_edges:
            return self.encode(problem).num_qubits
        A, b = problem.inequality_rows()
        rows = [i for i in range(A.shape[0]) if conflict_pair(A[i], b[i]) is None]
        slack_rows, _, _ = self._slack_rows(_Rows(A, b), np.array(rows, dtype=np.int64))
        return problem.num_variables + sum(r.coefficients.shape[0] for r in slack_rows)

    def _slack_rows(self, model, rows: np.ndarray) -> tuple[list[_SlackRow], list[int], bool]:
        out: list[_SlackRow] = []
        redundant: list[int] = []
        exact = True
        for i in rows:
            a, b = model.A_ub[i], float(model.b_ub[i])
            scale = integer_row(a, b)
            unit = 1.0
            if scale is None:
                exact = False
                scale = 1.0
                nz = np.abs(a[a != 0])
                unit = self.slack_resolution or (float(nz.min()) if nz.size else 1.0)
            a_s, b_s = a * scale, b * scale
            lo, hi = np.clip(a_s, None, 0).sum(), np.clip(a_s, 0, None).sum()
            if hi <= b_s:
                redundant.append(int(i))
                continue
            if lo > b_s + 1e-9:
                raise InfeasibleInstanceError(f"constraint {i} cannot be satisfied: its smallest left-hand "
                                              f"side {lo / scale:g} exceeds {b:g}")
            steps = int(np.floor((b_s - lo) / unit + 1e-9))
            out.append(_SlackRow(int(i), a_s, b_s, unit * slack_coefficients(steps)))
        return out, redundant, exact


__all__ = ["SlackFormulation", "slack_coefficients", "num_slack_bits"]
