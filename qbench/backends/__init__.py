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


#: set by the solver from its own parameters, never through ``backend_options``
SOLVER_OWNED = ("seed",)


def check_backend_options(spec: str, options: dict | None, solver_owned: tuple[str, ...] = SOLVER_OWNED) -> dict:
    """``options`` (a solver's ``backend_options``) as a dict, or ConfigError naming an option the
    backend does not take (with a close match) or one the solver sets itself (``seed``, ``shots``)."""
    import difflib
    import inspect

    from qbench.registry import load_object

    if options is None:
        return {}
    if not isinstance(options, dict):
        raise ConfigError(f"backend_options must be a mapping of option: value, got {options!r}")
    validate_spec(spec)
    owned = sorted(set(options) & set(solver_owned))
    if owned:
        raise ConfigError(f"backend_options: {', '.join(owned)} is set by the solver's own parameters, "
                          f"not through backend_options")
    init = inspect.signature(load_object(BACKENDS[backend_prefix(spec)]).__init__)
    if any(p.kind is p.VAR_KEYWORD for p in init.parameters.values()):
        return dict(options)      # Aer backends pass unknown names on as Aer simulator options
    allowed = [name for name, p in init.parameters.items()
               if p.kind is p.KEYWORD_ONLY and name not in (*solver_owned, "service", "quiet")]
    for name in options:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"backend {spec!r}: unknown option {name!r} in backend_options{hint} "
                              f"(allowed: {', '.join(allowed)})")
    return dict(options)


def open_backend(spec: str, options: dict | None = None, **solver_set):
    """The backend a solver runs on: its own settings (``seed``, ``shots``) plus the user's
    ``backend_options``. Use it as a context manager so a device batch or session is closed."""
    merged = check_backend_options(spec, options, tuple(sorted({*SOLVER_OWNED, *solver_set})))
    return get_backend(spec, **solver_set, **merged)


__all__ = ["BACKENDS", "get_backend", "open_backend", "check_backend_options", "validate_spec",
           "backend_prefix"]
