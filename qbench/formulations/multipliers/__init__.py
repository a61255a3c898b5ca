"""Lagrange-multiplier update methods for :class:`~qbench.formulations.lagrangian.LagrangianFormulation`.

One small module per method; ``METHODS`` maps the names a config uses to the classes. Every method
maximises the concave dual function under the sign convention of :mod:`.base`.
"""

from __future__ import annotations

import dataclasses

from qbench.formulations.multipliers.augmented import AugmentedLagrangianMethod
from qbench.formulations.multipliers.base import Cut, MultiplierMethod
from qbench.formulations.multipliers.bundle import BundleMethod
from qbench.formulations.multipliers.cutting_plane import CuttingPlaneMethod
from qbench.formulations.multipliers.dual_averaging import DualAveragingMethod
from qbench.formulations.multipliers.subgradient import SubgradientMethod

METHODS: dict[str, type[MultiplierMethod]] = {
    "subgradient": SubgradientMethod,
    "dual-averaging": DualAveragingMethod,
    "bundle": BundleMethod,
    "cutting-plane": CuttingPlaneMethod,
    "augmented": AugmentedLagrangianMethod,
}


def make_method(name: str, **params) -> MultiplierMethod:
    """Build method ``name``, passing only the parameters it has (the formulation offers one flat set:
    step, step_rule, rho, box, ...); a ``None`` value means "the method's default"."""
    if name not in METHODS:
        raise ValueError(f"unknown multiplier method {name!r}; allowed: {', '.join(METHODS)}")
    cls = METHODS[name]
    accepted = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{k: v for k, v in params.items() if k in accepted and v is not None})


__all__ = ["METHODS", "make_method", "MultiplierMethod", "Cut", "SubgradientMethod", "DualAveragingMethod",
           "BundleMethod", "CuttingPlaneMethod", "AugmentedLagrangianMethod"]
