"""The interface every multiplier-update method implements, and the sign convention they share.

Convention (one for max and min problems alike). The Lagrangian formulation works in *energy* form:
``E(x) = sign * f(x)`` is minimised (sign = -1 for max problems). Dualising ``r(x) = A x - b`` (rows
``<= 0`` first, then ``== 0`` rows) gives the relaxed energy ``E(x) + lambda . r(x)`` and the dual
function

    phi(lambda) = min_x E(x) + lambda . r(x)      (concave, piecewise linear in lambda)

with ``phi(lambda) <= sign * OPT`` for every ``lambda`` in ``Lambda = {lambda_ineq >= 0, lambda_eq
free}``. Every method *maximises* phi over Lambda. If ``x_lambda`` attains the minimum, ``g =
r(x_lambda)`` is a supergradient: ``phi(mu) <= phi(lambda) + g . (mu - lambda)``. So a constraint that
is violated (g > 0) pushes its multiplier up. In the problem's own units the dual bound is ``sign *
phi``: an upper bound on a max problem's optimum, a lower bound on a min problem's.

``primal_best`` handed to :meth:`update` is the energy ``sign * f(x)`` of the best feasible point known
(an upper bound on max phi; Polyak steps aim at it), or None.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np


@dataclass
class MultiplierMethod(ABC):
    """A stateful strategy: :meth:`initial` resets it, :meth:`update` is called once per outer
    iteration with the point just evaluated and returns the next multipliers.

    scale: the typical size of a multiplier (set by the formulation from the problem data); step
    defaults are expressed in these units so that one setting suits every instance scale.
    """

    name: ClassVar[str]
    scale: float = 1.0
    m_ineq: int = field(default=0, init=False)
    m_eq: int = field(default=0, init=False)
    #: Facts about the last update for the trace (step size, serious/null step, rho, ...).
    last_info: dict[str, Any] = field(default_factory=dict, init=False)

    def initial(self, m_ineq: int, m_eq: int) -> np.ndarray:
        """Reset the state for a problem with m_ineq ``<=`` and m_eq ``==`` dualised rows; the first
        multipliers (zero: the unconstrained problem)."""
        self.m_ineq, self.m_eq = int(m_ineq), int(m_eq)
        self.last_info = {}
        self.reset()
        return np.zeros(self.m_ineq + self.m_eq)

    def reset(self) -> None:
        """Clear method-specific state (histories, counters)."""

    @abstractmethod
    def update(self, lam: np.ndarray, subgradient: np.ndarray, dual_value: float | None,
               primal_best: float | None, iteration: int) -> np.ndarray:
        """Next multipliers. ``lam`` is where the relaxed QUBO was just solved, ``subgradient`` the
        residual ``r(x)`` of its answer, ``dual_value`` phi(lam) (exact or estimated; None if
        unknown), ``iteration`` counts from 1."""

    @property
    def quadratic_weight(self) -> float:
        """Weight of ``||r(x)||^2`` in the relaxed energy (non-zero only for augmented Lagrangian)."""
        return 0.0

    # ---- helpers ----------------------------------------------------------------------------------
    def project(self, lam: np.ndarray) -> np.ndarray:
        """Onto Lambda: inequality multipliers clipped at zero, equality multipliers untouched."""
        out = np.array(lam, dtype=float)
        out[: self.m_ineq] = np.maximum(out[: self.m_ineq], 0.0)
        return out

    def lower_bounds(self) -> np.ndarray:
        return np.concatenate([np.zeros(self.m_ineq), np.full(self.m_eq, -np.inf)])

    def effective_direction(self, lam: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The supergradient with components that would only push a zero inequality multiplier below
        zero removed (they carry no information and would distort normalised steps)."""
        d = np.array(g, dtype=float)
        blocked = np.zeros(d.shape[0], dtype=bool)
        blocked[: self.m_ineq] = (lam[: self.m_ineq] <= 0) & (d[: self.m_ineq] < 0)
        d[blocked] = 0.0
        return d


@dataclass
class Cut:
    """One evaluated point: phi(mu) <= value + g . (mu - lam) for all mu."""

    lam: np.ndarray
    value: float
    g: np.ndarray

    def at(self, mu: np.ndarray) -> float:
        return float(self.value + self.g @ (np.asarray(mu) - self.lam))
