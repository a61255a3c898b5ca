"""The same comparison on generated knapsacks that are not in ../shared (a check against tuning on
SAC-94): Chu-Beasley style MDKP with n items, m constraints, several tightnesses and seeds.

    .venv/bin/python experiments/null_baseline/held_out.py -P reps=3 -P maxiter=200 -P cvar_alpha=0.25
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from qaoa_vs_uniform import parse_kv, qaoa_distribution, uniform_baseline  # noqa: E402
from qbench.problems import generate  # noqa: E402
from qbench.problems.base import Optimum  # noqa: E402
from qbench.registry import make_formulation  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-P", dest="solver_params", action="append", default=[])
    ap.add_argument("--sizes", nargs="+", default=["12x5", "14x10", "16x3"])
    ap.add_argument("--tightness", nargs="+", type=float, default=[0.4, 0.6])
    ap.add_argument("--instance-seeds", nargs="+", type=int, default=[1001, 1002])
    ap.add_argument("--encodings", nargs="+", default=["default", "auto"], choices=["default", "auto"],
                    help="unbalanced with the paper's weights (default) and/or centre=auto")
    args = ap.parse_args(argv)
    params = {"reps": 2, "maxiter": 100, **parse_kv(args.solver_params)}
    print(f"# qaoa {params}")
    print("instance              uniform feas/P(opt)   | default unbalanced      | centre=auto")
    wins = {"default": 0, "auto": 0}
    total = 0
    for size, t, s in itertools.product(args.sizes, args.tightness, args.instance_seeds):
        n, m = map(int, size.split("x"))
        problem = generate("mdkp", n=n, m=m, tightness=t, seed=s)
        X = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)
        feas = problem.is_feasible(X)
        problem.optimum = Optimum(float(problem.objective(X[feas]).max()), "computed")
        uf, uo, _ = uniform_baseline(problem)
        cells = []
        for label, fparams in (("default", {}), ("auto", {"centre": "auto"})):
            if label not in args.encodings:
                cells.append("-" * 22)
                continue
            ss, _, _ = qaoa_distribution(problem, make_formulation("unbalanced", fparams), params, 0)
            f = problem.is_feasible(ss.samples)
            o = f & np.isclose(problem.objective(ss.samples), problem.optimum.value)
            fm, po = float(ss.probabilities[f].sum()), float(ss.probabilities[o].sum())
            ok = fm > uf and po > uo
            wins[label] += ok
            cells.append(f"{fm:.3f} / {po:.1e} {'yes' if ok else 'NO '}")
        total += 1
        print(f"mdkp n={n:2d} m={m:2d} t={t} s={s}  {uf:.3f} / {uo:.1e}   | {cells[0]}  | {cells[1]}", flush=True)
    print(f"beats uniform on both: default {wins['default']}/{total}, centre=auto {wins['auto']}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
