"""Size checks at planning time, asked of the solver+backend pair with the real QUBO, and the
logical-qubit count of a run (qubits are not variables: PCE/QRAO use fewer)."""

from __future__ import annotations

from typing import Any

from qbench.qubo import QUBO


def planning_qubo(formulation, problem) -> QUBO:
    """The QUBO a formulation hands its solver first: the encoding's, or for an iterative
    formulation (Lagrangian) its first relaxed QUBO."""
    if hasattr(formulation, "planning_qubo"):
        return formulation.planning_qubo(problem)
    if hasattr(formulation, "encode"):
        return formulation.encode(problem).qubo
    n = formulation.num_qubits(problem)   # unknown kind of formulation: only the size is known
    import numpy as np

    return QUBO(np.zeros(n), np.zeros((n, n)))


def logical_qubits(solver, variables: int | None, info: dict[str, Any]) -> int | None:
    """Qubits the solver's circuit used: what it reported (``num_qubits``), else one per variable."""
    reported = info.get("num_qubits")
    if isinstance(reported, (int, float)) and reported == reported:
        return int(reported)
    return variables


def check_run_size(spec, problem, where: str) -> None:
    """Raise TooLargeError naming ``where`` (the instance file) when the run's solver+backend cannot
    take the formulation's QUBO; a no-op for problem solvers and for shrunk runs (checked after shrinking)."""
    from qbench.errors import TooLargeError
    from qbench.registry import is_problem_solver, make_formulation
    from qbench.runner.execute import build_solver

    if is_problem_solver(spec.solver.name) or spec.formulation is None or getattr(spec, "shrink", None):
        return
    qubo = planning_qubo(make_formulation(spec.formulation.name, spec.formulation.params), problem)
    solver = build_solver(spec)
    try:
        solver.check_size(qubo)
    except TooLargeError as exc:
        raise TooLargeError(f"{where}: formulation {spec.formulation.label!r} needs {solver.num_qubits(qubo)} "
                            f"qubits ({qubo.num_variables} QUBO variables) for solver {spec.solver.label!r}: {exc}") from None
