"""The ``statevector`` backend: qbench's fast numba engine (:mod:`qbench.backends.statevector`).

QAOA runs on the engine itself (no circuit); generic circuits given to this backend (VQE ansätze)
run on Aer's ideal statevector primitives, so every solver accepts ``backend: statevector``.
"""

from __future__ import annotations

from typing import Any

from qbench.backends.aer import AerBackend
from qbench.backends.base import too_large_message
from qbench.errors import TooLargeError


class EngineBackend(AerBackend):
    exact = True

    def __init__(self, spec: str = "statevector", **kwargs: Any):
        super().__init__(spec, **kwargs)

    def max_qubits(self) -> int | None:
        from qbench.backends.statevector.memory import MAX_QUBITS, fits

        n = 0
        while n < MAX_QUBITS and fits(n + 1, self.precision):
            n += 1
        return n

    def check_fits(self, num_qubits: int, what: str, **engine_needs: Any) -> None:
        """``engine_needs``: gradient / cvar / diagonal flags of :func:`statevector.check_fits`."""
        from qbench.backends.statevector.memory import check_fits

        try:
            check_fits(num_qubits, self.precision, what="statevector engine", **engine_needs)
        except TooLargeError as exc:
            raise TooLargeError(too_large_message(what, num_qubits, self.spec, self.max_qubits(), str(exc))) from None

    def describe(self) -> dict[str, Any]:
        return {"backend": self.spec, "exact": True, "mode": "qbench statevector engine",
                "options": {"precision": self.precision}}
