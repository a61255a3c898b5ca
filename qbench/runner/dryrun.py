"""``qbench run --dry-run``: the expanded grid (run count, qubits per run, what does not fit), with
nothing run and nothing written."""

from __future__ import annotations

from collections import Counter

from qbench.registry import is_problem_solver, make_formulation
from qbench.runner.execute import build_solver
from qbench.runner.experiment import Plan
from qbench.runner.grid import RunSpec


def _qubits(spec: RunSpec, problems: dict, cache: dict) -> int | None:
    if is_problem_solver(spec.solver.name):
        return None
    key = (spec.instance.name, spec.formulation.label, spec.solver.label)
    if key not in cache:
        problem = problems.setdefault(spec.instance.name, spec.instance.load())
        formulation = make_formulation(spec.formulation.name, spec.formulation.params)
        n = int(formulation.num_qubits(problem))
        solver = build_solver(spec)
        if hasattr(solver, "num_qubits") and hasattr(formulation, "encode"):  # PCE/QRAO compress
            try:
                n = int(solver.num_qubits(formulation.encode(problem).qubo))
            except Exception:  # a solver that cannot tell before solving: the QUBO's size stands
                pass
        cache[key] = n
    return cache[key]


def grid_rows(plan: Plan) -> list[dict]:
    """One row per (instance, formulation, solver): runs to do, qubits per run, status."""
    problems: dict = {}
    cache: dict = {}
    rows: dict[tuple, dict] = {}

    def add(spec: RunSpec, status: str) -> None:
        form = spec.formulation.label if spec.formulation else "-"
        key = (spec.instance.name, form, spec.solver.label, status)
        row = rows.setdefault(key, {"instance": spec.instance.name, "problem": spec.instance.kind,
                                    "formulation": form, "solver": spec.solver.label, "status": status,
                                    "runs": 0, "qubits": _qubits(spec, problems, cache)})
        row["runs"] += 1

    for spec in plan.specs:
        add(spec, "to run")
    for spec, _ in plan.too_large:
        add(spec, "too large")
    return list(rows.values())


def summary(plan: Plan) -> str:
    counts = Counter()
    counts["to run"] = len(plan.specs)
    counts["already stored"] = plan.skipped_done
    counts["too large"] = len(plan.too_large)
    total = sum(counts.values())
    return (f"{plan.config.name}: {total} runs in the grid: {counts['to run']} to run, "
            f"{counts['already stored']} already stored, {counts['too large']} do not fit their solver")
