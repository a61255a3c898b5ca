"""Multithreaded passes over the whole state: each pass runs one block program (``kernels.py``) on
every block, in parallel over contiguous ranges of blocks.

* block pass: blocks are contiguous runs of ``2^B`` amplitudes (qubits ``0..B-1`` are local) that
  stay in cache while a program of sweeps (phase, lane rotations, chunk rotations) runs on them;
* gathered pass: the qubits of one segment ``s..s+h-1`` (all >= B) are rotated on blocks of 2^h
  rows of 2^R contiguous amplitudes, one row per value of the segment's bits. Rows of 4 KiB keep
  the hardware prefetchers at full speed (rows of a few cache lines cost ~1.5x more per byte), and
  the block stays in cache for all ceil(h / 3) sweeps: one memory pass for the whole segment.

Programs never straddle blocks, so the work splits into independent ranges of blocks, one per
thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import JIT, LOCAL, fwd_block, radix_any, share, sweep_readout
from .phase import build_tq, phaseq_slot
from .kernels_bwd import bwd_block, radixg_any
from .schedule import tangent_form


@njit(**JIT)
def _hif(b, B, nq, amp0, amp1):
    f = 1.0
    for q in range(B, nq):
        f *= amp1[q] if (b >> (q - B)) & 1 else amp0[q]
    return f


@njit(**JIT)
def low_blocks(F, E, B, b0, b1, prog, mops, frames, tau, gen, general, gam, mfac, init8, initmid, amp0, amp1,
               acc, A, qlin, qcross, ehi, tq):
    """The block program on blocks b0..b1-1 (one thread's share of a block pass)."""
    nq = amp0.size
    S = 1 << B
    tab = np.empty(phaseq_slot(max(A, 3))[0])
    for b in range(b0, b1):
        hif = _hif(b, B, nq, amp0, amp1)
        fwd_block(F, 2 * b * S, S >> 3, b, B, prog, mops, E, frames, tau, gen, general, gam, mfac, init8,
                  initmid, hif, acc, A, qlin, qcross, ehi, tq, tab)


@njit(parallel=True, **JIT)
def fwd_low(F, E, B, nparts, prog, mops, frames, tau, gen, general, gam, mfac, init8, initmid, amp0,
            amp1, out, A, qlin, qcross, ehi, tq):
    nblocks = (F.size // 2) >> B
    for part in prange(nparts):
        b0, b1 = share(part, nblocks, nparts)
        acc = np.zeros(2)
        low_blocks(F, E, B, b0, b1, prog, mops, frames, tau, gen, general, gam, mfac, init8, initmid, amp0, amp1,
                   acc, A, qlin, qcross, ehi, tq)
        out[part, 0] = acc[0]
        out[part, 1] = acc[1]


@njit(**JIT)
def gather_base(b, R, s, h):
    """First chunk of gathered block b of segment (s, h): b enumerates the amplitude bits [R, s) and
    [s + h, nq); the block is the 2^h rows of 2^R amplitudes that differ only in bits s..s+h-1."""
    lo = b & ((1 << (s - R)) - 1)
    return (lo << (R - 3)) + ((b >> (s - R)) << (s + h - 3))


@njit(**JIT)
def row_offset(base, o, s, cnt, rq):
    """Reals offset of the first row of group o of a gathered block: the rows where the cnt rotated
    qubits rq.. (relative to s) are 0 and the other segment bits spell o."""
    k = ((o >> rq) << (rq + cnt)) + (o & ((1 << rq) - 1))
    return 16 * (base + (k << (s - 3)))


@njit(**JIT)
def gather_blocks(F, R, s, h, b0, b1, prog, tau, gen, general, E, M, acc):
    """The rotations of segment (s, h) (RADIX rows of ``prog``) on gathered blocks b0..b1-1: each block
    (2^h rows of 2^R amplitudes) is read from memory once and stays in cache for all of its sweeps. A
    LOCAL row (the READOUT of the last pass) adds sum |a|^2 E (frame M) and sum |a|^2 to acc."""
    rch = 1 << (R - 3)
    for b in range(b0, b1):
        base = gather_base(b, R, s, h)
        for si in range(prog.shape[0]):
            if prog[si, 0] == LOCAL:
                for o in range(1 << h):
                    c = base + (o << (s - 3))
                    sweep_readout(F, 16 * c, rch, 8 * c, E, M, acc)
                continue
            cnt = prog[si, 3]
            rq = prog[si, 4] - s
            for o in range(1 << (h - cnt)):
                radix_any(F, row_offset(base, o, s, cnt, rq), 0, rch, prog[si, 2], cnt, general, tau, gen,
                          prog[si, 1], prog[si, 4])


@njit(parallel=True, **JIT)
def fwd_gather(F, R, s, h, nparts, prog, tau, gen, general, E, M, out):
    """``gather_blocks`` on every gathered block of segment (s, h), in parallel over ranges of blocks."""
    nblk = (F.size >> 1) >> (R + h)
    for part in prange(nparts):
        b0, b1 = share(part, nblk, nparts)
        acc = np.zeros(2)
        gather_blocks(F, R, s, h, b0, b1, prog, tau, gen, general, E, M, acc)
        out[part, 0] = acc[0]
        out[part, 1] = acc[1]


@njit(**JIT)
def forward(F, E, B, R, general, kinds, progs, prog_off, mops, mops_off, seg_s, seg_h, seg_parts, bparts,
            betas, frames, tau, tau_b, cosb, fac_b, fscale, gen, gam, mfac, init8, initmid, amp0, amp1,
            out, A, qlin, qcross, ehi, qtab, tq):
    """One forward evaluation, one call from Python instead of one per pass:
    * the X-form angles (``schedule.tangent_form`` into frames, tau, tau_b, cosb, mfac, fac_b,
      fscale; with ``general`` the caller has filled gen and mfac);
    * the layer table of the structured phase (when A > 0);
    * every pass of the program (kinds[k] = 0: block pass, g >= 1: gathered pass of segment g - 1;
      its rows are progs[prog_off[k]:prog_off[k+1]]).
    Returns (sum |a|^2 E, sum |a|^2) of the stored final state, read by the last pass (zeros when
    the program has no readout)."""
    if not general:
        tangent_form(betas, tau, tau_b, cosb, frames, mfac, fac_b, fscale)
    if A > 0:
        build_tq(qtab, gam, frames, 1.0, tq)
    last = 1
    for k in range(kinds.size):
        pr = progs[prog_off[k]:prog_off[k + 1]]
        out[0] = 0.0
        # a pass of one part runs on this thread, outside any parallel region (whose launch and
        # barrier would need the other numba threads, and thread_scope(1) around every call)
        if kinds[k] == 0:
            mo = mops[mops_off[k]:mops_off[k + 1]]
            if bparts == 1:
                low_blocks(F, E, B, 0, (F.size // 2) >> B, pr, mo, frames, tau, gen, general, gam, mfac, init8,
                           initmid, amp0, amp1, out[0], A, qlin, qcross, ehi, tq)
            else:
                fwd_low(F, E, B, bparts, pr, mo, frames, tau, gen, general, gam, mfac, init8, initmid, amp0, amp1,
                        out[:bparts], A, qlin, qcross, ehi, tq)
            last = bparts
        else:
            g = kinds[k] - 1
            M = frames[frames.size - 1]
            if seg_parts[g] == 1:
                gather_blocks(F, R, seg_s[g], seg_h[g], 0, (F.size >> 1) >> (R + seg_h[g]), pr, tau, gen, general,
                              E, M, out[0])
            else:
                fwd_gather(F, R, seg_s[g], seg_h[g], seg_parts[g], pr, tau, gen, general, E, M, out[:seg_parts[g]])
            last = seg_parts[g]
    ex = 0.0
    nr = 0.0
    for i in range(last):
        ex += out[i, 0]
        nr += out[i, 1]
    return ex, nr


@njit(**JIT)
def bwd_low_blocks(FL, FP, E, B, b0, b1, prog, mops, frames, tau, gen, general, sth, cth, gam, mfac, mode, tcv,
                   alpha, gm, gg, A, qlin, qcross, ehi, tq):
    """The backward block program on blocks b0..b1-1, adding the unscaled gradient sums to gm, gg."""
    S = 1 << B
    scratch = np.empty(8)
    tab = np.empty(phaseq_slot(max(A, 3))[0])
    for b in range(b0, b1):
        bwd_block(FL, FP, 2 * b * S, S >> 3, b, B, prog, mops, E, frames, tau, gen, general, sth, cth,
                  gam, mfac, mode, tcv, alpha, gm, gg, scratch, A, qlin, qcross, ehi, tq, tab)


@njit(parallel=True, **JIT)
def bwd_low(FL, FP, E, B, nparts, prog, mops, frames, tau, gen, general, sth, cth, gam, mfac, mode, tcv,
            alpha, gmo, ggo, A, qlin, qcross, ehi, tq):
    nblocks = (FP.size // 2) >> B
    for part in prange(nparts):
        b0, b1 = share(part, nblocks, nparts)
        gm = np.zeros(gmo.shape[1:])
        gg = np.zeros(ggo.shape[1])
        bwd_low_blocks(FL, FP, E, B, b0, b1, prog, mops, frames, tau, gen, general, sth, cth, gam, mfac, mode, tcv,
                       alpha, gm, gg, A, qlin, qcross, ehi, tq)
        gmo[part] = gm
        ggo[part] = gg


@njit(**JIT)
def bwd_gather_blocks(FL, FP, R, s, h, b0, b1, prog, tau, gen, general, sth, cth, out):
    """Backward rotations of segment (s, h) on gathered blocks b0..b1-1; out[2*row + r] receives the
    unscaled gradient sums."""
    rch = 1 << (R - 3)
    acc = np.zeros(2)
    for b in range(b0, b1):
        base = gather_base(b, R, s, h)
        for si in range(prog.shape[0]):
            cnt = prog[si, 3]
            rq = prog[si, 4] - s
            acc[0] = 0.0
            acc[1] = 0.0
            for o in range(1 << (h - cnt)):
                off = row_offset(base, o, s, cnt, rq)
                radixg_any(FL, FP, off, 0, rch, prog[si, 2], cnt, general, tau, gen, sth, cth, prog[si, 1],
                           prog[si, 4], acc)
            out[2 * si] += acc[0]
            out[2 * si + 1] += acc[1]


@njit(parallel=True, **JIT)
def bwd_gather(FL, FP, R, s, h, nparts, prog, tau, gen, general, sth, cth, gpart):
    """Backward rotations of segment (s, h) (RADIXG rows: gradients of one or two qubits, unapplied in
    turn), blocked like ``fwd_gather``; gpart[part, 2*row + r] receives the unscaled gradient sums."""
    nblk = (FP.size >> 1) >> (R + h)
    for part in prange(nparts):
        b0, b1 = share(part, nblk, nparts)
        out = np.zeros(2 * prog.shape[0])
        bwd_gather_blocks(FL, FP, R, s, h, b0, b1, prog, tau, gen, general, sth, cth, out)
        for j in range(out.size):
            gpart[part, j] = out[j]
