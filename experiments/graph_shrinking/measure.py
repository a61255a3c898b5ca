"""The three measurements of issue 11, printed as markdown tables (and JSON lines with --json).

    .venv/bin/python experiments/graph_shrinking/measure.py margin   # constraint-aware vs plain: repair needed
    .venv/bin/python experiments/graph_shrinking/measure.py mis10    # MIS 28-64 vertices -> 20/24 qubits: gap
    .venv/bin/python experiments/graph_shrinking/measure.py sdp      # the SDP on 64-node graphs: seconds
    .venv/bin/python experiments/graph_shrinking/measure.py table --results results/graph_shrinking_qap

Every run goes through the same code as ``qbench run`` (``solve_problem`` on a RunSpec with a shrink
stage); optima come from the exact solver (MIS branch and bound, QAP branch and bound).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from qbench.paths import default_data_dir
from qbench.problems import generate, load_instance
from qbench.runner.execute import solve_problem
from qbench.runner.grid import Component, InstanceRef, RunSpec
from qbench.solvers.exact import reference_optimum


def instances_margin():
    data = default_data_dir()
    out = [generate("mis", n=28, p=0.15, seed=1), generate("mis", n=32, p=0.12, seed=2),
           generate("mis", n=36, p=0.1, seed=3)]
    if (data / "mis/1tc.32.txt").exists():
        out.append(load_instance(data / "mis/1tc.32.txt"))
    out += [generate("qap", n=4, seed=s) for s in (1, 2)] + [generate("qap", n=5, seed=3)]
    return out


def instances_mis10():
    data = default_data_dir()
    out = [generate("mis", n=n, p=p, seed=s) for n, p, s in
           [(28, 0.15, 1), (32, 0.12, 2), (40, 0.1, 3), (48, 0.08, 4), (56, 0.07, 5), (64, 0.06, 6)]]
    for name in ("1tc.32.txt", "1tc.64.txt"):
        if (data / "mis" / name).exists():
            out.append(load_instance(data / "mis" / name))
    return out


def run(problem, solver: str, solver_params: dict, shrink: dict | None, seed: int = 0,
        formulation: str = "slack") -> dict:
    if problem.optimum is None:
        problem.optimum = reference_optimum(problem, 60)
    spec = RunSpec("measure", InstanceRef(problem.name, problem.kind), Component(solver, solver, solver_params),
                   Component(formulation, formulation, {}), seed, 60.0, True, shrink)
    t0 = time.perf_counter()
    result = solve_problem(spec, problem)
    sh = result.get("shrink", {})
    m = result["metrics"]
    return {"instance": problem.name, "kind": problem.kind, "solver": solver, "seed": seed,
            "aware": None if shrink is None else shrink.get("constraint_aware", True),
            "qubits_before": result.get("qubits_before", result["qubits"]), "qubits": result["qubits"],
            "needed_repair_mass": sh.get("needed_repair_mass"), "needed_repair_fraction": sh.get("needed_repair_fraction"),
            "expanded_samples": sh.get("expanded_samples"), "vetoed": sh.get("vetoed"),
            "feasible_mass": m["feasible_mass"], "gap_pct": m["gap_pct"], "optimum": problem.optimum.value,
            "best": m["best_objective"], "pre_repair": m.get("best_objective_pre_repair"),
            "greedy": float(problem.objective(problem.greedy())[0]), "seconds": round(time.perf_counter() - t0, 2),
            "shrink_seconds": sh.get("shrink_seconds")}


def margin(args) -> list[dict]:
    rows = []
    solvers = [("qaoa", {"reps": 2, "maxiter": args.maxiter, "shots": 1024}),
               ("annealing", {"num_reads": 256, "num_sweeps": 200})]
    for problem in instances_margin():
        target = 20 if problem.kind == "mis" else 0.5
        for solver, params in solvers:
            for aware in (True, False):
                for seed in range(args.seeds):
                    shrink = {"target": target, "estimator": args.estimator, "constraint_aware": aware,
                              "recompute_every": 5}
                    rows.append(run(problem, solver, params, shrink, seed))
                    emit(rows[-1], args)
    print(f"\nestimator {args.estimator}; MIS shrunk to 20 qubits, QAP to 1/2")
    print("\n| kind | solver | merging | runs | expanded samples needing repair (mass) | (distinct share) | gap % after repair |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("mis", "qap"):
        for solver, _ in solvers:
            for aware in (True, False):
                sel = [r for r in rows if r["kind"] == kind and r["solver"] == solver and r["aware"] == aware]
                if sel:
                    print(f"| {kind} | {solver} | {'aware' if aware else 'plain'} | {len(sel)} | "
                          f"{np.mean([r['needed_repair_mass'] for r in sel]):.3f} | "
                          f"{np.mean([r['needed_repair_fraction'] for r in sel]):.3f} | "
                          f"{np.mean([r['gap_pct'] for r in sel]):.2f} |")
    return rows


def mis10(args) -> list[dict]:
    rows = []
    for problem in instances_mis10():
        for target in (20, 24):
            shrink = {"target": target, "estimator": args.estimator, "constraint_aware": True, "recompute_every": 5}
            rows.append(run(problem, "qubo-exact", {}, shrink))
            emit(rows[-1], args)
    print("\n| graph | vertices | optimum | greedy | qubits | expanded, pre-repair | repaired best | gap % | within 10 % | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        pre = "infeasible" if r["pre_repair"] is None else f"{r['pre_repair']:g}"
        print(f"| {r['instance']} | {r['qubits_before']} | {r['optimum']:g} | {r['greedy']:g} | {r['qubits']} | {pre} | "
              f"{r['best']:g} | {r['gap_pct']:.1f} | {'yes' if r['gap_pct'] <= 10 else 'no'} | {r['seconds']} |")
    return rows


def sdp(args) -> list[dict]:
    from qbench.formulations.slack import SlackFormulation
    from qbench.shrink.estimators import sdp_vectors
    from qbench.shrink.maxcut import IsingGraph

    graphs = [("mis G(64,0.06)", generate("mis", n=64, p=0.06, seed=6)), ("mis G(64,0.5)", generate("mis", n=64, p=0.5, seed=7))]
    data = default_data_dir()
    for label, path in (("1tc.64", "mis/1tc.64.txt"), ("qap nug7 (49 var.)", "qap/nug7.dat")):
        if (data / path).exists():
            graphs.append((label, load_instance(data / path)))
    rows = []
    print("\n| graph | nodes | solver | tol | seconds | status | objective |")
    print("|---|---|---|---|---|---|---|")
    for name, problem in graphs:
        W = IsingGraph.from_qubo(SlackFormulation().encode(problem).qubo).weights
        for solver, tol in (("auto", 1e-6), ("scs", 1e-4), ("scs", 1e-6), ("clarabel", 1e-6)):
            V, info = sdp_vectors(W, solver, tol)
            obj = float(np.sum(W * (V @ V.T)))
            used = solver if solver != "auto" else f"auto->{info['sdp_solver']}"
            row = {"graph": name, "nodes": W.shape[0], "solver": used, "tol": tol,
                   "seconds": round(info["sdp_seconds"], 3), "status": info["sdp_status"], "objective": round(obj, 4)}
            rows.append(row)
            print(f"| {name} | {row['nodes']} | {used} | {tol:g} | {row['seconds']} | {row['status']} | {row['objective']} |")
    return rows


def table(args) -> list[dict]:
    """One line per stored run of a graph_shrinking experiment folder (``--results DIR``)."""
    import sqlite3

    con = sqlite3.connect(Path(args.results) / "runs.sqlite")
    print("\n| instance | solver+shrink | status | qubits before -> after | feasible mass (pre-repair) | "
          "needing repair (mass) | best raw gap % | gap % after repair | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for inst, solver, status, qubits, secs, res in con.execute(
            "select instance, solver, status, qubits, seconds, result from runs order by instance, solver"):
        r = json.loads(res) if res else {}
        m, sh = r.get("metrics", {}), r.get("shrink", {})
        fmt = lambda v, d=3: "-" if v is None else (f"{v:.{d}f}" if isinstance(v, float) else str(v))
        if status != "ok":
            print(f"| {inst} | {solver} | {status} | | | | | | |")
            continue
        raw = m.get("best_gap_pct_raw")
        pre, opt = m.get("best_objective_pre_repair"), m.get("optimum")
        if raw is None and pre is not None and opt:
            raw = 100.0 * abs(pre - opt) / abs(opt)
        print(f"| {inst} | {solver} | ok | {r.get('qubits_before', qubits)} -> {qubits} | {fmt(m.get('feasible_mass'))} | "
              f"{fmt(sh.get('needed_repair_mass'))} | {fmt(raw, 2) if raw is not None else ('inf' if m.get('best_objective_pre_repair') is None else '(n/a)')} | "
              f"{fmt(m.get('gap_pct'), 2)} | {fmt(secs, 1)} |")
        rows.append(r)
    return rows


def emit(row: dict, args) -> None:
    if args.json:
        print(json.dumps(row), file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["margin", "mis10", "sdp", "table"])
    ap.add_argument("--results", default="results/graph_shrinking_qap", help="table: an experiment folder")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--maxiter", type=int, default=60, help="QAOA optimiser iterations (margin)")
    ap.add_argument("--estimator", default="sdp", help="sdp | lp | spectral | samples")
    ap.add_argument("--json", action="store_true", help="also print every run as a JSON line on stderr")
    args = ap.parse_args()
    {"margin": margin, "mis10": mis10, "sdp": sdp, "table": table}[args.what](args)


if __name__ == "__main__":
    main()
