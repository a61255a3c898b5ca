"""The phase exp(-i gamma E) of a QAOA layer, for the block kernels (``kernels.py``,
``kernels_bwd.py``): energies read under a Pauli frame, a vectorised sine/cosine, and the structured
phase of QUBO diagonals built from small per-block tables instead of a sine and cosine per amplitude.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .simd import JIT, vadd, vfloor, vfma, vload, vloadd, vmul, vperm1, vperm2, vperm4, vsplat, vstore, vsub, vas

# sin/cos on [-pi/4, pi/4]: fdlibm's minimax kernels; reduction with a 33-bit pi/2 head
_TWO_OVER_PI = 0.6366197723675814
_PIO2_1 = 1.57079632673412561417e+00
_PIO2_1T = 6.07710050650619224932e-11
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11


@njit(**JIT)
def vsincos(th):
    """(cos th, sin th) of a float64 vector, branch-free, ~1 ulp for |th| < 1e6."""
    nq = vfloor(vfma(th, vsplat(th, _TWO_OVER_PI), vsplat(th, 0.5)))
    r = vsub(vsub(th, vmul(nq, vsplat(th, _PIO2_1))), vmul(nq, vsplat(th, _PIO2_1T)))
    z = vmul(r, r)
    ps = vfma(z, vsplat(z, _S6), vsplat(z, _S5))
    ps = vfma(z, ps, vsplat(z, _S4))
    ps = vfma(z, ps, vsplat(z, _S3))
    ps = vfma(z, ps, vsplat(z, _S2))
    ps = vfma(z, ps, vsplat(z, _S1))
    sn = vfma(vmul(r, z), ps, r)
    pc = vfma(z, vsplat(z, _C6), vsplat(z, _C5))
    pc = vfma(z, pc, vsplat(z, _C4))
    pc = vfma(z, pc, vsplat(z, _C3))
    pc = vfma(z, pc, vsplat(z, _C2))
    pc = vfma(z, pc, vsplat(z, _C1))
    cs = vfma(vmul(z, z), pc, vfma(z, vsplat(z, -0.5), vsplat(z, 1.0)))
    one = vsplat(z, 1.0)
    two = vsplat(z, 2.0)
    q = vsub(nq, vmul(vsplat(z, 4.0), vfloor(vmul(nq, vsplat(z, 0.25)))))
    hq = vfloor(vmul(q, vsplat(z, 0.5)))
    sw = vsub(q, vmul(two, hq))
    q1 = vadd(q, one)
    q1 = vsub(q1, vmul(vsplat(z, 4.0), vfloor(vmul(q1, vsplat(z, 0.25)))))
    sgc = vsub(one, vmul(two, vfloor(vmul(q1, vsplat(z, 0.5)))))
    sgs = vsub(one, vmul(two, hq))
    c = vmul(sgc, vfma(sw, vsub(sn, cs), cs))
    s = vmul(sgs, vfma(sw, vsub(cs, sn), sn))
    return c, s


@njit(**JIT)
def eload(E, s, M):
    """Energies of the 8 stored amplitudes starting at index s under Pauli frame M (as float64)."""
    e = vloadd(E, s ^ (M & -8))
    if M & 1:
        e = vperm1(e)
    if M & 2:
        e = vperm2(e)
    if M & 4:
        e = vperm4(e)
    return e


@njit(**JIT)
def cmul_phase(r, i, e, g, mr, mi):
    """(r + i i) * (mr + i mi) * exp(-i g e)."""
    c, sn = vsincos(vmul(e, vsplat(e, g)))
    wr = vas(r, vfma(vsplat(e, mr), c, vmul(vsplat(e, mi), sn)))
    wi = vas(r, vsub(vmul(vsplat(e, mi), c), vmul(vsplat(e, mr), sn)))
    return vsub(vmul(r, wr), vmul(i, wi)), vfma(r, wi, vmul(i, wr))


# ------------------------------------------------------------------------------------------------
# structured phase for QUBO diagonals (no transcendental per amplitude)
#
# For block b (stored indices b*2^B + lo) under frame M, with z = stored ^ M:
#   E(z) = ehi[z_hi] + sum_{i<B} z_i (h_i + w_i(z_hi)) + Q(z_lo),   w_i = sum_{j>=B} J_ij z_j
# so exp(-i g E) = K * prod_{i<B, z_i} om_i * T[z_lo], K and om_i per block, T = exp(-i g Q) per
# layer. The product over the B low bits is split lanes (3 bits) x A (nA bits) x Bt (the rest),
# three small doubling tables built per block, already permuted into stored order.
# ------------------------------------------------------------------------------------------------

@njit(**JIT)
def _double_table(tab, o, size, om_r, om_i, i0, nbits, K_r, K_i, xm):
    """tab[o + j] (re) / tab[o + size + j] (im) = K prod_{bits t of (j ^ xm)} om[i0 + t]."""
    re = np.empty(1 << nbits)
    im = np.empty(1 << nbits)
    re[0] = K_r
    im[0] = K_i
    for t in range(nbits):
        h = 1 << t
        a = om_r[i0 + t]
        c = om_i[i0 + t]
        for z in range(h):
            re[h + z] = re[z] * a - im[z] * c
            im[h + z] = re[z] * c + im[z] * a
    for j in range(1 << nbits):
        tab[o + j] = re[j ^ xm]
        tab[o + size + j] = im[j ^ xm]


@njit(**JIT)
def phaseq_slot(B):
    """(table slot size in reals, Bt size) of the per-block phase tables for block bits B."""
    sb = 1 << (B - 3 - min(6, B - 3))
    return 144 + 2 * sb, sb


@njit(**JIT)
def phaseq_setup(b, B, nq, M, g, mr, mi, qlin, qcross, ehi, tab, t0, sb):
    """Per-block tables of (mr + i mi) exp(-i g E) at slot t0 of ``tab`` (layout: lanes re/im 8+8,
    A re/im 64+64, Bt re/im sb+sb; all indexed by stored bits)."""
    zhi = b ^ (M >> B)
    om_r = np.empty(B)
    om_i = np.empty(B)
    for i in range(B):
        w = qlin[i]
        for j in range(nq - B):
            if (zhi >> j) & 1:
                w += qcross[i, j]
        om_r[i] = np.cos(g * w)
        om_i[i] = -np.sin(g * w)
    c0 = np.cos(g * ehi[zhi])
    s0 = -np.sin(g * ehi[zhi])
    nA = min(6, B - 3)
    nB = B - 3 - nA
    _double_table(tab, t0, 8, om_r, om_i, 0, 3, mr * c0 - mi * s0, mr * s0 + mi * c0, M & 7)
    _double_table(tab, t0 + 16, 64, om_r, om_i, 3, nA, 1.0, 0.0, (M >> 3) & ((1 << nA) - 1))
    _double_table(tab, t0 + 144, sb, om_r, om_i, 3 + nA, nB, 1.0, 0.0, (M >> (3 + nA)) & ((1 << nB) - 1))


@njit(**JIT)
def phaseq_factor(tab, t0, sb, tq, to, cl, nA, conj):
    """(re, im) phase vectors of chunk cl: block tables at t0 times the layer table at tq[to:]
    (conjugated when ``conj``)."""
    j = cl & ((1 << nA) - 1)
    k = cl >> nA
    ar = tab[t0 + 16 + j]
    ai = tab[t0 + 80 + j]
    br = tab[t0 + 144 + k]
    bi = tab[t0 + 144 + sb + k]
    sr = ar * br - ai * bi
    si = ar * bi + ai * br
    Lr = vload(tab, t0)
    Li = vload(tab, t0 + 8)
    Wr = vsub(vmul(Lr, vsplat(Lr, sr)), vmul(Li, vsplat(Li, si)))
    Wi = vfma(Lr, vsplat(Lr, si), vmul(Li, vsplat(Li, sr)))
    Tr = vload(tq, to + 16 * cl)
    Ti = vload(tq, to + 16 * cl + 8)
    if conj:
        return vfma(Wr, Tr, vmul(Wi, Ti)), vsub(vmul(Wi, Tr), vmul(Wr, Ti))
    return vsub(vmul(Wr, Tr), vmul(Wi, Ti)), vfma(Wr, Ti, vmul(Wi, Tr))


@njit(**JIT)
def build_tq(qtab, gam, frames, sign, out):
    """out[l*2^(B+1):] = exp(-i sign gam[l] Q(lo ^ frames[l])) for stored lo < 2^B (AoSoA layout)."""
    for l in range(gam.size):
        g = vsplat(qtab, sign * gam[l])
        M = frames[l] & (qtab.size - 1)
        o = l * 2 * qtab.size
        for c in range(qtab.size >> 3):
            c_, s_ = vsincos(vmul(eload(qtab, 8 * c, M), g))
            vstore(out, o + 16 * c, c_)
            vstore(out, o + 16 * c + 8, vsub(vsplat(s_, 0.0), s_))
