"""Write ``report.md``, a self-contained ``report.html`` (plots embedded), ``plots/*.png``,
``tables/*.csv|tex`` and ``runs.csv`` for one experiment folder.

Per problem the report compares methods only over the instances every method finished (the rest
are listed), with the mean and a bootstrap 95 % CI over seeds, the best method per instance in bold,
each method against the random-sampling null baseline before repair, performance profiles, gap vs
qubits, timing, shrinking and convergence where the records have them.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from qbench.errors import QbenchError
from qbench.report import fair, plots
from qbench.report.export import ReportWriter, slug, to_markdown
from qbench.report.stats import METRICS
from qbench.report.target import Target, shown, time_to_target
from qbench.report.tables import TIMING_KEYS, problems_frame, runs_frame
from qbench.runner.store import stored_records

MAX_TRACE_PLOTS = 12
MAX_CONVERGENCE_PLOTS = 8
MAX_RUN_ROWS = 500
#: Metrics shown as method x instance tables (when the store has them), then as bar charts.
MATRIX_METRICS = ["gap_pct", "best_gap_pct_raw", "readout_gap_pct", "feasible_mass", "p_optimal",
                  "expectation_approx_ratio", "repair_share_pct"]
BAR_METRICS = ["best_gap_pct_raw", "gap_pct", "feasible_mass", "p_optimal"]
SUMMARY_METRICS = ["gap_pct", "best_gap_pct_raw", "feasible_mass", "p_optimal", "expectation_approx_ratio",
                   "readout_gap_pct"]

GLOSSARY = (
    "Gap after repair: distance of the best solution after classical repair to the reference optimum, in % "
    "(0 = optimal). Best raw gap: the same for the best sample the method produced itself, before any repair "
    "(∞ = no feasible sample). Feasible mass: probability the method put on feasible bitstrings before repair. "
    "P(optimal): probability on optimal bitstrings. Expectation approx. ratio: objective of the method's whole "
    "distribution relative to the optimum. Repair share: percentage points of gap that repair removed. "
    "Cells read 'mean [95 % bootstrap CI]' over seeds; bold = best method on that instance.")

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1250px;padding:0 1em;color:#222}
h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}
.scroll{overflow-x:auto;max-width:100%;margin:.6em 0 1.2em}
table.t{border-collapse:collapse;font-size:12.5px}
table.t td,table.t th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
table.t th{background:#f3f3f3;position:sticky;top:0}
table.t td:first-child,table.t th:first-child{text-align:left}
td.wrap{white-space:normal;min-width:28em;text-align:left}
td.best{font-weight:bold;background:#e6f4e6}
img{max-width:100%;height:auto;display:block;margin:1em 0}
.note{color:#555;font-size:13px}
.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle;border-radius:2px}
"""


class _Doc:
    """Collects the report once and renders it twice (Markdown and HTML); writes plots and tables."""

    def __init__(self, writer: ReportWriter):
        self.writer = writer
        self.md: list[str] = []
        self.html: list[str] = []
        self.plots = 0

    def heading(self, text: str, level: int = 2) -> None:
        self.md.append(f"{'#' * level} {text}\n")
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def para(self, text: str, note: bool = False) -> None:
        self.md.append(text + "\n")
        cls = " class='note'" if note else ""
        self.html.append(f"<p{cls}>{html.escape(text)}</p>")

    def raw_html(self, fragment: str) -> None:
        self.html.append(fragment)

    def table(self, name: str, df: pd.DataFrame, bold: pd.DataFrame | None = None,
              numbers: pd.DataFrame | None = None) -> None:
        if df is None or df.empty:
            self.para("(no rows)", note=True)
            return
        self.writer.table(name, df, bold, numbers)
        self.md.append(to_markdown(df, bold))
        self.html.append(_html_table(df, bold))

    def plot(self, name: str, png: bytes | None, alt: str) -> None:
        if not png:
            return
        self.plots += 1
        rel = f"plots/{self.plots:02d}-{name}.png"
        self.writer.write(rel, png)
        self.md.append(f"![{alt}]({rel})\n")
        self.html.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"/>')


def _fmt_cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return "∞" if np.isinf(v) else f"{v:.4g}"
    return str(v)


def _html_table(df: pd.DataFrame, bold: pd.DataFrame | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for i in range(len(df)):
        cells = []
        for c in df.columns:
            best = bold is not None and c in bold.columns and bool(bold.iloc[i][c])
            text = _fmt_cell(df.iloc[i][c])
            cls = " class='best'" if best else (" class='wrap'" if len(text) > 50 else "")
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='scroll'><table class='t'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def write_report(results_dir: str | Path, target: Target | None = None) -> tuple[Path, Path]:
    """``target``: time-to-target settings; default the experiment config's ``target:`` (if any)."""
    results_dir = Path(results_dir)
    store, records = stored_records(results_dir)
    meta = store.meta()
    name = (meta.get("config") or {}).get("name", results_dir.name)
    if target is None and (meta.get("config") or {}).get("target"):
        target = Target(**meta["config"]["target"])
    runs = runs_frame(records)
    writer = ReportWriter(results_dir, store.path)
    stale = [*(results_dir / "plots").glob("*.png"), *(results_dir / "tables").glob("*.csv"),
             *(results_dir / "tables").glob("*.tex")]
    for old in stale:  # a rerun must not leave plots or tables of a previous report behind
        old.unlink()
    doc = _Doc(writer)
    colors = plots.method_colors(runs["method"])

    doc.heading(name, 1)
    n_ok = int((runs["status"] == "ok").sum())
    doc.para(f"{len(runs)} runs ({n_ok} ok) on {runs['instance'].nunique()} instances, "
             f"{runs['method'].nunique()} methods.")
    doc.para(GLOSSARY, note=True)
    doc.raw_html("<p class='note'>" + " ".join(
        f"<span><span class='sw' style='background:{_hex(c)}'></span>{html.escape(m)}</span>&nbsp; "
        for m, c in colors.items()) + "</p>")

    for problem in sorted(runs["problem"].unique()):
        _problem_section(doc, runs, problem, colors, target)

    _lagrangian_section(doc, records)
    issues = problems_frame(runs)
    if not issues.empty:
        doc.heading("Runs that did not finish")
        doc.table("not_finished", issues)
    doc.heading("All runs")
    shown = runs.drop(columns=["error", "trace_evaluation", "trace_best"])
    shown = shown.loc[:, shown.notna().any()]
    if len(shown) > MAX_RUN_ROWS:
        doc.para(f"The first {MAX_RUN_ROWS} of {len(shown)} runs; every run is in runs.csv.", note=True)
    doc.table("all_runs", shown.head(MAX_RUN_ROWS))

    md_path = writer.write("report.md", "\n".join(doc.md))
    html_path = writer.write("report.html", _page(name, doc.html))
    writer.write("runs.csv", runs.drop(columns=["trace_evaluation", "trace_best"]).to_csv(index=False))
    return md_path, html_path


def _hex(rgba) -> str:
    return "#" + "".join(f"{int(round(255 * v)):02x}" for v in rgba[:3])


def _page(name: str, body: list[str]) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(name)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def _problem_section(doc: _Doc, runs: pd.DataFrame, problem: str, colors, target: Target | None) -> None:
    doc.heading(f"{problem}")
    common, methods, missing = fair.common_instances(runs, problem)
    sub = runs[runs["problem"] == problem]
    doc.para(f"{len(methods)} methods; compared on the {len(common)} instance(s) every method finished: "
             f"{', '.join(common) if common else 'none'}.")
    if not missing.empty:
        doc.para(f"Left out of the comparison ({len(missing)} method/instance pairs without a finished run):",
                 note=True)
        doc.table(slug(problem, "missing"), missing)
    if not common:
        return
    fairsub = sub[sub["instance"].isin(common)]
    metrics = fair.available_metrics(fairsub, SUMMARY_METRICS)

    doc.heading(f"{problem}: methods compared on the {len(common)} common instance(s)", 3)
    doc.para("Times best: on how many instances the method has the best mean, per metric in the order of "
             "the metric columns (" + ", ".join(METRICS[m].label for m in metrics) + ").", note=True)
    doc.table(slug(problem, "methods"), fair.method_summary(runs, problem, common, metrics))
    instances = sorted(sub["instance"].unique())
    complete = sorted(set(methods) - set(missing["method"]))
    if len(common) < len(instances) and 1 < len(complete) < len(methods):
        doc.heading(f"{problem}: the {len(complete)} methods that finished all {len(instances)} instances", 3)
        doc.table(slug(problem, "methods_all_instances"),
                  fair.method_summary(sub[sub["method"].isin(complete)], problem, instances, metrics))

    for metric in [m for m in MATRIX_METRICS if m in fair.available_metrics(sub, MATRIX_METRICS)]:
        label = METRICS[metric].label
        wide, long = fair.metric_matrix(runs, problem, metric, instances)
        if wide.empty:
            continue
        doc.heading(f"{problem}: {label} per instance", 3)
        if not missing.empty:
            doc.para("Empty cells: no finished run (listed above); the best per instance is among those that ran.",
                     note=True)
        bold = long.pivot(index="method", columns="instance", values="best").reindex(
            index=wide["method"], columns=instances).reset_index(drop=True).fillna(False)
        doc.table(slug(problem, metric), wide, bold=bold, numbers=long.drop(columns=["text"]))
        if metric in BAR_METRICS:
            doc.plot(slug(problem, metric), plots.grouped_bars(
                long, "mean", f"{problem}: {label} (mean, 95 % CI over seeds)", label, colors, "lo", "hi"),
                f"{problem} {label}")

    null = fair.null_baseline(sub)
    doc.heading(f"{problem}: against the null baseline (random sampling, before repair)", 3)
    if null.empty:
        doc.para("No `random` (QUBO) or `random-feasible` (problem) runs on these instances: add the "
                 "`random` solver to the experiment to see whether a method beats sampling uniformly.", note=True)
    else:
        doc.para("Per metric: method mean vs baseline mean over seeds, then better / worse when the 95 % "
                 "bootstrap CI of the improvement (in brackets; positive = method better) excludes 0.", note=True)
        doc.table(slug(problem, "null_baseline"), null.drop(columns=["problem"]))

    for metric in ("best_gap_pct_raw", "gap_pct"):
        if metric in metrics:
            prof = fair.profile(runs, problem, common, metric)
            doc.plot(slug(problem, "profile", metric), plots.performance_profile(
                prof, f"{problem}: performance profile ({METRICS[metric].label})",
                f"{METRICS[metric].label} within x", colors), f"{problem} profile {metric}")
    doc.plot(slug(problem, "qubits"), plots.qubits_vs_gap(fairsub, f"{problem}: gap vs qubits", colors),
             f"{problem} qubits vs gap")
    _time_to_target(doc, fairsub, problem, target)
    _timing(doc, fairsub, problem)
    _shrinking(doc, fairsub, problem)
    _convergence(doc, sub, problem, colors)


def _time_to_target(doc: _Doc, sub: pd.DataFrame, problem: str, target: Target | None) -> None:
    if target is None:
        return
    table = time_to_target(sub, target)
    doc.heading(f"{problem}: time to target ({target.describe()})", 3)
    if table.empty:
        doc.para("No finished run has a known optimum, so no run can be judged against the target.", note=True)
        return
    doc.para(f"A run hits the target when its answer is feasible and within {target.gap_pct:g} % of the optimum: "
             f"'raw' judges the best unrepaired sample (the quantum part alone), 'repaired' the final answer. "
             f"With p the share of runs that hit, time-to-target = mean seconds x ln(1 - {target.confidence:g}) / "
             f"ln(1 - p) runs (at least 1, ∞ when no run hit); evaluations-to-target likewise with objective "
             f"evaluations per run. Brackets: 95 % bootstrap CI over runs.", note=True)
    doc.table(slug(problem, "time_to_target"), shown(table))


def _timing(doc: _Doc, sub: pd.DataFrame, problem: str) -> None:
    ok = fair.ok_runs(sub)
    cols = ["seconds"] + [f"timing_{k}" for k in TIMING_KEYS if ok[f"timing_{k}"].notna().any()]
    table = ok.groupby("method")[cols].mean().reset_index()
    table.columns = ["method", "mean seconds"] + [c.removeprefix("timing_") for c in cols[1:]]
    doc.heading(f"{problem}: time per run", 3)
    if len(cols) == 1:
        doc.para("These records carry no time split (set-up/compile, optimisation, circuit, repair).", note=True)
    doc.table(slug(problem, "timing"), table)


def _shrinking(doc: _Doc, sub: pd.DataFrame, problem: str) -> None:
    ok = fair.ok_runs(sub)
    if not ok["qubits_before"].notna().any():
        return
    table = ok[ok["qubits_before"].notna()].groupby(["instance", "method"]).agg(
        **{"qubits before": ("qubits_before", "mean"), "qubits after": ("qubits", "mean")}).reset_index()
    doc.heading(f"{problem}: qubits before and after shrinking", 3)
    doc.table(slug(problem, "shrinking"), table)


def _convergence(doc: _Doc, sub: pd.DataFrame, problem: str, colors) -> None:
    ok = fair.ok_runs(sub)
    has = ok[ok["trace_best"].apply(lambda v: isinstance(v, list) and len(v) > 0)]
    if has.empty:
        return
    doc.heading(f"{problem}: convergence of the variational loop", 3)
    instances = sorted(has["instance"].unique())
    for inst in instances[:MAX_CONVERGENCE_PLOTS]:
        doc.plot(slug(problem, "convergence", inst), plots.convergence(
            has[has["instance"] == inst], f"{problem} {inst}: best objective so far", colors), f"convergence {inst}")
    if len(instances) > MAX_CONVERGENCE_PLOTS:
        doc.para(f"{len(instances) - MAX_CONVERGENCE_PLOTS} more instances have convergence traces in the store.",
                 note=True)


def _lagrangian_section(doc: _Doc, records: list[dict]) -> None:
    traces = [r for r in records if r.get("trace") and r.get("status") == "ok"
              and ((r.get("config") or {}).get("formulation") or {}).get("name") == "lagrangian"]
    if not traces:
        return
    doc.heading("Lagrangian outer loops")
    for rec in traces[:MAX_TRACE_PLOTS]:
        opt = ((rec.get("result") or {}).get("metrics") or {}).get("optimum")
        title = f"{rec['instance']} / {rec['formulation']} / {rec['solver']} (seed {rec['seed']})"
        doc.plot(slug("lagrangian", rec["instance"], rec["formulation"], rec["solver"], str(rec["seed"])),
                 plots.lagrangian_trace(rec["trace"], title, opt), title)
    if len(traces) > MAX_TRACE_PLOTS:
        doc.para(f"{len(traces) - MAX_TRACE_PLOTS} more traces are in the run store.", note=True)
