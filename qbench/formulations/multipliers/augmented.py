"""Augmented Lagrangian (method of multipliers).

The relaxed energy carries ``lambda . r(x) + rho/2 ||r(x)||^2`` (``quadratic_weight = rho/2``), and
after each solve

    lambda <- proj(lambda + rho * r(x)),        rho <- min(rho * growth, rho_max)  if the violation
                                                 ||(r_ineq)^+, r_eq|| did not fall below
                                                 shrink * (previous violation).

The rho term is applied to every dualised row, as written (for an inequality it also charges unused
capacity, like the unbalanced penalty's quadratic term). Because of that term the minimum of the
augmented energy is *not* a dual bound for inequality rows; the formulation computes the bound from the
plain Lagrangian at the same multipliers when its inner solver is exact.

Default rho (``rho=None``): chosen at the first update so that the first multiplier move is ``scale``
(``rho = scale / ||r(x_0)||``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.formulations.multipliers.base import MultiplierMethod


@dataclass
class AugmentedLagrangianMethod(MultiplierMethod):
    name: ClassVar[str] = "augmented"
    rho: float | None = None
    rho_growth: float = 2.0
    rho_max: float | None = None   # None: 1e4 * the initial rho
    shrink: float = 0.5

    def __post_init__(self) -> None:
        if self.rho is not None and self.rho <= 0:
            raise ValueError("rho must be positive")
        if self.rho_growth < 1:
            raise ValueError("rho_growth must be at least 1")

    def reset(self) -> None:
        self._rho = self.rho
        self._rho_cap = None
        self._last_violation = None

    @property
    def quadratic_weight(self) -> float:
        return 0.0 if self._rho is None else self._rho / 2.0

    @property
    def current_rho(self) -> float | None:
        return self._rho

    def violation(self, r: np.ndarray) -> float:
        v = np.array(r, dtype=float)
        v[: self.m_ineq] = np.maximum(v[: self.m_ineq], 0.0)
        return float(np.linalg.norm(v))

    def update(self, lam, subgradient, dual_value, primal_best, iteration):
        r = np.asarray(subgradient, dtype=float)
        if self._rho is None:
            norm = float(np.linalg.norm(r))
            self._rho = self.scale / norm if norm > 0 else self.scale
        if self._rho_cap is None:
            self._rho_cap = self.rho_max if self.rho_max is not None else 1e4 * self._rho
        new = self.project(lam + self._rho * r)
        used = self._rho
        viol = self.violation(r)
        if self._last_violation is not None and viol > self.shrink * self._last_violation:
            self._rho = min(self._rho * self.rho_growth, self._rho_cap)
        self._last_violation = viol
        self.last_info = {"step": float(np.linalg.norm(new - lam)), "rho": used}
        return new
