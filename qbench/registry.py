"""Name -> implementation tables for problems, formulations and solvers.

Entries are import paths so that importing qbench stays cheap (qiskit and numba load only when a
component that needs them is used) and so that adding a component is one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from qbench.errors import ConfigError

PROBLEM_KINDS: dict[str, str] = {
    "mdkp": "qbench.problems.mdkp",
    "mis": "qbench.problems.mis",
    "qap": "qbench.problems.qap",
    "tsp": "qbench.problems.tsp",
    "marketsplit": "qbench.problems.marketsplit",
}

FORMULATIONS: dict[str, str] = {
    "slack": "qbench.formulations.slack:SlackFormulation",
    "unbalanced": "qbench.formulations.unbalanced:UnbalancedFormulation",
    "lagrangian": "qbench.formulations.lagrangian:LagrangianFormulation",
}

QUBO_SOLVERS: dict[str, str] = {
    "qaoa": "qbench.solvers.qaoa:QAOASolver",
    "bruteforce": "qbench.solvers.bruteforce:BruteForceSolver",
    "annealing": "qbench.solvers.annealing:SimulatedAnnealingSolver",
    "qubo-exact": "qbench.solvers.qubo_exact:ExactQuboSolver",
    "random": "qbench.solvers.null:RandomSolver",
    "pce": "qbench.solvers.pce:PCESolver",
    "qrao": "qbench.solvers.qrao:QRAOSolver",
    "vqe": "qbench.solvers.vqe:VQESolver",
    "qaoa-interp": "qbench.solvers.qaoa_interp:InterpQAOASolver",
}

PROBLEM_SOLVERS: dict[str, str] = {
    "exact": "qbench.solvers.exact:ExactSolver",
    "greedy": "qbench.solvers.greedy:GreedySolver",
    "random-feasible": "qbench.solvers.null:RandomFeasibleSolver",
}


def load_object(path: str) -> Any:
    module, _, attr = path.partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr) if attr else mod


def problem_module(kind: str):
    if kind not in PROBLEM_KINDS:
        raise ConfigError(f"unknown problem kind {kind!r}; allowed: {', '.join(PROBLEM_KINDS)}")
    return load_object(PROBLEM_KINDS[kind])


def all_solver_names() -> list[str]:
    return [*QUBO_SOLVERS, *PROBLEM_SOLVERS]


def is_problem_solver(name: str) -> bool:
    return name in PROBLEM_SOLVERS


def solver_class(name: str) -> type:
    table = PROBLEM_SOLVERS if name in PROBLEM_SOLVERS else QUBO_SOLVERS
    if name not in table:
        raise ConfigError(f"unknown solver {name!r}; allowed: {', '.join(all_solver_names())}")
    return load_object(table[name])


def make_solver(name: str, params: dict[str, Any] | None = None):
    return build(solver_class(name), params or {}, f"solver {name!r}")


def make_formulation(name: str, params: dict[str, Any] | None = None):
    if name not in FORMULATIONS:
        raise ConfigError(f"unknown formulation {name!r}; allowed: {', '.join(FORMULATIONS)}")
    return build(load_object(FORMULATIONS[name]), params or {}, f"formulation {name!r}")


def build(cls: type, params: dict[str, Any], what: str):
    """Instantiate a dataclass component after validating its parameters against one pydantic schema
    derived from its fields (see :mod:`qbench.params`), naming any unknown or ill-typed parameter."""
    from qbench.params import build as typed_build

    return typed_build(cls, params, what)


def component_class(kind: str, name: str) -> type:
    """The class behind a solver, formulation or multiplier-method name (for ``qbench params``)."""
    if kind == "formulation":
        if name not in FORMULATIONS:
            raise ConfigError(f"unknown formulation {name!r}; allowed: {', '.join(FORMULATIONS)}")
        return load_object(FORMULATIONS[name])
    if kind == "multiplier":
        from qbench.formulations.multipliers import METHODS

        if name not in METHODS:
            raise ConfigError(f"unknown multiplier method {name!r}; allowed: {', '.join(METHODS)}")
        return METHODS[name]
    if kind == "generator":
        return problem_module(name).generate
    return solver_class(name)
