"""Host side of the engine: how the qubits are split into passes, the block programs of each pass,
and the per-evaluation scalars (tangents, Pauli frames, scale factors, gradient scales).

Pass plan. Qubits ``0..B-1`` are *low*: a block pass applies, per cache-resident block of 2^B
amplitudes, the phase of layer l and the low part of mixer l. Qubits ``>= B`` are *high*: stream
passes rotate them three at a time over the whole state. The rotations of one mixer commute, so a
layer costs one block pass plus ceil((n - B) / 3) stream sweeps; the expectation value is read in a
final block pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .kernels import (INIT, INREG, INREGG, LAMINIT, LOCAL, PHASE, PHASEG, PHASEG_LAST, RADIX, RADIXG,
                      READOUT)


@dataclass(frozen=True)
class Layout:
    nq: int   # internal qubits (>= 3)
    B: int    # block bits: qubits < B are rotated in block passes, the rest in stream passes

    @property
    def has_high(self) -> bool:
        return self.nq > self.B


def make_layout(nq: int, low_bits: int = 15) -> Layout:
    """One block for states up to 2^(low_bits+1) amplitudes (they sit in L2/L3 anyway), else blocks of
    2^low_bits."""
    return Layout(nq, nq if nq <= low_bits + 1 else max(3, low_bits))


def forward_plan(has_high: bool, p: int) -> list[tuple[int, list[tuple]]]:
    """Group 0 = block pass, group 1 = stream passes. Layer l = phase(l), then mix(l) (block part and
    stream part commute)."""
    if not has_high:
        ops: list[tuple] = [("init",)]
        for l in range(p):
            ops += [("phase", l), ("mix", l)]
        return [(0, ops + [("readout",)])]
    passes = [(0, [("init",), ("phase", 0), ("mix", 0)])]
    for l in range(p):
        passes.append((1, [("mix", l)]))
        passes.append((0, [("phase", l + 1), ("mix", l + 1)] if l + 1 < p else [("readout",)]))
    return passes


def backward_plan(has_high: bool, p: int) -> list[tuple[int, list[tuple]]]:
    if not has_high:
        ops: list[tuple] = [("laminit",)]
        for l in range(p - 1, -1, -1):
            ops += [("mixg", l), ("phaseg", l)]
        return [(0, ops)]
    passes = [(0, [("laminit",), ("mixg", p - 1)])]
    for l in range(p - 1, -1, -1):
        passes.append((1, [("mixg", l)]))
        passes.append((0, [("phaseg", l)] + ([("mixg", l - 1)] if l > 0 else [])))
    return passes


@dataclass
class CompiledPass:
    group: int
    prog: np.ndarray   # (K, 5) int64: kind, a, b, c, d
    mops: np.ndarray   # (M, 3) int64: kind, layer, frame index
    fresh: bool        # the pass starts by writing its state (INIT / LAMINIT): nothing to gather


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
        qs = range(3, layout.B) if group == 0 else range(layout.B, layout.nq)
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
    fresh = bool(mops) and prog[0][0] == LOCAL and mops[0][0] in (INIT, LAMINIT)
    return CompiledPass(group, np.array(prog, dtype=np.int64).reshape(-1, 5),
                        np.array(mops or [[0, 0, 0]], dtype=np.int64).reshape(-1, 3), fresh)


@dataclass
class Program:
    """Compiled forward and backward pass lists for (layout, p, general)."""
    forward: list[CompiledPass]
    backward: list[CompiledPass]
    grad_order: dict[int, list[int]]   # layer -> qubits in the order the backward unwinds them


def compile_program(layout: Layout, p: int, general: bool) -> Program:
    fw = [compile_pass(layout, g, ops, p, general) for g, ops in forward_plan(layout.has_high, p)]
    order: dict[int, list[int]] = {}
    bw = [compile_pass(layout, g, ops, p, general, order) for g, ops in backward_plan(layout.has_high, p)]
    return Program(fw, bw, order)


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


def angles(gammas: np.ndarray, betas: np.ndarray, general: bool, thetas: np.ndarray) -> Angles:
    p, nq = betas.shape
    gam = np.asarray(gammas, dtype=np.float64).copy()
    if general:
        C = np.cos(betas)
        S = np.sin(betas)
        gen_f = np.stack([C, S * np.sin(thetas)[None, :], S * np.cos(thetas)[None, :]], axis=-1)
        gen_b = gen_f * np.array([1.0, -1.0, -1.0])
        zeros = np.zeros((p, nq))
        return Angles(gam, zeros, zeros, gen_f, gen_b, np.zeros(p + 1, dtype=np.int64),
                      np.tile([1.0, 0.0], (p, 1)), 1.0 + 0j, np.ones((p, nq)), np.ones(p, dtype=complex))
    k = np.rint(betas / (math.pi / 2)).astype(np.int64)
    bp = betas - k * (math.pi / 2)
    tn = np.tan(bp)
    cb = np.cos(bp)
    kk = k % 4
    ipow = np.array([1, 1j, -1, -1j])
    fac_f = np.prod(cb * ipow[(-kk) % 4], axis=1)    # (-i)^k
    fac_b = np.prod(cb * ipow[kk], axis=1)            # (+i)^k
    masks = np.array([int(sum(1 << q for q in range(nq) if k[l, q] & 1)) for l in range(p)], dtype=np.int64)
    frames = np.zeros(p + 1, dtype=np.int64)
    for l in range(p):
        frames[l + 1] = frames[l] ^ masks[l]
    mfac = np.zeros((p, 2))
    f = 1.0 + 0j
    for l in range(p):
        mfac[l] = (f.real, f.imag)
        f = complex(fac_f[l])
    zeros3 = np.zeros((p, nq, 3))
    return Angles(gam, -tn, tn, zeros3, zeros3, frames, mfac, f, cb, fac_b)


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
