"""Calibrating a penalty encoding against the null baseline (uniform sampling).

Why. A variational circuit such as QAOA starts from the uniform superposition and, to first order in
its angles, moves probability along single bit flips from higher to lower energy: with
``|psi> = exp(-i beta sum X) exp(-i gamma H)|+>^n`` and small angles,
``p(x) = 2^-n (1 + 2 gamma beta sum_{y ~ x} (E(y) - E(x)) + ...)`` (y ranging over the n neighbours of
x). Summed over the feasible set the feasible-feasible terms cancel, so the feasible mass grows at first
order exactly when, across the *feasibility boundary* (pairs x feasible, y infeasible one flip away),
the infeasible side has the higher energy on average::

    D = mean over boundary pairs of (E(y_infeasible) - E(x_feasible)) / std(E)

A penalty encoding with ``D < 0`` rewards leaving the feasible set: minimising its energy *lowers* the
feasible mass below uniform sampling's, whatever the optimiser (the unbalanced encoding with the
paper's weights has D of -0.36 to -0.56 on SAC-94 pet2/pet3/pet4/pb5). :func:`boundary_step` estimates D
from uniform samples (the ``random`` solver's distribution), which needs no enumeration.
"""

from __future__ import annotations

import numpy as np

from qbench.qubo import QUBO

DEFAULT_SAMPLES = 2048


def boundary_step(problem, qubo: QUBO, num_decision: int | None = None, samples: int = DEFAULT_SAMPLES,
                  seed: int = 0) -> float | None:
    """The first-order feasibility drift D of ``qubo`` (see the module docstring), estimated from
    ``samples`` uniform bitstrings and all their one-bit neighbours; None when no sampled pair crosses
    the feasibility boundary. Only the first ``num_decision`` variables are the problem's (auxiliary
    bits, e.g. slack, are sampled too but do not decide feasibility)."""
    n = qubo.num_variables
    k = problem.num_variables if num_decision is None else num_decision
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(samples, n), dtype=np.uint8)
    E = qubo.energy(X)
    F = problem.is_feasible(X[:, :k])
    Y = np.repeat(X, n, axis=0)
    flip = np.tile(np.arange(n), samples)
    Y[np.arange(Y.shape[0]), flip] ^= 1
    EY = qubo.energy(Y).reshape(samples, n)
    FY = problem.is_feasible(Y[:, :k]).reshape(samples, n)
    out_of = (EY - E[:, None])[F[:, None] & ~FY]     # feasible x -> infeasible neighbour
    into = (E[:, None] - EY)[~F[:, None] & FY]       # infeasible x -> feasible neighbour (same edges)
    steps = np.concatenate([out_of, into])
    spread = float(E.std())
    if steps.size == 0 or spread == 0:
        return None
    return float(steps.mean()) / spread
