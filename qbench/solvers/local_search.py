"""Classical post-processing of a rounded bitstring: steepest-descent bit flips, then swaps.

Used by PCE (as in Sciorilli et al., who follow sign rounding with a single-bit-swap search) and
reported separately from the raw rounded answer so the quantum part's own quality stays visible.
"""

from __future__ import annotations

import numpy as np

from qbench.qubo import QUBO

LOCAL_SEARCHES = ("none", "flip", "flip-swap")


def flip_deltas(qubo: QUBO, x: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Energy change of flipping each bit of ``x`` (``S`` = quadratic + quadratic.T)."""
    return (1.0 - 2.0 * x) * (qubo.linear + S @ x)


def local_search(qubo: QUBO, x: np.ndarray, kind: str = "flip", max_moves: int = 100_000) -> tuple[np.ndarray, dict]:
    """Best-improvement descent from ``x``: single flips until none improves, then (``flip-swap``)
    the best pair flip of a 1 and a 0 (a swap), then flips again. Returns (x, facts)."""
    if kind not in LOCAL_SEARCHES:
        raise ValueError(f"local_search must be one of {', '.join(LOCAL_SEARCHES)}, got {kind!r}")
    x = np.asarray(x, dtype=float).copy()
    flips = swaps = 0
    if kind == "none" or x.size == 0:
        return x.astype(np.uint8), {"local_search": kind, "flips": 0, "swaps": 0}
    S = qubo.quadratic + qubo.quadratic.T
    tol = 1e-12 * max(1.0, qubo.max_abs_coefficient())
    while flips + swaps < max_moves:
        d = flip_deltas(qubo, x, S)
        i = int(np.argmin(d))
        if d[i] < -tol:
            x[i] = 1.0 - x[i]
            flips += 1
            continue
        if kind != "flip-swap":
            break
        ones, zeros = np.flatnonzero(x > 0.5), np.flatnonzero(x < 0.5)
        if ones.size == 0 or zeros.size == 0:
            break
        # flipping i (1 -> 0) and j (0 -> 1): d_i + d_j - S_ij (the sign product is -1)
        pair = d[ones][:, None] + d[zeros][None, :] - S[np.ix_(ones, zeros)]
        a, b = np.unravel_index(int(np.argmin(pair)), pair.shape)
        if pair[a, b] >= -tol:
            break
        x[ones[a]], x[zeros[b]] = 0.0, 1.0
        swaps += 1
    return x.astype(np.uint8), {"local_search": kind, "flips": flips, "swaps": swaps}
