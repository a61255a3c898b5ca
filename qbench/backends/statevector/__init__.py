"""Fast exact statevector engine for QAOA-type circuits on QUBO cost diagonals.

Public API::

    qubo_diagonal(qubo, dtype=np.float64) -> np.ndarray        # all 2^n energies, O(2^n)
    qubo_minimum(qubo) -> (index, energy)                      # exact minimiser, no storage
    QAOAEngine(diagonal, precision="double", thetas=None)      # .run / .value_and_grad / .cvar /
                                                               # .analyze / .sample / .top_k / .statevector
    check_fits(n, precision, gradient=..., cvar=...)           # TooLargeError before allocating
"""

from .diagonal import bits_to_index, coefficients, index_to_bits, qubo_diagonal, qubo_minimum
from .engine import QAOAEngine, Readout
from .memory import available_bytes, check_fits, required_bytes

__all__ = ["QAOAEngine", "Readout", "qubo_diagonal", "qubo_minimum", "coefficients", "index_to_bits",
           "bits_to_index", "check_fits", "required_bytes", "available_bytes"]
