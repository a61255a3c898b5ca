"""Kelley's cutting-plane method on the Lagrangian dual.

Every evaluated point gives a cut ``phi(mu) <= phi(lam_i) + g_i . (mu - lam_i)``; the next multipliers
maximise the cut model over a box:

    max_{mu, t}  t   s.t.  t <= phi_i + g_i . (mu - lam_i)  (all cuts),
                           0 <= mu_ineq <= U,  -U <= mu_eq <= U

solved as an LP with HiGHS (``scipy.optimize.linprog(method="highs")``). The box keeps the first LPs
bounded (one cut is a half-space). ``box`` is U in multiplier units (None: ``box_factor * scale``, or
the per-row bounds the formulation supplies in ``upper``). The LP optimum is an upper bound on max phi
over the box (``last_info['model_value']``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.optimize import linprog

from qbench.formulations.multipliers.base import Cut, MultiplierMethod


def kelley_step(cuts: list[Cut], lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, float]:
    """(argmax, max) of ``min_i cut_i(mu)`` over ``lower <= mu <= upper``."""
    m = lower.shape[0]
    G = np.array([c.g for c in cuts]).reshape(len(cuts), m)
    rhs = np.array([c.value - c.g @ c.lam for c in cuts])
    # variables (mu, t); minimise -t;  t - g_i.mu <= phi_i - g_i.lam_i
    A_ub = np.hstack([-G, np.ones((len(cuts), 1))])
    cost = np.zeros(m + 1)
    cost[-1] = -1.0
    bounds = list(zip(lower, upper)) + [(None, None)]
    res = linprog(cost, A_ub=A_ub, b_ub=rhs, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"cutting-plane LP failed: {res.message}")
    return res.x[:m], float(res.x[-1])


@dataclass
class CuttingPlaneMethod(MultiplierMethod):
    name: ClassVar[str] = "cutting-plane"
    box: float | None = None
    box_factor: float = 20.0
    upper: np.ndarray | None = field(default=None, repr=False)  # per-row box from the formulation

    def reset(self) -> None:
        self._cuts: list[Cut] = []

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        m = self.m_ineq + self.m_eq
        if self.box is not None:
            U = np.full(m, float(self.box))
        elif self.upper is not None and len(self.upper) == m:
            U = np.asarray(self.upper, dtype=float)
        else:
            U = np.full(m, self.box_factor * self.scale)
        lower = np.concatenate([np.zeros(self.m_ineq), -U[self.m_ineq:]])
        return lower, U

    def update(self, lam, subgradient, dual_value, primal_best, iteration):
        if dual_value is None:
            raise ValueError("the cutting-plane method needs dual values")
        self._cuts.append(Cut(np.array(lam, dtype=float), float(dual_value), np.array(subgradient, dtype=float)))
        lower, upper = self.bounds()
        new, model_value = kelley_step(self._cuts, lower, upper)
        self.last_info = {"step": float(np.linalg.norm(new - lam)), "model_value": model_value,
                          "cuts": len(self._cuts)}
        return new
