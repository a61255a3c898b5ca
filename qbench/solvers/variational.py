"""The variational loop shared by every variational QUBO solver (QAOA on the engine or as a circuit,
VQE, CVaR-VQE): optimiser glue, evaluation tracking with a convergence trace, CVaR, SampleSet assembly.

Optimisers (``optimizer`` param, case-insensitive): ``COBYLA`` (NLopt's compiled COBYLA), ``Powell``,
``Nelder-Mead`` (scipy), ``SPSA`` (seeded, :func:`spsa`; for shot-noisy objectives), ``L-BFGS-B`` and the
other scipy gradient methods (exact gradients where the solver gives them, else scipy's finite
differences). ``maxiter`` is the objective-evaluation budget for all of them.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet

GRADIENT_METHODS = {"l-bfgs-b", "bfgs", "cg", "slsqp", "tnc", "trust-constr", "newton-cg"}
DERIVATIVE_FREE = {"cobyla", "cobyqa", "nelder-mead", "powell", "spsa"}
OPTIMIZERS = GRADIENT_METHODS | DERIVATIVE_FREE
#: the convergence trace stored in a run's info keeps at most this many points
TRACE_POINTS = 200


def check_optimizer(name: str) -> None:
    if not isinstance(name, str) or name.lower() not in OPTIMIZERS:
        raise ValueError(f"optimizer {name!r} is not supported; allowed: {', '.join(sorted(OPTIMIZERS))}")


class Tracker:
    """Counts evaluations, keeps the best point and the value of every evaluation.

    ``record`` is on the hot path of the fast engine (a few microseconds per QAOA energy at small n):
    it writes into a preallocated buffer (doubled when full) and copies x only on improvement."""

    __slots__ = ("best", "x", "evals", "seconds", "values")

    def __init__(self, budget: int = 64):
        self.best, self.x, self.evals, self.seconds = math.inf, None, 0, 0.0
        self.values = np.empty(max(16, int(budget) + 8))

    def record(self, x, value: float, t_start: float) -> None:
        self.seconds += time.perf_counter() - t_start
        if self.evals == self.values.size:
            self.values = np.concatenate([self.values, np.empty(self.values.size)])
        self.values[self.evals] = value
        self.evals += 1
        if value < self.best:
            self.best = value
            self.x = np.array(x, dtype=float)

    def convergence(self, points: int = TRACE_POINTS) -> dict:
        """Best-so-far objective after evaluations 1..evals, thinned to at most ``points`` entries."""
        if self.evals == 0:
            return {"trace_evaluation": [], "trace_best": []}
        best = np.minimum.accumulate(self.values[:self.evals])
        if self.evals <= points:
            return {"trace_evaluation": list(range(1, self.evals + 1)), "trace_best": best.tolist()}
        idx = np.unique(np.linspace(0, self.evals - 1, points).round().astype(int))
        return {"trace_evaluation": (idx + 1).tolist(), "trace_best": best[idx].tolist()}


def minimize(fun: Callable, x0: np.ndarray, optimizer: str, maxiter: int, *, fun_grad: Callable | None = None,
             seed: int | None = None) -> tuple[str, bool]:
    """Run ``optimizer`` on ``fun`` (or ``fun_grad`` returning (value, gradient) for gradient methods
    when given) from ``x0`` with a budget of ``maxiter`` evaluations; returns (message, success).
    The caller's tracker (inside ``fun``) holds the best point."""
    low = optimizer.lower()
    if maxiter <= 0:
        return "no optimisation (maxiter=0)", True
    if low == "cobyla":
        return nlopt_cobyla(fun, x0, maxiter)
    if low == "spsa":
        return spsa(fun, x0, maxiter, np.random.default_rng(seed))
    from scipy.optimize import minimize as scipy_minimize

    options: dict = {"maxiter": maxiter}
    if low in ("l-bfgs-b", "tnc"):
        options["maxfun"] = max(1, maxiter)
    elif low in ("nelder-mead", "powell"):
        options["maxfev"] = max(1, maxiter)
    gradient = low in GRADIENT_METHODS and fun_grad is not None
    res = scipy_minimize(fun_grad if gradient else fun, x0, jac=gradient or None, method=optimizer, options=options)
    return str(res.message), bool(res.success)


def nlopt_cobyla(objective, x0: np.ndarray, maxeval: int, rhobeg: float = 0.5,
                 rhoend: float = 1e-4) -> tuple[str, bool]:
    """COBYLA from NLopt (compiled). scipy >= 1.16 ships a pure-Python COBYLA whose bookkeeping
    (~1 ms per iteration) costs more than a 20-qubit QAOA energy; NLopt's costs microseconds. Same
    algorithm, same budget (``maxeval`` = objective evaluations), start step ``rhobeg`` and final
    trust-region radius ``rhoend`` as scipy's defaults for COBYLA."""
    import nlopt

    opt = nlopt.opt(nlopt.LN_COBYLA, x0.size)
    opt.set_min_objective(lambda x, grad: objective(x))
    opt.set_maxeval(int(maxeval))
    opt.set_initial_step(rhobeg)
    opt.set_xtol_abs(rhoend)
    try:
        opt.optimize(np.asarray(x0, dtype=float))
    except nlopt.RoundoffLimited:
        return "NLopt COBYLA: roundoff limited", True
    result = opt.last_optimize_result()
    names = {nlopt.MAXEVAL_REACHED: "maximum evaluations reached", nlopt.XTOL_REACHED: "trust region below rhoend",
             nlopt.FTOL_REACHED: "objective tolerance reached", nlopt.SUCCESS: "success"}
    return f"NLopt COBYLA: {names.get(result, result)}", result > 0


def spsa(fun: Callable, x0: np.ndarray, maxeval: int, rng: np.random.Generator, *, c: float = 0.1,
         target_step: float = 0.2, alpha: float = 0.602, gamma: float = 0.101,
         calibration: int = 4) -> tuple[str, bool]:
    """Simultaneous perturbation stochastic approximation (Spall 1998) with Spall's gain exponents;
    the step gain ``a`` is calibrated so that the first step moves about ``target_step`` (from
    ``calibration`` perturbation pairs). Two evaluations per iteration, ``maxeval`` in total."""
    x = np.array(x0, dtype=float)
    d = x.size
    pairs = max(0, min(calibration, (maxeval - 2) // 2))
    iterations = max(0, (maxeval - 2 * pairs) // 2)
    A = 0.1 * max(iterations, 1)
    mags = []
    for _ in range(pairs):
        delta = rng.choice((-1.0, 1.0), d)
        mags.append(abs(fun(x + c * delta) - fun(x - c * delta)) / (2 * c))
    g_mag = float(np.mean(mags)) if mags and np.mean(mags) > 0 else 1.0
    a = target_step * (A + 1) ** alpha / g_mag
    for k in range(iterations):
        ck, ak = c / (k + 1) ** gamma, a / (k + 1 + A) ** alpha
        delta = rng.choice((-1.0, 1.0), d)
        g = (fun(x + ck * delta) - fun(x - ck * delta)) / (2 * ck) * delta
        x = x - ak * g
    if maxeval - 2 * pairs - 2 * iterations > 0:
        fun(x)
    return f"SPSA: {iterations} iterations", True


# ---- objectives from distributions ---------------------------------------------------------------
def cvar(energies: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """Mean energy of the lowest ``alpha`` probability mass (alpha = 1: the expectation)."""
    w = np.asarray(weights, dtype=float)
    e = np.asarray(energies, dtype=float)
    w = w / w.sum()
    if alpha >= 1.0:
        return float(e @ w)
    order = np.argsort(e, kind="stable")
    return cvar_sorted(e[order], w[order], alpha)


def cvar_sorted(energies: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """:func:`cvar` of energies already in ascending order with normalised weights in the same order."""
    cum = np.cumsum(weights)
    take = np.minimum(weights, np.maximum(alpha - (cum - weights), 0.0))
    return float(energies @ take / alpha)


def bits_from_counts(keys, n: int) -> np.ndarray:
    """Rows of variables from Qiskit bitstrings (little-endian: variable i is character -1-i)."""
    arr = np.frombuffer("".join(keys).encode(), dtype=np.uint8).reshape(len(keys), -1)[:, -n:]
    return (arr[:, ::-1] - ord("0")).astype(np.uint8)


def sampleset_from_counts(counts: dict[str, int], qubo: QUBO, info: dict, shots: int) -> SampleSet:
    keys = list(counts)
    X = bits_from_counts(keys, qubo.num_variables)
    c = np.array([counts[k] for k in keys], dtype=float)
    return SampleSet(X, c / c.sum(), np.asarray(qubo.energy(X), dtype=float), info, shots).sorted()


def sampleset_from_probabilities(probs: np.ndarray, qubo: QUBO, info: dict, top_k: int) -> SampleSet:
    """The ``top_k`` most likely basis states of an exact distribution over 2^n indices."""
    from qbench.backends.statevector.diagonal import index_to_bits

    k = min(top_k, probs.size)
    idx = np.argpartition(-probs, k - 1)[:k] if k < probs.size else np.arange(probs.size)
    X = index_to_bits(idx, qubo.num_variables)
    info["probability_covered"] = float(probs[idx].sum())
    return SampleSet(X, probs[idx], np.asarray(qubo.energy(X), dtype=float), info, None).sorted()
