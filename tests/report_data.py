"""Synthetic run stores whose comparisons have known answers (shared by the report tests)."""

from __future__ import annotations

import hashlib
import json

from qbench.runner.store import RunStore

INF = float("inf")


def record(instance, formulation, solver, seed, *, problem="mdkp", honest=True, gap=0.0, raw_gap=0.0,
           mass=0.5, p_opt=0.1, qubits=10, status="ok", timing=None, qubits_before=None, trace=None,
           info=None, optimum=100.0):
    """One stored run. ``honest=False`` writes only the metrics qbench had before the honest metrics
    (the raw gap then follows from ``best_objective_pre_repair``); ``raw_gap=INF``: no feasible sample."""
    ref = 100.0 if optimum is None else optimum
    pre = None if raw_gap == INF else ref * (1 - raw_gap / 100)
    metrics = {"feasible_mass": mass, "p_optimal": p_opt, "gap_pct": gap, "optimum": optimum, "sense": "max",
               "optimum_status": "published", "best_objective": ref * (1 - gap / 100), "feasible": True,
               "optimum_found": gap == 0, "approx_ratio": 1 - gap / 100, "most_likely_feasible": True,
               "best_objective_pre_repair": pre}
    if honest:
        metrics.update({"best_gap_pct_raw": None if raw_gap == INF else raw_gap, "feasible_raw": raw_gap != INF,
                        "expectation_approx_ratio": 0.5 + mass / 4, "repairs": 3,
                        "repair_share_pct": None if raw_gap == INF else raw_gap - gap,
                        "readout": "most-likely", "readout_objective": None, "readout_gap_pct": None})
    result = {"metrics": metrics, "evaluations": 10, "info": dict(info or {})}
    if timing is not None:
        result["timing"] = timing
    if qubits_before is not None:
        result["qubits_before"] = qubits_before
    config = {"solver": {"name": solver, "params": {}},
              "formulation": None if formulation == "-" else {"name": formulation, "params": {}}, "seed": seed}
    key = json.dumps([problem, instance, formulation, solver, seed])
    return {"run_id": hashlib.sha1(key.encode()).hexdigest(), "experiment": "synthetic", "instance": instance,
            "problem": problem, "formulation": formulation, "solver": solver, "seed": seed, "status": status,
            "qubits": qubits if formulation != "-" else None, "seconds": 1.0 + seed, "config": config,
            "result": result if status == "ok" else {}, "trace": trace or [],
            "error": None if status == "ok" else "needs 99 qubits"}


SEEDS = range(4)


def known_store(directory, honest=True, extras=True):
    """Problem mdkp, instances i1, i2. Known answers:
    - 'qaoa / slack' (A) beats 'random / slack' before repair on every instance: feasible mass 0.8 vs
      0.1, raw gap 0 vs ∞, P(opt) 0.3 vs 0.01;
    - 'qaoa / unbalanced' (C) is worse than 'random / unbalanced' on feasible mass (0.2 vs 0.6);
    - 'annealing / slack' (B) finished only i1 (i2 was skipped), so the common set is {i1};
    - exact: gap 0 everywhere (formulation-free).
    With ``extras``: timing on every run, shrinking on A, a Lagrangian trace on one run, a convergence
    trace on A, and a slack run carrying a trace that is not Lagrangian (must not be plotted as such)."""
    store = RunStore(directory)
    timing = {"setup_s": 0.1, "compile_s": 0.0, "optimise_s": 0.5, "circuit_s": 0.3, "repair_s": 0.05} if extras else None
    for inst in ("i1", "i2"):
        for s in SEEDS:
            jitter = 0.01 * s
            store.write(record(inst, "slack", "qaoa", s, honest=honest, gap=0.0, raw_gap=0.0, mass=0.8 - jitter,
                               p_opt=0.3 + jitter, timing=timing, qubits_before=20 if extras else None,
                               info={"trace_evaluation": [1, 2, 3], "trace_best": [5.0, 3.0, 2.0 - s]} if extras else None))
            store.write(record(inst, "slack", "random", s, honest=honest, gap=1.0, raw_gap=INF, mass=0.1 + jitter,
                               p_opt=0.01, timing=timing))
            store.write(record(inst, "unbalanced", "qaoa", s, honest=honest, gap=2.0, raw_gap=5.0, mass=0.2 + jitter,
                               p_opt=0.05, timing=timing,
                               trace=[{"iteration": 0, "lambda": [0.0], "dual_value": 120.0, "best_primal": 90.0}]
                               if extras else None))
            store.write(record(inst, "unbalanced", "random", s, honest=honest, gap=2.0, raw_gap=6.0, mass=0.6 + jitter,
                               p_opt=0.02, timing=timing))
            store.write(record(inst, "slack", "annealing", s, honest=honest, gap=0.5, raw_gap=0.5, mass=0.9,
                               p_opt=0.2, timing=timing, status="ok" if inst == "i1" else "skipped"))
        store.write(record(inst, "-", "exact", 0, honest=honest, gap=0.0, raw_gap=0.0, mass=1.0, p_opt=1.0,
                           timing=timing))
    if extras:
        lag = record("i1", "lag-bundle", "qaoa", 0, honest=honest, gap=0.0, raw_gap=0.0, mass=0.4, p_opt=0.1,
                     timing=timing, trace=[{"iteration": k, "lambda": [0.1 * k], "dual_value": 110.0 - k,
                                            "best_primal": 95.0 + k} for k in range(4)])
        lag["config"]["formulation"]["name"] = "lagrangian"
        store.write(lag)
    return store
