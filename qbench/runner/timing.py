"""Where a run's time goes: ``result['timing'] = {setup_s, compile_s, optimise_s, circuit_s, repair_s}``.

* ``setup_s``    loading the instance and building the solver and formulation
* ``compile_s``  JIT compilation / cache loading (the process's warm-up; non-zero only on the first
                 run of a process, never part of ``seconds``)
* ``circuit_s``  circuit / engine time: the objective (energy) evaluations of a variational solver
                 (its ``info['objective_seconds']`` or ``info['circuit_seconds']``); the whole solve
                 for QUBO solvers without a classical outer optimiser (annealing, enumeration)
* ``optimise_s`` classical optimisation: the rest of the solve (optimiser steps, the formulation's
                 outer loop and multiplier updates, MILPs of problem solvers), repair excluded
* ``repair_s``   every ``problem.repair`` call, inside a formulation's loop and in scoring

The solver's ``solve`` and the problem's ``repair`` are wrapped on the instances (not the classes),
so the formulation code needs no change to be measured.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

CIRCUIT_INFO_KEYS = ("circuit_seconds", "objective_seconds")


@dataclass
class RunClock:
    setup_s: float = 0.0
    compile_s: float = 0.0
    solver_s: float = 0.0          # inside solver.solve, all calls
    circuit_s: float = 0.0         # of which circuit/engine evaluations reported by the solver
    repair_s: float = 0.0
    solver_calls: int = 0
    repair_calls: int = 0
    circuit_reported: bool = field(default=False)

    def watch_solver(self, solver) -> None:
        inner = solver.solve

        @functools.wraps(inner)
        def solve(*args, **kwargs):
            t = time.perf_counter()
            try:
                samples = inner(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t
                self.solver_s += dt
                self.solver_calls += 1
            info = getattr(samples, "info", None) or {}
            reported = next((info[k] for k in CIRCUIT_INFO_KEYS if isinstance(info.get(k), (int, float))), None)
            if reported is not None:
                self.circuit_reported = True
                self.circuit_s += min(float(reported), dt)
            else:
                self.circuit_s += dt     # no classical optimiser inside: the solve is engine time
            return samples

        solver.solve = solve

    def watch_repair(self, problem) -> None:
        inner = problem.repair

        @functools.wraps(inner)
        def repair(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.repair_s += time.perf_counter() - t
                self.repair_calls += 1

        problem.repair = repair

    def as_dict(self, solve_seconds: float, problem_solver: bool, repair_in_solve: float = 0.0) -> dict[str, float]:
        """``solve_seconds``: wall time of the solve (formulation loop included, scoring excluded);
        ``repair_in_solve``: the part of ``repair_s`` spent inside it."""
        if problem_solver:   # exact MILP / greedy: classical optimisation throughout
            circuit = 0.0
        else:
            circuit = self.circuit_s
        repair_in_solve = min(repair_in_solve, solve_seconds)
        optimise = max(0.0, solve_seconds - circuit - repair_in_solve)
        return {"setup_s": self.setup_s, "compile_s": self.compile_s, "optimise_s": optimise,
                "circuit_s": circuit, "repair_s": self.repair_s}


def unwatch(obj, name: str) -> None:
    """Drop an instance-level wrapper (the class method shows through again)."""
    obj.__dict__.pop(name, None)
