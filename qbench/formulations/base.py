"""How constraints become energy.

A :class:`Formulation` turns a :class:`~qbench.problems.base.Problem` plus a QUBO solver into samples on
the problem's own variables. Static encodings (slack, unbalanced) build one QUBO and map samples back
(:class:`StaticFormulation`); iterative ones (Lagrangian relaxation) run an outer loop of QUBO solves
and record a trace. The runner only calls :meth:`Formulation.run`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet

if TYPE_CHECKING:
    from qbench.problems.base import Problem
    from qbench.solvers.base import QuboSolver


@dataclass
class Encoding:
    """A QUBO whose first ``num_decision`` variables are the problem's variables (the rest are
    auxiliary, e.g. slack bits), plus the facts needed to read samples back."""

    qubo: QUBO
    num_decision: int
    info: dict[str, Any] = field(default_factory=dict)
    #: For each auxiliary variable (QUBO index ``num_decision + k``), the ``<=`` row of the problem's
    #: model whose slack bit it is; -1 (or a missing entry) when it belongs to no single row.
    #: Graph shrinking reads it so that it never merges slack bits of different constraints.
    aux_constraint: list[int] = field(default_factory=list)

    @property
    def num_qubits(self) -> int:
        return self.qubo.num_variables

    def decode(self, samples: SampleSet) -> SampleSet:
        """Samples on the problem's variables: auxiliary bits dropped, equal rows merged."""
        return samples.project(slice(0, self.num_decision))


@dataclass
class FormulationOutcome:
    samples: SampleSet                 # on the problem's variables
    qubits: int                        # the largest QUBO the solver was given
    evaluations: int = 0               # objective/circuit evaluations summed over all QUBO solves
    info: dict[str, Any] = field(default_factory=dict)
    trace: list[dict[str, Any]] = field(default_factory=list)  # one entry per outer iteration
    #: Solutions the formulation's own classical steps produced (e.g. the Lagrangian loop's repaired
    #: best primal), shape (k, n); the scorer weighs them alongside the repaired samples.
    candidates: np.ndarray | None = None


class Formulation(ABC):
    name: ClassVar[str]

    @abstractmethod
    def run(self, problem: "Problem", solver: "QuboSolver", *, seed: int | None = None,
            repair: bool = True) -> FormulationOutcome:
        """``repair=False``: the formulation must not call ``problem.repair`` (or any other classical
        fix-up) itself; with repair on it counts its calls in ``info['repairs']``."""

    @abstractmethod
    def num_qubits(self, problem: "Problem") -> int:
        """Qubits this formulation needs for ``problem`` with a one-qubit-per-variable solver."""


class StaticFormulation(Formulation):
    """One QUBO, one solve, decode."""

    @abstractmethod
    def encode(self, problem: "Problem") -> Encoding:
        ...

    def num_qubits(self, problem: "Problem") -> int:
        return self.encode(problem).num_qubits

    def run(self, problem: "Problem", solver: "QuboSolver", *, seed: int | None = None,
            repair: bool = True) -> FormulationOutcome:
        from qbench.formulations.problem_cost import bound

        enc = self.encode(problem)   # one solve, nothing repaired here (the scorer repairs, if allowed)
        with bound(problem, enc.num_decision, enc.num_qubits):
            raw = solver.solve(enc.qubo, seed=seed)
        decoded = enc.decode(raw)
        return FormulationOutcome(
            samples=decoded,
            qubits=enc.num_qubits,
            evaluations=int(raw.info.get("evaluations", 0)),
            info={**enc.info, **{k: v for k, v in raw.info.items() if np.isscalar(v) or k.startswith("trace_")}},
        )
