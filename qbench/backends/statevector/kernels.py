"""Block-level numba kernels of the statevector engine.

Internal state layout ("AoSoA-8"): amplitude ``k`` lives in chunk ``k >> 3`` at lane ``k & 7``;
chunk ``c`` occupies ``F[16c : 16c+8]`` (real parts) and ``F[16c+8 : 16c+16]`` (imaginary parts)
of one real array ``F``. Qubits 0-2 are lanes inside a vector (rotated with lane permutations),
qubits >= 3 pair whole chunks (rotated with plain vertical FMAs, three qubits per sweep in
registers).

A *block* is a contiguous run of chunks (block pass) or a set of rows of chunks, left in place
(gathered pass). A block is processed by a *program* of sweeps; each sweep is either LOCAL (per
chunk, a list of micro-ops: initial state, phase, in-lane rotations, readout, and the backward ones)
or RADIX (one to three chunk-distance rotations). Everything runs while the block sits in L2.

Mixer rotations use the tangent form ``e^{-i b X} = cos(b') (-i)^k X^k (1 + i tau X)``,
``b = b' + k pi/2``, ``|b'| <= pi/4``, ``tau = -tan b'``: one FMA per real component. The scalar
factor is carried on the host and folded into the next phase multiply; the ``X^k`` goes into a
Pauli frame (an XOR mask on the index) that diagonal reads honour. See ``schedule.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .phase import cmul_phase, eload, phaseq_factor, phaseq_setup, phaseq_slot
from .simd import JIT, vadd, vfma, vhsum, vload, vloadd, vmul, vperm1, vperm2, vperm4, vsplat, vstore, vsub, vas, vtod


# micro-op kinds of LOCAL sweeps
INIT, PHASE, INREG, READOUT, LAMINIT, PHASEG, PHASEG_LAST, INREGG = range(8)
# sweep kinds
LOCAL, RADIX, RADIXG = 1, 2, 3

# lane signs of Z on qubits 0, 1, 2 (+1 where the bit is 0)
_ZSIGN = np.array([1, -1, 1, -1, 1, -1, 1, -1,
                   1, 1, -1, -1, 1, 1, -1, -1,
                   1, 1, 1, 1, -1, -1, -1, -1], dtype=np.float64)

@njit(**JIT)
def share(part, n, nparts):
    """The range [b0, b1) of n blocks that thread part ``part`` of ``nparts`` works on."""
    return part * n // nparts, (part + 1) * n // nparts


@njit(**JIT)
def perm(v, q):
    if q == 0:
        return vperm1(v)
    if q == 1:
        return vperm2(v)
    return vperm4(v)


@njit(**JIT)
def rx(ar, ai, br, bi, T, N):
    """(a, b) -> (a + i tau b, b + i tau a), T = tau, N = -tau (vectors)."""
    return vfma(N, bi, ar), vfma(T, br, ai), vfma(N, ai, br), vfma(T, ar, bi)


@njit(**JIT)
def rg(ar, ai, br, bi, C, X, Z):
    """(a, b) -> (C - iZ) a - iX b, -iX a + (C + iZ) b: exp(-i beta (sin t X + cos t Z))."""
    return (vfma(C, ar, vfma(Z, ai, vmul(X, bi))), vsub(vmul(C, ai), vfma(Z, ar, vmul(X, br))),
            vsub(vfma(C, br, vmul(X, ai)), vmul(Z, bi)), vfma(C, bi, vsub(vmul(Z, br), vmul(X, ar))))


@njit(**JIT)
def inlane(r, i, q, general, t, C, X, Z):
    """Rotate lane-qubit q of one chunk (X-form with tau t, or general with C, X, Z)."""
    pr = perm(r, q)
    pi = perm(i, q)
    if general:
        zs = vmul(vsplat(r, Z), vas(r, vloadd(_ZSIGN, 8 * q)))
        Cv = vsplat(r, C)
        Xv = vsplat(r, X)
        return (vfma(Cv, r, vfma(zs, i, vmul(Xv, pi))), vsub(vmul(Cv, i), vfma(zs, r, vmul(Xv, pr))))
    return vfma(vsplat(r, -t), pi, r), vfma(vsplat(r, t), pr, i)


@njit(**JIT)
def grad_x(lar, lai, lbr, lbi, par, pai, pbr, pbi):
    """Im(conj(la) pb + conj(lb) pa) lane-wise (float64)."""
    g = vadd(vsub(vmul(lar, pbi), vmul(lai, pbr)), vsub(vmul(lbr, pai), vmul(lbi, par)))
    return vtod(g)


@njit(**JIT)
def grad_z(lar, lai, lbr, lbi, par, pai, pbr, pbi):
    """Im(conj(la) pa - conj(lb) pb) lane-wise (float64)."""
    g = vsub(vsub(vmul(lar, pai), vmul(lai, par)), vsub(vmul(lbr, pbi), vmul(lbi, pbr)))
    return vtod(g)


# ------------------------------------------------------------------------------------------------
# forward sweeps
# ------------------------------------------------------------------------------------------------

@njit(**JIT)
def sweep_init(F, off, nchl, init8, initmid, hif):
    a = vload(init8, 0)
    z = vsplat(F, 0.0)
    for cl in range(nchl):
        p = off + 16 * cl
        vstore(F, p, vmul(a, vsplat(a, initmid[cl] * hif)))
        vstore(F, p + 8, z)


@njit(**JIT)
def lanes_x(r, i, T0, N0, T1, N1, T2, N2):
    """X-form rotations of the three lane qubits of one chunk."""
    r, i = vfma(N0, vperm1(i), r), vfma(T0, vperm1(r), i)
    r, i = vfma(N1, vperm2(i), r), vfma(T1, vperm2(r), i)
    return vfma(N2, vperm4(i), r), vfma(T2, vperm4(r), i)


@njit(**JIT)
def _phase_in(F, p, cl, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E, base, M, g, mr, mi):
    """Chunk cl (reals offset p) times its phase: structured tables when A > 0 (see ``phaseq_setup``),
    else a sine and cosine per amplitude from the diagonal. When ``fresh`` the chunk is the initial
    product state (``sweep_init``'s values, chunk c0 + cl of the block), never written first."""
    if fresh:
        r = vmul(a0, vsplat(a0, initmid[c0 + cl] * hif))
        i = zero
    else:
        r = vload(F, p)
        i = vload(F, p + 8)
    if A > 0:
        wr, wi = phaseq_factor(tab, t0, sb, tq, to, cl, nA, False)
        wr = vas(r, wr)
        wi = vas(r, wi)
        r, i = vsub(vmul(r, wr), vmul(i, wi)), vfma(r, wi, vmul(i, wr))
    else:
        r, i = cmul_phase(r, i, eload(E, base + 8 * cl, M), g, mr, mi)
    return r, i


@njit(**JIT)
def sweep_phase(F, off, nchl, A, tab, t0, sb, tq, to, nA, E, base, M, g, mr, mi, lanes, general, tau, gen, l,
                fresh, init8, initmid, c0, hif):
    """Phase on the state (or on the initial state when ``fresh``), see ``_phase_in``; then, if
    ``lanes``, mixer l on the lane qubits in the same sweep."""
    T0, N0 = vsplat(F, tau[l, 0]), vsplat(F, -tau[l, 0])
    T1, N1 = vsplat(F, tau[l, 1]), vsplat(F, -tau[l, 1])
    T2, N2 = vsplat(F, tau[l, 2]), vsplat(F, -tau[l, 2])
    a0 = vload(init8, 0)
    zero = vsplat(F, 0.0)
    for cl in range(nchl):
        p = off + 16 * cl
        r, i = _phase_in(F, p, cl, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E, base, M, g,
                         mr, mi)
        if lanes:
            if general:
                for q in range(3):
                    r, i = inlane(r, i, q, True, 0.0, gen[l, q, 0], gen[l, q, 1], gen[l, q, 2])
            else:
                r, i = lanes_x(r, i, T0, N0, T1, N1, T2, N2)
        vstore(F, p, r)
        vstore(F, p + 8, i)


@njit(**JIT)
def store8(F, p0, D, r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7):
    """Store eight chunks at reals offsets p0 + k D (k = 0..7)."""
    vstore(F, p0, r0)
    vstore(F, p0 + 8, i0)
    vstore(F, p0 + D, r1)
    vstore(F, p0 + D + 8, i1)
    vstore(F, p0 + 2 * D, r2)
    vstore(F, p0 + 2 * D + 8, i2)
    vstore(F, p0 + 3 * D, r3)
    vstore(F, p0 + 3 * D + 8, i3)
    vstore(F, p0 + 4 * D, r4)
    vstore(F, p0 + 4 * D + 8, i4)
    vstore(F, p0 + 5 * D, r5)
    vstore(F, p0 + 5 * D + 8, i5)
    vstore(F, p0 + 6 * D, r6)
    vstore(F, p0 + 6 * D + 8, i6)
    vstore(F, p0 + 7 * D, r7)
    vstore(F, p0 + 7 * D + 8, i7)


@njit(**JIT)
def _phase_chunk(F, p, cl, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E, base, M, g, mr,
                 mi, T0, N0, T1, N1, T2, N2):
    """``_phase_in`` and the lane rotations of one chunk."""
    r, i = _phase_in(F, p, cl, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E, base, M, g, mr, mi)
    return lanes_x(r, i, T0, N0, T1, N1, T2, N2)


@njit(**JIT)
def sweep_phase_r3(F, off, nchl, A, tab, t0, sb, tq, to, nA, E, base, M, g, mr, mi, tau, l, fresh, init8,
                   initmid, c0, hif):
    """X mixer only: phase, lane rotations and the rotations of chunk qubits 3-5 (partners 1, 2, 4
    chunks away) of each group of 8 chunks while they sit in registers; one sweep instead of two."""
    T0, N0 = vsplat(F, tau[l, 0]), vsplat(F, -tau[l, 0])
    T1, N1 = vsplat(F, tau[l, 1]), vsplat(F, -tau[l, 1])
    T2, N2 = vsplat(F, tau[l, 2]), vsplat(F, -tau[l, 2])
    U1, V1 = vsplat(F, tau[l, 3]), vsplat(F, -tau[l, 3])
    U2, V2 = vsplat(F, tau[l, 4]), vsplat(F, -tau[l, 4])
    U3, V3 = vsplat(F, tau[l, 5]), vsplat(F, -tau[l, 5])
    a0 = vload(init8, 0)
    zero = vsplat(F, 0.0)
    for c8 in range(nchl >> 3):
        c = 8 * c8
        p = off + 16 * c
        # written out for both halves: a helper for four chunks is too big for LLVM to inline, and a
        # call per half (with its reference counting) costs more than the sweep it saves
        r0, i0 = _phase_chunk(F, p, c, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E, base, M,
                              g, mr, mi, T0, N0, T1, N1, T2, N2)
        r1, i1 = _phase_chunk(F, p + 16, c + 1, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r2, i2 = _phase_chunk(F, p + 32, c + 2, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r3, i3 = _phase_chunk(F, p + 48, c + 3, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r0, i0, r1, i1 = rx(r0, i0, r1, i1, U1, V1)
        r2, i2, r3, i3 = rx(r2, i2, r3, i3, U1, V1)
        r0, i0, r2, i2 = rx(r0, i0, r2, i2, U2, V2)
        r1, i1, r3, i3 = rx(r1, i1, r3, i3, U2, V2)
        r4, i4 = _phase_chunk(F, p + 64, c + 4, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r5, i5 = _phase_chunk(F, p + 80, c + 5, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r6, i6 = _phase_chunk(F, p + 96, c + 6, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r7, i7 = _phase_chunk(F, p + 112, c + 7, fresh, a0, zero, initmid, c0, hif, A, tab, t0, sb, tq, to, nA, E,
                              base, M, g, mr, mi, T0, N0, T1, N1, T2, N2)
        r4, i4, r5, i5 = rx(r4, i4, r5, i5, U1, V1)
        r6, i6, r7, i7 = rx(r6, i6, r7, i7, U1, V1)
        r4, i4, r6, i6 = rx(r4, i4, r6, i6, U2, V2)
        r5, i5, r7, i7 = rx(r5, i5, r7, i7, U2, V2)
        r0, i0, r4, i4 = rx(r0, i0, r4, i4, U3, V3)
        r1, i1, r5, i5 = rx(r1, i1, r5, i5, U3, V3)
        r2, i2, r6, i6 = rx(r2, i2, r6, i6, U3, V3)
        r3, i3, r7, i7 = rx(r3, i3, r7, i7, U3, V3)
        store8(F, p, 16, r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7)


@njit(**JIT)
def sweep_inreg(F, off, nchl, general, tau, gen, l):
    t0 = tau[l, 0]
    t1 = tau[l, 1]
    t2 = tau[l, 2]
    if general:
        for cl in range(nchl):
            p = off + 16 * cl
            r = vload(F, p)
            i = vload(F, p + 8)
            for q in range(3):
                r, i = inlane(r, i, q, True, 0.0, gen[l, q, 0], gen[l, q, 1], gen[l, q, 2])
            vstore(F, p, r)
            vstore(F, p + 8, i)
    else:
        T0 = vsplat(F, t0)
        N0 = vsplat(F, -t0)
        T1 = vsplat(F, t1)
        N1 = vsplat(F, -t1)
        T2 = vsplat(F, t2)
        N2 = vsplat(F, -t2)
        for cl in range(nchl):
            p = off + 16 * cl
            r, i = lanes_x(vload(F, p), vload(F, p + 8), T0, N0, T1, N1, T2, N2)
            vstore(F, p, r)
            vstore(F, p + 8, i)


@njit(**JIT)
def sweep_readout(F, off, nchl, base, E, M, acc):
    ex = vtod(vsplat(E, 0.0))
    nr = ex
    for cl in range(nchl):
        p = off + 16 * cl
        r = vload(F, p)
        i = vload(F, p + 8)
        pr = vtod(vfma(r, r, vmul(i, i)))
        ex = vfma(pr, eload(E, base + 8 * cl, M), ex)
        nr = vadd(nr, pr)
    acc[0] += vhsum(ex)
    acc[1] += vhsum(nr)


@njit(**JIT)
def radix1(F, off, it0, it1, cbit, t):
    d = 1 << cbit
    D = 16 * d
    T = vsplat(F, t)
    N = vsplat(F, -t)
    for it in range(it0, it1):
        c = ((it >> cbit) << (cbit + 1)) + (it & (d - 1))
        pa = off + 16 * c
        pb = pa + D
        ar, ai, br, bi = rx(vload(F, pa), vload(F, pa + 8), vload(F, pb), vload(F, pb + 8), T, N)
        vstore(F, pa, ar)
        vstore(F, pa + 8, ai)
        vstore(F, pb, br)
        vstore(F, pb + 8, bi)


@njit(**JIT)
def radix2(F, off, it0, it1, cbit, t1, t2):
    d = 1 << cbit
    D = 16 * d
    T1 = vsplat(F, t1)
    N1 = vsplat(F, -t1)
    T2 = vsplat(F, t2)
    N2 = vsplat(F, -t2)
    for it in range(it0, it1):
        c = ((it >> cbit) << (cbit + 2)) + (it & (d - 1))
        p0 = off + 16 * c
        p1 = p0 + D
        p2 = p0 + 2 * D
        p3 = p0 + 3 * D
        r0, i0, r1, i1 = rx(vload(F, p0), vload(F, p0 + 8), vload(F, p1), vload(F, p1 + 8), T1, N1)
        r2, i2, r3, i3 = rx(vload(F, p2), vload(F, p2 + 8), vload(F, p3), vload(F, p3 + 8), T1, N1)
        r0, i0, r2, i2 = rx(r0, i0, r2, i2, T2, N2)
        r1, i1, r3, i3 = rx(r1, i1, r3, i3, T2, N2)
        vstore(F, p0, r0)
        vstore(F, p0 + 8, i0)
        vstore(F, p1, r1)
        vstore(F, p1 + 8, i1)
        vstore(F, p2, r2)
        vstore(F, p2 + 8, i2)
        vstore(F, p3, r3)
        vstore(F, p3 + 8, i3)


@njit(**JIT)
def radix3(F, off, it0, it1, cbit, t1, t2, t3):
    d = 1 << cbit
    D = 16 * d
    T1 = vsplat(F, t1)
    N1 = vsplat(F, -t1)
    T2 = vsplat(F, t2)
    N2 = vsplat(F, -t2)
    T3 = vsplat(F, t3)
    N3 = vsplat(F, -t3)
    for it in range(it0, it1):
        c = ((it >> cbit) << (cbit + 3)) + (it & (d - 1))
        p0 = off + 16 * c
        r0, i0, r1, i1 = rx(vload(F, p0), vload(F, p0 + 8), vload(F, p0 + D), vload(F, p0 + D + 8), T1, N1)
        p = p0 + 2 * D
        r2, i2, r3, i3 = rx(vload(F, p), vload(F, p + 8), vload(F, p + D), vload(F, p + D + 8), T1, N1)
        p = p0 + 4 * D
        r4, i4, r5, i5 = rx(vload(F, p), vload(F, p + 8), vload(F, p + D), vload(F, p + D + 8), T1, N1)
        p = p0 + 6 * D
        r6, i6, r7, i7 = rx(vload(F, p), vload(F, p + 8), vload(F, p + D), vload(F, p + D + 8), T1, N1)
        r0, i0, r2, i2 = rx(r0, i0, r2, i2, T2, N2)
        r1, i1, r3, i3 = rx(r1, i1, r3, i3, T2, N2)
        r4, i4, r6, i6 = rx(r4, i4, r6, i6, T2, N2)
        r5, i5, r7, i7 = rx(r5, i5, r7, i7, T2, N2)
        r0, i0, r4, i4 = rx(r0, i0, r4, i4, T3, N3)
        r1, i1, r5, i5 = rx(r1, i1, r5, i5, T3, N3)
        r2, i2, r6, i6 = rx(r2, i2, r6, i6, T3, N3)
        r3, i3, r7, i7 = rx(r3, i3, r7, i7, T3, N3)
        store8(F, p0, D, r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7)


@njit(**JIT)
def radix_gen(F, off, it0, it1, cbit, cnt, gen, l, q):
    """General-form rotations of qubits q..q+cnt-1 on groups of 2^cnt chunks (as radix1-3)."""
    d = 1 << cbit
    D = 16 * d
    for it in range(it0, it1):
        c0 = off + 16 * (((it >> cbit) << (cbit + cnt)) + (it & (d - 1)))
        for r in range(cnt):
            Cv = vsplat(F, gen[l, q + r, 0])
            Xv = vsplat(F, gen[l, q + r, 1])
            Zv = vsplat(F, gen[l, q + r, 2])
            for k in range(1 << cnt):
                if (k >> r) & 1 == 0:
                    pa = c0 + k * D
                    pb = pa + (D << r)
                    ar, ai, br, bi = rg(vload(F, pa), vload(F, pa + 8), vload(F, pb), vload(F, pb + 8),
                                        Cv, Xv, Zv)
                    vstore(F, pa, ar)
                    vstore(F, pa + 8, ai)
                    vstore(F, pb, br)
                    vstore(F, pb + 8, bi)


@njit(**JIT)
def fwd_block(F, off, nchl, b, B, prog, mops, E, frames, tau, gen, general, gam, mfac, init8, initmid,
              hif, acc, A, qlin, qcross, ehi, tq, tab):
    """Run one forward program over block b (2^B amplitudes at reals offset ``off``). LOCAL sweeps
    run one tight loop per micro-op (the block is cache resident, a generic per-chunk interpreter
    costs more than the extra sweeps). ``A`` > 0: structured phase on sub-blocks of 2^A amplitudes."""
    slot, sb = phaseq_slot(max(A, 3))
    nA = min(6, A - 3)
    base = b << B
    skip = -1        # a RADIX row already applied inside the phase sweep before it
    for si in range(prog.shape[0]):
        if si == skip:
            continue
        if prog[si, 0] == LOCAL:
            m1 = prog[si, 1] + prog[si, 2]
            fused = -1   # an INREG right after a PHASE runs inside the phase sweep
            for mi in range(prog[si, 1], m1):
                k = mops[mi, 0]
                l = mops[mi, 1]
                M = frames[mops[mi, 2]]
                if k == INIT:
                    if not (mi + 1 < m1 and mops[mi + 1, 0] == PHASE):
                        sweep_init(F, off, nchl, init8, initmid, hif)
                elif k == PHASE:
                    fresh = mi > prog[si, 1] and mops[mi - 1, 0] == INIT   # the phase sweep writes the init
                    lanes = mi + 1 < m1 and mops[mi + 1, 0] == INREG
                    ll = mops[mi + 1, 1] if lanes else 0
                    if lanes:
                        fused = mi + 1
                    # phase, lanes and chunk qubits 3-5 in one sweep: the INREG ends this LOCAL row and
                    # the next row rotates qubits 3-5 of the same layer
                    if lanes and not general and mi + 2 == m1 and si + 1 < prog.shape[0] and \
                            prog[si + 1, 0] == RADIX and prog[si + 1, 2] == 0 and prog[si + 1, 3] == 3 and \
                            prog[si + 1, 1] == ll and ll == l and (A == 0 or A >= 6):
                        skip = si + 1
                        if A > 0:
                            for j in range(1 << (B - A)):
                                phaseq_setup((b << (B - A)) | j, A, qlin.size, M, gam[l], mfac[l, 0], mfac[l, 1],
                                             qlin, qcross, ehi, tab, 0, sb)
                                sweep_phase_r3(F, off + (j << (A + 1)), 1 << (A - 3), A, tab, 0, sb, tq, l * (2 << A),
                                               nA, E, base, M, gam[l], mfac[l, 0], mfac[l, 1], tau, l, fresh, init8,
                                               initmid, j << (A - 3), hif)
                        else:
                            sweep_phase_r3(F, off, nchl, 0, tab, 0, sb, tq, 0, nA, E, base, M, gam[l], mfac[l, 0],
                                           mfac[l, 1], tau, l, fresh, init8, initmid, 0, hif)
                    elif A > 0:
                        for j in range(1 << (B - A)):
                            phaseq_setup((b << (B - A)) | j, A, qlin.size, M, gam[l], mfac[l, 0], mfac[l, 1],
                                         qlin, qcross, ehi, tab, 0, sb)
                            sweep_phase(F, off + (j << (A + 1)), 1 << (A - 3), A, tab, 0, sb, tq, l * (2 << A), nA,
                                        E, base, M, gam[l], mfac[l, 0], mfac[l, 1], lanes, general, tau, gen, ll,
                                        fresh, init8, initmid, j << (A - 3), hif)
                    else:
                        sweep_phase(F, off, nchl, 0, tab, 0, sb, tq, 0, nA, E, base, M, gam[l], mfac[l, 0],
                                    mfac[l, 1], lanes, general, tau, gen, ll, fresh, init8, initmid, 0, hif)
                elif k == INREG:
                    if mi != fused:
                        sweep_inreg(F, off, nchl, general, tau, gen, l)
                elif k == READOUT:
                    sweep_readout(F, off, nchl, base, E, M, acc)
        else:
            cnt = prog[si, 3]
            radix_any(F, off, 0, nchl >> cnt, prog[si, 2], cnt, general, tau, gen, prog[si, 1], prog[si, 4])


@njit(**JIT)
def radix_any(F, off, it0, it1, cbit, cnt, general, tau, gen, l, q):
    """Rotate qubits q..q+cnt-1 (chunk bits cbit..) over iterations it0..it1 (nchl >> cnt in all)."""
    if general:
        radix_gen(F, off, it0, it1, cbit, cnt, gen, l, q)
    elif cnt == 3:
        radix3(F, off, it0, it1, cbit, tau[l, q], tau[l, q + 1], tau[l, q + 2])
    elif cnt == 2:
        radix2(F, off, it0, it1, cbit, tau[l, q], tau[l, q + 1])
    else:
        radix1(F, off, it0, it1, cbit, tau[l, q])
