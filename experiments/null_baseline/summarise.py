"""Markdown table of every results/*.json written by qaoa_vs_uniform.py (median over seeds).

    .venv/bin/python experiments/null_baseline/summarise.py
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ["unbalanced_p2_60", "unbalanced_p3_200_cvar", "auto_p2_100", "auto_p3_200", "auto_p3_200_cvar",
         "auto_p3_200_cvar_interp", "lagrangian_lp_p2_100", "lagrangian_lp_p3_200", "auto_problem_p3_200",
         "auto_problem_p3_200_cvar", "auto_problem_p3_200_fcvar"]


def describe(run: dict) -> str:
    p = run["params"]
    form = run["formulation"] + "".join(f" {k}={v}" for k, v in run.get("formulation_params", {}).items())
    extra = f", CVaR {p['cvar_alpha']}" if p.get("cvar_alpha", 1.0) < 1 else ""
    if p.get("cvar_scope", "all") == "feasible":
        extra += " over the feasible part"
    if p.get("objective", "qubo") == "problem":
        extra += ", objective problem"
    solver = run.get("solver", "qaoa")
    return f"{form}; {solver} p={p['reps']}, {p['maxiter']} evals{extra}"


def main() -> None:
    files = sorted(RESULTS.glob("*.json"), key=lambda f: ORDER.index(f.stem) if f.stem in ORDER else 99)
    runs = [json.loads(f.read_text()) for f in files]
    instances = list(dict.fromkeys(r["instance"] for run in runs for r in run["rows"]))
    head = "| configuration | " + " | ".join(instances) + " | beats on |"
    print(head)
    print("|" + "---|" * (len(instances) + 2))
    uni = {}
    for run in runs:
        for r in run["rows"]:
            uni[r["instance"]] = (r["uniform_feasible_mass"], r["uniform_p_opt"])
    print("| uniform (`random`): feasible / P(opt) | " + " | ".join(
        f"{uni[i][0]:.3f} / {uni[i][1]:.1e}" for i in instances) + " | |")
    for run in runs:
        cells, wins = [], 0
        for inst in instances:
            rows = [r for r in run["rows"] if r["instance"] == inst]
            if not rows:
                cells.append("-")
                continue
            f = statistics.median(r["feasible_mass"] for r in rows)
            o = statistics.median(r["p_opt"] for r in rows)
            uf, uo = uni[inst]
            ok = f > uf and o > uo
            wins += ok
            mark = lambda good: "" if good else "*"
            cells.append(f"{f:.3f}{mark(f > uf)} / {o:.1e}{mark(o > uo)}")
        print(f"| {describe(run)} | " + " | ".join(cells) + f" | {wins}/{len(instances)} |")
    print("\n`*`: not above uniform. Feasible mass / P(opt), exact (statevector), median over seeds.")


if __name__ == "__main__":
    main()
