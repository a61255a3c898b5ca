"""Turn stored run records into tidy tables: one row per run, then summaries per method."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The timing split other parts of qbench write into ``result["timing"]`` (absent in older stores).
TIMING_KEYS = ("setup_s", "compile_s", "optimise_s", "circuit_s", "repair_s")

RUN_COLUMNS = ["problem", "instance", "method", "formulation", "solver", "seed", "status", "qubits",
               "seconds", "evaluations", "feasible_mass", "most_likely_feasible", "feasible",
               "best_objective", "sense", "optimum", "optimum_status", "gap_pct", "approx_ratio", "p_optimal",
               "optimum_found", "outer_iterations", "error"]
#: Columns of the honest metrics, timing split and shrinking; present (maybe empty) even when the
#: records predate them.
EXTRA_COLUMNS = ["solver_name", "formulation_name", "variables", "qubits_before", "best_gap_pct_raw",
                 "expectation_approx_ratio", "repair_share_pct", "repairs", "readout", "readout_gap_pct",
                 "trace_evaluation", "trace_best"] + [f"timing_{k}" for k in TIMING_KEYS]


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
            **_extra_fields(rec, res, m),
        })
    df = pd.DataFrame(rows, columns=RUN_COLUMNS + EXTRA_COLUMNS)
    for col in ("qubits", "seconds", "evaluations", "feasible_mass", "best_objective", "optimum", "gap_pct",
                "approx_ratio", "p_optimal", "outer_iterations", "variables", "qubits_before",
                "best_gap_pct_raw", "expectation_approx_ratio", "repair_share_pct", "repairs",
                "readout_gap_pct", *[f"timing_{k}" for k in TIMING_KEYS]):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def _extra_fields(rec: dict[str, Any], res: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    config = rec.get("config") or {}
    timing = res.get("timing") or {}
    info = res.get("info") or {}
    return {
        "solver_name": (config.get("solver") or {}).get("name", rec["solver"]),
        "formulation_name": (config.get("formulation") or {}).get("name", "-"),
        "variables": rec.get("variables", res.get("variables")),
        "qubits_before": rec.get("qubits_before", res.get("qubits_before")),
        "best_gap_pct_raw": raw_gap(m),
        "expectation_approx_ratio": m.get("expectation_approx_ratio"),
        "repair_share_pct": m.get("repair_share_pct"),
        "repairs": m.get("repairs"),
        "readout": m.get("readout"),
        "readout_gap_pct": _readout_gap(m),
        "trace_evaluation": info.get("trace_evaluation"),
        "trace_best": info.get("trace_best"),
        **{f"timing_{k}": timing.get(k) for k in TIMING_KEYS},
    }


def raw_gap(m: dict[str, Any]) -> float | None:
    """Gap % of the best unrepaired feasible sample: infinite when no sample was feasible, None when
    there is no optimum to compare with. Records written before ``best_gap_pct_raw`` existed get it
    from ``best_objective_pre_repair`` (the same definition)."""
    opt, sense = m.get("optimum"), m.get("sense")
    if opt is None:
        return None
    if m.get("best_gap_pct_raw") is not None:
        return m["best_gap_pct_raw"]
    if m.get("feasible_raw") is False:
        return float("inf")
    pre = m.get("best_objective_pre_repair")
    if pre is None:
        return float("inf") if ("best_objective_pre_repair" in m or "feasible_raw" in m) else None
    diff = (opt - pre) if sense == "max" else (pre - opt)
    if opt == 0:
        return 0.0 if diff == 0 else float("inf")
    return 100.0 * diff / abs(opt)


def _readout_gap(m: dict[str, Any]) -> float | None:
    if m.get("readout_gap_pct") is not None:
        return m["readout_gap_pct"]
    if "readout" in m and m.get("optimum") is not None:
        return float("inf")  # the rule's bitstring was infeasible
    return None


def problems_frame(df: pd.DataFrame) -> pd.DataFrame:
    bad = df[df["status"] != "ok"]
    return bad[["problem", "instance", "method", "seed", "status", "error"]]


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
