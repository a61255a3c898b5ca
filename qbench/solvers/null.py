"""Null baselines: what a run gives with no quantum computer and no optimisation at all.

* :class:`RandomSolver` (``random``): a QUBO solver that samples uniform bitstrings, i.e. measures
  |+>^n, the state QAOA starts from. Same shots, same formulation, same decoding, scoring and repair
  as any other QUBO solver, so "does QAOA beat random?" is one row against another.
* :class:`RandomFeasibleSolver` (``random-feasible``): a problem solver that builds one seeded random
  *feasible* solution (random-order insertion for packing problems, a random permutation for QAP/TSP)
  without any local search: the floor a classical greedy start must clear.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import ProblemSolver, QuboSolver

if TYPE_CHECKING:
    from qbench.problems.base import Problem

PERMUTATION_KINDS = ("qap", "tsp")


@dataclass
class RandomSolver(QuboSolver):
    """``shots`` uniform random bitstrings (seeded)."""

    name: ClassVar[str] = "random"
    sampling: ClassVar[bool] = True
    shots: int = 1024

    def __post_init__(self) -> None:
        if not isinstance(self.shots, int) or self.shots < 1:
            raise ValueError(f"shots must be a positive integer, got {self.shots!r}")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        t0 = time.perf_counter()
        n = qubo.num_variables
        X = np.random.default_rng(seed).integers(0, 2, size=(self.shots, n), dtype=np.uint8)
        info = {"evaluations": 0, "method": "uniform", "num_qubits": n}
        ss = SampleSet.from_samples(X, qubo.energy, info=info, shots=self.shots)
        ss.info["seconds"] = time.perf_counter() - t0
        return ss


@dataclass
class RandomFeasibleSolver(ProblemSolver):
    """One seeded random feasible solution, no local search (see the module docstring).

    For kinds with neither a packing structure nor a permutation encoding (e.g. market split), up to
    ``draws`` uniform bitstrings are tried; if none is feasible the least-violating one is returned and
    ``info['feasible']`` is False (it is never repaired here).
    """

    name: ClassVar[str] = "random-feasible"
    #: one run per seed in a grid (deterministic problem solvers run once)
    seeded: ClassVar[bool] = True
    draws: int = 1000

    def __post_init__(self) -> None:
        if not isinstance(self.draws, int) or self.draws < 1:
            raise ValueError(f"draws must be a positive integer, got {self.draws!r}")

    def solve(self, problem: "Problem", *, seed: int | None = None) -> SampleSet:
        from qbench.formulations.penalty import is_packing

        t0 = time.perf_counter()
        rng = np.random.default_rng(seed)
        if problem.kind in PERMUTATION_KINDS:
            x, method = random_permutation(problem, rng), "random-permutation"
        elif is_packing(problem.model):
            x, method = random_insertion(problem, rng), "random-insertion"
        else:
            x, method = random_draws(problem, rng, self.draws), "random-draws"
        info = {"method": method, "construction": method, "local_search": False, "repairs": 0,
                "feasible": bool(problem.is_feasible(x)[0]), "evaluations": 0,
                "seconds": time.perf_counter() - t0}
        return SampleSet.single(x, energy=float(problem.energy(x)[0]), info=info)


def random_insertion(problem: "Problem", rng: np.random.Generator) -> np.ndarray:
    """Variables in a random order, each set to 1 if the solution stays feasible (packing models:
    x = 0 is feasible and adding never helps a constraint). The result is maximal but random."""
    m = problem.model
    x = np.zeros(problem.num_variables, dtype=np.uint8)
    load = np.zeros(m.A_ub.shape[0])
    for j in rng.permutation(problem.num_variables):
        if np.all(load + m.A_ub[:, j] <= m.b_ub + 1e-9):
            x[j] = 1
            load += m.A_ub[:, j]
    return x


def random_permutation(problem: "Problem", rng: np.random.Generator) -> np.ndarray:
    """A uniform random permutation in the one-hot encoding QAP and TSP share."""
    from qbench.problems.permutation import onehot

    k = math.isqrt(problem.num_variables)
    return onehot(rng.permutation(k), k)[0]


def random_draws(problem: "Problem", rng: np.random.Generator, draws: int) -> np.ndarray:
    X = rng.integers(0, 2, size=(draws, problem.num_variables), dtype=np.uint8)
    viol = problem.violation(X)
    return X[int(np.argmin(viol))]
