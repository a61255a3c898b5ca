"""Fast exact statevector engine for QAOA-type circuits on QUBO cost diagonals.

Public API::

    qubo_diagonal(qubo, dtype=np.float64) -> np.ndarray        # all 2^n energies, O(2^n)
    qubo_minimum(qubo) -> (index, energy)                      # exact minimiser, no storage
    QAOAEngine(diagonal, precision="double", thetas=None)      # .run / .value_and_grad / .cvar /
    QAOAEngine.from_qubo(qubo, ...)                            # .analyze / .sample / .top_k / .statevector
                                                               # (store_diagonal=False: energies from block tables)
    check_fits(n, precision, gradient=..., cvar=...)           # TooLargeError before allocating
"""

import hashlib
from pathlib import Path


def _purge_stale_numba_cache() -> None:
    """numba's ``cache=True`` keys each function on its own file, so a cached kernel keeps stale
    copies of callees from other modules of this package after they change. Drop this package's
    cache files whenever any of its sources changed (best effort, before anything is compiled)."""
    here = Path(__file__).resolve().parent
    try:
        digest = hashlib.sha1(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()
        cache = here / "__pycache__"
        stamp = cache / "numba_sources.sha1"
        if stamp.is_file() and stamp.read_text() == digest:
            return
        for f in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass


_purge_stale_numba_cache()

from .diagonal import bits_to_index, coefficients, index_to_bits, qubo_diagonal, qubo_minimum  # noqa: E402
from .engine import QAOAEngine, Readout  # noqa: E402
from .memory import available_bytes, check_fits, required_bytes  # noqa: E402

__all__ = ["QAOAEngine", "Readout", "qubo_diagonal", "qubo_minimum", "coefficients", "index_to_bits",
           "bits_to_index", "check_fits", "required_bytes", "available_bytes"]
