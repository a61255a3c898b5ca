"""Run one spec end to end: load -> formulate -> solve -> decode -> repair -> score -> record.

``run_one`` is a pure function of its :class:`RunSpec` (it reloads the instance itself), so executors
can run it in another process or on a Dask worker; only the caller writes to the store.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
import traceback
from typing import Any

import numpy as np

from qbench.errors import QbenchError
from qbench.problems.base import Problem
from qbench.registry import is_problem_solver, make_formulation, make_solver, solver_class
from qbench.runner.grid import RunSpec
from qbench.runner.timing import RunClock
from qbench.runner.warmup import claim_compile_seconds
from qbench.scoring import DEFAULT_READOUT, score


def build_solver(spec: RunSpec):
    """The run's solver; exact solvers inherit the config's ``time_limit`` unless they set their own."""
    params = dict(spec.solver.params)
    fields = {f.name for f in dataclasses.fields(solver_class(spec.solver.name))}
    if "time_limit" in fields and "time_limit" not in params:
        params["time_limit"] = spec.time_limit
    return make_solver(spec.solver.name, params)


def solve_problem(spec: RunSpec, problem: Problem, clock: RunClock | None = None) -> dict[str, Any]:
    """The core of a run on an already-loaded problem; returns the result dict (no store access).
    JIT compilation happens before the clock starts (once per process) and is reported as
    ``timing['compile_s']``, never inside ``seconds``."""
    clock = clock or RunClock()
    clock.compile_s += claim_compile_seconds()
    t_setup = time.perf_counter()
    solver = build_solver(spec)
    clock.watch_solver(solver)
    clock.watch_repair(problem)
    clock.setup_s += time.perf_counter() - t_setup
    t0 = time.perf_counter()
    if is_problem_solver(spec.solver.name):
        samples = solver.solve(problem, seed=spec.seed)
        qubits, evaluations, trace, info = None, int(samples.info.get("evaluations", 0)), [], dict(samples.info)
        candidates = None
    else:
        formulation = make_formulation(spec.formulation.name, spec.formulation.params)
        if getattr(spec, "shrink", None):
            from qbench.shrink import wrap_solver

            solver = wrap_solver(solver, {k: v for k, v in spec.shrink.items() if k != "label"}, problem, formulation)
        outcome = run_formulation(formulation, problem, solver, spec.seed, spec.repair)
        samples, qubits, evaluations = outcome.samples, outcome.qubits, outcome.evaluations
        trace, info, candidates = outcome.trace, dict(outcome.info), outcome.candidates
    variables = qubits
    if qubits is not None:
        from qbench.runner.sizes import logical_qubits

        qubits = logical_qubits(solver, variables, info)
    solve_seconds = time.perf_counter() - t0
    repair_in_solve = clock.repair_s
    sc = score(problem, samples, repair=spec.repair, candidates=candidates,
               readout=getattr(spec, "readout", DEFAULT_READOUT), prior_repairs=int(info.get("repairs", 0) or 0))
    seconds = time.perf_counter() - t0
    problem.__dict__.pop("repair", None)  # the timing wrapper goes with the run
    extra: dict[str, Any] = {}
    if getattr(spec, "shrink", None) and hasattr(solver, "summary"):
        extra["shrink"] = solver.summary()
        extra["qubits_before"] = variables  # the formulation's QUBO before shrinking
        after = extra["shrink"].get("qubits_after", qubits)
        # never more than the shrunk QUBO's variables; fewer when the solver compresses further (PCE, QRAO)
        qubits = min(qubits, after) if qubits is not None else after
    return {
        **extra,
        "qubits": qubits,
        "variables": variables,
        "seconds": seconds,
        "solve_seconds": solve_seconds,
        "timing": clock.as_dict(solve_seconds, is_problem_solver(spec.solver.name), repair_in_solve),
        "evaluations": evaluations,
        "metrics": sc.metrics,
        # One contract for every problem: ``x`` is 0/1 per binary variable of the problem (items,
        # vertices, the n*n assignment bits of QAP/TSP); ``solution`` is the native form (vertex list,
        # permutation, tour); see docs/solutions.md.
        "x": binary_vector(sc.best_x) if sc.best_x is not None else None,
        "solution": problem.solution_repr(sc.best_x) if sc.best_x is not None else None,
        "info": _scalars(info),
        # the best feasible sample before any repair (None: no sample was feasible)
        "x_raw": binary_vector(sc.extra["x_raw"]) if sc.extra.get("x_raw") is not None else None,
        "trace": trace,
    }


def run_formulation(formulation, problem: Problem, solver, seed, repair: bool):
    """``formulation.run``, telling it whether it may repair (formulations written before the
    ``repair`` keyword existed are called without it; the scorer then ignores their candidates)."""
    if "repair" in inspect.signature(formulation.run).parameters:
        return formulation.run(problem, solver, seed=seed, repair=repair)
    return formulation.run(problem, solver, seed=seed)


def binary_vector(x) -> list[int]:
    return [int(v != 0) for v in np.asarray(x).reshape(-1)]


def run_one(spec: RunSpec) -> dict[str, Any]:
    """A store record for one run. User errors and crashes inside a run become an 'error' record
    (the grid goes on); the next invocation retries them."""
    base = {
        "run_id": spec.run_id,
        "experiment": spec.experiment,
        "instance": spec.instance.name,
        "problem": spec.instance.kind,
        "formulation": spec.formulation.label if spec.formulation else "-",
        "solver": spec.solver.label,
        "seed": spec.seed,
        "config": spec.resolved(),
    }
    try:
        clock = RunClock(compile_s=claim_compile_seconds())
        t_load = time.perf_counter()
        problem = spec.instance.load()
        clock.setup_s = time.perf_counter() - t_load
        from qbench.backends.ibm_jobs import run_context

        with run_context(spec.run_id):    # device jobs are recorded under this run
            result = solve_problem(spec, problem, clock)
    except QbenchError as exc:
        return {**base, "status": "error", "error": str(exc), "result": {}, "trace": []}
    except Exception as exc:  # a bug in a component must not take the whole grid down
        return {**base, "status": "error", "error": f"{type(exc).__name__}: {exc}",
                "result": {"traceback": traceback.format_exc()}, "trace": []}
    trace = result.pop("trace")
    return {**base, "status": "ok", "qubits": result["qubits"], "variables": result.get("variables"),
            "seconds": result["seconds"],
            "result": result, "trace": trace}


def _scalars(info: dict[str, Any]) -> dict[str, Any]:
    """Keep what serialises compactly (numbers, strings, short lists)."""
    out = {}
    for k, v in info.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (int, float, str, bool, type(None), np.generic)) or (isinstance(v, (list, tuple)) and len(v) <= 256):
            out[k] = v
    return out
