"""``aer-noisy:<fake device>``: a circuit transpiled onto a fake IBM device (27-156 qubits) is
simulated with that device's noise on the qubits it touches only.

Why: an ISA circuit is as wide as the device. Simulating a 15-qubit QAOA laid out on a 27-qubit
device as a 27-qubit state costs 2^12 times the memory and work of the 15 qubits it uses. So before
running, :func:`compact` drops the idle device qubits and renumbers the active ones, and
:func:`restricted_noise_model` keeps (and renumbers) just their errors. The device's full
``NoiseModel`` is built once per process per device (building it takes about a second).
"""

from __future__ import annotations

import functools
from typing import Any

from qbench.backends.base import Backend, too_large_message
from qbench.errors import ConfigError, TooLargeError

#: above this many *active* qubits a noisy trajectory simulation is not worth starting
NOISY_MAX_ACTIVE = 30
IDLE_OPS = {"barrier", "delay"}


@functools.lru_cache(maxsize=None)
def fake_device(name: str):
    """A qiskit_ibm_runtime fake backend by name (``fake_torino``, ``torino`` and ``FakeTorino`` all work)."""
    import warnings

    from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

    key = name.strip().lower().replace("-", "_")
    key = key if key.startswith("fake_") else "fake_" + key.removeprefix("fake")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        provider = FakeProviderForBackendV2()
        names = sorted(b.name for b in provider.backends())
        if key not in names:
            raise ConfigError(f"unknown fake device {name!r}; allowed: {', '.join(names)}")
        return provider.backend(key)


@functools.lru_cache(maxsize=None)
def device_noise_model(name: str):
    """The device's whole NoiseModel, built once per process."""
    from qiskit_aer.noise import NoiseModel

    return NoiseModel.from_backend(fake_device(name))


@functools.lru_cache(maxsize=256)
def restricted_noise_model(name: str, active: tuple[int, ...]):
    """The device's errors on ``active`` physical qubits, renumbered 0..k-1 in that order."""
    from qiskit_aer.noise import NoiseModel

    index = {q: i for i, q in enumerate(active)}
    full = device_noise_model(name)
    out = NoiseModel(basis_gates=full.basis_gates)
    # NoiseModel has no public per-qubit iterator; these two tables are what from_backend fills
    for gate, table in full._local_quantum_errors.items():
        for qubits, error in table.items():
            if all(q in index for q in qubits):
                out.add_quantum_error(error, gate, [index[q] for q in qubits], warnings=False)
    for qubits, error in full._local_readout_errors.items():
        if all(q in index for q in qubits):
            out.add_readout_error(error, [index[q] for q in qubits], warnings=False)
    for gate, error in full._default_quantum_errors.items():
        out.add_all_qubit_quantum_error(error, gate, warnings=False)
    if full._default_readout_error is not None:
        out.add_all_qubit_readout_error(full._default_readout_error, warnings=False)
    return out


def active_qubits(circuit) -> tuple[int, ...]:
    """Indices of the qubits that any operation other than a barrier or delay touches."""
    used: set[int] = set()
    for inst in circuit.data:
        if inst.operation.name not in IDLE_OPS:
            used.update(circuit.find_bit(q).index for q in inst.qubits)
    return tuple(sorted(used))


def compact(circuit, active: tuple[int, ...] | None = None):
    """The circuit on its active qubits only (renumbered in increasing order), same classical bits."""
    from qiskit import QuantumCircuit, QuantumRegister

    active = active_qubits(circuit) if active is None else active
    index = {q: i for i, q in enumerate(active)}
    out = QuantumCircuit(QuantumRegister(len(active), "q"), name=circuit.name, global_phase=circuit.global_phase)
    out.add_bits(circuit.clbits)
    for creg in circuit.cregs:   # same registers, so results keep their names (e.g. 'meas')
        out.add_register(creg)
    for inst in circuit.data:
        qs = [circuit.find_bit(q).index for q in inst.qubits]
        if inst.operation.name in IDLE_OPS and not all(q in index for q in qs):
            continue
        out.append(inst.operation, [out.qubits[index[q]] for q in qs],
                   list(inst.clbits))
    return out


def compact_pauli_label(label: str, active: tuple[int, ...]) -> str:
    """A device-wide Pauli label (qubit i is character -1-i) on the active qubits only."""
    width = len(label)
    keep = set(active)
    if any(label[width - 1 - q] != "I" for q in range(width) if q not in keep):
        raise ValueError("observable acts on a qubit the circuit does not touch")
    return "".join(label[width - 1 - q] for q in reversed(active))


def compact_observable(observable, active: tuple[int, ...]):
    """A device-wide (ISA) observable - SparsePauliOp or {label: coeff} - on the active qubits."""
    from qiskit.quantum_info import SparsePauliOp

    items = observable.to_list() if isinstance(observable, SparsePauliOp) else list(dict(observable).items())
    return SparsePauliOp.from_list([(compact_pauli_label(k, active), v) for k, v in items])


class AerNoisyBackend(Backend):
    exact = False

    def __init__(self, spec: str, *, seed: int | None = None, shots: int = 1024, optimization_level: int = 1,
                 method: str = "automatic"):
        device = spec.partition(":")[2].strip()
        if not device:
            raise ConfigError(f"backend {spec!r}: name a fake device, e.g. aer-noisy:fake_torino")
        self.spec, self.seed, self.shots = spec, seed, int(shots)
        self.device_name = fake_device(device).name
        self.optimization_level, self.method = int(optimization_level), method

    @property
    def device(self):
        return fake_device(self.device_name)

    def max_qubits(self) -> int | None:
        return min(self.device.num_qubits, NOISY_MAX_ACTIVE)

    def check_fits(self, num_qubits: int, what: str) -> None:
        if num_qubits > self.device.num_qubits:
            raise TooLargeError(too_large_message(what, num_qubits, self.spec, self.device.num_qubits,
                                                  f"{self.device_name} has {self.device.num_qubits} qubits"))
        if num_qubits > NOISY_MAX_ACTIVE:
            raise TooLargeError(too_large_message(what, num_qubits, self.spec, NOISY_MAX_ACTIVE,
                                                  "a noisy simulation of more active qubits is impractical"))

    def pass_manager(self):
        from qiskit.transpiler import generate_preset_pass_manager

        return generate_preset_pass_manager(optimization_level=self.optimization_level, backend=self.device,
                                            seed_transpiler=0 if self.seed is None else int(self.seed))

    def _aer_options(self, active: tuple[int, ...]) -> dict:
        opts: dict[str, Any] = {"method": self.method, "noise_model": restricted_noise_model(self.device_name, active)}
        if self.seed is not None:
            opts["seed_simulator"] = int(self.seed)
        return opts

    def sampler(self):
        return ActiveQubitSampler(self)

    def estimator(self):
        return ActiveQubitEstimator(self)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.spec, "exact": False, "mode": "local noisy simulator (active qubits)",
                "device": self.device_name, "device_qubits": self.device.num_qubits,
                "options": {"optimization_level": self.optimization_level, "method": self.method,
                            "shots": self.shots}}


def _primitive_job(fn, *args):
    from qiskit.primitives import PrimitiveJob

    job = PrimitiveJob(fn, *args)
    job._submit()
    return job


class ActiveQubitSampler:
    """A SamplerV2 over ISA circuits of the device: each pub runs on its active qubits with their noise.
    ``last_active`` records the qubits of the last circuit run (for run records and tests)."""

    def __init__(self, backend: AerNoisyBackend):
        self.backend, self.last_active = backend, ()

    def run(self, pubs, *, shots: int | None = None):
        from qiskit.primitives.containers.sampler_pub import SamplerPub

        shots = self.backend.shots if shots is None else shots
        coerced = [SamplerPub.coerce(p, shots) for p in pubs]
        return _primitive_job(self._run, coerced)

    def _run(self, pubs):
        from qiskit.primitives import PrimitiveResult
        from qiskit_aer.primitives import SamplerV2

        results = []
        for pub in pubs:
            active = active_qubits(pub.circuit)
            self.last_active = active
            aer = SamplerV2(seed=self.backend.seed, options={"backend_options": self.backend._aer_options(active)})
            res = aer.run([(compact(pub.circuit, active), pub.parameter_values)], shots=pub.shots).result()
            results.append(res[0])
        return PrimitiveResult(results, metadata={"version": 2})


class ActiveQubitEstimator:
    """An EstimatorV2 over ISA circuits and ISA (device-wide) observables, run on the active qubits.
    Precision 0 means the noisy but shot-free value (density matrix up to 14 active qubits)."""

    def __init__(self, backend: AerNoisyBackend):
        self.backend, self.last_active = backend, ()

    def run(self, pubs, *, precision: float | None = None):
        from qiskit.primitives.containers.estimator_pub import EstimatorPub

        coerced = [EstimatorPub.coerce(p, 0.0 if precision is None else precision) for p in pubs]
        return _primitive_job(self._run, coerced)

    def _run(self, pubs):
        from qiskit.primitives import PrimitiveResult
        from qiskit_aer.primitives import EstimatorV2

        results = []
        for pub in pubs:
            active = active_qubits(pub.circuit)
            self.last_active = active
            opts = self.backend._aer_options(active)
            if len(active) <= 14:
                opts["method"] = "density_matrix"
            obs = _map_nested(pub.observables.tolist(), lambda o: compact_observable(o, active))
            aer = EstimatorV2(options={"default_precision": pub.precision, "backend_options": opts})
            res = aer.run([(compact(pub.circuit, active), obs, pub.parameter_values)]).result()
            results.append(res[0])
        return PrimitiveResult(results, metadata={"version": 2})


def _map_nested(value, fn):
    return [_map_nested(v, fn) for v in value] if isinstance(value, list) else fn(value)
