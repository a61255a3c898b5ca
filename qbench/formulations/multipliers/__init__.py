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


def make_method(name: str, *, internal: dict | None = None, **params) -> MultiplierMethod:
    """Build method ``name``. ``params`` are what the user set (validated against the method's fields:
    a parameter the method does not have is an error, not silently dropped; ``None`` means the
    method's default); ``internal`` are values the formulation offers every method (e.g. the per-row
    box ``upper``), passed only to methods that have them."""
    from qbench.errors import ConfigError
    from qbench.params import build

    if name not in METHODS:
        raise ConfigError(f"unknown multiplier method {name!r}; allowed: {', '.join(METHODS)}")
    cls = METHODS[name]
    accepted = {f.name for f in dataclasses.fields(cls) if f.init}
    given = {k: v for k, v in params.items() if v is not None}
    given.update({k: v for k, v in (internal or {}).items() if k in accepted and v is not None})
    return build(cls, given, f"multiplier {name!r}")


__all__ = ["METHODS", "make_method", "MultiplierMethod", "Cut", "SubgradientMethod", "DualAveragingMethod",
           "BundleMethod", "CuttingPlaneMethod", "AugmentedLagrangianMethod"]
