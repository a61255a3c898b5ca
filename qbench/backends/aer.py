"""Qiskit Aer backends: ideal statevector (``aer``), matrix product state (``aer-mps``) and noisy
fake-device simulation (``aer-noisy:<fake device>``, see :mod:`qbench.backends.noisy`)."""

from __future__ import annotations

from typing import Any

from qbench.backends.base import Backend, too_large_message
from qbench.errors import ConfigError, TooLargeError

#: Aer's statevector index arithmetic and qbench's run times stay sane below this
AER_MAX_QUBITS = 34


def statevector_qubit_limit(bytes_per_amplitude: int = 16, available: int | None = None) -> int:
    """The largest n whose 2^n statevector (plus a copy Aer may keep) fits in available memory."""
    from qbench.backends.statevector.memory import available_bytes

    avail = available_bytes() if available is None else available
    n = 0
    while n < AER_MAX_QUBITS and (2 * bytes_per_amplitude << (n + 1)) + (256 << 20) <= avail:
        n += 1
    return n


class AerBackend(Backend):
    """Aer, ideal (noise-free) statevector: exact expectation values, seeded shots."""

    method = "statevector"
    exact = True

    def __init__(self, spec: str = "aer", *, seed: int | None = None, shots: int = 1024,
                 precision: str = "double", **backend_options: Any):
        if ":" in spec:
            raise ConfigError(f"backend {spec!r}: {spec.partition(':')[0]} takes no device name")
        if precision not in ("double", "single"):
            raise ConfigError(f"backend {spec!r}: precision must be 'double' or 'single', got {precision!r}")
        self.spec, self.seed, self.shots, self.precision = spec, seed, int(shots), precision
        self.backend_options = dict(backend_options)

    def _options(self) -> dict:
        opts = {"method": self.method, "precision": self.precision, **self.backend_options}
        if self.seed is not None:
            opts["seed_simulator"] = int(self.seed)
        return opts

    def max_qubits(self) -> int | None:
        return statevector_qubit_limit(16 if self.precision == "double" else 8)

    def check_fits(self, num_qubits: int, what: str) -> None:
        limit = self.max_qubits()
        if limit is not None and num_qubits > limit:
            raise TooLargeError(too_large_message(
                what, num_qubits, self.spec, limit, "a 2^n statevector does not fit in available memory"))

    def simulator(self):
        from qiskit_aer import AerSimulator

        return AerSimulator(**self._options())

    def estimator(self):
        from qiskit_aer.primitives import EstimatorV2

        return EstimatorV2(options={"default_precision": 0.0, "backend_options": self._options()})

    def sampler(self):
        from qiskit_aer.primitives import SamplerV2

        return SamplerV2(default_shots=self.shots, seed=self.seed, options={"backend_options": self._options()})

    def describe(self) -> dict[str, Any]:
        return {"backend": self.spec, "exact": self.exact, "mode": "local simulator", "method": self.method,
                "options": {"precision": self.precision, **{k: v for k, v in self.backend_options.items()
                                                            if isinstance(v, (int, float, str, bool))}}}


class AerMPSBackend(AerBackend):
    """Aer matrix product state: memory grows with entanglement, not 2^n. Without a bond-dimension cap
    the results are exact; ``max_bond_dimension`` trades accuracy for speed (recorded)."""

    method = "matrix_product_state"

    def __init__(self, spec: str = "aer-mps", *, max_bond_dimension: int | None = None, **kwargs: Any):
        # LAPACK's SVD: Aer's own leaves ~1e-9 errors in energies of a 10-qubit QAOA, LAPACK ~1e-14
        kwargs.setdefault("mps_lapack", True)
        if max_bond_dimension is not None:
            kwargs["matrix_product_state_max_bond_dimension"] = int(max_bond_dimension)
        super().__init__(spec, **kwargs)

    def max_qubits(self) -> int | None:
        return None

    def check_fits(self, num_qubits: int, what: str) -> None:
        return None


def __getattr__(name: str):
    # the noisy backend lives in its own module (device lookup, noise-model cache, active qubits)
    if name == "AerNoisyBackend":
        from qbench.backends.noisy import AerNoisyBackend

        return AerNoisyBackend
    raise AttributeError(name)
