"""Issue-4 targets on the 12 SAC-94 instances of the Cutting Slack study, with the exact inner solver:
feasible after repair, median / worst gap, and whether every dual bound stays at or above the optimum.

    .venv/bin/python experiments/cutting_slack/targets.py                 # the four fast methods (~4 s)
    .venv/bin/python experiments/cutting_slack/targets.py --methods augmented   # ~30 min (MILP inner solves)
"""

from __future__ import annotations

import argparse

import numpy as np

from qbench.formulations.lagrangian import LagrangianFormulation
from qbench.formulations.multipliers import METHODS
from qbench.formulations.slack import SlackFormulation
from qbench.paths import default_data_dir
from qbench.problems import mdkp
from qbench.solvers.qubo_exact import ExactQuboSolver

INSTANCES = "hp1 hp2 pb1 pb2 pb4 pb5 pet2 pet3 pet4 pet5 pet6 pet7".split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=["subgradient", "dual-averaging", "bundle", "cutting-plane"],
                        choices=sorted(METHODS))
    parser.add_argument("--max-iter", type=int, default=50)
    args = parser.parse_args()
    problems = [mdkp.read(default_data_dir() / "mdkp" / f"{name}.dat")[0] for name in INSTANCES]
    print("instance  " + " ".join(f"{p.name:>6}" for p in problems))
    print("slack     " + " ".join(f"{SlackFormulation().num_qubits(p):>6}" for p in problems))
    print("slackfree " + " ".join(f"{p.num_variables:>6}" for p in problems))
    for method in args.methods:
        gaps, feasible, bounds_ok = [], 0, True
        for p in problems:
            out = LagrangianFormulation(multiplier=method, max_iter=args.max_iter).run(
                p, ExactQuboSolver(time_limit=5), seed=0)
            x = out.candidates[0] if out.candidates is not None else None
            feasible += int(x is not None and p.is_feasible(x)[0])
            gaps.append(p.gap_pct(out.info["best_primal"]) if x is not None else float("inf"))
            bounds_ok &= all(e["dual_value"] >= p.optimum.value - 1e-6 for e in out.trace)
        worst = int(np.argmax(gaps))
        print(f"{method:15s} feasible {feasible}/{len(problems)}  median gap {np.median(gaps):.2f} %  "
              f"worst {gaps[worst]:.2f} % ({problems[worst].name})  dual bound >= optimum: {bounds_ok}")


if __name__ == "__main__":
    main()
