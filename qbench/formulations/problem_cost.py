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

With a CVaR (alpha < 1) the lowest ``alpha`` of the mass is all feasible as soon as the feasible
mass exceeds alpha, and nothing then keeps the optimiser from trading feasible mass away. The
``feasible`` scope (:func:`scoped_cvar`) takes the CVaR over the feasible part only and charges the
infeasible mass in full, ``(1 - F) + F * CVaR_alpha(cost | feasible)``: every unit of feasible mass
lowers it, and among feasible bitstrings it still chases the best ``alpha`` fraction.
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
        return self.evaluate(X)[0]

    def evaluate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cost, feasible) of each row of X."""
        d = np.atleast_2d(np.asarray(X))[:, :self.num_decision]
        lo, hi = self._bounds
        span = hi - lo if hi > lo else 1.0
        feasible = np.asarray(self.problem.is_feasible(d), dtype=bool)
        return np.where(feasible, (self.problem.energy(d) - lo) / span, 1.0).astype(float), feasible

    def diagonal(self, block_bits: int = 16) -> np.ndarray:
        """The cost of every basis state 0 .. 2^n - 1 (bit i of the index = variable i), computed in
        blocks once per instance (a Lagrangian loop binds the same cost in every iteration)."""
        return self._diagonals(block_bits)[0]

    def feasible_diagonal(self) -> np.ndarray:
        """Whether each basis state 0 .. 2^n - 1 is feasible."""
        return self._diagonals()[1]

    def _diagonals(self, block_bits: int = 16) -> tuple[np.ndarray, np.ndarray]:
        if self._diagonal is None:
            from qbench.backends.statevector import index_to_bits

            n = self.num_variables
            cost = np.empty(1 << n, dtype=float)
            feasible = np.empty(1 << n, dtype=bool)
            step = 1 << min(block_bits, n)
            for start in range(0, 1 << n, step):
                idx = np.arange(start, start + step, dtype=np.int64)
                cost[start:start + step], feasible[start:start + step] = self.evaluate(index_to_bits(idx, n))
            object.__setattr__(self, "_diagonal", (cost, feasible))
        return self._diagonal

    @contextlib.contextmanager
    def bound(self):
        """Make this the cost :func:`current` gives the solver inside the block."""
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)


#: over which samples a CVaR of the problem's cost is taken (see the module docstring)
CVAR_SCOPES = ("all", "feasible")


def check_cvar_scope(scope: str, objective: str) -> None:
    if scope not in CVAR_SCOPES:
        raise ValueError(f"cvar_scope must be one of {', '.join(CVAR_SCOPES)}, got {scope!r}")
    if scope != "all" and objective != "problem":
        raise ValueError(f"cvar_scope {scope!r} needs objective 'problem' (the QUBO energy has no feasibility)")


def scoped_cvar(cost: np.ndarray, feasible: np.ndarray, weights: np.ndarray, alpha: float,
                scope: str = "all") -> float:
    """CVaR_alpha of the problem's cost under ``weights`` (probabilities or counts): over every
    sample (``all``), or ``(1 - F) + F * CVaR_alpha(cost | feasible)`` with F the feasible share of
    the weight (``feasible``; infeasible samples cost 1, the worst)."""
    cost = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    index = _scope_order(cost, np.asarray(feasible, dtype=bool), scope)
    return _sorted_scoped_cvar(cost[index], w[index] / w.sum(), alpha, scope)


class DiagonalObjective:
    """Probabilities of the 2^n basis states -> :func:`scoped_cvar` of the problem's cost, for
    exact (statevector) read-outs; the basis states are sorted by cost once, not per evaluation."""

    def __init__(self, cost: ProblemCost, alpha: float, scope: str = "all"):
        self.diagonal = cost.diagonal()
        self.index = _scope_order(self.diagonal, cost.feasible_diagonal(), scope)
        self.sorted_cost = self.diagonal[self.index]
        self.alpha, self.scope = float(alpha), scope

    def __call__(self, probabilities: np.ndarray) -> float:
        p = np.asarray(probabilities, dtype=float)
        p = p / p.sum()
        if self.scope == "all" and self.alpha >= 1.0:
            return float(self.diagonal @ p)   # the expectation needs no ordering
        return _sorted_scoped_cvar(self.sorted_cost, p[self.index], self.alpha, self.scope)


def _scope_order(cost: np.ndarray, feasible: np.ndarray, scope: str) -> np.ndarray:
    """Indices of the samples the CVaR is taken over (all, or the feasible ones), by ascending cost."""
    index = np.flatnonzero(feasible) if scope == "feasible" else np.arange(cost.size)
    return index[np.argsort(cost[index], kind="stable")]


def _sorted_scoped_cvar(sorted_cost: np.ndarray, sorted_weights: np.ndarray, alpha: float, scope: str) -> float:
    """:func:`scoped_cvar` from the scope's costs in ascending order and their (total-normalised)
    weights; under ``feasible`` these weights sum to the feasible mass F."""
    from qbench.solvers.variational import cvar_sorted

    if scope == "all":
        return cvar_sorted(sorted_cost, sorted_weights, alpha)
    F = float(sorted_weights.sum())
    if F <= 0.0:
        return 1.0
    return (1.0 - F) + F * cvar_sorted(sorted_cost, sorted_weights / F, alpha)


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
