"""All 2^n energies of a QUBO in O(2^n): the cost diagonal of the fast engine.

Bit i of the basis index is variable i (little-endian, as in Qiskit). The doubling recursion is
``E_{k+1}[z + 2^k] = E_k[z] + h_k + r_k[z]`` with ``r_k[z] = sum_{j<k} J_jk z_j``, itself built by
doubling over ``j``. Run as stated it streams through memory ~log n times; here it is blocked:
the index splits into L low bits (a 2^L block that stays in L1/L2) and n - L high bits. The low and
the high variables each get their own small doubling table (2^L and 2^(n-L) entries); each block
then only needs the couplings between its high bits and the low variables, folded into an effective
linear field ``w`` and doubled across the block. Total work is ~3 adds per entry, one write.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import JIT
from .memory import aligned_empty
from .threads import auto_threads, thread_scope

LOW_BITS = 12


@njit(**JIT)
def _doubling(h, J, out):
    """out[z] = sum_i h_i z_i + sum_{i<j} J_ij z_i z_j for z < 2^len(h) (J strictly upper)."""
    k = h.size
    out[0] = 0.0
    row = np.empty(max(1, 1 << max(k - 1, 0)))
    for v in range(k):
        half = 1 << v
        row[0] = 0.0
        for j in range(v):
            hj = 1 << j
            Jjv = J[j, v]
            for z in range(hj):
                row[hj + z] = row[z] + Jjv
        hv = h[v]
        for z in range(half):
            out[half + z] = out[z] + hv + row[z]


@njit(**JIT)
def _block_line(b, cross, ehi, offset, w, lin):
    """Energies of block ``b`` without its low-bit part: ``lin[z] = offset + E_hi(b) + sum_i z_i w_i``
    with ``w_i`` the couplings of low bit i to the high bits set in ``b`` (filled by doubling)."""
    L = w.size
    for i in range(L):
        w[i] = 0.0
    for j in range(cross.shape[1]):
        if (b >> j) & 1:
            for i in range(L):
                w[i] += cross[i, j]
    lin[0] = offset + ehi[b]
    for i in range(L):
        hi = 1 << i
        wi = w[i]
        for z in range(hi):
            lin[hi + z] = lin[z] + wi


@njit(**JIT)
def _split_tables(h, J, L):
    """The energy split into the L low bits and the rest: (elo: energies of the low bits alone,
    ehi: of the high bits alone, cross: the couplings between them)."""
    elo = np.empty(1 << L)
    _doubling(h[:L].copy(), J[:L, :L].copy(), elo)
    ehi = np.empty(1 << (h.size - L))
    _doubling(h[L:].copy(), J[L:, L:].copy(), ehi)
    return elo, ehi, J[:L, L:].copy()


@njit(parallel=True, **JIT)
def _diag_kernel(h, J, offset, L, out):
    S = 1 << L
    nb = 1 << (h.size - L)
    elo, ehi, cross = _split_tables(h, J, L)
    nparts = min(nb, 256)
    for part in prange(nparts):
        w = np.empty(L)
        lin = np.empty(S)
        for b in range(part * nb // nparts, (part + 1) * nb // nparts):
            _block_line(b, cross, ehi, offset, w, lin)
            o = b * S
            for z in range(S):
                out[o + z] = lin[z] + elo[z]


@njit(parallel=True, **JIT)
def _min_kernel(h, J, offset, L, bestv, besti):
    """Per-part minimum energy and its (lowest) index, without storing the diagonal."""
    S = 1 << L
    nb = 1 << (h.size - L)
    elo, ehi, cross = _split_tables(h, J, L)
    nparts = bestv.size
    for part in prange(nparts):
        w = np.empty(L)
        lin = np.empty(S)
        bv = np.inf
        bi = -1
        for b in range(part * nb // nparts, (part + 1) * nb // nparts):
            _block_line(b, cross, ehi, offset, w, lin)
            for z in range(S):
                v = lin[z] + elo[z]
                if v < bv:
                    bv = v
                    bi = b * S + z
        bestv[part] = bv
        besti[part] = bi


def coefficients(qubo=None, *, linear=None, quadratic=None, offset: float = 0.0):
    """(h, J strictly upper, offset) as float64 from a QUBO-like object or from arrays. ``quadratic``
    may be dense (any triangle / symmetric), a scipy.sparse matrix, a dict {(i, j): v} or a
    (rows, cols, values) triple; diagonal entries are linear terms."""
    if qubo is not None:
        linear, quadratic, offset = qubo.linear, qubo.quadratic, qubo.offset
    h = np.array(linear, dtype=np.float64).reshape(-1)
    n = h.size
    J = np.zeros((n, n))
    if quadratic is None:
        pass
    elif isinstance(quadratic, dict):
        for (i, j), v in quadratic.items():
            J[i, j] += v
    elif isinstance(quadratic, tuple) and len(quadratic) == 3:
        np.add.at(J, (np.asarray(quadratic[0]), np.asarray(quadratic[1])), np.asarray(quadratic[2], float))
    elif hasattr(quadratic, "tocoo"):
        coo = quadratic.tocoo()
        np.add.at(J, (coo.row, coo.col), coo.data)
    else:
        J = np.array(quadratic, dtype=np.float64)
        if J.shape != (n, n):
            raise ValueError(f"quadratic has shape {J.shape}, expected {(n, n)}")
    h = h + np.diag(J)
    J = np.triu(J, 1) + np.tril(J, -1).T
    return h, np.ascontiguousarray(J), float(offset)


def qubo_diagonal(qubo=None, *, linear=None, quadratic=None, offset: float = 0.0, dtype=np.float64,
                  out: np.ndarray | None = None) -> np.ndarray:
    """All 2^n energies E[z] (bit i of z = variable i), float64 by default or float32."""
    h, J, c = coefficients(qubo, linear=linear, quadratic=quadratic, offset=offset)
    n = h.size
    if n > 40:
        raise ValueError(f"a cost diagonal of {n} variables would have 2^{n} entries")
    if out is None:
        out = aligned_empty(1 << n, dtype)
    elif out.shape != (1 << n,) or not out.flags.c_contiguous:
        raise ValueError("out must be a contiguous array of 2^n entries")
    if n == 0:
        out[0] = c
        return out
    with thread_scope(auto_threads(n)):
        _diag_kernel(h, J, c, min(n, LOW_BITS), out)
    return out


def qubo_minimum(qubo=None, *, linear=None, quadratic=None, offset: float = 0.0) -> tuple[int, float]:
    """(index, energy) of the lowest-energy basis state (lowest index among ties), in O(2^n) time
    and O(2^min(n,12)) memory."""
    h, J, c = coefficients(qubo, linear=linear, quadratic=quadratic, offset=offset)
    n = h.size
    if n == 0:
        return 0, c
    L = min(n, LOW_BITS)
    nparts = min(1 << (n - L), 64)
    bv = np.empty(nparts)
    bi = np.empty(nparts, dtype=np.int64)
    with thread_scope(auto_threads(n)):
        _min_kernel(h, J, c, L, bv, bi)
    k = int(np.argmin(bv))  # first part with the minimum holds the lowest index among ties
    return int(bi[k]), float(bv[k])


def index_to_bits(idx, n: int) -> np.ndarray:
    """Basis indices -> (len, n) uint8 bit rows (bit i = variable i)."""
    idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
    return ((idx[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(np.uint8)


def bits_to_index(X) -> np.ndarray:
    X = np.atleast_2d(np.asarray(X, dtype=np.int64))
    return (X << np.arange(X.shape[1], dtype=np.int64)[None, :]).sum(axis=1)
