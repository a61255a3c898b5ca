"""Export an experiment as a QOBLIB submission: per instance ``<inst>/<inst>_summary.csv`` (one row per
method) and ``<inst>/solutions/<inst>_solution_<k>.<ext>`` (the best solution of row k).

The layout, header and counts follow QOBLIB's CONTRIBUTING.md and ``misc/ci/check_submission.py``
(github.com/ZIB-AOPT/QOBLIB); see docs/qoblib.md for what qbench puts in every column.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from qbench.errors import QbenchError
from qbench.report.export import ReportWriter
from qbench.runner.store import stored_records

#: The header of QOBLIB's ``misc/submission_template.csv`` (github.com/ZIB-AOPT/QOBLIB at a6b69e4, the
#: same list as that commit's ``misc/check_submission.py``), in order: what ``qbench export qoblib`` writes.
QOBLIB_COLUMNS: tuple[str, ...] = tuple(
    "Problem,Submitter,Date,Reference,Best Objective Value,Optimality Bound,Modeling Approach,"
    "# Decision Variables,# Binary Variables,# Integer Variables,# Continuous Variables,"
    "# Non-Zero Coefficients,Coefficients Type,Coefficients Range,Workflow,Algorithm Type,"
    "# Runs,# Feasible Runs,# Successful Runs,Success Threshold,Hardware Specifications,"
    "Total Runtime,CPU Runtime,GPU Runtime,QPU Runtime,Other HW Runtime,Remarks".split(","))
#: The header QOBLIB's later CI checker (``misc/ci/check_submission.py``, e.g. at 241bcb2) requires: the
#: template's columns plus Affiliation, Paradigm and Time to Solution (``--columns checker``).
QOBLIB_CHECKER_COLUMNS: tuple[str, ...] = tuple(
    "Problem,Submitter,Affiliation,Date,Reference,Best Objective Value,Optimality Bound,Modeling Approach,"
    "# Decision Variables,# Binary Variables,# Integer Variables,# Continuous Variables,"
    "# Non-Zero Coefficients,Coefficients Type,Coefficients Range,Workflow,Algorithm Type,Paradigm,"
    "# Runs,# Feasible Runs,# Successful Runs,Success Threshold,Hardware Specifications,"
    "Total Runtime,Time to Solution,CPU Runtime,GPU Runtime,QPU Runtime,Other HW Runtime,Remarks".split(","))
LAYOUTS = {"template": QOBLIB_COLUMNS, "checker": QOBLIB_CHECKER_COLUMNS}

NA = "N/A"
DEFAULT_EPSILON = 0.0
#: Solvers whose answer does not depend on the seed.
DETERMINISTIC_SOLVERS = {"exact", "greedy", "bruteforce", "qubo-exact"}
#: Solution file extension per problem kind (the format is in :func:`solution_text`).
SOLUTION_EXT = {"mis": "sol", "marketsplit": "sol", "mdkp": "sol", "qap": "sln", "tsp": "tour"}


# ---- what one run contributes ------------------------------------------------------------------------

def backend_of(rec: dict[str, Any]) -> str:
    """The circuit backend of a run ('-' for classical solvers)."""
    info = rec["result"].get("info") or {}
    if isinstance(info.get("backend"), str):
        return info["backend"]
    params = ((rec.get("config") or {}).get("solver") or {}).get("params") or {}
    return str(params["backend"]) if isinstance(params.get("backend"), str) else "-"


def paradigm(backend: str) -> str:
    """QOBLIB's paradigm: ``ibm:<device>`` is hardware; every other backend (statevector, Aer, fake
    devices, IBM local testing) is a simulator on classical hardware."""
    if backend == "-":
        return "Classical"
    return "Quantum Hardware" if backend.startswith("ibm:") else "Quantum Simulator"


def run_times(rec: dict[str, Any], on_qpu: bool) -> tuple[float, float]:
    """(total, qpu) seconds of one run: total = set-up + the run's ``seconds`` (solve and scoring;
    JIT compilation excluded); qpu = circuit time, only for runs on quantum hardware."""
    timing = rec["result"].get("timing") or {}
    total = float(rec.get("seconds") or 0.0) + float(timing.get("setup_s") or 0.0)
    qpu = min(float(timing.get("circuit_s") or 0.0), total) if on_qpu else 0.0
    return total, qpu


def is_successful(value: float, best: float, sense: str, eps: float) -> bool:
    """QOBLIB: objective <= (1+eps) f_min (minimisation) or >= (1-eps) f_max (maximisation), with
    f the best the method found; written with |f| so that negative objectives are handled too."""
    tol = eps * abs(best) + 1e-9
    return value <= best + tol if sense == "min" else value >= best - tol


# ---- solution files ----------------------------------------------------------------------------------

def solution_text(kind: str, rec: dict[str, Any]) -> str:
    """The run's solution in the format of its class: MIS (QOBLIB 07): 1-based vertex indices, one per
    line; market split (QOBLIB 01) and MDKP (no QOBLIB class): ``x#i v`` for every variable; QAP (no
    QOBLIB class): QAPLIB ``.sln`` (``n objective`` then the 1-based location of each facility); TSP
    (no QOBLIB class): TSPLIB ``.tour`` (1-based cities). ``-1`` marks an undecoded position."""
    res = rec["result"]
    m = res.get("metrics") or {}
    sol = res.get("solution") or []
    obj = m.get("best_objective")
    head = (f"# qbench {rec['instance']}: {rec['formulation']} / {rec['solver']} seed {rec['seed']}\n"
            f"# Objective value = {_num(obj)}\n# Feasible = {bool(m.get('feasible'))}\n")
    if kind == "mis":
        return head + "".join(f"{v}\n" for v in sol)
    if kind == "qap":
        return f"{len(sol)} {_num(obj)}\n" + " ".join(str(v + 1 if v >= 0 else -1) for v in sol) + "\n"
    if kind == "tsp":
        return (f"NAME : {rec['instance']}\nCOMMENT : qbench {rec['formulation']} / {rec['solver']}, length "
                f"{_num(obj)}\nTYPE : TOUR\nDIMENSION : {len(sol)}\nTOUR_SECTION\n"
                + "".join(f"{v + 1 if v >= 0 else -1}\n" for v in sol) + "-1\nEOF\n")
    x = res.get("x") or []
    return head + "".join(f"x#{i + 1} {int(v)}\n" for i, v in enumerate(x))


def read_solution(kind: str, text: str) -> list[int]:
    """Parse a file written by :func:`solution_text` back to qbench's native ``solution`` (MIS:
    1-based vertices; QAP/TSP: 0-based permutation / tour; MDKP, market split: the 0/1 vector)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if kind == "mis":
        return [int(tok) for ln in lines for tok in ln.split()]
    if kind == "qap":
        return [int(t) - 1 if int(t) > 0 else -1 for t in " ".join(lines[1:]).split()]
    if kind == "tsp":
        tokens = " ".join(lines[lines.index("TOUR_SECTION") + 1:]).split()
        tokens = tokens[:tokens.index("EOF")] if "EOF" in tokens else tokens
        return [int(t) - 1 if int(t) > 0 else -1 for t in tokens[:-1]]  # the last -1 ends the section
    values: dict[int, int] = {}
    for ln in lines:
        name, val = ln.split()
        values[int(name.removeprefix("x#"))] = int(val)
    return [values.get(i, 0) for i in range(1, max(values, default=0) + 1)]


# ---- one row per method ------------------------------------------------------------------------------

def method_rows(records: list[dict[str, Any]], epsilon: float, submitter: str, affiliation: str,
                reference: str) -> dict[str, list[tuple[dict[str, str], dict[str, Any] | None]]]:
    """instance -> [(row, best run)] with one row per (formulation, solver, backend)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    backends: dict[tuple, set[str]] = defaultdict(set)
    for rec in records:
        if rec["status"] == "ok":
            key = (rec["instance"], rec["formulation"], rec["solver"])
            backends[key].add(backend_of(rec))
            groups[(*key, backend_of(rec))].append(rec)
    for rec in records:   # an error/skipped run has no info: it joins its cell's only backend, if one
        if rec["status"] != "ok":
            key = (rec["instance"], rec["formulation"], rec["solver"])
            seen = backends.get(key, set())
            groups[(*key, next(iter(seen)) if len(seen) == 1 else backend_of(rec))].append(rec)
    out: dict[str, list] = defaultdict(list)
    for (inst, form, solver, backend), recs in sorted(groups.items()):
        out[inst].append(_row(inst, form, solver, backend, recs, epsilon, submitter, affiliation, reference))
    return out


def _row(inst, form, solver, backend, recs, eps, submitter, affiliation, reference):
    ok = [r for r in recs if r["status"] == "ok"]
    feasible = [r for r in ok if (r["result"].get("metrics") or {}).get("feasible")
                and (r["result"]["metrics"].get("best_objective") is not None)]
    sense = next(((r["result"].get("metrics") or {}).get("sense") for r in ok), "max") or "max"
    better = (lambda a, b: a > b) if sense == "max" else (lambda a, b: a < b)
    best = None
    for r in feasible:
        if best is None or better(r["result"]["metrics"]["best_objective"], best["result"]["metrics"]["best_objective"]):
            best = r
    f_best = best["result"]["metrics"]["best_objective"] if best else None
    successful = [r for r in feasible if is_successful(r["result"]["metrics"]["best_objective"], f_best, sense, eps)]
    kind = paradigm(backend)
    times = [run_times(r, kind == "Quantum Hardware") for r in ok]
    total = _mean([t for t, _ in times])
    qpu = _mean([q for _, q in times])
    circuit = _mean([float((r["result"].get("timing") or {}).get("circuit_s") or 0.0) for r in ok])
    bounds = [float(b) for r in ok for b in [(r["result"].get("info") or {}).get("bound")]
              if isinstance(b, (int, float)) and math.isfinite(b)]
    bound = (min(bounds) if sense == "max" else max(bounds)) if bounds else None
    shown = best or (ok[0] if ok else None)
    variables = (shown["result"].get("variables") or len(shown["result"].get("x") or [])) if shown else None
    config = (ok[0].get("config") if ok else recs[0].get("config")) or {}
    solver_name = ((config.get("solver") or {}).get("name")) or solver
    remarks = [f"qbench export; runtimes are means over the {len(ok)} finished runs in seconds, "
               "JIT compilation and queueing excluded"]
    if kind == "Quantum Simulator":
        remarks.append(f"simulated circuit time {_num(circuit)} s (on CPU, inside CPU Runtime); no QPU was used")
    if kind == "Quantum Hardware":
        remarks.append("QPU Runtime = circuit/job time measured by qbench around the device calls")
    left = len(recs) - len(ok)
    if left:
        remarks.append(f"{left} further run(s) ended as error/skipped and are not counted")
    if best is None and ok:
        remarks.append("no feasible run: the solution file holds the least-violating sample")
    row = {
        "Problem": _folder(inst), "Submitter": submitter, "Affiliation": affiliation,
        "Date": time.strftime("%Y-%m-%d", time.gmtime(max(r.get("finished_at") or 0 for r in recs) or time.time())),
        "Reference": reference,
        "Best Objective Value": _num(f_best),
        "Optimality Bound": _num(bound),
        "Modeling Approach": (f"binary program of the {recs[0]['problem']} instance, solved directly" if form == "-"
                              else f"QUBO from the binary program ({form} constraint encoding)"),
        "# Decision Variables": _num(variables), "# Binary Variables": _num(variables),
        "# Integer Variables": "0", "# Continuous Variables": "0",
        "# Non-Zero Coefficients": NA, "Coefficients Type": NA, "Coefficients Range": NA,
        "Workflow": _workflow(form, solver, backend, config),
        "Algorithm Type": "Deterministic" if solver_name in DETERMINISTIC_SOLVERS else "Stochastic",
        "Paradigm": kind,
        "# Runs": str(len(ok)), "# Feasible Runs": str(len(feasible)), "# Successful Runs": str(len(successful)),
        "Success Threshold": _num(eps),
        "Hardware Specifications": _hardware(kind, backend),
        "Total Runtime": _num(total), "Time to Solution": NA,
        "CPU Runtime": _num(None if total is None else total - (qpu or 0.0)),
        "GPU Runtime": NA, "QPU Runtime": _num(qpu) if kind == "Quantum Hardware" else NA,
        "Other HW Runtime": NA, "Remarks": "; ".join(remarks),
    }
    return row, shown


def _workflow(form, solver, backend, config) -> str:
    parts = [f"qbench solver {solver}"]
    if form != "-":
        parts.insert(0, f"{form} QUBO encoding")
    if backend != "-":
        parts.append(f"circuits on backend {backend}")
    if form != "-":
        parts.append("classical repair of infeasible samples" if config.get("repair", True) else "no repair")
    if config.get("shrink"):
        parts.append("graph shrinking")
    return "; ".join(parts)


def _hardware(kind: str, backend: str) -> str:
    if kind == "Quantum Hardware":
        return f"IBM Quantum device {backend.split(':', 1)[1]}; classical part on the machine that ran qbench"
    if kind == "Quantum Simulator":
        return f"classical CPU simulating circuits ({backend}); machine not recorded by qbench"
    return "classical CPU; machine not recorded by qbench"


def _folder(instance: str) -> str:
    """The instance's folder name, which QOBLIB's checker also expects in the Problem column."""
    return re.sub(r"[^A-Za-z0-9._#+-]", "_", instance)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _num(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return NA
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return f"{v:.6g}" if isinstance(v, float) else str(v)


# ---- the command ------------------------------------------------------------------------------------

def _fold(row: dict[str, str]) -> dict[str, str]:
    """The template has no Affiliation or Paradigm column: they go into Submitter and Remarks."""
    out = dict(row)
    if row.get("Affiliation", NA) != NA:
        out["Submitter"] = f"{row['Submitter']} ({row['Affiliation']})"
    out["Remarks"] = f"paradigm: {row['Paradigm']}; {row['Remarks']}"
    return out


def export_qoblib(results_dir: str | Path, out: str | Path | None = None, epsilon: float = DEFAULT_EPSILON,
                  submitter: str = NA, affiliation: str = NA, reference: str = NA,
                  columns: str = "template") -> list[Path]:
    """Write the submission under ``out`` (default ``RESULTS_DIR/qoblib``); returns the files.
    ``columns``: ``template`` (QOBLIB's submission_template.csv) or ``checker`` (their later CI checker)."""
    results_dir = Path(results_dir)
    if not (isinstance(epsilon, (int, float)) and math.isfinite(epsilon) and epsilon >= 0):
        raise QbenchError(f"--epsilon must be a number >= 0, got {epsilon!r}")
    if columns not in LAYOUTS:
        raise QbenchError(f"--columns must be one of {', '.join(LAYOUTS)}, got {columns!r}")
    fieldnames = list(LAYOUTS[columns])
    store, records = stored_records(results_dir)
    rows = method_rows(records, float(epsilon), submitter, affiliation, reference)
    writer = ReportWriter(Path(out) if out is not None else results_dir / "qoblib", store.path)
    kinds = {r["instance"]: r["problem"] for r in records}
    for inst, entries in rows.items():
        safe = _folder(inst)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        k = 0   # QOBLIB numbers solution files 0, 1, ... without gaps; a method with no run has none
        for row, best in entries:
            if best is not None:
                name = f"{safe}_solution_{k}.{SOLUTION_EXT.get(kinds[inst], 'sol')}"
                writer.write(f"{safe}/solutions/{name}", solution_text(kinds[inst], best))
                row = {**row, "Remarks": f"{row['Remarks']}; best solution: solutions/{name}"}
                k += 1
            w.writerow(row if columns == "checker" else _fold(row))
        writer.write(f"{safe}/{safe}_summary.csv", buf.getvalue())
    return writer.written
