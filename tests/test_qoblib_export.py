"""`qbench export qoblib`: QOBLIB's header exactly, their run counts, and solution files that parse back."""

import csv
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qbench.report.qoblib import QOBLIB_CHECKER_COLUMNS, QOBLIB_COLUMNS, export_qoblib, read_solution, solution_text
from qbench.runner.store import RunStore

REPO = Path(__file__).resolve().parents[1]

# misc/submission_template.csv of https://github.com/ZIB-AOPT/QOBLIB at a6b69e46763f98997da11d9b6bf0bfd34a1d8271
# (REQUIRED_COLUMNS of misc/check_submission.py at that commit is the same list).
QOBLIB_HEADER = ("Problem,Submitter,Date,Reference,Best Objective Value,Optimality Bound,Modeling Approach,"
                 "# Decision Variables,# Binary Variables,# Integer Variables,# Continuous Variables,"
                 "# Non-Zero Coefficients,Coefficients Type,Coefficients Range,Workflow,Algorithm Type,# Runs,"
                 "# Feasible Runs,# Successful Runs,Success Threshold,Hardware Specifications,Total Runtime,CPU Runtime,"
                 "GPU Runtime,QPU Runtime,Other HW Runtime,Remarks")
# REQUIRED_COLUMNS of QOBLIB's later CI checker,
# https://github.com/ZIB-AOPT/QOBLIB/blob/241bcb2e18c11e834c3ff652963be0f47e1dea91/misc/ci/check_submission.py
# (also the header of the submissions migrated to it, and the field table of CONTRIBUTING.md at 35bc4a8f).
CHECKER_HEADER = ("Problem,Submitter,Affiliation,Date,Reference,Best Objective Value,Optimality Bound,Modeling Approach,"
                  "# Decision Variables,# Binary Variables,# Integer Variables,# Continuous Variables,"
                  "# Non-Zero Coefficients,Coefficients Type,Coefficients Range,Workflow,Algorithm Type,Paradigm,"
                  "# Runs,# Feasible Runs,# Successful Runs,Success Threshold,Hardware Specifications,Total Runtime,"
                  "Time to Solution,CPU Runtime,GPU Runtime,QPU Runtime,Other HW Runtime,Remarks")


def qbench(*args):
    return subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def test_header_is_qobLIBs_exactly():
    assert QOBLIB_COLUMNS == tuple(QOBLIB_HEADER.split(","))
    assert QOBLIB_CHECKER_COLUMNS == tuple(CHECKER_HEADER.split(","))
    assert [c for c in QOBLIB_CHECKER_COLUMNS if c in QOBLIB_COLUMNS] == list(QOBLIB_COLUMNS)   # same order


def _rec(seed, objective, *, instance="g1", problem="mis", solver="qaoa", formulation="slack", sense="max",
         backend="statevector", status="ok", circuit_s=0.5, x=None, solution=None):
    feasible = objective is not None
    metrics = {"feasible": feasible, "best_objective": objective if feasible else 3.0, "sense": sense}
    timing = {"setup_s": 0.25, "compile_s": 7.0, "optimise_s": 0.5, "circuit_s": circuit_s, "repair_s": 0.0}
    result = {"metrics": metrics, "timing": timing, "info": {"backend": backend} if backend else {},
              "x": x or [1, 0, 1], "solution": solution or [1, 3], "variables": 5}
    return {"run_id": f"{instance}-{problem}-{solver}-{backend}-{seed}", "experiment": "syn", "instance": instance,
            "problem": problem, "formulation": formulation, "solver": solver, "seed": seed, "status": status,
            "qubits": 5, "seconds": 1.0, "config": {"solver": {"name": solver, "params": {"backend": backend} if backend else {}}, "repair": True},
            "result": result if status == "ok" else {}, "trace": [], "error": None if status == "ok" else "boom"}


def _rows(path, columns=QOBLIB_CHECKER_COLUMNS):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(columns)
        return list(reader)


@pytest.mark.tampered_store   # hand-written records: nothing for `qbench verify` to re-solve
def test_counts_follow_qoblib_definitions(tmp_path):
    store = RunStore(tmp_path)
    # maximisation, eps 0.05: best 10 -> successful means >= 9.5: seeds 0 and 1; seed 3 infeasible; seed 4 crashed
    for seed, obj in enumerate([10.0, 9.5, 8.0, None]):
        store.write(_rec(seed, obj))
    store.write(_rec(4, None, status="error"))
    # the same method on a device: another row, with QPU time
    for seed, obj in enumerate([7.0, 9.0]):
        store.write(_rec(seed, obj, backend="ibm:ibm_torino", circuit_s=0.75))
    # minimisation, classical: best 100 -> successful means <= 105
    for seed, obj in enumerate([100.0, 104.0, 106.0]):
        store.write(_rec(seed, obj, instance="t1", problem="tsp", solver="random-feasible", formulation="-",
                         sense="min", backend=None, x=[0] * 4, solution=[0, 2, 1]))
    export_qoblib(tmp_path, tmp_path / "out", epsilon=0.05, columns="checker", affiliation="ZIB")
    hw, sim = _rows(tmp_path / "out" / "g1" / "g1_summary.csv")   # rows sorted by backend
    assert (sim["# Runs"], sim["# Feasible Runs"], sim["# Successful Runs"]) == ("4", "3", "2")
    assert sim["Best Objective Value"] == "10" and sim["Success Threshold"] == "0.05"
    assert sim["Paradigm"] == "Quantum Simulator" and sim["QPU Runtime"] == "N/A"
    assert float(sim["CPU Runtime"]) == pytest.approx(1.25) == float(sim["Total Runtime"])   # compile excluded
    assert "1 further run" in sim["Remarks"]
    assert hw["Paradigm"] == "Quantum Hardware" and "ibm_torino" in hw["Hardware Specifications"]
    assert (hw["# Runs"], hw["# Feasible Runs"], hw["# Successful Runs"]) == ("2", "2", "1")
    assert float(hw["QPU Runtime"]) == pytest.approx(0.75) and float(hw["CPU Runtime"]) == pytest.approx(0.5)
    (tsp,) = _rows(tmp_path / "out" / "t1" / "t1_summary.csv")
    assert (tsp["# Runs"], tsp["# Feasible Runs"], tsp["# Successful Runs"]) == ("3", "3", "2")
    assert tsp["Best Objective Value"] == "100" and tsp["Paradigm"] == "Classical"
    assert sorted(p.name for p in (tmp_path / "out" / "g1" / "solutions").iterdir()) == \
        ["g1_solution_0.sol", "g1_solution_1.sol"]
    export_qoblib(tmp_path, tmp_path / "strict", epsilon=0.0)          # the template's columns (default)
    strict = _rows(tmp_path / "strict" / "g1" / "g1_summary.csv", QOBLIB_COLUMNS)
    assert [r["# Successful Runs"] for r in strict] == ["1", "1"]
    assert strict[1]["Remarks"].startswith("paradigm: Quantum Simulator; ")   # no Paradigm column there
    same = [c for c in QOBLIB_COLUMNS if c not in ("Submitter", "Remarks", "Success Threshold", "# Successful Runs")]
    assert [[r[c] for c in same] for r in strict] == [[r[c] for c in same] for r in (hw, sim)]


@pytest.mark.parametrize("kind, x, solution", [
    ("mis", [1, 0, 1, 0], [1, 3]),
    ("mdkp", [0, 1, 1], [0, 1, 1]),
    ("marketsplit", [1, 1, 0, 0, 1], [1, 1, 0, 0, 1]),
    ("qap", [0] * 9, [2, 0, 1]),
    ("qap", [0] * 9, [2, -1, 1]),
    ("tsp", [0] * 9, [0, 3, 1, 2]),
])
def test_solution_files_parse_back(kind, x, solution):
    rec = _rec(0, 5.0, problem=kind, x=x, solution=solution)
    assert read_solution(kind, solution_text(kind, rec)) == solution


def test_export_of_a_real_study(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(textwrap.dedent("""
        name: tiny
        instances:
          - generate: mdkp
            params: {n: 6, m: 2, seed: 4}
          - generate: mis
            params: {n: 7, p: 0.4, seed: 2}
        solvers: [{name: exact}, {name: greedy}, {name: random-feasible}]
        seeds: [0, 1, 2]
    """))
    results = tmp_path / "results"
    ran = qbench("run", cfg, "--results", results, "--quiet")
    assert ran.returncode == 0, ran.stderr
    exp = results / "tiny"
    os.chmod(exp / "runs.sqlite", 0o640)
    done = qbench("export", "qoblib", exp, "--epsilon", "0.1")
    assert done.returncode == 0, done.stderr
    records = [r for r in RunStore(exp).records() if r["status"] == "ok"]
    instances = sorted({r["instance"] for r in records})
    assert len(instances) == 2
    for inst in instances:
        folder = exp / "qoblib" / inst
        assert stat.S_IMODE(os.stat(folder / f"{inst}_summary.csv").st_mode) == 0o640
        assert (folder / f"{inst}_summary.csv").read_text().splitlines()[0] == QOBLIB_HEADER
        rows = _rows(folder / f"{inst}_summary.csv", QOBLIB_COLUMNS)
        assert len(rows) == 3 and {r["Problem"] for r in rows} == {inst}
        for row in rows:
            solver = next(s for s in ("exact", "greedy", "random-feasible") if f"solver {s};" in row["Workflow"] + ";")
            runs = [r for r in records if r["instance"] == inst and r["solver"] == solver]
            sense = runs[0]["result"]["metrics"]["sense"]
            values = [r["result"]["metrics"]["best_objective"] for r in runs if r["result"]["metrics"]["feasible"]]
            best = max(values) if sense == "max" else min(values)
            ok = [v for v in values if (v >= best - 0.1 * abs(best) if sense == "max" else v <= best + 0.1 * abs(best))]
            assert int(row["# Runs"]) == len(runs) and int(row["# Feasible Runs"]) == len(values)
            assert int(row["# Successful Runs"]) == len(ok) and float(row["Best Objective Value"]) == best
            name = row["Remarks"].split("best solution: solutions/")[1]
            kind = runs[0]["problem"]
            parsed = read_solution(kind, (folder / "solutions" / name).read_text())
            assert parsed in [r["result"]["solution"] for r in runs
                              if r["result"]["metrics"]["best_objective"] == best]


@pytest.mark.tampered_store   # an empty store on purpose
def test_errors_are_one_line(tmp_path):
    missing = qbench("export", "qoblib", tmp_path / "nothing")
    assert missing.returncode == 2 and "runs.sqlite" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    RunStore(tmp_path / "empty").set_meta("config", {})
    empty = qbench("export", "qoblib", tmp_path / "empty")
    assert empty.returncode == 2 and "no runs" in empty.stderr and "Traceback" not in empty.stderr
    assert not (tmp_path / "empty" / "qoblib").exists()
    bad = qbench("export", "qoblib", tmp_path / "empty", "--epsilon=-0.5")
    assert bad.returncode == 2 and "--epsilon" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
