"""Reading the final state: one-pass statistics, CVaR, seeded sampling, top-K, conversion.

All kernels read the engine's internal layout (``kernels.py``) under a Pauli frame ``M``: the
logical amplitude of basis state ``z`` is ``scale * stored[z ^ M]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .diagonal import _block_line
from .kernels import JIT, share


@njit(**JIT)
def _re(s):
    """Index of the real part of stored amplitude s (imaginary part at +8)."""
    return 2 * (s & -8) + (s & 7)


@njit(**JIT)
def analyze_blocks(F, E, M, masks, nmasks, bbits, bmass, b0, b1, acc):
    """``analyze`` on the stored blocks b0..b1-1, adding to acc (one thread's share). Without a cost
    diagonal (E.size < number of amplitudes) acc[1] stays 0."""
    S = 1 << bbits
    lm = masks.size - 1
    with_e = E.size >= F.size // 2
    for b in range(b0, b1):
        bm = 0.0
        for s in range(b * S, (b + 1) * S):
            j = _re(s)
            p = np.float64(F[j]) ** 2 + np.float64(F[j + 8]) ** 2
            z = s ^ M
            bm += p
            if with_e:
                acc[1] += p * E[z]
            if nmasks > 0:
                bits = masks[z & lm]
                for k in range(nmasks):
                    if (bits >> k) & 1:
                        acc[2 + k] += p
        bmass[b] = bm
        acc[0] += bm


@njit(parallel=True, **JIT)
def analyze(F, E, M, masks, nmasks, bbits, bmass, out):
    """One pass: out[part] = (sum p, sum p E, mass of mask bit 0, bit 1, ...); bmass[b] = mass of the
    stored block b of 2^bbits amplitudes (for sampling). ``masks`` is a packed uint8 per logical
    basis state (bit j = member of mask j), or a length-1 dummy when nmasks == 0."""
    nb = (F.size // 2) >> bbits
    nparts = out.shape[0]
    for part in prange(nparts):
        b0, b1 = share(part, nb, nparts)
        acc = np.zeros(out.shape[1])
        analyze_blocks(F, E, M, masks, nmasks, bbits, bmass, b0, b1, acc)
        for k in range(out.shape[1]):
            out[part, k] = acc[k]


@njit(**JIT)
def energy_blocks(F, M, elo, cross, ehi, b0, b1, acc):
    """(sum |a|^2 E, sum |a|^2) over the stored sub-blocks b0..b1-1 of elo.size amplitudes, with the
    energies built per sub-block from the QUBO's split into low and high bits (``diagonal._block_line``)
    instead of read from a cost diagonal (logical index = stored index ^ M)."""
    A = cross.shape[0]
    S = 1 << A
    ml = M & (S - 1)
    w = np.empty(A)
    lin = np.empty(S)
    for b in range(b0, b1):
        _block_line(b ^ (M >> A), cross, ehi, 0.0, w, lin)
        ex = 0.0
        nr = 0.0
        for s in range(S):
            j = _re(b * S + s)
            p = np.float64(F[j]) ** 2 + np.float64(F[j + 8]) ** 2
            t = s ^ ml
            ex += p * (lin[t] + elo[t])
            nr += p
        acc[0] += ex
        acc[1] += nr


@njit(parallel=True, **JIT)
def structured_energy(F, M, elo, cross, ehi, out):
    """``energy_blocks`` over the whole state, in parallel over ranges of sub-blocks (out: (parts, 2))."""
    nb = (F.size // 2) // elo.size
    nparts = out.shape[0]
    for part in prange(nparts):
        b0, b1 = share(part, nb, nparts)
        acc = np.zeros(2)
        energy_blocks(F, M, elo, cross, ehi, b0, b1, acc)
        out[part, 0] = acc[0]
        out[part, 1] = acc[1]


@njit(**JIT)
def cvar_walk(F, order, esorted, M, alpha, scale2):
    """CVaR_alpha (mean of the lowest-energy alpha of the probability mass) and the alpha-quantile
    energy, walking the energies in increasing order (``order``: basis states sorted by energy)."""
    acc = 0.0
    acce = 0.0
    for k in range(order.size):
        s = order[k] ^ M
        j = _re(s)
        p = scale2 * (np.float64(F[j]) ** 2 + np.float64(F[j + 8]) ** 2)
        if acc + p >= alpha:
            acce += (alpha - acc) * esorted[k]
            return acce / alpha, esorted[k]
        acc += p
        acce += p * esorted[k]
    return acce / max(acc, 1e-300), esorted[order.size - 1]


@njit(**JIT)
def sample_sorted(F, bcum, bbits, u, M, out):
    """Inverse-CDF sampling of sorted uniforms ``u`` (in units of total mass) through the block
    cumulative masses ``bcum``; writes logical basis states to ``out``."""
    S = 1 << bbits
    nb = bcum.size
    inner = np.empty(S)
    cur = -1
    b = 0
    for k in range(u.size):
        x = u[k]
        while b < nb - 1 and bcum[b] <= x:
            b += 1
        if b != cur:
            c = bcum[b - 1] if b > 0 else 0.0
            for t in range(S):
                j = _re(b * S + t)
                c += np.float64(F[j]) ** 2 + np.float64(F[j + 8]) ** 2
                inner[t] = c
            cur = b
        t = np.searchsorted(inner, x, side="right")
        if t >= S:  # rounding at the block's upper edge: take its last non-zero amplitude
            t = S - 1
            while t > 0 and inner[t] == inner[t - 1]:
                t -= 1
        out[k] = (b * S + t) ^ M


@njit(parallel=True, **JIT)
def probabilities_range(F, s0, scale2, out):
    """out[t] = scale2 * |stored[s0 + t]|^2."""
    for t in prange(out.size):
        j = _re(s0 + t)
        out[t] = scale2 * (np.float64(F[j]) ** 2 + np.float64(F[j + 8]) ** 2)


def stored_to_complex(F: np.ndarray, n: int, M: int, scale: complex, dtype) -> np.ndarray:
    """The logical statevector (2^n complex) from the internal layout."""
    N = F.size // 2
    ch = F.reshape(N // 8, 2, 8)
    st = np.empty(N, dtype=dtype)
    st.real = ch[:, 0, :].reshape(-1)
    st.imag = ch[:, 1, :].reshape(-1)
    idx = np.arange(1 << n, dtype=np.int64) ^ M
    return (st[idx] * scale).astype(dtype, copy=False)


def top_k_stored(F: np.ndarray, n: int, M: int, scale2: float, k: int,
                 chunk_bits: int = 22) -> tuple[np.ndarray, np.ndarray]:
    """The k most probable logical basis states and their probabilities (descending)."""
    N = 1 << n
    k = min(k, N)
    best_idx = np.zeros(0, dtype=np.int64)
    best_p = np.zeros(0)
    step = min(N, 1 << chunk_bits)
    buf = np.empty(step)
    for z0 in range(0, N, step):
        # logical z0..z0+step maps to stored (z ^ M); M's low bits permute within the chunk when
        # step is a power of two >= 8, so read the stored range and map the indices back
        s0 = z0 ^ (M & ~(step - 1))
        probabilities_range(F, s0, scale2, buf)
        sel = np.argpartition(-buf, k - 1)[:k] if k < step else np.arange(step)
        zi = (s0 + sel) ^ M
        best_idx = np.concatenate([best_idx, zi.astype(np.int64)])
        best_p = np.concatenate([best_p, buf[sel]])
        if best_idx.size > k:
            keep = np.argpartition(-best_p, k - 1)[:k]
            best_idx, best_p = best_idx[keep], best_p[keep]
    order = np.lexsort((best_idx, -best_p))
    return best_idx[order], best_p[order]


def pack_masks(masks, n: int) -> np.ndarray:
    """Pack up to 8 boolean masks (arrays of 2^n) or index sets into one uint8 per basis state."""
    if len(masks) > 8:
        raise ValueError("at most 8 masks per readout")
    packed = np.zeros(1 << n, dtype=np.uint8)
    for j, m in enumerate(masks):
        m = np.asarray(m)
        if m.dtype == bool:
            if m.shape != (1 << n,):
                raise ValueError(f"boolean mask must have shape ({1 << n},), got {m.shape}")
            packed |= (m.astype(np.uint8) << j)
        else:
            packed[m.astype(np.int64)] |= np.uint8(1 << j)
    return packed
