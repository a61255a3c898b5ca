"""Unbalanced penalization (Montañez-Barrera, Willsch, Maldonado-Romo, Michielsen, arXiv 2211.13914):
inequalities without slack bits.

For each inequality written as ``h(x) = b - a.x >= 0`` the energy gets exactly the published term

    -lambda1 * h(x) + lambda2 * h(x)^2

a parabola in h whose minimum sits at ``h = lambda1 / (2 lambda2) > 0`` (inside the feasible side), so
violations (h < 0) cost more than unused capacity. It is a heuristic: the QUBO minimiser need not be
feasible, let alone optimal, and the weights matter.

Defaults. The paper's knapsack experiments use ``lambda1 = 0.96, lambda2 = 0.0371`` (tuned there
with Nelder-Mead on instances whose profits and weights are of the same size; the first author's
PennyLane QUBO tutorial uses the same two numbers, and dimod's
``add_linear_inequality_constraint(..., penalization_method="unbalanced")`` the same sign
convention: ``+lambda1 a.x`` plus ``lambda2 (a.x - b)^2``, i.e. ``-lambda1 h + lambda2 h^2`` up to a
constant). The cost function is
not scale-free, so ``scaling`` says how the two numbers are applied to row i:

* ``"objective"`` (default): both multiplied by the row's profit per unit of weight
  ``rho_i = mean|c_j| / mean_{a_ij != 0} |a_ij|``, h in the row's own units. The penalty then has the
  objective's scale (a unit of overload costs about ``0.96 * rho_i``, what a unit of weight earns),
  and the parabola's minimum stays ``lambda1 / (2 lambda2) ~ 13`` weight units inside the capacity,
  as in the paper. On the 12 SAC-94 instances the QUBO minimiser is feasible on 8, within 0-5 %.
* ``"none"``: ``lambda1, lambda2`` applied to the raw data (the published form verbatim; on SAC-94
  profits, ~10^2-10^4, the penalty is too weak and minimisers overload the knapsacks).
* ``"units"``: profits measured in units of their mean p and h in units of the row's mean weight
  w_i (``lambda1 * p / w_i``, ``lambda2 * p / w_i^2``): scale-free, but the parabola's minimum then
  sits ~13 *items* inside the capacity, which leaves much of it unused.

Centre (``centre``, issue 14). Whatever the scaling, the parabola also charges for *unused*
capacity, quadratically; with many rows (SAC-94 pet/pb: 10) under-filled feasible points then cost
more than slightly overloaded ones, and minimising the energy moves probability *out of* the feasible
set (see :mod:`qbench.formulations.calibration`). ``centre=k`` keeps ``lambda1_i = lambda1 * rho_i``
(the ``objective`` slope) but puts the parabola's minimum ``k`` mean item weights inside row i's
capacity (``lambda2_i = lambda1_i / (2 k w_i)``); ``centre="auto"`` takes the smallest ``k`` of
:data:`CENTRE_GRID` whose first-order feasibility drift (``calibration.boundary_step``, estimated from
uniform samples) is positive, i.e. the least strong push away from the capacity for which QAOA's first
step raises the feasible mass instead of lowering it.

Equalities get ``w * (a.x - b)^2`` and pairwise conflicts ``x_u + x_v <= 1`` get ``w * x_u * x_v``,
with the provable automatic weights of :mod:`qbench.formulations.penalty` unless ``penalty`` is set.
No auxiliary variables: qubits = n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.formulations.base import Encoding, StaticFormulation
from qbench.formulations.penalty import QuboAccumulator, check_weight_params, resolve_weights, split_constraints

#: lambda1, lambda2 of the knapsack experiments of arXiv 2211.13914.
PAPER_LAMBDA1 = 0.96
PAPER_LAMBDA2 = 0.0371


SCALINGS = ("objective", "none", "units")
#: Centres tried by ``centre="auto"``, in mean item weights inside the capacity.
CENTRE_GRID = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0)


def centred_weights(model, rows: np.ndarray, lambda1: float, centre: float) -> tuple[np.ndarray, np.ndarray]:
    """(lambda1_i, lambda2_i) with the ``objective`` slope and the parabola's minimum ``centre`` mean
    item weights inside each row's capacity."""
    l1, _ = unbalanced_weights(model, rows, lambda1, 1.0, "objective")
    if len(rows) == 0:
        return l1, l1
    A = np.abs(model.A_ub[rows])
    w = np.array([row[row > 0].mean() if (row > 0).any() else 1.0 for row in A])
    return l1, l1 / (2.0 * float(centre) * w)


def unbalanced_weights(model, rows: np.ndarray, lambda1: float, lambda2: float,
                       scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-row (lambda1_i, lambda2_i) actually applied to ``h_i(x) = b_i - a_i.x``."""
    l1 = np.full(len(rows), float(lambda1))
    l2 = np.full(len(rows), float(lambda2))
    if scaling == "none" or len(rows) == 0:
        return l1, l2
    c = np.abs(model.c[model.c != 0])
    p = float(c.mean()) if c.size else 1.0
    A = np.abs(model.A_ub[rows])
    w = np.array([row[row > 0].mean() if (row > 0).any() else 1.0 for row in A])
    if scaling == "objective":
        return l1 * p / w, l2 * p / w
    return l1 * p / w, l2 * p / w ** 2


@dataclass
class UnbalancedFormulation(StaticFormulation):
    """Slack-free ``-lambda1*h + lambda2*h^2`` for inequalities; see the module docstring.

    lambda1, lambda2: the published parameters (paper knapsack values by default).
    scaling: objective | none | units, how lambda1 and lambda2 meet the instance's scale.
    penalty, penalty_scale, penalties: weights of equalities and conflict edges, as in ``slack``
    (``penalties`` has one entry per constraint, ``<=`` rows then ``==`` rows; entries of ordinary
    inequalities are ignored).
    conflict_edges: encode ``x_u + x_v <= 1`` rows as ``w * x_u * x_v`` instead of the parabola.
    """

    name: ClassVar[str] = "unbalanced"
    lambda1: float = PAPER_LAMBDA1
    lambda2: float = PAPER_LAMBDA2
    scaling: str = "objective"
    penalty: float | None = None
    penalty_scale: float = 1.0
    penalties: list[float] | None = None
    conflict_edges: bool = True
    #: None (lambda2 from ``scaling``), a number k (parabola minimum k mean item weights inside the
    #: capacity) or "auto" (calibrated against uniform sampling); see the module docstring.
    centre: float | str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.centre, str) and self.centre != "auto":
            raise ValueError(f"centre must be a positive number, 'auto' or None, got {self.centre!r}")
        if isinstance(self.centre, (int, float)) and not isinstance(self.centre, bool) and self.centre <= 0:
            raise ValueError(f"centre must be positive, got {self.centre!r}")
        if self.lambda1 < 0 or self.lambda2 < 0:
            raise ValueError("lambda1 and lambda2 must be non-negative")
        if self.scaling not in SCALINGS:
            raise ValueError(f"unknown scaling {self.scaling!r}; allowed: {', '.join(SCALINGS)}")
        check_weight_params(self.penalty, self.penalty_scale, self.penalties)

    def encode(self, problem) -> Encoding:
        if self.centre == "auto":
            return self._encode_auto(problem)
        return self._encode(problem, self.centre)

    def _encode_auto(self, problem) -> Encoding:
        from qbench.formulations.calibration import boundary_step

        enc, drift = None, None
        for k in CENTRE_GRID:
            enc = self._encode(problem, k)
            if not enc.info["ordinary_rows"]:
                break           # no parabola rows: the centre changes nothing
            drift = boundary_step(problem, enc.qubo, enc.num_decision)
            if drift is not None and drift > 0:
                break
        enc.info["centre_auto"] = True
        enc.info["boundary_step"] = drift
        return enc

    def _encode(self, problem, centre) -> Encoding:
        model = problem.model
        n = model.num_variables
        w_ub, w_eq, rule = resolve_weights(model, penalty=self.penalty, penalty_scale=self.penalty_scale,
                                           penalties=self.penalties)
        split = split_constraints(model, self.conflict_edges)
        conflict_rows, pairs, ordinary = split.conflict_rows, split.conflict_pairs, split.inequality_rows

        acc = QuboAccumulator.from_objective(model, n)
        if centre is None:
            l1, l2 = unbalanced_weights(model, ordinary, self.lambda1, self.lambda2, self.scaling)
        else:
            l1, l2 = centred_weights(model, ordinary, self.lambda1, float(centre))
        A, b = model.A_ub[ordinary], model.b_ub[ordinary]
        # -l1*h + l2*h^2 with h = b - a.x  ==  l1*(a.x - b) + l2*(a.x - b)^2
        acc.add_linear_rows(A, b, l1)
        acc.add_squared_rows(A, b, l2)
        acc.add_pair_products(pairs, w_ub[conflict_rows])
        acc.add_equalities(model, w_eq)

        info = {
            "lambda1": l1.tolist(),
            "lambda2": l2.tolist(),
            "penalties": np.append(w_ub[conflict_rows], w_eq).tolist(),
            "penalty_rule": rule,
            "conflict_edges": int(pairs.shape[0]),
            "num_qubits": n,
            "centre": None if centre is None else float(centre),
            "ordinary_rows": int(len(ordinary)),
        }
        return Encoding(acc.build(model.var_names), n, info)

    def num_qubits(self, problem) -> int:
        return problem.num_variables
