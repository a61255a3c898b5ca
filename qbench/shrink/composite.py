"""Shrink -> solve -> expand as one :class:`~qbench.solvers.base.QuboSolver` (a composite in the
spirit of dimod's): every formulation, Lagrangian loops included, calls ``solve(qubo)`` as usual and
gets samples on the QUBO's own variables back; the wrapped solver only ever sees the shrunk QUBO.

Each ``solve`` records one entry in :attr:`ShrinkingSolver.log` (qubits before and after, merges,
estimator time, verification of the expanded samples); :meth:`ShrinkingSolver.summary` folds the log
into the ``shrink`` dict a run stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from qbench.errors import QbenchError, TooLargeError
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.shrink.control import ShrinkConfig, shrink
from qbench.shrink.guards import MergeGuard, ModelRows, VariableLayout, check_for
from qbench.shrink.verify import verify_and_repair
from qbench.solvers.base import QuboSolver


@dataclass
class ShrinkingSolver(QuboSolver):
    """inner: the solver of the shrunk QUBO. problem: the instance the QUBOs encode (for the
    constraint-aware guard and the verification; None: plain shrinking, no verification).
    layout: decision/slack roles of the formulation's QUBO (None: every variable beyond the
    problem's is an auxiliary bit of no particular row)."""

    name: ClassVar[str] = "shrink"
    inner: QuboSolver
    config: ShrinkConfig = field(default_factory=ShrinkConfig)
    problem: Any = None
    layout: VariableLayout | None = None

    def __post_init__(self) -> None:
        self.sampling = getattr(self.inner, "sampling", True)
        self.log: list[dict[str, Any]] = []
        self._sampler = None
        if self.config.estimator == "samples":
            from qbench.registry import make_solver

            self._sampler = make_solver(self.config.sampler, self.config.sampler_params)

    def __getattr__(self, item):
        # Options such as ``backend`` or ``shots`` are read through to the wrapped solver.
        if item.startswith("_") or item in ("inner", "config", "problem", "layout", "log"):
            raise AttributeError(item)
        return getattr(self.inner, item)

    # ---- sizes -------------------------------------------------------------------------------------
    def fit_limit(self, upper: int) -> int:
        """The largest QUBO size in 1..upper the wrapped solver accepts (binary search on check_size)."""
        lo, hi = 0, upper
        while lo < hi:
            mid = (lo + hi + 1) // 2
            try:
                self.inner.check_size(QUBO(np.zeros(mid), np.zeros((mid, mid))))
                lo = mid
            except TooLargeError:
                hi = mid - 1
        if lo == 0:
            raise TooLargeError("the wrapped solver accepts no QUBO at all; nothing to shrink to")
        return lo

    def target_size(self, num_variables: int) -> int:
        fit = self.fit_limit(num_variables) if self.config.target == "fit" else None
        return self.config.target_size(num_variables, fit)

    def num_qubits(self, qubo: QUBO) -> int:
        return self.target_size(qubo.num_variables)

    def check_size(self, qubo: QUBO) -> None:
        n = self.target_size(qubo.num_variables)
        self.inner.check_size(QUBO(np.zeros(n), np.zeros((n, n))))

    # ---- solve -------------------------------------------------------------------------------------
    def _layout_for(self, qubo: QUBO) -> VariableLayout:
        n = qubo.num_variables
        if self.layout is not None and self.layout.num_decision + len(self.layout.aux_constraint) == n:
            return self.layout
        nd = self.problem.num_variables if self.problem is not None else n
        return VariableLayout.for_qubo(n, nd)

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        layout = self._layout_for(qubo)
        guard = None
        if self.config.constraint_aware and self.problem is not None:
            guard = MergeGuard(check_for(self.problem), layout, ModelRows.of(self.problem))
        fit = self.fit_limit(qubo.num_variables) if self.config.target == "fit" else None
        out = shrink(qubo, self.config, guard=guard, fit=fit, seed=seed, sampler=self._sampler)
        raw = self.inner.solve(out.qubo, seed=seed)
        X = out.record.expand(raw.samples)
        energies = qubo.energy(X) if len(X) else np.zeros(0)
        entry = dict(out.info)
        entry["energy_mismatch"] = float(np.abs(energies - raw.energies).max(initial=0.0))
        if self.problem is not None and layout.num_decision == self.problem.num_variables:
            stats, _ = verify_and_repair(self.problem, X[:, :layout.num_decision], raw.probabilities,
                                         self.config.verify_budget)
            entry.update(stats)
        self.log.append(entry)
        info = dict(raw.info)
        info.update({"qubits_before": qubo.num_variables, "qubits_after": out.qubo.num_variables,
                     "merges": entry["merges"]})
        return SampleSet(X, raw.probabilities, energies, info, raw.shots).sorted()

    # ---- the run's record --------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The ``shrink`` dict of a run: totals and worst cases over every solve of the run."""
        if not self.log:
            return {"solves": 0}
        log = self.log
        out: dict[str, Any] = {
            "solves": len(log),
            "target": self.config.target, "estimator": self.config.estimator,
            "constraint_aware": self.config.constraint_aware,
            "recompute_every": self.config.recompute_every, "recompute_below": self.config.recompute_below,
            "qubits_before": max(e["qubits_before"] for e in log),
            "qubits_after": max(e["qubits_after"] for e in log),
            "merges": int(np.mean([e["merges"] for e in log])),
            "fixed": int(np.mean([e["fixed"] for e in log])),
            "recomputations": int(sum(e["recomputations"] for e in log)),
            "vetoed": int(sum(e["vetoed"] for e in log)),
            "stop_reasons": sorted({e["stop_reason"] for e in log}),
            "shrink_seconds": round(float(sum(e["shrink_seconds"] for e in log)), 6),
            "estimator_seconds": round(float(sum(e["estimator_seconds"] for e in log)), 6),
            "energy_mismatch": float(max(e["energy_mismatch"] for e in log)),
        }
        for key in ("sdp_solver", "sdp_tol"):
            if key in log[-1]:
                out[key] = log[-1][key]
        if "expanded_samples" in log[0]:
            total = sum(e["expanded_samples"] for e in log)
            needed = sum(e["needed_repair"] for e in log)
            out.update({
                "expanded_samples": int(total),
                "needed_repair": int(needed),
                "needed_repair_fraction": needed / total if total else None,
                "needed_repair_mass": float(np.mean([e["needed_repair_mass"] for e in log])),
                "expanded_feasible_mass": float(np.mean([e["expanded_feasible_mass"] for e in log])),
                "repaired": int(sum(e["repaired"] for e in log)),
                "repaired_feasible": int(sum(e["repaired_feasible"] for e in log)),
            })
        return out


def shrink_config(params: dict[str, Any] | None) -> ShrinkConfig:
    """A :class:`ShrinkConfig` from YAML/CLI parameters, naming any unknown or bad one."""
    from qbench.registry import build

    return build(ShrinkConfig, dict(params or {}), "shrink")


def wrap_solver(solver: QuboSolver, params: dict[str, Any], problem=None, formulation=None) -> ShrinkingSolver:
    """The composite for one run: the formulation's encoding (if static) says which QUBO variables
    are slack bits of which constraint."""
    layout = None
    if problem is not None and formulation is not None and hasattr(formulation, "encode"):
        try:
            enc = formulation.encode(problem)
        except QbenchError:
            raise
        layout = VariableLayout.for_qubo(enc.num_qubits, enc.num_decision, getattr(enc, "aux_constraint", ()))
    return ShrinkingSolver(solver, shrink_config(params), problem, layout)
