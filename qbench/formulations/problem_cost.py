"""The problem's own cost of a QUBO sample, for variational solvers whose classical loop should
optimise what the user scores (``objective: problem``) rather than the penalty QUBO's energy.

The circuit (QAOA's phase separator, or whatever ansatz) still comes from the QUBO; only the number
the optimiser minimises changes. For a sample x on the QUBO's variables, with d = its decision bits:

    cost(x) = (E(d) - L) / (U - L)   if d is feasible,      1   otherwise,

where E is the problem's energy (objective negated for maximisation) and L <= E <= U are bounds
over *all* bitstrings from the model's coefficients alone (for a knapsack: L = -sum of values,
U = 0, the empty knapsack). Infeasible samples thus cost as much as the worst conceivable answer.
No reference optimum is used. The formulation binds the cost around each ``solver.solve`` call
(:func:`bound`); a solver asks :func:`current` for it and gets None outside a formulation run.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qbench.problems.base import Problem

_current: contextvars.ContextVar["ProblemCost | None"] = contextvars.ContextVar("qbench_problem_cost", default=None)


def energy_bounds(problem: "Problem") -> tuple[float, float]:
    """(L, U): every bitstring's energy lies in [L, U] (sums of the coefficients' negative and
    positive parts)."""
    m = problem.model
    s = -1.0 if m.sense == "max" else 1.0
    terms = [s * m.c] + ([s * m.Q[np.triu_indices_from(m.Q, 1)]] if m.Q is not None else [])
    flat = np.concatenate(terms)
    const = s * float(m.constant)
    return const + float(np.minimum(flat, 0).sum()), const + float(np.maximum(flat, 0).sum())


@dataclass(frozen=True)
class ProblemCost:
    problem: "Problem"
    num_decision: int
    num_variables: int   # of the QUBO the solver is given

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bounds", energy_bounds(self.problem))
        object.__setattr__(self, "_diagonal", None)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X))
        d = X[:, :self.num_decision]
        lo, hi = self._bounds
        span = hi - lo if hi > lo else 1.0
        energy = self.problem.energy(d)
        return np.where(self.problem.is_feasible(d), (energy - lo) / span, 1.0).astype(float)

    def diagonal(self, block_bits: int = 16) -> np.ndarray:
        """The cost of every basis state 0 .. 2^n - 1 (bit i of the index = variable i), computed in
        blocks once per instance (a Lagrangian loop binds the same cost in every iteration)."""
        if self._diagonal is None:
            from qbench.backends.statevector import index_to_bits

            n = self.num_variables
            out = np.empty(1 << n, dtype=float)
            step = 1 << min(block_bits, n)
            for start in range(0, 1 << n, step):
                idx = np.arange(start, start + step, dtype=np.int64)
                out[start:start + step] = self(index_to_bits(idx, n))
            object.__setattr__(self, "_diagonal", out)
        return self._diagonal

    @contextlib.contextmanager
    def bound(self):
        """Make this the cost :func:`current` gives the solver inside the block."""
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)


def bound(problem: "Problem", num_decision: int, num_variables: int):
    return ProblemCost(problem, num_decision, num_variables).bound()


def for_objective(objective: str, num_variables: int, who: str) -> ProblemCost | None:
    """The cost a solver with ``objective`` ('qubo' or 'problem') minimises: None for 'qubo'."""
    return current(num_variables, who) if objective == "problem" else None


def current(num_variables: int, who: str) -> ProblemCost:
    """The bound cost for a QUBO of ``num_variables``, or ConfigError saying why there is none."""
    from qbench.errors import ConfigError

    cost = _current.get()
    if cost is None:
        raise ConfigError(f"{who}: objective 'problem' needs the problem behind the QUBO (qbench run or qbench solve "
                          f"on an instance with a formulation), not a bare QUBO")
    if cost.num_variables != num_variables:
        raise ConfigError(f"{who}: objective 'problem' got a QUBO of {num_variables} variables, not the "
                          f"formulation's {cost.num_variables} (graph shrinking is not supported with it)")
    return cost
