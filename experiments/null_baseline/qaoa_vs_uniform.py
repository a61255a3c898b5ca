"""Does optimised QAOA put more probability on feasible (and optimal) bitstrings than uniform sampling?

For each instance and formulation the script builds the formulation's QUBO, runs qbench's QAOA solver
with exact readout of the whole distribution (``shots=0, top_k=2^n``) for several seeds, decodes it to
the problem's variables and computes

* ``feasible_mass``: probability of a feasible bitstring, and ``p_opt``: probability of an optimum,
* the same two numbers for uniform sampling (|+>^n, what the ``random`` solver samples): the feasible
  fraction of all 2^n bitstrings and (#optima)/2^n, computed exactly by enumeration.

It prints one row per (instance, seed) and a summary with the median over seeds and the ratio to
uniform. Usage (from the repository root)::

    .venv/bin/python experiments/null_baseline/qaoa_vs_uniform.py --instances pet2 pet3 pet4 pb5 \
        --formulation unbalanced --seeds 0 1 2 3 4 -P reps=3 -P maxiter=200

``-P KEY=VALUE`` sets a QAOA solver parameter, ``-F KEY=VALUE`` a formulation parameter; ``--json``
writes all rows to a file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qbench.backends.statevector import index_to_bits  # noqa: E402
from qbench.formulations import problem_cost  # noqa: E402
from qbench.problems import load_instance  # noqa: E402
from qbench.registry import make_formulation, make_solver  # noqa: E402

DATA = ROOT.parent / "shared" / "instances" / "mdkp"


def uniform_baseline(problem) -> tuple[float, float, np.ndarray]:
    """(feasible fraction, optimal fraction, optimal mask) over all 2^n bitstrings."""
    n = problem.num_variables
    X = index_to_bits(np.arange(1 << n, dtype=np.int64), n)
    feas = problem.is_feasible(X)
    opt = problem.optimum.value
    is_opt = feas & np.isclose(problem.objective(X), opt, atol=1e-6, rtol=0)
    return float(feas.mean()), float(is_opt.mean()), is_opt


class LagrangianAtLPDuals:
    """The Lagrangian relaxation's QUBO (``lagrangian`` formulation, every row dualised) with the
    multipliers fixed at the LP relaxation's optimal duals, the Lagrangian dual optimum for a linear
    objective (what the multiplier loop converges to); linear, so QAOA's state is a product state."""

    def encode(self, problem):
        from scipy.optimize import linprog

        from qbench.formulations.base import Encoding
        from qbench.formulations.lagrangian import LagrangianFormulation

        m = problem.model
        sign = -1.0 if m.sense == "max" else 1.0
        lp = linprog(sign * m.c, A_ub=m.A_ub, b_ub=m.b_ub, bounds=[(0, 1)] * m.num_variables, method="highs")
        lam = np.abs(lp.ineqlin.marginals)
        form = LagrangianFormulation()
        dual, base = form.split(m)
        return Encoding(form.relaxed_qubo(base, dual, lam, 0.0, m.var_names), m.num_variables, {"lambda": lam.tolist()})


def qaoa_distribution(problem, formulation, params: dict, seed: int, solver_name: str = "qaoa"):
    enc = formulation.encode(problem)
    n = enc.num_qubits
    solver = make_solver(solver_name, {**params, "shots": 0, "top_k": 1 << n})
    t0 = time.perf_counter()
    with problem_cost.bound(problem, enc.num_decision, n):   # what formulation.run does (objective=problem)
        raw = solver.solve(enc.qubo, seed=seed)
    seconds = time.perf_counter() - t0
    return enc.decode(raw), raw.info, seconds


def parse_kv(items):
    return {k: yaml.safe_load(v) for k, _, v in (s.partition("=") for s in items)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="+", default=["pet2", "pet3", "pet4", "pb5"])
    ap.add_argument("--data-dir", type=Path, default=DATA)
    ap.add_argument("--formulation", default="unbalanced",
                    help="unbalanced | slack | lagrangian-lp (Lagrangian QUBO at the LP duals)")
    ap.add_argument("--solver", default="qaoa", help="qaoa | qaoa-interp (any QUBO solver with shots/top_k)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("-P", dest="solver_params", action="append", default=[], help="QAOA parameter KEY=VALUE")
    ap.add_argument("-F", dest="form", action="append", default=[], help="formulation parameter KEY=VALUE")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    params = {"reps": 2, "maxiter": 60, **parse_kv(args.solver_params)}
    formulation = (LagrangianAtLPDuals() if args.formulation == "lagrangian-lp"
                   else make_formulation(args.formulation, parse_kv(args.form)))
    print(f"# {args.solver} {params}  formulation {args.formulation} {parse_kv(args.form)}")
    rows, summary = [], []
    for name in args.instances:
        problem = load_instance(args.data_dir / f"{name}.dat", "mdkp")
        u_feas, u_opt, _ = uniform_baseline(problem)
        per_seed = []
        for seed in args.seeds:
            ss, info, secs = qaoa_distribution(problem, formulation, params, seed, args.solver)
            feas = problem.is_feasible(ss.samples)
            is_opt = feas & np.isclose(problem.objective(ss.samples), problem.optimum.value, atol=1e-6, rtol=0)
            row = {"instance": name, "seed": seed, "qubits": problem.num_variables,
                   "feasible_mass": float(ss.probabilities[feas].sum()),
                   "p_opt": float(ss.probabilities[is_opt].sum()),
                   "uniform_feasible_mass": u_feas, "uniform_p_opt": u_opt,
                   "evaluations": info["evaluations"], "seconds": round(secs, 2)}
            per_seed.append(row)
            rows.append(row)
            print(f"{name:6s} seed {seed}  feasible {row['feasible_mass']:.3f} (uniform {u_feas:.3f})  "
                  f"P(opt) {row['p_opt']:.2e} (uniform {u_opt:.2e})  evals {row['evaluations']}  {secs:.1f}s",
                  flush=True)
        mf = statistics.median(r["feasible_mass"] for r in per_seed)
        mo = statistics.median(r["p_opt"] for r in per_seed)
        summary.append((name, mf, u_feas, mo, u_opt))
    print("\ninstance  feasible(median)  uniform  ratio   P(opt)(median)  uniform   ratio   beats")
    ok_all = True
    for name, mf, uf, mo, uo in summary:
        ok = mf > uf and mo > uo
        ok_all &= ok
        print(f"{name:8s}  {mf:16.3f}  {uf:7.3f}  {mf / uf:5.2f}   {mo:14.2e}  {uo:8.2e}  {mo / uo:7.1f}   {'yes' if ok else 'NO'}")
    print(f"beats uniform on every instance: {'yes' if ok_all else 'no'}")
    if args.json:
        args.json.write_text(json.dumps({"solver": args.solver, "params": params, "formulation": args.formulation,
                                         "formulation_params": parse_kv(args.form), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
