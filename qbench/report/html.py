"""Write ``report.md`` and a self-contained ``report.html`` (plots embedded) for one experiment folder."""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import tempfile
from pathlib import Path

import pandas as pd

from qbench.errors import QbenchError
from qbench.report import plots
from qbench.report.tables import per_instance, per_method, problems_frame, runs_frame, to_markdown
from qbench.runner.store import STORE_NAME, RunStore

MAX_TRACE_PLOTS = 12


def write_report(results_dir: str | Path) -> tuple[Path, Path]:
    results_dir = Path(results_dir)
    store = RunStore(results_dir)
    if not store.exists():
        raise QbenchError(f"{results_dir}: no {STORE_NAME} here (run `qbench run CONFIG` first)")
    records = store.records()
    if not records:
        raise QbenchError(f"{store.path}: the store holds no runs yet")
    meta = store.meta()
    name = (meta.get("config") or {}).get("name", results_dir.name)
    runs = runs_frame(records)
    by_instance = per_instance(runs)
    by_method = per_method(runs)
    issues = problems_frame(runs)

    md = _markdown(name, runs, by_method, by_instance, issues)
    page = _html(name, meta, runs, by_method, by_instance, issues, records)
    md_path, html_path = results_dir / "report.md", results_dir / "report.html"
    _atomic_write(md_path, md)
    _atomic_write(html_path, page)
    runs.to_csv(results_dir / "runs.csv.tmp", index=False)
    os.replace(results_dir / "runs.csv.tmp", results_dir / "runs.csv")
    return md_path, html_path


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _markdown(name, runs, by_method, by_instance, issues) -> str:
    parts = [f"# {name}\n", f"{len(runs)} runs ({(runs['status'] == 'ok').sum()} ok).\n",
             "## Methods compared (all instances)\n", to_markdown(by_method),
             "## Per instance\n", to_markdown(by_instance)]
    if not issues.empty:
        parts += ["## Runs that did not finish\n", to_markdown(issues)]
    parts.append("\nGap: distance of the best solution after repair to the reference optimum, in % "
                 "(0 = optimal). Feasible mass: probability the method put on feasible bitstrings before "
                 "any repair.\n")
    return "\n".join(parts)


def _img(png: bytes | None, alt: str) -> str:
    if not png:
        return ""
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p><em>no rows</em></p>"
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, classes="t")


def _html(name, meta, runs, by_method, by_instance, issues, records) -> str:
    sections = [f"<h1>{html.escape(name)}</h1>",
                f"<p>{len(runs)} runs ({int((runs['status'] == 'ok').sum())} ok), generated "
                f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.</p>",
                "<h2>Methods compared</h2>", _table(by_method)]
    for problem, table in by_instance.groupby("problem") if not by_instance.empty else []:
        sections.append(f"<h2>{html.escape(problem)}</h2>")
        sections.append(_img(plots.grouped_bars(table, "median gap %", f"{problem}: gap after repair",
                                                "median gap (%)"), "gap"))
        sections.append(_img(plots.grouped_bars(table, "feasible mass (pre-repair)",
                                                f"{problem}: probability on feasible bitstrings (before repair)",
                                                "feasible mass"), "feasibility"))
        sections.append(_img(plots.qubits_vs_gap(runs[runs["problem"] == problem], f"{problem}: qubits vs gap"),
                             "qubits"))
        sections.append(_table(table))
    traces = [r for r in records if r.get("trace")]
    if traces:
        sections.append("<h2>Lagrangian outer loops</h2>")
        for rec in traces[:MAX_TRACE_PLOTS]:
            opt = ((rec.get("result") or {}).get("metrics") or {}).get("optimum")
            title = f"{rec['instance']} / {rec['formulation']} / {rec['solver']} (seed {rec['seed']})"
            sections.append(_img(plots.lagrangian_trace(rec["trace"], title, opt), title))
        if len(traces) > MAX_TRACE_PLOTS:
            sections.append(f"<p>{len(traces) - MAX_TRACE_PLOTS} more traces are in the run store.</p>")
    if not issues.empty:
        sections += ["<h2>Runs that did not finish</h2>", _table(issues)]
    sections.append("<h2>All runs</h2>")
    sections.append(_table(runs.drop(columns=["error"])))
    style = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
             "table.t{border-collapse:collapse;font-size:13px;margin:1em 0}"
             "table.t td,table.t th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
             "img{max-width:100%;display:block;margin:1em 0}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")
