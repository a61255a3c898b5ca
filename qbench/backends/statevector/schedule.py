"""Host side of the engine: how the qubits are split into passes, the block programs of each pass,
and the per-evaluation scalars (tangents, Pauli frames, scale factors, gradient scales).

Pass plan. Qubits ``0..B-1`` are *low*: a block pass applies, per cache-resident block of 2^B
amplitudes, the phase of layer l and the low part of mixer l. Qubits ``>= B`` are *high*: they are
split into segments of at most ``high_bits`` consecutive qubits, and one *gathered* pass per segment
rotates all of its qubits while a block of 2^h rows of 2^R contiguous amplitudes (one row per value
of the segment's qubits) sits in cache. The rotations of one mixer commute, so a layer costs one
block pass plus one gathered pass per segment (one segment up to B + high_bits qubits); the
expectation value is read by the last pass, block by block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

from .kernels import (INIT, INREG, INREGG, LAMINIT, LOCAL, PHASE, PHASEG, PHASEG_LAST, RADIX, RADIXG,
                      READOUT)


@dataclass(frozen=True)
class Layout:
    nq: int   # internal qubits (>= 3)
    B: int    # block bits: qubits < B are rotated in block passes, the rest in gathered passes
    R: int = 3                                   # row bits of the gathered passes (3 <= R <= B)
    segments: tuple[tuple[int, int], ...] = ()   # (first qubit, count) of each gathered pass

    @property
    def has_high(self) -> bool:
        return self.nq > self.B


def make_layout(nq: int, low_bits: int = 15, *, parallel: bool = False, high_bits: int = 9,
                row_bits: int = 8) -> Layout:
    """Blocks of 2^low_bits amplitudes; one block for states up to 2^(low_bits+1) amplitudes (they sit
    in L2 anyway) unless ``parallel``, where from 2^14 amplitudes the state is cut into at least four
    blocks so that every thread has work. Blocks grow by up to two bits when that leaves one gathered
    pass instead of two. Gathered rows of 2^row_bits amplitudes (4 KiB in double
    precision: long enough for the hardware prefetchers) and at most ``high_bits`` qubits per
    gathered pass (2^17 amplitudes = 2 MiB per block with the defaults: one L2)."""
    low_bits = max(3, int(low_bits))
    if parallel and nq >= 14:
        B = min(low_bits, nq - 2)
    else:
        B = nq if nq <= low_bits + 1 else low_bits
    extra = nq - B - high_bits   # high qubits one gathered pass cannot take
    if 1 <= extra <= 2 and B + extra <= nq - 2:
        # blocks two or four times larger (L2 / L3 resident) save a whole gathered pass per layer:
        # measured at n = 25 and 26, -20 % per layer at 26; at 27 (eight times) the gain is ~5 %
        B += extra
    high = nq - B
    if high == 0:
        return Layout(nq, B)
    k = -(-high // max(1, int(high_bits)))
    sizes = [high // k + (1 if i < high % k else 0) for i in range(k)]
    starts = np.cumsum([B] + sizes[:-1])
    return Layout(nq, B, max(3, min(int(row_bits), B)), tuple((int(s), h) for s, h in zip(starts, sizes)))


def forward_plan(layout: Layout, p: int, readout: bool = True) -> list[tuple[int, list[tuple]]]:
    """Group 0 = block pass, group k >= 1 = gathered pass of segment k - 1. Layer l = phase(l), then
    mix(l) (its block part and segment parts commute). ``readout``: the last pass also reads the
    expectation value from the cost diagonal."""
    if not layout.has_high:
        ops: list[tuple] = [("init",)]
        for l in range(p):
            ops += [("phase", l), ("mix", l)]
        return [(0, ops + ([("readout",)] if readout else []))]
    passes = [(0, [("init",), ("phase", 0), ("mix", 0)])]
    for l in range(p):
        passes += [(k + 1, [("mix", l)]) for k in range(len(layout.segments))]
        if l + 1 < p:
            passes.append((0, [("phase", l + 1), ("mix", l + 1)]))
    if readout:
        passes[-1][1].append(("readout",))   # read while the last gathered block is still in cache
    return passes


def backward_plan(layout: Layout, p: int) -> list[tuple[int, list[tuple]]]:
    if not layout.has_high:
        ops: list[tuple] = [("laminit",)]
        for l in range(p - 1, -1, -1):
            ops += [("mixg", l), ("phaseg", l)]
        return [(0, ops)]
    passes = [(0, [("laminit",), ("mixg", p - 1)])]
    for l in range(p - 1, -1, -1):
        passes += [(k + 1, [("mixg", l)]) for k in range(len(layout.segments))]
        passes.append((0, [("phaseg", l)] + ([("mixg", l - 1)] if l > 0 else [])))
    return passes


@dataclass
class CompiledPass:
    group: int
    prog: np.ndarray   # (K, 5) int64: kind, a, b, c, d
    mops: np.ndarray   # (M, 3) int64: kind, layer, frame index


def compile_pass(layout: Layout, group: int, ops: list[tuple], p: int, general: bool,
                 grad_order: dict[int, list[int]] | None = None) -> CompiledPass:
    prog: list[list[int]] = []
    mops: list[list[int]] = []

    def local(kind: int, layer: int, frame: int) -> None:
        if prog and prog[-1][0] == LOCAL:
            prog[-1][2] += 1
        else:
            prog.append([LOCAL, len(mops), 1, 0, 0])
        mops.append([kind, layer, frame])

    def chunk_qubits() -> list[tuple[int, int]]:
        if group == 0:
            qs = range(3, layout.B)
        else:
            first, count = layout.segments[group - 1]
            qs = range(first, first + count)
        return [(q - 3, q) for q in qs]

    def radix(layer: int) -> None:
        cq = chunk_qubits()
        for s in range(0, len(cq), 3):
            part = cq[s:s + 3]
            prog.append([RADIX, layer, part[0][0], len(part), part[0][1]])

    def radixg(layer: int) -> None:
        cq = chunk_qubits()
        for s in range(0, len(cq), 2):
            part = cq[s:s + 2]
            prog.append([RADIXG, layer, part[0][0], len(part), part[0][1]])
            grad_order.setdefault(layer, []).extend(q for _, q in part)

    def inreg(kind: int, layer: int) -> None:
        local(kind, layer, 0)
        if kind == INREGG:
            grad_order.setdefault(layer, []).extend([0, 1, 2])

    for op in ops:
        name = op[0]
        if name == "init":
            local(INIT, 0, 0)
        elif name == "phase":
            local(PHASE, op[1], op[1])
        elif name == "readout":
            local(READOUT, 0, p)
        elif name == "laminit":
            local(LAMINIT, 0, p)
        elif name == "phaseg":
            local(PHASEG_LAST if op[1] == 0 else PHASEG, op[1], op[1])
        elif name in ("mix", "mixg"):
            rad, lane = (radix, INREG) if name == "mix" else (radixg, INREGG)
            if group != 0:
                rad(op[1])
            elif prog and prog[-1][0] == LOCAL:
                inreg(lane, op[1])
                rad(op[1])
            else:
                rad(op[1])
                inreg(lane, op[1])
        else:  # pragma: no cover
            raise ValueError(op)
    return CompiledPass(group, np.array(prog, dtype=np.int64).reshape(-1, 5),
                        np.array(mops or [[0, 0, 0]], dtype=np.int64).reshape(-1, 3))


@dataclass
class Program:
    """Compiled forward and backward pass lists for (layout, p, general)."""
    forward: list[CompiledPass]
    backward: list[CompiledPass]
    grad_order: dict[int, list[int]]   # layer -> qubits in the order the backward unwinds them


@lru_cache(maxsize=256)
def compile_program(layout: Layout, p: int, general: bool, readout: bool = True) -> Program:
    """Cached: a solver builds an engine per QUBO and every engine of a size shares the programs
    (callers must not modify the arrays)."""
    fw = [compile_pass(layout, g, ops, p, general) for g, ops in forward_plan(layout, p, readout)]
    order: dict[int, list[int]] = {}
    bw = [compile_pass(layout, g, ops, p, general, order) for g, ops in backward_plan(layout, p)]
    return Program(fw, bw, order)


def thread_parts(items: int, threads: int) -> int:
    """Thread parts of a pass over ``items`` blocks (64: the rows of the per-part output arrays)."""
    return max(1, min(items, threads, 64))


def gather_parts(layout: Layout, group: int, threads: int) -> tuple[int, int, int]:
    """(first qubit, qubit count, thread parts) of the gathered pass of ``group``."""
    s, h = layout.segments[group - 1]
    return s, h, thread_parts(1 << (layout.nq - h - layout.R), threads)


@lru_cache(maxsize=256)
def flat_forward(layout: Layout, p: int, general: bool, threads: int, readout: bool) -> tuple:
    """The forward program of p layers flattened for ``passes.forward``: (kinds, progs, prog_off, mops,
    mops_off, seg_s, seg_h, seg_parts, bparts). Cached like ``compile_program``: every engine of a layout
    shares the arrays, which nothing writes (numba would compile separate code for read-only ones)."""
    fw = compile_program(layout, p, general, readout).forward
    segs = [gather_parts(layout, k + 1, threads) for k in range(len(layout.segments))] or [(0, 0, 1)]
    arrays = (np.array([cp.group for cp in fw], dtype=np.int64),
              np.ascontiguousarray(np.concatenate([cp.prog for cp in fw])),
              np.cumsum([0] + [cp.prog.shape[0] for cp in fw]).astype(np.int64),
              np.ascontiguousarray(np.concatenate([cp.mops for cp in fw])),
              np.cumsum([0] + [cp.mops.shape[0] for cp in fw]).astype(np.int64),
              np.array([x[0] for x in segs], dtype=np.int64),
              np.array([x[1] for x in segs], dtype=np.int64),
              np.array([x[2] for x in segs], dtype=np.int64))
    return arrays + (thread_parts(1 << (layout.nq - layout.B), threads),)


@dataclass
class Angles:
    """Per-evaluation kernel parameters derived from (gammas, betas)."""
    gam: np.ndarray        # (p,)
    tau_f: np.ndarray      # (p, nq) forward tangents
    tau_b: np.ndarray      # (p, nq) backward tangents
    gen_f: np.ndarray      # (p, nq, 3) general mixer (C, X, Z) forward
    gen_b: np.ndarray      # (p, nq, 3) backward
    frames: np.ndarray     # (p + 1,) Pauli frame before phase l; frames[p] = final frame
    mfac_f: np.ndarray     # (p, 2) factor folded into phase l (forward)
    fscale: complex        # final state = fscale * X^frames[p] * stored
    cosb: np.ndarray       # (p, nq) cos(beta') of the tangent form (1 for the general form)
    fac_b: np.ndarray      # (p,) complex product of backward factors of mixer l


def general_angles(gammas: np.ndarray, betas: np.ndarray, thetas: np.ndarray) -> Angles:
    """Angles of the warm-start mixer exp(-i beta (sin t X + cos t Z)): (C, X, Z) per layer and qubit,
    no tangent form, no Pauli frames. (X-form angles: ``tangent_buffers`` + ``tangent_form``.)"""
    p, nq = betas.shape
    C = np.cos(betas)
    S = np.sin(betas)
    gen_f = np.stack([C, S * np.sin(thetas)[None, :], S * np.cos(thetas)[None, :]], axis=-1)
    gen_b = gen_f * np.array([1.0, -1.0, -1.0])
    zeros = np.zeros((p, nq))
    return Angles(np.asarray(gammas, dtype=np.float64).copy(), zeros, zeros, gen_f, gen_b,
                  np.zeros(p + 1, dtype=np.int64), np.tile([1.0, 0.0], (p, 1)), 1.0 + 0j, np.ones((p, nq)),
                  np.ones(p, dtype=complex))


def tangent_buffers(p: int, nq: int) -> Angles:
    """Angles of the X-form mixer with its arrays allocated, for ``tangent_form`` to fill (the engine
    keeps one per layer count and refills it in its forward call on every evaluation)."""
    zeros3 = _zeros3(p, nq)
    return Angles(np.zeros(p), np.empty((p, nq)), np.empty((p, nq)), zeros3, zeros3,
                  np.zeros(p + 1, dtype=np.int64), np.zeros((p, 2)), 1.0 + 0j, np.empty((p, nq)),
                  np.zeros(p, dtype=np.complex128))


_ZEROS3: dict[tuple[int, int], np.ndarray] = {}


def _zeros3(p: int, nq: int) -> np.ndarray:
    """A shared read-only (p, nq, 3) zero array: the general-mixer slot of X-mixer angles."""
    z = _ZEROS3.get((p, nq))
    if z is None:
        z = _ZEROS3[(p, nq)] = np.zeros((p, nq, 3))
        z.flags.writeable = False
    return z


@njit(cache=True, nogil=True)
def tangent_form(betas, tau_f, tau_b, cb, frames, mfac, fac_b, fscale):
    """exp(-i b X) = cos(b') (-i)^k X^k (1 + i tau X) with b = b' + k pi/2, |b'| <= pi/4. Fills, per
    layer, the forward and backward tangents, cos(b'), the Pauli frames (XOR of the X^k), the forward
    factor folded into each phase ((re, im) pairs), the backward factor of each mixer, and the final
    scale (re, im)."""
    p, nq = betas.shape
    frames[0] = 0
    fr, fi = 1.0, 0.0            # forward factor of the mixers so far, folded into the next phase
    for l in range(p):
        mfac[l, 0] = fr
        mfac[l, 1] = fi
        mag = 1.0
        quarter = 0
        mask = 0
        for q in range(nq):
            k = int(np.rint(betas[l, q] / (math.pi / 2)))
            bp = betas[l, q] - k * (math.pi / 2)
            t = math.tan(bp)
            tau_f[l, q] = -t
            tau_b[l, q] = t
            cb[l, q] = math.cos(bp)
            mag *= cb[l, q]
            quarter += k
            if k & 1:
                mask |= 1 << q
        frames[l + 1] = frames[l] ^ mask
        quarter %= 4               # (-i)^k forward, (+i)^k backward
        re = (1.0, 0.0, -1.0, 0.0)[quarter]
        im = (0.0, -1.0, 0.0, 1.0)[quarter]
        fr, fi = mag * re, mag * im
        fac_b[l] = complex(fr, -fi)
    fscale[0] = fr
    fscale[1] = fi


def backward_scalars(a: Angles, order: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mfac_b (p, 2), mixer gradient scales (p, nq), phase gradient scales (p,)) for the backward."""
    p, nq = a.cosb.shape
    mfac_b = np.zeros((p, 2))
    sm = np.zeros((p, nq))
    sg = np.zeros(p)
    fb = a.fscale
    for l in range(p - 1, -1, -1):
        mag2 = abs(fb) ** 2
        for q in order.get(l, []):
            sm[l, q] = 2.0 * mag2
            mag2 *= a.cosb[l, q] ** 2
        fb = fb * a.fac_b[l]
        sg[l] = 2.0 * abs(fb) ** 2
        mfac_b[l] = (fb.real, fb.imag)
        fb = 1.0 + 0j
    return mfac_b, sm, sg
