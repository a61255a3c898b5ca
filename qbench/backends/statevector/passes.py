"""Multithreaded passes over the whole state: each pass runs one block program (``kernels.py``) on
every block, in parallel over contiguous ranges of blocks.

* block pass: blocks are contiguous runs of ``2^B`` amplitudes (qubits ``0..B-1`` are local) that
  stay in cache while a program of sweeps (phase, lane rotations, chunk rotations) runs on them;
* stream pass: the qubits ``>= B`` are rotated three at a time by in-place sweeps over the whole
  state. Each sweep reads and writes 8 sequential streams, which the hardware prefetchers follow at
  full bandwidth (a gather of rows 2^B apart costs ~3x more per byte on the machines we measured).

Programs never straddle blocks (block pass) or 8-chunk groups (stream pass), so the work splits
into independent contiguous ranges, one per thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import JIT, fwd_block, phaseq_slot, radix_any
from .kernels_bwd import bwd_block, radixg_any


@njit(**JIT)
def _hif(b, B, nq, amp0, amp1):
    f = 1.0
    for q in range(B, nq):
        f *= amp1[q] if (b >> (q - B)) & 1 else amp0[q]
    return f


@njit(parallel=True, **JIT)
def fwd_low(F, E, B, nparts, prog, mops, frames, tau, gen, general, gam, mfac, init8, initmid, amp0,
            amp1, out, A, qlin, qcross, ehi, tq):
    N = F.size // 2
    nq = amp0.size
    S = 1 << B
    nblocks = N >> B
    slot, sb = phaseq_slot(max(A, 3))
    for part in prange(nparts):
        b0 = part * nblocks // nparts
        b1 = (part + 1) * nblocks // nparts
        acc = np.zeros(2)
        tab = np.empty(slot)
        for b in range(b0, b1):
            hif = _hif(b, B, nq, amp0, amp1)
            fwd_block(F, 2 * b * S, S >> 3, b, B, prog, mops, E, frames, tau, gen, general, gam, mfac, init8,
                      initmid, hif, acc, A, qlin, qcross, ehi, tq, tab)
        out[part, 0] = acc[0]
        out[part, 1] = acc[1]


@njit(parallel=True, **JIT)
def fwd_stream(F, B, nparts, prog, tau, gen, general):
    """All high-qubit sweeps of a pass in one parallel region. Each sweep rotates up to three qubits
    >= B in place over the whole state (2^cnt sequential read/write streams). Thread t owns the
    chunks whose low B-3 bits fall in its range: high-qubit pairs never leave that set, so the
    sweeps need no barrier between them."""
    L = B - 3
    nch = F.size // 16
    for part in prange(nparts):
        lo = part * (1 << L) // nparts
        hi = (part + 1) * (1 << L) // nparts
        for si in range(prog.shape[0]):
            cnt = prog[si, 3]
            for hr in range((nch >> cnt) >> L):
                radix_any(F, 0, (hr << L) + lo, (hr << L) + hi, prog[si, 2], cnt, general, tau, gen,
                          prog[si, 1], prog[si, 4])


@njit(parallel=True, **JIT)
def bwd_low(FL, FP, E, B, nparts, prog, mops, frames, tau, gen, general, sth, cth, gam, mfac, mode, tcv,
            alpha, gmo, ggo, A, qlin, qcross, ehi, tq):
    N = FP.size // 2
    S = 1 << B
    nblocks = N >> B
    slot, sb = phaseq_slot(max(A, 3))
    for part in prange(nparts):
        b0 = part * nblocks // nparts
        b1 = (part + 1) * nblocks // nparts
        gm = np.zeros(gmo.shape[1:])
        gg = np.zeros(ggo.shape[1])
        scratch = np.empty(8)
        tab = np.empty(slot)
        for b in range(b0, b1):
            bwd_block(FL, FP, 2 * b * S, S >> 3, b, B, prog, mops, E, frames, tau, gen, general, sth, cth,
                      gam, mfac, mode, tcv, alpha, gm, gg, scratch, A, qlin, qcross, ehi, tq, tab)
        gmo[part] = gm
        ggo[part] = gg


@njit(parallel=True, **JIT)
def bwd_stream(FL, FP, B, nparts, prog, tau, gen, general, sth, cth, gpart):
    """Backward high-qubit sweeps (RADIXG rows: gradients of one or two qubits, unapplied in turn),
    partitioned like ``fwd_stream``; gpart[part, 2*row + r] receives the unscaled gradient sums."""
    L = B - 3
    nch = FP.size // 16
    for part in prange(nparts):
        lo = part * (1 << L) // nparts
        hi = (part + 1) * (1 << L) // nparts
        out = np.zeros(2)
        for si in range(prog.shape[0]):
            cnt = prog[si, 3]
            out[0] = 0.0
            out[1] = 0.0
            for hr in range((nch >> cnt) >> L):
                radixg_any(FL, FP, 0, (hr << L) + lo, (hr << L) + hi, prog[si, 2], cnt, general, tau, gen, sth,
                           cth, prog[si, 1], prog[si, 4], out)
            gpart[part, 2 * si] = out[0]
            gpart[part, 2 * si + 1] = out[1]
