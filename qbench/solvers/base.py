"""Solver interfaces.

Two kinds, one result type (:class:`~qbench.sampleset.SampleSet`):

* :class:`QuboSolver` minimises a QUBO (QAOA and variants, VQE, PCE, QRAO, brute force, annealing).
  It is paired with a formulation by the runner.
* :class:`ProblemSolver` solves the constrained problem directly (exact MILP, greedy); its samples are
  on the problem's variables already.

Solvers are dataclasses: their fields are the parameters a config or the CLI may set, which lets the
registry reject unknown parameters by name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet

if TYPE_CHECKING:
    from qbench.problems.base import Problem


class QuboSolver(ABC):
    name: ClassVar[str]
    #: True when the solver returns a distribution over many bitstrings (quantum, sampling);
    #: False when it returns one best answer (exact, brute force).
    sampling: ClassVar[bool] = True

    @abstractmethod
    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        """Samples of the QUBO's variables; ``info['evaluations']`` counts objective evaluations."""

    def num_qubits(self, qubo: QUBO) -> int:
        """Logical qubits this solver's circuit uses for ``qubo`` (compressing encodings override)."""
        return qubo.num_variables

    def check_size(self, qubo: QUBO) -> None:
        """Raise :class:`~qbench.errors.TooLargeError` before any work if the QUBO cannot run here."""


class ProblemSolver(ABC):
    name: ClassVar[str]

    @abstractmethod
    def solve(self, problem: "Problem", *, seed: int | None = None) -> SampleSet:
        """Samples on the problem's variables; ``info`` carries status, bound and gap when known."""
