"""Projected subgradient ascent on the dual (dual ascent).

``lambda+ = proj(lambda + t_k * g)`` with one of three step rules:

* ``diminishing``: ``t_k = step / sqrt(k) / ||g||`` (moves ``step/sqrt(k)`` multiplier units; converges
  for any step > 0, slowly);
* ``polyak``: ``t_k = theta * (target - phi(lambda)) / ||g||^2`` with the target the best feasible
  primal energy (an upper bound on max phi; the Held-Wolfe-Crowder rule). ``theta`` starts at
  ``theta`` and halves after ``halve_after`` iterations without a better dual value. Until a feasible
  primal is known (or when the target is not above phi, as with estimated duals) it falls back to the
  diminishing rule;
* ``constant``: ``t_k = step / ||g||``.

Components of g that would push a zero inequality multiplier negative are dropped before normalising.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.formulations.multipliers.base import MultiplierMethod

STEP_RULES = ("diminishing", "polyak", "constant")


@dataclass
class SubgradientMethod(MultiplierMethod):
    name: ClassVar[str] = "subgradient"
    step: float | None = None          # multiplier units; None: 1.0 * scale
    step_rule: str = "polyak"
    theta: float = 1.0
    halve_after: int = 5

    def __post_init__(self) -> None:
        if self.step_rule not in STEP_RULES:
            raise ValueError(f"unknown step_rule {self.step_rule!r}; allowed: {', '.join(STEP_RULES)}")
        if self.step is not None and self.step <= 0:
            raise ValueError("step must be positive")

    def reset(self) -> None:
        self._theta = float(self.theta)
        self._best_dual = -np.inf
        self._since_better = 0

    def update(self, lam, subgradient, dual_value, primal_best, iteration):
        g = self.effective_direction(lam, subgradient)
        norm = float(np.linalg.norm(g))
        if norm == 0.0:  # lam maximises phi (or nothing left to move): stay
            self.last_info = {"step": 0.0}
            return np.array(lam, dtype=float)
        base = self.step if self.step is not None else self.scale
        rule = self.step_rule
        if rule == "polyak":
            self._track_dual(dual_value)
            if primal_best is None or dual_value is None or primal_best - dual_value <= 0:
                rule = "diminishing"
        if rule == "polyak":
            t = self._theta * (primal_best - dual_value) / norm ** 2
        elif rule == "diminishing":
            t = base / np.sqrt(iteration) / norm
        else:
            t = base / norm
        self.last_info = {"step": float(t * norm), "rule": rule}
        return self.project(lam + t * g)

    def _track_dual(self, dual_value: float | None) -> None:
        if dual_value is None:
            return
        if dual_value > self._best_dual + 1e-12 * max(1.0, abs(self._best_dual)):
            self._best_dual = dual_value
            self._since_better = 0
        else:
            self._since_better += 1
            if self._since_better >= self.halve_after:
                self._theta /= 2.0
                self._since_better = 0
