"""Memory estimates for the statevector engine, checked before anything is allocated."""

from __future__ import annotations

import math
import os
import time

import numpy as np

from qbench.errors import TooLargeError

#: hard ceiling regardless of memory (index arithmetic and run times stay sane below it)
MAX_QUBITS = 34

PRECISIONS = {"double": 8, "single": 4}   # bytes per real component


def real_bytes(precision: str) -> int:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
    return PRECISIONS[precision]


def required_bytes(n: int, precision: str = "double", *, gradient: bool = False, cvar: bool = False,
                   diagonal: bool = True, diag_bytes: int | None = None) -> int:
    """Bytes the engine allocates for an n-qubit run: the state (+ the adjoint state for gradients),
    the cost diagonal (unless the caller already holds it), and the sorted energies for CVaR."""
    N = 1 << max(n, 3)
    rb = real_bytes(precision)
    total = 2 * rb * N * (2 if gradient else 1)
    if diagonal:
        total += (diag_bytes if diag_bytes is not None else rb) * N
    if cvar:
        total += N * (8 + (4 if n < 31 else 8))   # sorted energies + permutation
    return total + (64 << 20)                     # per-thread buffers, slack


_AVAILABLE_CACHE = [0.0, 0]   # (monotonic time, bytes): one query per second is plenty


def available_bytes(max_age: float = 1.0) -> int:
    """Memory available to this process (psutil when installed, else /proc/meminfo, else sysconf);
    re-read when the last reading is older than ``max_age`` seconds (an engine checks several times
    while it is built and a solver builds one per QUBO, each reading costs ~0.1 ms)."""
    now = time.monotonic()
    if now - _AVAILABLE_CACHE[0] > max_age:
        _AVAILABLE_CACHE[:] = [now, _read_available_bytes()]
    return _AVAILABLE_CACHE[1]


def _read_available_bytes() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        pass
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def fmt_bytes(b: float) -> str:
    """Bytes for people: ``512 B``, ``1.5 GiB``, ``2.0 EiB``; beyond that a power of two
    (``about 2^103 B``), so that a hopeless request does not print as a 19-digit TiB figure."""
    b = float(b)
    if b < 1024:
        return f"{int(b)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        b /= 1024
        if b < 1024:
            return f"{b:.1f} {unit}"
    return f"about 2^{round(math.log2(b) + 60)} B"


def check_fits(n: int, precision: str = "double", *, gradient: bool = False, cvar: bool = False,
               diagonal: bool = True, what: str = "statevector engine", available: int | None = None) -> int:
    """Raise TooLargeError (one line) if an n-qubit run cannot fit; return the bytes it needs."""
    need = required_bytes(n, precision, gradient=gradient, cvar=cvar, diagonal=diagonal)
    avail = available_bytes() if available is None else available
    if n > MAX_QUBITS:
        raise TooLargeError(f"{n} qubits is too large for the {what}: its limit is {MAX_QUBITS} qubits "
                            f"(a 2^n state); use backend aer-mps, a qubit-compressing solver (pce, qrao) "
                            f"or shrink the QUBO")
    if need > avail:
        hint = "" if precision == "single" else "; precision='single' halves it"
        raise TooLargeError(
            f"{n} qubits is too large for the {what}: it would need {fmt_bytes(need)} "
            f"({precision} precision{', with gradients' if gradient else ''}) but {fmt_bytes(avail)} is "
            f"available{hint}; shrink the QUBO, use a qubit-compressing encoding (PCE, QRAO) or an MPS "
            f"simulator instead")
    return need


def fits(n: int, precision: str = "double", **kwargs) -> bool:
    """Whether ``check_fits`` would accept the run."""
    try:
        check_fits(n, precision, **kwargs)
    except TooLargeError:
        return False
    return True


def aligned_empty(size: int, dtype=np.float64, align: int = 64) -> np.ndarray:
    """An uninitialised 1-d array whose data starts on an ``align``-byte boundary. numpy only
    guarantees 16 bytes; the kernels' 64-byte vector loads and stores that straddle two cache lines
    cost ~10 % of a QAOA layer."""
    item = np.dtype(dtype).itemsize
    raw = np.empty(int(size) + align // item, dtype=dtype)
    start = (-raw.ctypes.data % align) // item
    return raw[start:start + int(size)]
