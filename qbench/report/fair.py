"""Fair comparisons: only over the instances every compared method finished, mean and bootstrap CI
over seeds, the best method per instance, and each method against the random-sampling null baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qbench.report.stats import METRICS, diff_ci, fmt_ci, fmt_value, mean_ci, verdict

#: QUBO null baseline (uniform bitstrings through the same formulation) and the problem-level one.
NULL_QUBO_SOLVER = "random"
NULL_PROBLEM_SOLVER = "random-feasible"
#: What "beats the null baseline before repair" is judged on.
NULL_METRICS = ("feasible_mass", "best_gap_pct_raw", "p_optimal")


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def common_instances(runs: pd.DataFrame, problem: str) -> tuple[list[str], list[str], pd.DataFrame]:
    """(instances every method of ``problem`` finished at least once, the methods, and a table of the
    (method, instance) pairs that are missing with the reason: the stored status, or 'not run')."""
    sub = runs[runs["problem"] == problem]
    methods = sorted(sub["method"].unique())
    instances = sorted(sub["instance"].unique())
    done = ok_runs(sub).groupby("method")["instance"].apply(set).to_dict()
    common = [i for i in instances if all(i in done.get(m, set()) for m in methods)]
    missing = []
    for m in methods:
        for i in instances:
            if i in done.get(m, set()):
                continue
            rows = sub[(sub["method"] == m) & (sub["instance"] == i)]
            reason = "; ".join(sorted(set(rows["status"].astype(str)))) if len(rows) else "not run"
            err = rows["error"].dropna()
            if len(err):
                reason += f": {str(err.iloc[0])[:120]}"
            missing.append({"method": m, "instance": i, "why": reason})
    return common, methods, pd.DataFrame(missing, columns=["method", "instance", "why"])


def available_metrics(runs: pd.DataFrame, names=None) -> list[str]:
    """The metric columns that hold at least one value (older stores lack the newer metrics)."""
    names = names or list(METRICS)
    ok = ok_runs(runs)
    return [n for n in names if n in ok and ok[n].notna().any()]


def cell_stats(runs: pd.DataFrame, metric: str, keys=("instance", "method")) -> pd.DataFrame:
    """Mean, CI bounds and n over seeds of ``metric`` for each group of ``keys``."""
    rows = []
    for key, grp in ok_runs(runs).groupby(list(keys), sort=True):
        mean, lo, hi, n = mean_ci(grp[metric])
        rows.append({**dict(zip(keys, key)), "mean": mean, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows, columns=[*keys, "mean", "lo", "hi", "n"])


def best_per_instance(stats: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``stats`` with a boolean column ``best``: the method(s) with the best mean on each instance."""
    out = stats.copy()
    higher = METRICS[metric].higher_is_better
    out["best"] = False
    for inst, grp in out.groupby("instance"):
        vals = grp["mean"].dropna()
        vals = vals[np.isfinite(vals)]  # an infinite gap is never "best", even when every method has it
        if vals.empty:
            continue
        target = vals.max() if higher else vals.min()
        out.loc[grp.index, "best"] = np.isclose(grp["mean"], target, rtol=1e-9, atol=1e-12) | (grp["mean"] == target)
    return out


def metric_matrix(runs: pd.DataFrame, problem: str, metric: str, instances: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A method x instance table of 'mean [CI]' strings over the given instances, and the long table
    (instance, method, mean, lo, hi, n, best) behind it."""
    sub = runs[(runs["problem"] == problem) & runs["instance"].isin(instances)]
    long = best_per_instance(cell_stats(sub, metric), metric)
    if long.empty:
        return pd.DataFrame(), long
    is_gap = METRICS[metric].is_gap
    long["text"] = [fmt_ci(r.mean, r.lo, r.hi, is_gap) for r in long.itertuples()]
    wide = long.pivot(index="method", columns="instance", values="text").reindex(columns=instances)
    return wide.reset_index().rename_axis(columns=None), long


def method_summary(runs: pd.DataFrame, problem: str, instances: list[str], metrics: list[str]) -> pd.DataFrame:
    """Per method over the common instances: runs, instances where it is best, and for each metric
    the mean over every run with its bootstrap CI."""
    sub = ok_runs(runs[(runs["problem"] == problem) & runs["instance"].isin(instances)])
    rows = []
    bests = {m: best_per_instance(cell_stats(sub, m), m) for m in metrics}
    for method, grp in sub.groupby("method", sort=True):
        row = {"method": method, "instances": grp["instance"].nunique(), "runs": len(grp)}
        row["times best"] = "/".join(
            str(int(bests[m][(bests[m]["method"] == method) & bests[m]["best"]].shape[0])) for m in metrics)
        for m in metrics:
            mean, lo, hi, _ = mean_ci(grp[m])
            row[METRICS[m].label] = fmt_ci(mean, lo, hi, METRICS[m].is_gap)
        row["mean qubits"] = fmt_value(grp["qubits"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def null_baseline(runs: pd.DataFrame) -> pd.DataFrame:
    """Per problem, instance and method: does it beat the null baseline before repair? Each metric
    cell reads 'method vs baseline: verdict (improvement [95 % CI])'; the baseline is ``random``
    through the same formulation for QUBO methods and ``random-feasible`` for problem solvers."""
    ok = ok_runs(runs)
    metrics = [m for m in NULL_METRICS if m in ok and ok[m].notna().any()]
    rows = []
    for (problem, instance), grp in ok.groupby(["problem", "instance"], sort=True):
        for method, mgrp in grp.groupby("method", sort=True):
            sname, form = mgrp["solver_name"].iloc[0], mgrp["formulation"].iloc[0]
            if sname in (NULL_QUBO_SOLVER, NULL_PROBLEM_SOLVER):
                continue
            null_name = NULL_PROBLEM_SOLVER if form == "-" else NULL_QUBO_SOLVER
            base = grp[(grp["solver_name"] == null_name) & (grp["formulation"] == form)]
            if base.empty:
                continue
            row = {"problem": problem, "instance": instance, "method": method,
                   "baseline": base["method"].iloc[0], "seeds": f"{len(mgrp)} vs {len(base)}"}
            verdicts = {}
            for m in metrics:
                meta = METRICS[m]
                point, lo, hi = diff_ci(mgrp[m], base[m], meta.higher_is_better)
                v = verdicts[meta.label] = verdict(lo, hi, point)
                mine, theirs = mgrp[m].astype(float).mean(), base[m].astype(float).mean()
                row[meta.label] = (f"{fmt_value(mine)} vs {fmt_value(theirs)}: {v}"
                                   + (f" ({fmt_ci(point, lo, hi)})" if not np.isnan(point) else ""))
            row["beats null baseline"] = _summary(verdicts)
            rows.append(row)
    return pd.DataFrame(rows)


def _summary(verdicts: dict[str, str]) -> str:
    """'yes' when better on every metric that is not a tie; 'no: worse on ...'; else what it is better on."""
    better = [k for k, v in verdicts.items() if v == "better"]
    worse = [k for k, v in verdicts.items() if v == "worse"]
    if worse:
        return "no: worse on " + ", ".join(worse)
    if better and all(v in ("better", "tie") for v in verdicts.values()):
        return "yes"
    return ("partly: better on " + ", ".join(better)) if better else "unclear"


def profile(runs: pd.DataFrame, problem: str, instances: list[str], metric: str) -> dict[str, np.ndarray]:
    """Per method, the sorted per-instance mean gaps over the given instances (inf = never feasible);
    the fraction of instances within x % of the optimum is the share of entries <= x."""
    stats = cell_stats(runs[(runs["problem"] == problem) & runs["instance"].isin(instances)], metric)
    return {m: np.sort(g["mean"].to_numpy(dtype=float)) for m, g in stats.groupby("method")}
