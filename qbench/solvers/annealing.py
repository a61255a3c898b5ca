"""Simulated annealing for QUBOs: single-bit-flip Metropolis with incremental local fields (numba).

Each read starts from a uniformly random bitstring and sweeps ``num_sweeps`` times over the variables
in order while the inverse temperature rises geometrically over ``beta_range``. The energy change of
flipping bit i is ``(1 - 2 x_i) * f_i`` with the local field ``f_i = h_i + sum_j Js_ij x_j``
(``Js = J + J^T``); an accepted flip updates every field in O(n). Each read returns the lowest-energy
state it visited.

Default ``beta_range`` (as in D-Wave's ``neal``): the hot end accepts the largest possible uphill flip
with probability 1/2, the cold end accepts the smallest non-zero one with probability 1/100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a declared dependency
    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]


@njit(cache=True)
def _anneal(h, Js, offset, betas, starts, seed):
    np.random.seed(seed)
    reads, n = starts.shape
    best_states = starts.copy()
    best_energies = np.empty(reads)
    x = np.empty(n, dtype=np.uint8)
    field = np.empty(n)
    for r in range(reads):
        for i in range(n):
            x[i] = starts[r, i]
        energy = offset
        for i in range(n):
            f = h[i]
            for j in range(n):
                f += Js[i, j] * x[j]
            field[i] = f
        for i in range(n):
            if x[i]:
                energy += h[i]
                for j in range(i + 1, n):
                    if x[j]:
                        energy += Js[i, j]
        best = energy
        for i in range(n):
            best_states[r, i] = x[i]
        for beta in betas:
            for i in range(n):
                delta = field[i] if x[i] == 0 else -field[i]
                if delta <= 0.0 or np.random.random() < np.exp(-beta * delta):
                    sign = 1.0 if x[i] == 0 else -1.0
                    x[i] = 1 - x[i]
                    energy += delta
                    for j in range(n):
                        field[j] += sign * Js[j, i]
                    if energy < best - 1e-12:
                        best = energy
                        for k in range(n):
                            best_states[r, k] = x[k]
        best_energies[r] = best
    return best_states, best_energies


def default_beta_range(qubo: QUBO) -> tuple[float, float]:
    Js = qubo.quadratic + qubo.quadratic.T
    max_delta = float((np.abs(qubo.linear) + np.abs(Js).sum(axis=1)).max(initial=0.0))
    coeffs = np.concatenate([np.abs(qubo.linear), np.abs(qubo.quadratic).ravel()])
    coeffs = coeffs[coeffs > 1e-12]
    if max_delta <= 0 or coeffs.size == 0:
        return 1.0, 1.0
    return float(np.log(2.0) / max_delta), float(np.log(100.0) / coeffs.min())


@dataclass
class SimulatedAnnealingSolver(QuboSolver):
    """num_reads independent anneals of num_sweeps sweeps each; ``beta_range=(hot, cold)`` or None
    for the automatic range. ``info['evaluations']`` counts sweeps (one sweep costs about one full
    energy evaluation)."""

    name: ClassVar[str] = "annealing"
    num_reads: int = 64
    num_sweeps: int = 1000
    beta_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.num_reads < 1 or self.num_sweeps < 1:
            raise ValueError("num_reads and num_sweeps must be at least 1")
        if self.beta_range is not None:
            if len(self.beta_range) != 2 or not 0 < self.beta_range[0] <= self.beta_range[1]:
                raise ValueError("beta_range must be (hot, cold) with 0 < hot <= cold")
            self.beta_range = (float(self.beta_range[0]), float(self.beta_range[1]))

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        n = qubo.num_variables
        rng = np.random.default_rng(seed)
        hot, cold = self.beta_range or default_beta_range(qubo)
        betas = np.geomspace(hot, cold, self.num_sweeps)
        starts = rng.integers(0, 2, size=(self.num_reads, n), dtype=np.uint8)
        Js = np.ascontiguousarray(qubo.quadratic + qubo.quadratic.T)
        states, _ = _anneal(np.ascontiguousarray(qubo.linear), Js, float(qubo.offset), betas, starts,
                            int(rng.integers(0, 2**31 - 1)))
        info = {"evaluations": self.num_reads * self.num_sweeps, "beta_hot": hot, "beta_cold": cold,
                "num_reads": self.num_reads}
        return SampleSet.from_samples(states, qubo.energy, info=info, shots=self.num_reads)
