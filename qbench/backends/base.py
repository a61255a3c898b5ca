"""The execution seam: every circuit solver runs its circuits through a :class:`Backend`.

A backend is named by a spec string (``statevector``, ``aer``, ``aer-mps``, ``aer-noisy:fake_torino``,
``ibm-local:fake_fez``, ``ibm:ibm_torino``) and gives the solver Qiskit V2 primitives, an optional
pass manager for ISA circuits, a qubit limit checked before any work, and JSON-able facts for the
run record. :func:`qbench.backends.get_backend` builds one from its spec.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from qbench.errors import TooLargeError

#: what qbench offers when a circuit does not fit a backend (named in every too-large message)
ALTERNATIVES = ("backend aer-mps (no 2^n memory)", "solver pce or qrao (fewer qubits than variables)",
                "shrink: / --shrink (a smaller QUBO)")


def too_large_message(what: str, num_qubits: int, spec: str, limit: int | None, reason: str = "") -> str:
    """One line naming the thing, its qubits, the backend and its limit, and qbench's alternatives."""
    lim = f"limit {limit} qubits" if limit is not None else "limit reached"
    why = f"; {reason}" if reason else ""
    return (f"{what}: {num_qubits} qubits exceed backend {spec!r} ({lim}{why}); alternatives: "
            f"{', '.join(ALTERNATIVES)}")


class Backend(ABC):
    spec: str
    #: True when expectation values / probabilities carry no shot noise
    exact: bool = False

    @abstractmethod
    def max_qubits(self) -> int | None:
        """The largest circuit this backend runs (None: no fixed limit)."""

    def check_fits(self, num_qubits: int, what: str) -> None:
        """Raise :class:`~qbench.errors.TooLargeError` if ``num_qubits`` cannot run here."""
        limit = self.max_qubits()
        if limit is not None and num_qubits > limit:
            raise TooLargeError(too_large_message(what, num_qubits, self.spec, limit))

    @abstractmethod
    def estimator(self):
        """A qiskit ``BaseEstimatorV2``."""

    @abstractmethod
    def sampler(self):
        """A qiskit ``BaseSamplerV2``."""

    def pass_manager(self):
        """A seeded qiskit ``PassManager`` producing ISA circuits for device-like backends, else None."""
        return None

    def close(self) -> None:
        """Release what the backend holds open (a device batch or session); idempotent."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        """JSON-able facts stored with a run (never a token)."""
        return {"backend": self.spec, "exact": self.exact}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"
