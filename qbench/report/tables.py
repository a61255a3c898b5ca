"""Turn stored run records into tidy tables: one row per run, then summaries per method."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RUN_COLUMNS = ["problem", "instance", "method", "formulation", "solver", "seed", "status", "qubits",
               "seconds", "evaluations", "feasible_mass", "most_likely_feasible", "feasible",
               "best_objective", "sense", "optimum", "optimum_status", "gap_pct", "approx_ratio", "p_optimal",
               "optimum_found", "outer_iterations", "error"]


def method_label(formulation: str, solver: str) -> str:
    return solver if formulation in ("-", None) else f"{solver} / {formulation}"


def runs_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for rec in records:
        res = rec.get("result") or {}
        m = res.get("metrics") or {}
        rows.append({
            "problem": rec["problem"], "instance": rec["instance"],
            "method": method_label(rec["formulation"], rec["solver"]),
            "formulation": rec["formulation"], "solver": rec["solver"], "seed": rec["seed"],
            "status": rec["status"], "qubits": rec.get("qubits"), "seconds": rec.get("seconds"),
            "evaluations": res.get("evaluations"),
            "outer_iterations": len(rec.get("trace") or []) or None,
            "error": rec.get("error"),
            **{k: m.get(k) for k in ("feasible_mass", "most_likely_feasible", "feasible", "best_objective",
                                     "sense", "optimum", "optimum_status", "gap_pct", "approx_ratio", "p_optimal",
                                     "optimum_found")},
        })
    df = pd.DataFrame(rows, columns=RUN_COLUMNS)
    for col in ("qubits", "seconds", "evaluations", "feasible_mass", "best_objective", "optimum", "gap_pct",
                "approx_ratio", "p_optimal", "outer_iterations"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def per_instance(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (problem, instance, method): the QOBLIB-style run counts and the quality numbers."""
    ok = df[df["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    g = ok.groupby(["problem", "instance", "method"], sort=True)
    out = pd.DataFrame({
        "qubits": g["qubits"].max(),
        "runs": g.size(),
        "feasible runs": g["feasible"].apply(lambda s: int(s.fillna(False).astype(bool).sum())),
        "optimal runs": g["optimum_found"].apply(lambda s: int(s.fillna(False).astype(bool).sum())),
        "feasible mass (pre-repair)": g["feasible_mass"].mean(),
        "P(optimal)": g["p_optimal"].mean(),
        "best objective": g[["best_objective", "sense"]].apply(_best_value),
        "median gap %": g["gap_pct"].median(),
        "worst gap %": g["gap_pct"].max(),
        "mean seconds": g["seconds"].mean(),
        "outer iterations": g["outer_iterations"].mean(),
    })
    return out.reset_index()


def per_method(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (problem, method) across instances: the headline comparison."""
    ok = df[df["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    g = ok.groupby(["problem", "method"], sort=True)
    out = pd.DataFrame({
        "instances": g["instance"].nunique(),
        "runs": g.size(),
        "feasible %": 100 * g["feasible"].apply(lambda s: s.fillna(False).astype(bool).mean()),
        "optimal %": 100 * g["optimum_found"].apply(lambda s: s.fillna(False).astype(bool).mean()),
        "mean feasible mass": g["feasible_mass"].mean(),
        "mean P(optimal)": g["p_optimal"].mean(),
        "median gap %": g["gap_pct"].median(),
        "worst gap %": g["gap_pct"].max(),
        "mean qubits": g["qubits"].mean(),
        "mean seconds": g["seconds"].mean(),
    })
    return out.reset_index()


def problems_frame(df: pd.DataFrame) -> pd.DataFrame:
    bad = df[df["status"] != "ok"]
    return bad[["problem", "instance", "method", "seed", "status", "error"]]


def _best_value(group: pd.DataFrame) -> float:
    values = group["best_objective"].dropna()
    if values.empty:
        return np.nan
    return float(values.min() if (group["sense"] == "min").all() else values.max())


def to_markdown(df: pd.DataFrame, floatfmt: str = "{:.4g}") -> str:
    if df.empty:
        return "_no rows_\n"
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if v is None or (isinstance(v, float) and np.isnan(v)):
                cells.append("")
            elif isinstance(v, (float, np.floating)):
                cells.append(floatfmt.format(v))
            else:
                cells.append(str(v).replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
