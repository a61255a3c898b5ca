"""The exact classical baseline: a problem's own exact method when it has one, else the generic MILP."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from qbench.errors import InfeasibleInstanceError
from qbench.sampleset import SampleSet
from qbench.solvers.base import ProblemSolver
from qbench.solvers.milp import relative_gap_pct, solve_model

from qbench.problems.base import Optimum

if TYPE_CHECKING:
    from qbench.problems.base import Problem


@dataclass
class ExactSolver(ProblemSolver):
    """Optimal solution (or the best found and a proven bound when ``time_limit`` runs out).

    ``info``: ``status`` (optimal | time_limit | feasible), ``bound`` (proven bound on the optimum in
    the problem's sense), ``gap_pct`` (100 |bound - objective| / |objective|), ``method``,
    ``evaluations`` (0: no objective sampling), ``seconds``. The energy of the one sample is
    ``problem.energy(x)`` (the objective as a quantity to minimise).
    """

    time_limit: float = 60.0
    name: ClassVar[str] = "exact"

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be positive, got {self.time_limit!r}")

    def solve(self, problem: "Problem", *, seed: int | None = None) -> SampleSet:
        start = time.perf_counter()
        dedicated = problem.solve_dedicated(self.time_limit)
        if isinstance(dedicated, SampleSet):
            dedicated.info.setdefault("evaluations", 0)
            dedicated.energies = problem.energy(dedicated.samples)
            dedicated.info["seconds"] = time.perf_counter() - start
            return dedicated
        result = solve_model(problem.model, self.time_limit)
        x = result.x
        if x is None:  # nothing found within the limit: report a feasible heuristic answer instead
            x = problem.greedy()
            status, method = "time_limit", "milp-highs+greedy-fallback"
        else:
            status, method = result.status, "milp-highs"
        value = float(problem.objective(x)[0])
        bound = result.bound
        info = {"status": status, "bound": bound, "gap_pct": relative_gap_pct(value, bound), "method": method,
                "evaluations": 0, "seconds": time.perf_counter() - start}
        return SampleSet.single(x, energy=float(problem.energy(x)[0]), info=info)


def reference_optimum(problem: Problem, time_limit: float) -> Optimum | None:
    """The exact solver's answer as a reference value: proven optimal, or the best found with its gap;
    None when nothing feasible was found in the time limit. Raises
    :class:`~qbench.errors.InfeasibleInstanceError` when the exact solver proves there is no solution."""
    samples = ExactSolver(time_limit=time_limit).solve(problem)
    method = samples.info.get("method", "exact")
    if samples.info.get("status") == "infeasible":
        raise InfeasibleInstanceError(f"instance {problem.name!r} has no feasible solution (proved by qbench "
                                      f"exact, {method})")
    if not bool(problem.is_feasible(samples.samples[:1])[0]):
        return None
    value = float(problem.objective(samples.samples[0])[0])
    gap = samples.info.get("gap_pct")
    return Optimum(value, "computed", source=f"qbench exact ({method})",
                   gap=None if samples.info.get("status") == "optimal" else gap)
