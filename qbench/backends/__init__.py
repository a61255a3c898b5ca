"""Circuit backends behind one seam (:class:`qbench.backends.base.Backend`).

``get_backend(spec)`` maps the spec's prefix (the part before ``:``) through :data:`BACKENDS`, a table
of lazy import paths so that qiskit and Aer load only when a circuit backend is used. The
``statevector`` subpackage is the fast numba QAOA engine; its backend entry wraps it.
"""

from __future__ import annotations

from qbench.errors import ConfigError

#: spec prefix -> "module:Class"; the class is built as ``Class(spec, **options)``
BACKENDS: dict[str, str] = {
    "statevector": "qbench.backends.engine:EngineBackend",
    "aer": "qbench.backends.aer:AerBackend",
    "aer-mps": "qbench.backends.aer:AerMPSBackend",
    "aer-noisy": "qbench.backends.aer:AerNoisyBackend",
    "ibm-local": "qbench.backends.ibm:IBMBackend",
    "ibm": "qbench.backends.ibm:IBMBackend",
}


def backend_prefix(spec: str) -> str:
    return str(spec).partition(":")[0].strip().lower()


def validate_spec(spec: str) -> str:
    """The spec itself, or ConfigError naming the allowed prefixes (cheap: imports nothing)."""
    if not isinstance(spec, str) or backend_prefix(spec) not in BACKENDS:
        raise ConfigError(f"unknown backend {spec!r}; allowed: {', '.join(BACKENDS)} "
                          f"(device backends take ':NAME', e.g. aer-noisy:fake_torino)")
    prefix, _, device = spec.partition(":")
    if prefix in ("statevector", "aer", "aer-mps") and _:
        raise ConfigError(f"backend {spec!r}: {prefix} takes no device name")
    if prefix == "aer-noisy":
        if not device.strip():
            raise ConfigError(f"backend {spec!r}: name a fake device, e.g. aer-noisy:fake_torino")
        from qbench.backends.noisy import fake_device

        fake_device(device)   # ConfigError naming the known devices
    if prefix in ("ibm-local", "ibm") and not device.strip():
        raise ConfigError(f"backend {spec!r}: name a device, e.g. ibm-local:fake_fez or ibm:ibm_torino")
    if prefix == "ibm-local":
        from qbench.backends.noisy import fake_device

        fake_device(device)
    return spec


def get_backend(spec: str, **options):
    """A :class:`~qbench.backends.base.Backend` for ``spec`` (e.g. ``'aer-noisy:fake_torino'``)."""
    from qbench.registry import load_object

    validate_spec(spec)
    cls = load_object(BACKENDS[backend_prefix(spec)])
    return cls(spec, **options)


__all__ = ["BACKENDS", "get_backend", "validate_spec", "backend_prefix"]
