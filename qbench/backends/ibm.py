"""IBM Quantum through qiskit-ibm-runtime 0.51's client-side executor primitives, behind one adapter.

* ``ibm-local:<fake device>``: runtime's local testing mode (a ``fake_provider`` device simulated by
  Aer with its noise); no account, no network.
* ``ibm:<device>``: a real device. The account comes only from ``QiskitRuntimeService()`` itself (its
  saved account or the ``QISKIT_IBM_*`` environment variables); qbench never reads, stores or prints
  a token, and redacts ``QISKIT_IBM_TOKEN`` from every error it passes on.

Execution mode ``batch`` (default), ``session`` (opt-in) or ``job``; the batch or session is opened
on first use and closed when the solver finishes (:meth:`IBMBackend.close`). Options ``shots``,
``dynamical_decoupling`` (a sequence name: XX, XpXm, XY4), ``twirling`` (gate and measurement
twirling), ``resilience_level`` (estimator only: 0 none, 1 measurement mitigation, 2 + ZNE). Before
each submission the circuits are checked against the device and an estimate of QPU time is printed
(stderr). Sampler and estimator jobs alike: under ``qbench run`` the job id, backend, mode and options
go to the run store's ``jobs`` table before waiting (:mod:`qbench.backends.ibm_jobs`), so a rerun of a killed run
retrieves the job (``QiskitRuntimeService.job(id)``) instead of submitting it again. Transient
failures are retried with exponential backoff; a final failure marks the job failed and raises
:class:`DeviceJobError` (the run is recorded as an error, the grid goes on).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from typing import Any

import numpy as np
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2

from qbench.backends.base import Backend, too_large_message
from qbench.errors import ConfigError, QbenchError, TooLargeError

MODES = ("batch", "session", "job")
DD_SEQUENCES = ("XX", "XpXm", "XY4")
#: a device's default repetition delay when its configuration does not say (seconds)
DEFAULT_REP_DELAY_S = 250e-6
#: per-job overhead added to the QPU time estimate (loading, compilation on the control system)
JOB_OVERHEAD_S = 2.0


class DeviceJobError(QbenchError):
    """A device job failed after its retries."""


def redact(text: str) -> str:
    token = os.environ.get("QISKIT_IBM_TOKEN")
    text = str(text)
    if token and len(token) >= 4:
        text = text.replace(token, "<redacted>")
    return text


def is_transient(exc: BaseException) -> bool:
    """Network, timeout and service-side errors are retried; our own errors and bad input are not."""
    if isinstance(exc, (QbenchError, ValueError, TypeError)):
        return False
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return True
    name = type(exc).__name__
    return any(key in name for key in ("RequestsApiError", "IBMRuntimeError", "RuntimeJobFailure", "IBMError",
                                       "Timeout", "Connection"))


def with_retries(action, what: str, retries: int, backoff_s: float, sleep=time.sleep):
    for attempt in range(retries + 1):
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - classified below
            if attempt >= retries or not is_transient(exc):
                raise DeviceJobError(f"{what}: {type(exc).__name__}: {redact(exc)}") from None
            delay = backoff_s * 2 ** attempt
            print(f"ibm: {what} failed ({type(exc).__name__}); retry {attempt + 1}/{retries} in {delay:.0f} s",
                  file=sys.stderr)
            sleep(delay)
    raise AssertionError("unreachable")


def _circuit_text(circuit) -> str:
    from qiskit import qasm3

    try:
        return qasm3.dumps(circuit)
    except Exception:  # noqa: BLE001 - some instructions have no OpenQASM 3 form
        return repr([(i.operation.name, tuple(i.operation.params)) for i in circuit.data])


def pubs_fingerprint(primitive: str, pubs) -> str:
    """What a submission asks for: the primitive, each circuit, its parameter values (to 12 significant
    digits) and, for the estimator, observables and precision.
    A rerun retrieves a recorded job only when this matches; otherwise it submits again."""
    h = hashlib.sha256(primitive.encode())
    for pub in pubs:
        h.update(_circuit_text(pub.circuit).encode())
        values = np.asarray(pub.parameter_values.as_array(), dtype=float).ravel()
        h.update(",".join(f"{v:.12g}" for v in values).encode())
        if hasattr(pub, "observables"):
            h.update(repr(pub.observables.tolist()).encode())
            h.update(repr(pub.precision).encode())
        else:
            h.update(repr(pub.shots).encode())
    return h.hexdigest()[:16]


def estimate_qpu_seconds(circuits, shots: int, device) -> float:
    """shots x (circuit duration + repetition delay) per circuit, plus a per-job overhead."""
    rep_delay = DEFAULT_REP_DELAY_S
    try:
        rep_delay = float(device.configuration().default_rep_delay) * 1e-6
    except Exception:  # noqa: BLE001 - BackendV2 devices without a configuration
        pass
    total = JOB_OVERHEAD_S
    for c in circuits:
        try:
            duration = float(c.estimate_duration(device.target, unit="s"))
        except Exception:  # noqa: BLE001 - unscheduled / no durations in the target
            duration = 1e-7 * c.depth()
        total += shots * (duration + rep_delay)
    return total


class IBMBackend(Backend):
    exact = False

    def __init__(self, spec: str, *, seed: int | None = None, shots: int = 1024, mode: str = "batch",
                 dynamical_decoupling: str | None = None, twirling: bool = False, optimization_level: int = 1,
                 resilience_level: int = 1, retries: int = 3, backoff_s: float = 2.0, service=None, quiet: bool = False):
        prefix, _, device = spec.partition(":")
        self.local = prefix.strip().lower() == "ibm-local"
        if not device.strip():
            example = "ibm-local:fake_fez" if self.local else "ibm:ibm_torino"
            raise ConfigError(f"backend {spec!r}: name a device, e.g. {example}")
        if mode not in MODES:
            raise ConfigError(f"backend {spec!r}: mode must be one of {', '.join(MODES)}, got {mode!r}")
        if dynamical_decoupling is not None and dynamical_decoupling not in DD_SEQUENCES:
            raise ConfigError(f"backend {spec!r}: dynamical_decoupling must be one of {', '.join(DD_SEQUENCES)} "
                              f"or null, got {dynamical_decoupling!r}")
        self.spec, self.seed, self.shots, self.mode = spec, seed, int(shots), mode
        self.dynamical_decoupling, self.twirling = dynamical_decoupling, bool(twirling)
        if resilience_level not in (0, 1, 2):
            raise ConfigError(f"backend {spec!r}: resilience_level must be 0, 1 or 2, got {resilience_level!r}")
        self.resilience_level = int(resilience_level)
        self.optimization_level, self.retries, self.backoff_s = int(optimization_level), int(retries), float(backoff_s)
        self.quiet = quiet
        self._service, self._device, self._mode_obj = service, None, None
        if self.local:
            from qbench.backends.noisy import fake_device

            self.device_name = fake_device(device.strip()).name
        else:
            self.device_name = device.strip()

    # ---- account and device (the account never leaves QiskitRuntimeService) ----
    def service(self):
        if self._service is None:
            if self.local:
                from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService

                self._service = QiskitRuntimeLocalService()
            else:
                try:
                    from qiskit_ibm_runtime import QiskitRuntimeService

                    self._service = QiskitRuntimeService()
                except Exception as exc:  # noqa: BLE001 - the message may echo account details
                    raise ConfigError(f"backend {self.spec!r}: no usable IBM Quantum account "
                                      f"({type(exc).__name__}: {redact(exc)}); save one with "
                                      f"QiskitRuntimeService.save_account(...) or set QISKIT_IBM_TOKEN "
                                      f"and QISKIT_IBM_INSTANCE") from None
        return self._service

    @property
    def device(self):
        if self._device is None:
            if self.local:
                from qbench.backends.noisy import fake_device

                self._device = fake_device(self.device_name)
            else:
                self._device = with_retries(lambda: self.service().backend(self.device_name),
                                            f"looking up {self.device_name}", self.retries, self.backoff_s)
        return self._device

    def max_qubits(self) -> int | None:
        return int(self.device.num_qubits)

    def check_fits(self, num_qubits: int, what: str) -> None:
        limit = self.max_qubits()
        if num_qubits > limit:
            raise TooLargeError(too_large_message(what, num_qubits, self.spec, limit,
                                                  f"{self.device_name} has {limit} qubits"))

    def pass_manager(self):
        from qiskit.transpiler import generate_preset_pass_manager

        return generate_preset_pass_manager(optimization_level=self.optimization_level, backend=self.device,
                                            seed_transpiler=0 if self.seed is None else int(self.seed))

    # ---- primitives ----
    def options_dict(self) -> dict[str, Any]:
        return {"shots": self.shots, "dynamical_decoupling": self.dynamical_decoupling, "twirling": self.twirling,
                "optimization_level": self.optimization_level, "resilience_level": self.resilience_level,
                "seed": self.seed}

    def _common_options(self, opts):
        opts.dynamical_decoupling.enable = self.dynamical_decoupling is not None
        if self.dynamical_decoupling is not None:
            opts.dynamical_decoupling.sequence_type = self.dynamical_decoupling
        opts.twirling.enable_gates = self.twirling
        if self.local and self.seed is not None:
            opts.simulator.seed_simulator = int(self.seed)
        return opts

    def sampler_options(self):
        from qiskit_ibm_runtime.options_models import SamplerOptions

        opts = self._common_options(SamplerOptions(default_shots=self.shots))
        opts.twirling.enable_measure = self.twirling
        return opts

    def estimator_options(self):
        """Shots per expectation value from ``shots``; ``resilience_level`` 1 (runtime's default) adds
        measurement mitigation, which itself turns on measurement twirling."""
        from qiskit_ibm_runtime.options_models import EstimatorOptions

        opts = self._common_options(EstimatorOptions(default_shots=self.shots,
                                                     resilience_level=self.resilience_level))
        if self.twirling:
            opts.twirling.enable_measure = True
        return opts

    def execution_mode(self):
        """The Batch / Session (opened once, on first use) or, in job mode, the device itself."""
        if self.mode == "job":
            return self.device
        if self._mode_obj is None:
            from qiskit_ibm_runtime import Batch, Session

            cls = Batch if self.mode == "batch" else Session
            self._mode_obj = with_retries(lambda: cls(backend=self.device), f"opening a {self.mode}",
                                          self.retries, self.backoff_s)
        return self._mode_obj

    def close(self) -> None:
        if self._mode_obj is not None:
            try:
                self._mode_obj.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._mode_obj = None

    def sampler(self):
        return RecordingSampler(self)

    def estimator(self):
        return RecordingEstimator(self)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.spec, "exact": False,
                "mode": f"ibm local testing ({self.mode})" if self.local else self.mode,
                "device": self.device_name, "options": self.options_dict()}


class _RecordingPrimitive:
    """Submits through an executor primitive, records each job before waiting, and retrieves a
    recorded job on a rerun instead of submitting it again. Subclasses say which primitive."""

    primitive: str

    def __init__(self, backend: IBMBackend):
        self.backend = backend
        self.last_active = ()
        self.jobs: list[str] = []

    def _submit(self, pubs, est_shots: int, make_primitive, **run_options) -> "_WaitedJob":
        """``make_primitive()`` builds the executor primitive (only when a submission is needed);
        ``run_options`` go to its ``run``; ``est_shots`` feeds the QPU-time estimate."""
        from qbench.backends import ibm_jobs

        b = self.backend
        circuits = [p.circuit for p in pubs]
        for c in circuits:
            b.check_fits(c.num_qubits, "circuit")
        slot = ibm_jobs.next_slot()
        fingerprint = pubs_fingerprint(self.primitive, pubs) if slot is not None else None
        job = None
        if slot is not None and not b.local:
            job = self._retrieve(slot, fingerprint)
        if job is None:
            if not b.quiet:
                est = estimate_qpu_seconds(circuits, est_shots, b.device)
                print(f"ibm: submitting {len(circuits)} {self.primitive} circuit(s) x {est_shots} shots to "
                      f"{b.device_name} ({b.mode}); estimated QPU time {est:.1f} s", file=sys.stderr)
            primitive = make_primitive()
            job = with_retries(lambda: primitive.run(pubs, **run_options), f"submitting to {b.device_name}",
                               b.retries, b.backoff_s)
            if slot is not None:
                store, run_id, seq = slot
                store.record_job(run_id, seq, job.job_id(), b.spec, b.device_name, b.mode,
                                 {"primitive": self.primitive, **b.options_dict()}, fingerprint)
        self.jobs.append(job.job_id())
        return _WaitedJob(job, b, slot)

    def _retrieve(self, slot, fingerprint):
        store, run_id, seq = slot
        row = store.job(run_id, seq)
        # the fingerprint covers the primitive too: a sampler never retrieves an estimator job
        if row is None or row["status"] == "failed" or row["circuits"] != fingerprint:
            return None
        b = self.backend
        print(f"ibm: retrieving recorded {self.primitive} job {row['job_id']} ({row['status']}) instead of "
              f"resubmitting", file=sys.stderr)
        return with_retries(lambda: b.service().job(row["job_id"]), f"retrieving job {row['job_id']}",
                            b.retries, b.backoff_s)


class RecordingSampler(_RecordingPrimitive, BaseSamplerV2):
    """A V2 sampler over the executor ``Sampler`` whose jobs reach the run store before anyone waits."""

    primitive = "sampler"

    def run(self, pubs, *, shots: int | None = None):
        from qiskit.primitives.containers.sampler_pub import SamplerPub
        from qiskit_ibm_runtime.executor_sampler import Sampler

        b = self.backend
        shots = int(shots or b.shots)
        pubs = [SamplerPub.coerce(p, shots) for p in pubs]
        return self._submit(pubs, shots, lambda: Sampler(mode=b.execution_mode(), options=b.sampler_options()),
                            shots=shots)


class RecordingEstimator(_RecordingPrimitive, BaseEstimatorV2):
    """A V2 estimator over the executor ``Estimator`` (precision from ``shots``, resilience level,
    twirling and dynamical decoupling from the backend), recorded and resumable like the sampler."""

    primitive = "estimator"

    def run(self, pubs, *, precision: float | None = None):
        from qiskit.primitives.containers.estimator_pub import EstimatorPub
        from qiskit_ibm_runtime.executor_estimator import Estimator

        b = self.backend
        pubs = [EstimatorPub.coerce(p, precision) for p in pubs]
        return self._submit(pubs, b.shots, lambda: Estimator(mode=b.execution_mode(), options=b.estimator_options()),
                            precision=precision)


class _WaitedJob:
    def __init__(self, job, backend: IBMBackend, slot):
        self.job, self.backend, self.slot = job, backend, slot

    def job_id(self) -> str:
        return self.job.job_id()

    def result(self):
        b = self.backend
        try:
            res = with_retries(self.job.result, f"job {self.job.job_id()} on {b.device_name}", b.retries, b.backoff_s)
        except DeviceJobError as exc:
            if self.slot is not None:
                store, run_id, seq = self.slot
                store.set_job_status(run_id, seq, "failed", str(exc))
            raise
        if self.slot is not None:
            store, run_id, seq = self.slot
            store.set_job_status(run_id, seq, "done")
        return res
