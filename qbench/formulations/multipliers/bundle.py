"""Proximal bundle method on the Lagrangian dual (serious and null steps).

State: the bundle of cuts ``phi(mu) <= phi_i + g_i . (mu - lam_i)`` and a stability centre ``c`` with
value ``phi_c``. The next trial point solves the proximal QP

    max_{d, t}  t - (u/2) ||d||^2   s.t.  t <= phi_i + g_i . (c + d - lam_i)  (all cuts),  c + d in Lambda

(solved with SLSQP on scaled variables; a few dozen variables at most). Its model increase
``delta = t* - phi_c`` predicts the gain. After evaluating ``phi(c + d)``:

* **serious step** if ``phi(c + d) - phi_c >= m_l * delta``: the centre moves; if the gain was at least
  half the prediction the proximal weight halves (longer steps next time);
* **null step** otherwise: the centre stays, the new cut sharpens the model and u grows by 1.5.

``step`` sets the first proximal weight: ``u = ||g_1|| / step`` makes the first move about ``step``
multiplier units (default ``scale``). The bundle keeps the ``max_bundle`` most recent cuts plus the
ones active at the last QP. ``delta`` (``last_info['predicted']``) is the method's own stopping test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import minimize

from qbench.formulations.multipliers.base import Cut, MultiplierMethod


def proximal_step(cuts: list[Cut], centre: np.ndarray, u: float, lower: np.ndarray
                  ) -> tuple[np.ndarray, float]:
    """(d, model value t*) of ``max t - u/2 ||d||^2`` over the cuts, with ``centre + d >= lower``."""
    m = centre.shape[0]
    G = np.array([c.g for c in cuts]).reshape(len(cuts), m)
    at_centre = np.array([c.at(centre) for c in cuts])      # cut values at the centre
    # Scale: d in units of L (typical move), t in units of F (typical cut slope * L).
    gmax = float(np.abs(G).max()) if G.size else 1.0
    L = max(gmax / u, 1e-12)
    F = max(gmax * L, 1e-12)
    shift = float(at_centre.min())
    a0 = (at_centre - shift) / F                           # cuts at the centre, scaled (>= 0)
    Gs = G * L / F
    weight = u * L * L / F

    def objective(z):
        d, t = z[:m], z[m]
        return -t + 0.5 * weight * d @ d

    def gradient(z):
        return np.concatenate([weight * z[:m], [-1.0]])

    cons = {"type": "ineq", "fun": lambda z: a0 + Gs @ z[:m] - z[m],
            "jac": lambda z: np.hstack([Gs, -np.ones((len(cuts), 1))])}
    lb = np.where(np.isfinite(lower), (lower - centre) / L, -np.inf)
    bounds = [(None if not np.isfinite(b) else b, None) for b in lb] + [(None, None)]
    z0 = np.zeros(m + 1)
    res = minimize(objective, z0, jac=gradient, constraints=[cons], bounds=bounds, method="SLSQP",
                   options={"ftol": 1e-12, "maxiter": 500})
    d = res.x[:m] * L
    d = np.maximum(centre + d, lower) - centre
    model = float(min(c.at(centre + d) for c in cuts))
    return d, model


@dataclass
class BundleMethod(MultiplierMethod):
    name: ClassVar[str] = "bundle"
    step: float | None = None
    m_l: float = 0.1
    max_bundle: int = 50

    def __post_init__(self) -> None:
        if self.step is not None and self.step <= 0:
            raise ValueError("step must be positive")
        if not 0 < self.m_l < 1:
            raise ValueError("m_l must lie in (0, 1)")

    def reset(self) -> None:
        self._cuts: list[Cut] = []
        self._centre = None
        self._centre_value = None
        self._predicted = None
        self._u = None

    def update(self, lam, subgradient, dual_value, primal_best, iteration):
        if dual_value is None:
            raise ValueError("the bundle method needs dual values")
        lam = np.array(lam, dtype=float)
        g = np.array(subgradient, dtype=float)
        self._cuts.append(Cut(lam, float(dual_value), g))
        kind = "initial"
        if self._centre is None:
            self._centre, self._centre_value = lam, float(dual_value)
            norm = float(np.linalg.norm(g))
            step = self.step if self.step is not None else self.scale
            self._u = norm / step if norm > 0 else 1.0 / step
        else:
            gain = float(dual_value) - self._centre_value
            if self._predicted is not None and gain >= self.m_l * self._predicted:
                kind = "serious"
                if gain >= 0.5 * self._predicted:
                    self._u /= 2.0
                self._centre, self._centre_value = lam, float(dual_value)
            else:
                kind = "null"
                self._u *= 1.5
        self._trim()
        d, model = proximal_step(self._cuts, self._centre, self._u, self.lower_bounds())
        self._predicted = max(model - self._centre_value, 0.0)
        new = self._centre + d
        self.last_info = {"step": float(np.linalg.norm(new - lam)), "kind": kind,
                          "predicted": self._predicted, "prox_weight": self._u}
        return new

    def _trim(self) -> None:
        if len(self._cuts) <= self.max_bundle:
            return
        # Drop the cuts that are loosest at the centre (least informative near it), keep the newest.
        newest = self._cuts[-1]
        rest = self._cuts[:-1]
        slack = np.array([c.at(self._centre) for c in rest])
        keep = np.argsort(slack, kind="stable")[: self.max_bundle - 1]
        self._cuts = [rest[i] for i in sorted(keep)] + [newest]
