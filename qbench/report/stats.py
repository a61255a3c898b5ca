"""Statistics for comparing methods over seeds: seeded bootstrap confidence intervals and a paired test.

Gaps may be infinite (no feasible sample, or an infeasible read-out); every function here keeps
infinity meaningful instead of turning it into NaN: a mean over seeds with one infinite gap is
infinite, and the difference of two infinite gaps counts as a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Bootstrap resamples; fixed seed so that a report is reproducible byte for byte.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Metric:
    column: str        # column of the runs frame
    label: str         # what a reader sees
    higher_is_better: bool
    is_gap: bool = False  # may be infinite; printed with a % sign


#: The metrics a report and ``qbench compare`` know, in display order.
METRICS: dict[str, Metric] = {m.column: m for m in [
    Metric("gap_pct", "gap after repair %", False, True),
    Metric("best_gap_pct_raw", "best raw gap %", False, True),
    Metric("readout_gap_pct", "read-out gap %", False, True),
    Metric("feasible_mass", "feasible mass", True),
    Metric("p_optimal", "P(optimal)", True),
    Metric("expectation_approx_ratio", "expectation approx. ratio", True),
    Metric("approx_ratio", "approx. ratio", True),
    Metric("repair_share_pct", "repair share (pp)", False),
    Metric("seconds", "seconds", False),
]}


def _resample_means(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(BOOTSTRAP_RESAMPLES, len(values)))
    with np.errstate(invalid="ignore"):
        return values[idx].mean(axis=1)


def _interval(stats: np.ndarray) -> tuple[float, float]:
    s = np.sort(stats)
    alpha = (1 - CONFIDENCE) / 2
    lo = s[int(np.floor(alpha * (len(s) - 1)))]
    hi = s[int(np.ceil((1 - alpha) * (len(s) - 1)))]
    return float(lo), float(hi)


def clean(values) -> np.ndarray:
    """Float array without NaN (missing values); infinities stay."""
    arr = np.asarray(list(values), dtype=float)
    return arr[~np.isnan(arr)]


def mean_ci(values) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the values with a percentile bootstrap interval; NaN bounds for n < 2."""
    arr = clean(values)
    if arr.size == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(arr.mean())
    if arr.size < 2:
        return mean, np.nan, np.nan, 1
    lo, hi = _interval(_resample_means(arr, np.random.default_rng(BOOTSTRAP_SEED)))
    return mean, lo, hi, int(arr.size)


def diff_ci(method_values, base_values, higher_is_better: bool) -> tuple[float, float, float]:
    """Improvement of a method over a baseline (positive = method better), as the difference of the
    two means over independent seeds, with a bootstrap interval resampling both groups.
    Both means infinite counts as no difference. NaN when either group is empty."""
    a, b = clean(method_values), clean(base_values)
    if a.size == 0 or b.size == 0:
        return np.nan, np.nan, np.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    sign = 1.0 if higher_is_better else -1.0
    point = _improvement(np.array([a.mean()]), np.array([b.mean()]), sign)[0]
    if a.size < 2 and b.size < 2:
        return float(point), np.nan, np.nan
    boot = _improvement(_resample_means(a, rng), _resample_means(b, rng), sign)
    lo, hi = _interval(boot)
    return float(point), lo, hi


def _improvement(a: np.ndarray, b: np.ndarray, sign: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        d = sign * (a - b)
    d[np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))] = 0.0
    return d + 0.0  # no "-0" in a report


def verdict(lo: float, hi: float, point: float) -> str:
    """'better' / 'worse' when the interval excludes zero, 'tie' when everything was equal,
    otherwise 'unclear'."""
    if np.isnan(lo) or np.isnan(hi):
        return "n/a (1 seed)" if not np.isnan(point) else "n/a"
    if lo > 0:
        return "better"
    if hi < 0:
        return "worse"
    if lo == hi == 0:
        return "tie"
    return "unclear"


def paired_test(differences) -> tuple[int, int, int, float]:
    """Wins, ties, losses and the two-sided Wilcoxon signed-rank p-value of paired improvements
    (positive = method better). Infinite improvements are ranked above every finite one."""
    from scipy.stats import wilcoxon

    d = clean(differences)
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    ties = int(d.size - wins - losses)
    if wins + losses == 0:
        return wins, ties, losses, 1.0
    finite = d[np.isfinite(d)]
    big = (np.abs(finite).max() if finite.size else 1.0) * 2 + 1
    d = np.where(np.isinf(d), np.sign(d) * big, d)
    p = float(wilcoxon(d, zero_method="zsplit").pvalue)
    return wins, ties, losses, p


def fmt_value(v: float, is_gap: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if np.isinf(v):
        return "∞" if v > 0 else "-∞"
    return f"{v:.3g}" if not is_gap else f"{v:.3g}"


def fmt_ci(mean: float, lo: float, hi: float, is_gap: bool = False) -> str:
    """'mean [lo, hi]' (or just the mean when there is no interval)."""
    if np.isnan(mean):
        return ""
    text = fmt_value(mean, is_gap)
    if not (np.isnan(lo) or np.isnan(hi)) and not (np.isinf(mean) and lo == hi == mean):
        text += f" [{fmt_value(lo, is_gap)}, {fmt_value(hi, is_gap)}]"
    return text
