"""``qbench compare``: win / tie / loss of every method against a baseline method, with a paired
Wilcoxon signed-rank test over (instance, seed) pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qbench.errors import QbenchError
from qbench.report.stats import METRICS, paired_test
from qbench.report.tables import runs_frame
from qbench.runner.store import stored_records

DEFAULT_METRICS = ("gap_pct", "best_gap_pct_raw", "feasible_mass", "p_optimal")
ALPHA = 0.05


class CompareError(QbenchError):
    pass


def load_runs(results_dir: str | Path) -> pd.DataFrame:
    return runs_frame(stored_records(results_dir)[1])


def baseline_rows(runs: pd.DataFrame, name: str) -> pd.DataFrame:
    """Runs of the baseline: a method label ('qaoa / slack'), a solver label or a solver name."""
    for col in ("method", "solver", "solver_name"):
        hit = runs[runs[col] == name]
        if not hit.empty:
            return hit
    raise CompareError(f"--baseline {name}: no such method in the store; methods: "
                       + ", ".join(sorted(runs["method"].unique())))


def _improvements(method: pd.DataFrame, base: pd.DataFrame, metric: str) -> np.ndarray:
    """Paired improvements (positive = method better). A run pairs with the baseline's run on the same
    instance and seed, through the same formulation when the baseline has it there; otherwise with the
    mean of the baseline's runs on that instance (e.g. a formulation-free exact solver vs ``random``
    run through every formulation)."""
    sign = 1.0 if METRICS[metric].higher_is_better else -1.0
    out = []
    for r in method.itertuples():
        b = base[(base["problem"] == r.problem) & (base["instance"] == r.instance)]
        same_form = b[b["formulation"] == r.formulation]
        b = same_form if not same_form.empty else b
        same_seed = b[b["seed"] == r.seed]
        b = same_seed if not same_seed.empty else b
        vals = b[metric].astype(float).dropna()
        mine = getattr(r, metric)
        if vals.empty or mine is None or np.isnan(float(mine)):
            continue
        theirs, mine = float(vals.mean()), float(mine)
        if np.isinf(theirs) and np.isinf(mine) and np.sign(theirs) == np.sign(mine):
            out.append(0.0)
        else:
            out.append(sign * (mine - theirs))
    return np.array(out, dtype=float)


def compare(runs: pd.DataFrame, baseline: str, metrics=None) -> pd.DataFrame:
    """One row per (method, metric): pairs, wins, ties, losses, median improvement, p-value, verdict."""
    metrics = list(metrics or DEFAULT_METRICS)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise CompareError(f"--metric {unknown[0]}: unknown; choose from {', '.join(METRICS)}")
    ok = runs[runs["status"] == "ok"]
    base = baseline_rows(ok, baseline)
    base_methods = set(base["method"])
    rows = []
    for method, grp in ok.groupby("method", sort=True):
        if method in base_methods:
            continue
        for metric in metrics:
            if metric not in ok or ok[metric].isna().all():
                continue
            d = _improvements(grp, base, metric)
            if d.size == 0:
                continue
            wins, ties, losses, p = paired_test(d)
            if p < ALPHA and wins != losses:
                word = "better" if wins > losses else "worse"
            else:
                word = "n.s."
            rows.append({"method": method, "metric": metric, "pairs": int(d.size), "wins": wins, "ties": ties,
                         "losses": losses, "median_improvement": float(np.median(d)), "p_value": p,
                         "verdict": word})
    return pd.DataFrame(rows, columns=["method", "metric", "pairs", "wins", "ties", "losses",
                                       "median_improvement", "p_value", "verdict"])
