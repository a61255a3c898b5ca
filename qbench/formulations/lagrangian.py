"""Lagrangian relaxation: slack-free QUBOs whose multipliers an outer loop adjusts (the "Cutting Slack"
study, arXiv 2507.12159).

What is dualised. By default every linear constraint: each ``<=`` row with a multiplier >= 0 and each
``==`` row with a free multiplier. The relaxed energy (minimised; ``sign = -1`` for max problems) is

    E_lambda(x) = sign * f(x) + sum_i lambda_i (a_i.x - b_i) [+ rho/2 sum_i (a_i.x - b_i)^2  (augmented)]

For a linear objective it is separable, so the exact inner solver is instant. Options:

* ``keep_edge_penalty=True``: pairwise conflicts ``x_u + x_v <= 1`` (MIS edges) stay as fixed
  ``P * x_u * x_v`` penalties and are not dualised; with ``edge_form="product"`` they are dualised in
  product form ``lambda_e * x_u * x_v`` (the constraint ``x_u x_v <= 0``), which has no duality gap once
  ``lambda_e`` exceeds the vertex weights. The Cutting Slack paper notes that MIS gains no qubits from
  dropping slack (its QUBO has none); the edge options let the study compare the three treatments.
* ``keep_equality_penalty=True``: equalities stay as fixed ``P * (a.x - b)^2`` penalties.
  ``P`` is ``penalty`` or the provable automatic weight (:mod:`qbench.formulations.penalty`).
Kept penalties are non-negative and vanish on feasible points, so bounds stay valid.

The loop. Each outer iteration solves ``E_lambda`` with the inner solver given to :meth:`run`, takes a
supergradient ``g = A x - b`` from the answer, repairs candidate answers with ``problem.repair`` to keep
the best feasible primal, records one trace entry and asks the multiplier method for new multipliers.

* Exact inner solver (``solver.sampling`` False and the solve proven optimal): the minimum energy is
  the dual function value ``phi(lambda)`` and ``sign * phi`` is a valid bound on the optimum (upper
  for max). For the augmented method the bound comes from a second exact solve without the rho term.
  A MILP stopped by its time limit still gives a valid (weaker) bound through its own lower bound.
* Sampling inner solver: ``subgradient_from="best"`` uses the lowest-energy sample's residual,
  ``"mean"`` the probability-weighted mean residual; the lowest sampled energy is recorded as a dual
  *estimate* (not a bound: ``dual_value`` is None in the trace). The lowest-energy ``repair_samples``
  distinct samples and the most probable one are repaired.

Stopping: ``max_iter``; relative dual gap ``<= tol`` (exact inner solver only; with an integral
objective a gap below 1 proves optimality); or "feasible and stalled": a feasible primal exists and for
``patience`` consecutive iterations neither did it improve nor did the multipliers move more than
``stall_tol`` times ``max(||lambda||, scale)`` (``scale``: the typical multiplier size, see
:meth:`DualisedConstraints.price_bounds`).

Samples returned: the union of every iteration's answers (pre-repair) with each iteration's
probabilities weighted 1/iterations; their energies are the multiplier-free merit energy
:func:`~qbench.formulations.penalty.merit_energy`, so feasible samples rank by objective and every
infeasible one behind the best feasible. ``info['best_x']`` holds the best repaired primal and
``info['repairs']`` counts the repair calls; with ``run(..., repair=False)`` nothing is repaired and
the best primal is the best raw feasible sample (None when no sample was feasible).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from qbench.errors import QbenchError
from qbench.formulations import problem_cost
from qbench.formulations.base import Formulation, FormulationOutcome
from qbench.formulations.multipliers import METHODS, make_method
from qbench.formulations.penalty import (QuboAccumulator, check_weight_params, energy_sign, merit_energy,
                                         resolve_weights, split_constraints, variable_gain_bound)
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet

EDGE_FORMS = ("linear", "product")
SUBGRADIENT_SOURCES = ("best", "mean")
#: Flat formulation parameters that belong to the multiplier method.
_METHOD_FIELDS = ("step", "step_rule", "rho", "rho_growth", "box")


@dataclass
class DualisedConstraints:
    """The constraints the multipliers price, in multiplier order: linear ``<=`` rows, product-form
    conflict pairs (``x_u x_v <= 0``), then ``==`` rows."""

    A_in: np.ndarray
    b_in: np.ndarray
    pairs: np.ndarray
    A_eq: np.ndarray
    b_eq: np.ndarray

    @property
    def m_ineq(self) -> int:
        return self.A_in.shape[0] + self.pairs.shape[0]

    @property
    def m_eq(self) -> int:
        return self.A_eq.shape[0]

    def residuals(self, X: np.ndarray) -> np.ndarray:
        """r(x) for each sample (S, m): ``<= 0`` parts first, then ``== 0`` parts."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        prods = X[:, self.pairs[:, 0]] * X[:, self.pairs[:, 1]] if self.pairs.size else np.zeros((X.shape[0], 0))
        return np.hstack([X @ self.A_in.T - self.b_in, prods, X @ self.A_eq.T - self.b_eq])

    def add_to(self, acc: QuboAccumulator, lam: np.ndarray, quadratic_weight: float) -> None:
        """Add ``lam . r(x) + quadratic_weight * ||r(x)||^2`` to the accumulator."""
        k1, k2 = self.A_in.shape[0], self.pairs.shape[0]
        acc.add_linear_rows(self.A_in, self.b_in, lam[:k1])
        acc.add_pair_products(self.pairs, lam[k1:k1 + k2] + quadratic_weight)   # (x_u x_v)^2 = x_u x_v
        acc.add_linear_rows(self.A_eq, self.b_eq, lam[k1 + k2:])
        if quadratic_weight > 0:
            acc.add_squared_rows(self.A_in, self.b_in, quadratic_weight)
            acc.add_squared_rows(self.A_eq, self.b_eq, quadratic_weight)

    def price_bounds(self, gain: np.ndarray) -> tuple[np.ndarray, float]:
        """Per-multiplier box ``U_i = max_j gain_j / |a_ij|`` (above it every variable of row i is priced
        out of a linear relaxation) and the typical multiplier size: the median over variables of
        ``gain_j / sum_i |a_ij|`` (price per unit of total load)."""
        rows = [np.abs(self.A_in), np.abs(self.A_eq)]
        U_lin = [np.array([np.max(gain[a > 0] / a[a > 0]) if (a > 0).any() else 1.0 for a in R]) for R in rows]
        U_pairs = np.maximum(gain[self.pairs[:, 0]], gain[self.pairs[:, 1]]) if self.pairs.size else np.zeros(0)
        U = np.concatenate([U_lin[0], U_pairs, U_lin[1]])
        load = np.abs(self.A_in).sum(axis=0) + np.abs(self.A_eq).sum(axis=0)
        if self.pairs.size:
            load = load + np.bincount(self.pairs.ravel(), minlength=load.shape[0])
        used = (load > 0) & (gain > 0)
        typical = float(np.median(gain[used] / load[used])) if used.any() else 1.0
        return np.maximum(U, 1e-12), typical


@dataclass
class LagrangianFormulation(Formulation):
    """Lagrangian relaxation with an outer multiplier loop; see the module docstring.

    multiplier: subgradient | dual-averaging | bundle | cutting-plane | augmented.
    max_iter: outer iterations at most.
    step: method step in multiplier units (None: the method's default, ``scale``-relative).
    step_rule: subgradient rule (polyak | diminishing | constant).
    tol: relative dual-gap stopping tolerance (exact inner solver).
    patience, stall_tol: the feasible-and-stalled stop.
    rho, rho_growth: augmented Lagrangian weight and its growth factor.
    box: cutting-plane multiplier box (None: per-row price bounds).
    penalty: weight of kept penalties (None: provable automatic weights).
    keep_edge_penalty, edge_form, keep_equality_penalty: what stays a penalty (module docstring).
    subgradient_from: best | mean (sampling inner solvers).
    repair_samples: lowest-energy samples repaired per iteration (sampling inner solvers).
    """

    name: ClassVar[str] = "lagrangian"
    multiplier: str = "subgradient"
    max_iter: int = 50
    step: float | None = None
    step_rule: str = "polyak"
    tol: float = 1e-4
    patience: int = 10
    stall_tol: float = 1e-3
    rho: float | None = None
    rho_growth: float = 2.0
    box: float | None = None
    penalty: float | None = None
    keep_edge_penalty: bool = False
    edge_form: str = "linear"
    keep_equality_penalty: bool = False
    subgradient_from: str = "best"
    repair_samples: int = 4
    #: Further parameters of the chosen multiplier method (e.g. ``{theta: 0.5}`` for subgradient,
    #: ``{max_bundle: 20}`` for bundle); see ``qbench params multiplier NAME``.
    multiplier_params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_weight_params(self.penalty, 1.0, None)
        if self.multiplier not in METHODS:
            raise ValueError(f"unknown multiplier {self.multiplier!r}; allowed: {', '.join(METHODS)}")
        if self.edge_form not in EDGE_FORMS:
            raise ValueError(f"unknown edge_form {self.edge_form!r}; allowed: {', '.join(EDGE_FORMS)}")
        if self.subgradient_from not in SUBGRADIENT_SOURCES:
            raise ValueError(f"unknown subgradient_from {self.subgradient_from!r}; "
                             f"allowed: {', '.join(SUBGRADIENT_SOURCES)}")
        if self.max_iter < 1 or self.patience < 1 or self.repair_samples < 0:
            raise ValueError("max_iter and patience must be at least 1, repair_samples at least 0")
        # Fail on a bad method parameter now, not in the middle of a run.
        try:
            make_method(self.multiplier, **self._method_params())
        except QbenchError as exc:  # a dataclass reports its own bad values as ValueError
            raise ValueError(str(exc)) from None

    def _method_params(self) -> dict[str, Any]:
        """The method parameters the user set: the flat ones changed from their defaults (a method
        that lacks one refuses it by name) plus ``multiplier_params``."""
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        flat = {k: getattr(self, k) for k in _METHOD_FIELDS if getattr(self, k) != defaults[k]}
        return {**flat, **self.multiplier_params}

    def num_qubits(self, problem) -> int:
        return problem.num_variables

    def planning_qubo(self, problem) -> QUBO:
        """The relaxed QUBO of the loop's first iteration (what size checks are asked about)."""
        model = problem.model
        dual, base = self.split(model)
        upper, typical = dual.price_bounds(variable_gain_bound(model))
        method = make_method(self.multiplier, internal={"scale": typical, "upper": upper}, **self._method_params())
        lam = method.initial(dual.m_ineq, dual.m_eq)
        return self.relaxed_qubo(base, dual, lam, method.quadratic_weight, model.var_names)

    # ---- building blocks ----------------------------------------------------------------------------
    def split(self, model) -> tuple[DualisedConstraints, QuboAccumulator]:
        """(dualised constraints, accumulator holding the objective energy and the kept penalties)."""
        n = model.num_variables
        w_ub, w_eq, _ = resolve_weights(model, penalty=self.penalty, penalty_scale=1.0, penalties=None)
        split = split_constraints(model)
        base = QuboAccumulator.from_objective(model, n)
        in_rows, pairs = split.inequality_rows, np.zeros((0, 2), dtype=np.int64)
        if self.keep_edge_penalty:
            base.add_pair_products(split.conflict_pairs, w_ub[split.conflict_rows])
        elif self.edge_form == "product":
            pairs = split.conflict_pairs
        else:
            in_rows = np.arange(model.A_ub.shape[0])
        A_eq, b_eq = model.A_eq, model.b_eq
        if self.keep_equality_penalty and A_eq.shape[0]:
            base.add_equalities(model, w_eq)
            A_eq, b_eq = np.zeros((0, n)), np.zeros(0)
        dual = DualisedConstraints(model.A_ub[in_rows], model.b_ub[in_rows], pairs, A_eq, b_eq)
        return dual, base

    @staticmethod
    def relaxed_qubo(base: QuboAccumulator, dual: DualisedConstraints, lam: np.ndarray,
                     quadratic_weight: float, labels: list[str]) -> QUBO:
        acc = QuboAccumulator(base.linear.copy(), base.matrix.copy(), base.offset)
        dual.add_to(acc, lam, quadratic_weight)
        return acc.build(labels)

    # ---- the outer loop -----------------------------------------------------------------------------
    def run(self, problem, solver, *, seed: int | None = None, repair: bool = True) -> FormulationOutcome:
        model = problem.model
        sign = energy_sign(model)
        dual, base = self.split(model)
        upper, typical = dual.price_bounds(variable_gain_bound(model))
        method = make_method(self.multiplier, internal={"scale": typical, "upper": upper}, **self._method_params())
        lam = method.initial(dual.m_ineq, dual.m_eq)
        exact_solver = not getattr(solver, "sampling", True)
        integral = _integral_objective(model)

        state = _LoopState(sign=sign, exact=exact_solver, repair=repair)
        cost = problem_cost.ProblemCost(problem, model.num_variables, model.num_variables)   # the same each iteration
        samples_per_iter: list[SampleSet] = []
        stop_reason = "max_iter"
        for k in range(1, self.max_iter + 1):
            qw = method.quadratic_weight
            qubo = self.relaxed_qubo(base, dual, lam, qw, model.var_names)
            with cost.bound():
                raw = solver.solve(qubo, seed=None if seed is None else seed + k)
            evaluations = int(raw.info.get("evaluations", 0))
            samples_per_iter.append(raw)
            X, p = raw.samples, raw.probabilities
            best_row = int(np.argmin(raw.energies))
            R = dual.residuals(X)
            g = R[best_row] if self.subgradient_from == "best" else p @ R

            value = float(raw.energies[best_row])           # phi(lam) if exact, else an estimate
            bound_value, extra = self._certified_dual_value(raw, exact_solver, qw, base, dual, lam, solver,
                                                            None if seed is None else seed + k)
            evaluations += extra
            pre_feasible = bool(problem.is_feasible(X[best_row])[0])
            improved = state.consider(problem, X, raw, self.repair_samples, k)
            bound = None if bound_value is None else sign * bound_value
            state.record_bound(bound)

            new_lam = method.update(lam, g, bound_value if bound_value is not None else value,
                                    state.best_energy, k)
            entry = {
                "iteration": k,
                "lambda": [float(v) for v in lam],
                "dual_value": bound,
                "dual_estimate": None if bound is not None else sign * value,
                "best_primal": state.best_objective,
                "inner_feasible": pre_feasible,
                "feasible_mass": float(p[problem.is_feasible(X)].sum()),
                "violation": float(problem.violation(X[best_row])[0]),
                "inner_evaluations": evaluations,
                "step": method.last_info.get("step"),
                **{k2: v for k2, v in method.last_info.items() if k2 != "step"},
            }
            state.evaluations += evaluations
            state.trace.append(entry)

            moved = float(np.linalg.norm(new_lam - lam)) > self.stall_tol * max(typical, float(np.linalg.norm(lam)))
            lam = new_lam
            if state.gap_closed(self.tol, integral):
                stop_reason = "gap"
                break
            state.stalled = 0 if (improved or moved or state.best_x is None) else state.stalled + 1
            if state.stalled >= self.patience:
                stop_reason = "stalled"
                break

        return self._outcome(problem, model, samples_per_iter, state, stop_reason, lam, typical)

    def _certified_dual_value(self, raw, exact_solver, qw, base, dual, lam, solver, seed
                              ) -> tuple[float | None, int]:
        """(phi(lam) in energy units when certified, else None; extra inner evaluations spent)."""
        if not exact_solver:
            return None, 0
        extra = 0
        if qw > 0:  # the augmented minimum is no bound: solve the plain relaxation too
            raw = solver.solve(self.relaxed_qubo(base, dual, lam, 0.0, []), seed=seed)
            extra = int(raw.info.get("evaluations", 0))
        if raw.info.get("optimal", True):
            return float(raw.energies.min()), extra
        bound = raw.info.get("bound")  # a MILP stopped early: its lower bound is still valid
        return (None if bound is None else float(bound)), extra

    def _outcome(self, problem, model, per_iter, state, stop_reason, lam, typical) -> FormulationOutcome:
        K = len(per_iter)
        X = np.vstack([s.samples for s in per_iter])
        w = np.concatenate([s.probabilities / K for s in per_iter])
        samples = SampleSet.from_samples(X, lambda U: merit_energy(model, U), weights=w,
                                         info={"evaluations": state.evaluations})
        info: dict[str, Any] = {
            "multiplier": self.multiplier,
            "outer_iterations": K,
            "stop_reason": stop_reason,
            "dual_bound": state.best_bound,
            "best_primal": state.best_objective,
            "best_primal_iteration": state.best_iteration,
            "best_x": None if state.best_x is None else [int(v) for v in state.best_x],
            "dualised": int(len(lam)),
            "lambda": [float(v) for v in lam],
            "multiplier_scale": typical,
            "inner_exact": state.exact,
            "repair": state.repair,
            "repairs": state.repairs,
        }
        candidates = None if state.best_x is None else state.best_x[None, :]
        return FormulationOutcome(samples=samples, qubits=model.num_variables, evaluations=state.evaluations,
                                  info=info, trace=state.trace, candidates=candidates)


@dataclass
class _LoopState:
    """Best primal, best bound, trace and counters of one run."""

    sign: float
    exact: bool
    #: False: the best primal is the best *raw* feasible sample (``repair: false`` means no repair anywhere)
    repair: bool = True
    repairs: int = 0
    best_x: np.ndarray | None = None
    best_objective: float | None = None
    best_iteration: int | None = None
    best_bound: float | None = None
    evaluations: int = 0
    stalled: int = 0
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best_energy(self) -> float | None:
        return None if self.best_objective is None else self.sign * self.best_objective

    def consider(self, problem, X: np.ndarray, raw: SampleSet, budget: int, iteration: int) -> bool:
        """Repair the candidate samples of one iteration (with repair off: take them as they are);
        True if the best primal improved."""
        order = list(np.argsort(raw.energies, kind="stable")[: max(budget, 1)])
        ml = int(np.argmax(raw.probabilities))
        if ml not in order:
            order.append(ml)
        improved = False
        for i in order:
            x = problem.repair(X[i]) if self.repair else X[i]
            self.repairs += int(self.repair)
            if not problem.is_feasible(x)[0]:
                continue
            val = float(problem.objective(x)[0])
            if self.best_objective is None or problem.better(val, self.best_objective):
                self.best_x, self.best_objective, self.best_iteration = np.asarray(x, dtype=np.uint8), val, iteration
                improved = True
        return improved

    def record_bound(self, bound: float | None) -> None:
        if bound is None:
            return
        if self.best_bound is None or self.sign * bound > self.sign * self.best_bound:
            # max problems (sign -1): keep the lowest upper bound; min problems: the highest lower bound
            self.best_bound = bound

    def gap_closed(self, tol: float, integral: bool) -> bool:
        if self.best_bound is None or self.best_objective is None:
            return False
        gap = self.sign * (self.best_objective - self.best_bound)   # >= 0 up to rounding
        if integral and gap < 1.0 - 1e-6:
            return True
        return gap <= tol * max(abs(self.best_objective), 1e-9)


def _integral_objective(model) -> bool:
    vals = [model.c, np.array([model.constant])]
    if model.Q is not None:
        vals.append(model.Q.ravel())
    v = np.concatenate(vals)
    return bool(np.all(np.abs(v - np.round(v)) <= 1e-9))
