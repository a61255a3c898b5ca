"""Time-to-target and evaluations-to-target over seeds.

A run *hits* the target when its answer is feasible and within ``gap_pct`` % of the optimum: judged
on the best unrepaired sample (what the quantum part found alone) and, separately, after repair.
With p the fraction of a method's runs on an instance that hit, a fresh run hits with probability p,
so reaching the target with confidence c takes R(p) = ln(1 - c) / ln(1 - p) independent runs (at
least one; infinite when no run hit). Then

* time-to-target  = mean run seconds x R(p),
* evaluations-to-target = mean objective evaluations per run x R(p), for methods with a variational
  loop (runs carrying a convergence trace); other solvers count different things (sweeps x reads, none),

the usual time-to-solution of the annealing and QAOA benchmarking literature with a run, not a shot,
as the unit (a run is what a user repeats: optimisation, sampling and read-out). The interval is a
seeded percentile bootstrap over the runs, so it is infinite above when a resample can miss every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qbench.report.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE, fmt_ci

DEFAULT_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Target:
    gap_pct: float
    confidence: float = DEFAULT_CONFIDENCE

    def __post_init__(self) -> None:
        if not self.gap_pct >= 0:
            raise ValueError(f"target gap_pct must be >= 0, got {self.gap_pct!r}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"target confidence must be in (0, 1), got {self.confidence!r}")

    def describe(self) -> str:
        return f"within {self.gap_pct:g} % of the optimum with {100 * self.confidence:g} % confidence"


def runs_needed(p: float, confidence: float) -> float:
    """Independent runs needed to hit at least once with the given confidence."""
    if p <= 0:
        return math.inf
    if p >= 1:
        return 1.0
    return max(1.0, math.log(1 - confidence) / math.log(1 - p))


def hits(gaps: pd.Series, gap_pct: float) -> np.ndarray:
    """0/1 per run with a known gap (infinite gaps, i.e. nothing feasible, are misses)."""
    g = pd.to_numeric(gaps, errors="coerce").to_numpy(dtype=float)
    g = g[~np.isnan(g)]
    return (g <= gap_pct + 1e-9).astype(float)


def _cost(mean_cost: float, p: float, confidence: float) -> float:
    runs = runs_needed(p, confidence)
    return math.inf if math.isinf(runs) else mean_cost * runs     # never reached, even at zero cost


def _to_target(hit: np.ndarray, cost: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """(point, low, high) of mean(cost) x R(p), bootstrapping runs (hit and cost resampled together)."""
    if hit.size == 0 or cost.size == 0:
        return np.nan, np.nan, np.nan
    point = _cost(float(cost.mean()), float(hit.mean()), confidence)
    if hit.size < 2:
        return point, np.nan, np.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    idx = rng.integers(0, hit.size, size=(BOOTSTRAP_RESAMPLES, hit.size))
    ps, costs = hit[idx].mean(axis=1), cost[idx].mean(axis=1)
    stats = np.sort([_cost(c, p, confidence) for p, c in zip(ps, costs)])
    alpha = (1 - CONFIDENCE) / 2
    lo = stats[int(np.floor(alpha * (len(stats) - 1)))]
    hi = stats[int(np.ceil((1 - alpha) * (len(stats) - 1)))]
    return point, float(lo), float(hi)


def _paired(grp: pd.DataFrame, gap_col: str, cost_col: str, gap_pct: float) -> tuple[np.ndarray, np.ndarray]:
    g = pd.to_numeric(grp[gap_col], errors="coerce")
    c = pd.to_numeric(grp[cost_col], errors="coerce")
    keep = g.notna() & c.notna()
    return hits(g[keep], gap_pct), c[keep].to_numpy(dtype=float)


def time_to_target(runs: pd.DataFrame, target: Target) -> pd.DataFrame:
    """One row per (instance, method) of finished runs with a known optimum: hits before and after
    repair, time-to-target and evaluations-to-target for both, as 'value [95 % CI]' strings, plus
    the numbers behind them (``*_s`` / ``*_evals`` columns)."""
    ok = runs[(runs["status"] == "ok") & runs["optimum"].notna()]
    rows = []
    for (instance, method), grp in ok.groupby(["instance", "method"], sort=True):
        row: dict = {"instance": instance, "method": method}
        variational = "trace_best" in grp and bool(grp["trace_best"].apply(
            lambda v: isinstance(v, list) and len(v) > 0).any())
        for tag, gap_col in (("raw", "best_gap_pct_raw"), ("repaired", "gap_pct")):
            hit = hits(grp[gap_col], target.gap_pct)
            row[f"hits {tag}"] = f"{int(hit.sum())}/{hit.size}" if hit.size else "-"
            h, secs = _paired(grp, gap_col, "seconds", target.gap_pct)
            t, tlo, thi = _to_target(h, secs, target.confidence)
            row[f"time-to-target {tag} (s)"] = fmt_ci(t, tlo, thi) if not np.isnan(t) else "-"
            row[f"{tag}_s"] = t
            h, evals = _paired(grp, gap_col, "evaluations", target.gap_pct)
            e, elo, ehi = _to_target(h, evals, target.confidence) if variational else (np.nan,) * 3
            row[f"evaluations-to-target {tag}"] = fmt_ci(e, elo, ehi) if not np.isnan(e) else "-"
            row[f"{tag}_evals"] = e
        rows.append(row)
    cols = ["instance", "method"] + [c for tag in ("raw", "repaired") for c in
                                     (f"hits {tag}", f"time-to-target {tag} (s)", f"evaluations-to-target {tag}")]
    numbers = ["raw_s", "raw_evals", "repaired_s", "repaired_evals"]
    return pd.DataFrame(rows, columns=cols + numbers)


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the numeric helper columns, and without evaluation columns nobody filled."""
    out = table.drop(columns=["raw_s", "raw_evals", "repaired_s", "repaired_evals"])
    for tag in ("raw", "repaired"):
        col = f"evaluations-to-target {tag}"
        if (out[col] == "-").all():
            out = out.drop(columns=[col])
    return out


__all__ = ["Target", "runs_needed", "hits", "time_to_target", "shown"]
