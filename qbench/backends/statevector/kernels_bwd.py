"""Backward (adjoint) block kernels: unwind the layers on the pair (lambda, phi) while accumulating
dE/dangle = 2 Im <lambda| G |phi> for every generator G on the way. Same layout and program format as
``kernels.py``; the host applies the scale factors (``schedule.py``)."""

from __future__ import annotations

from numba import njit

from .kernels import INREGG, JIT, LAMINIT, LOCAL, PHASEG, PHASEG_LAST, grad_x, grad_z, inlane, perm, rg, rx, _ZSIGN
from .phase import cmul_phase, eload, phaseq_factor, phaseq_setup, phaseq_slot
from .simd import vadd, vas, vfma, vhsum, vload, vloadd, vmin, vmul, vsplat, vstore, vsub, vtod


@njit(**JIT)
def bsweep_laminit(FL, FP, off, nchl, base, E, M, mode, tcv, alpha):
    """lambda = D phi with D = E (expectation) or min(E - t, 0) / alpha (CVaR)."""
    for cl in range(nchl):
        p = off + 16 * cl
        e = eload(E, base + 8 * cl, M)
        if mode == 1:
            e = vmul(vmin(vsub(e, vsplat(e, tcv)), vsplat(e, 0.0)), vsplat(e, 1.0 / alpha))
        pr = vload(FP, p)
        w = vas(pr, e)
        vstore(FL, p, vmul(pr, w))
        vstore(FL, p + 8, vmul(vload(FP, p + 8), w))


@njit(**JIT)
def bsweep_phaseg(FL, FP, off, nchl, base, E, M, last, structured, g, mr, mi, tab, sb, tq, to, nA):
    """Accumulate Im <lambda|E|phi>, then unapply the phase on both (unless ``last``)."""
    acc = vtod(vsplat(FP, 0.0))
    for cl in range(nchl):
        p = off + 16 * cl
        e = eload(E, base + 8 * cl, M)
        pr = vload(FP, p)
        pi = vload(FP, p + 8)
        lr = vload(FL, p)
        li = vload(FL, p + 8)
        acc = vfma(vtod(vsub(vmul(lr, pi), vmul(li, pr))), e, acc)
        if not last:
            if structured:
                wr, wi = phaseq_factor(tab, 0, sb, tq, to, cl, nA, True)
                wr = vas(pr, wr)
                wi = vas(pr, wi)
                lr, li = vsub(vmul(lr, wr), vmul(li, wi)), vfma(lr, wi, vmul(li, wr))
                pr, pi = vsub(vmul(pr, wr), vmul(pi, wi)), vfma(pr, wi, vmul(pi, wr))
            else:
                lr, li = cmul_phase(lr, li, e, -g, mr, mi)
                pr, pi = cmul_phase(pr, pi, e, -g, mr, mi)
            vstore(FP, p, pr)
            vstore(FP, p + 8, pi)
            vstore(FL, p, lr)
            vstore(FL, p + 8, li)
    return vhsum(acc)


@njit(**JIT)
def bsweep_inregg(FL, FP, off, nchl, general, tau, gen, sth, cth, l, out):
    """out[q] += Im <lambda|G_q|phi> for the lane qubits q = 0, 1, 2, unapplying each in turn."""
    a0 = vtod(vsplat(FP, 0.0))
    a1 = a0
    a2 = a0
    for cl in range(nchl):
        p = off + 16 * cl
        pr = vload(FP, p)
        pi = vload(FP, p + 8)
        lr = vload(FL, p)
        li = vload(FL, p + 8)
        for q in range(3):
            g = vtod(vsub(vmul(lr, perm(pi, q)), vmul(li, perm(pr, q))))
            if general:
                gz = vmul(vloadd(_ZSIGN, 8 * q), vtod(vsub(vmul(lr, pi), vmul(li, pr))))
                g = vfma(vsplat(g, sth[q]), g, vmul(vsplat(g, cth[q]), gz))
            if q == 0:
                a0 = vadd(a0, g)
            elif q == 1:
                a1 = vadd(a1, g)
            else:
                a2 = vadd(a2, g)
            t = tau[l, q]
            C = gen[l, q, 0]
            X = gen[l, q, 1]
            Z = gen[l, q, 2]
            lr, li = inlane(lr, li, q, general, t, C, X, Z)
            pr, pi = inlane(pr, pi, q, general, t, C, X, Z)
        vstore(FP, p, pr)
        vstore(FP, p + 8, pi)
        vstore(FL, p, lr)
        vstore(FL, p + 8, li)
    out[0] += vhsum(a0)
    out[1] += vhsum(a1)
    out[2] += vhsum(a2)


@njit(**JIT)
def radix_grad(FL, FP, off, it0, it1, cbit, general, t, C, X, Z, st, ct):
    """Accumulate 2 Im <l|G_q|p> / 2 for the chunk-distance qubit, then unapply it on both."""
    d = 1 << cbit
    D = 16 * d
    T = vsplat(FP, t)
    N = vsplat(FP, -t)
    Cv = vsplat(FP, C)
    Xv = vsplat(FP, X)
    Zv = vsplat(FP, Z)
    acc = vtod(vsplat(FP, 0.0))
    for it in range(it0, it1):
        c = ((it >> cbit) << (cbit + 1)) + (it & (d - 1))
        pa = off + 16 * c
        pb = pa + D
        lar = vload(FL, pa)
        lai = vload(FL, pa + 8)
        lbr = vload(FL, pb)
        lbi = vload(FL, pb + 8)
        par = vload(FP, pa)
        pai = vload(FP, pa + 8)
        pbr = vload(FP, pb)
        pbi = vload(FP, pb + 8)
        g = grad_x(lar, lai, lbr, lbi, par, pai, pbr, pbi)
        if general:
            gz = grad_z(lar, lai, lbr, lbi, par, pai, pbr, pbi)
            acc = vadd(acc, vfma(vsplat(g, st), g, vmul(vsplat(g, ct), gz)))
            lar, lai, lbr, lbi = rg(lar, lai, lbr, lbi, Cv, Xv, Zv)
            par, pai, pbr, pbi = rg(par, pai, pbr, pbi, Cv, Xv, Zv)
        else:
            acc = vadd(acc, g)
            lar, lai, lbr, lbi = rx(lar, lai, lbr, lbi, T, N)
            par, pai, pbr, pbi = rx(par, pai, pbr, pbi, T, N)
        vstore(FL, pa, lar)
        vstore(FL, pa + 8, lai)
        vstore(FL, pb, lbr)
        vstore(FL, pb + 8, lbi)
        vstore(FP, pa, par)
        vstore(FP, pa + 8, pai)
        vstore(FP, pb, pbr)
        vstore(FP, pb + 8, pbi)
    return vhsum(acc)


@njit(**JIT)
def _pair_grad(lar, lai, lbr, lbi, par, pai, pbr, pbi, general, st, ct):
    g = grad_x(lar, lai, lbr, lbi, par, pai, pbr, pbi)
    if general:
        gz = grad_z(lar, lai, lbr, lbi, par, pai, pbr, pbi)
        g = vfma(vsplat(g, st), g, vmul(vsplat(g, ct), gz))
    return g


@njit(**JIT)
def _pair_rot(ar, ai, br, bi, general, T, N, Cv, Xv, Zv):
    if general:
        return rg(ar, ai, br, bi, Cv, Xv, Zv)
    return rx(ar, ai, br, bi, T, N)


@njit(**JIT)
def radix2_grad(FL, FP, off, it0, it1, cbit, general, tau, gen, sth, cth, l, q, out):
    """Two consecutive chunk-distance qubits q, q+1 per sweep: gradient of q, unapply q, gradient of
    q+1, unapply q+1 (on 4 chunks of both states); out[0], out[1] += the two sums."""
    d = 1 << cbit
    D = 16 * d
    t1 = tau[l, q]
    t2 = tau[l, q + 1]
    T1 = vsplat(FP, t1)
    N1 = vsplat(FP, -t1)
    T2 = vsplat(FP, t2)
    N2 = vsplat(FP, -t2)
    C1 = vsplat(FP, gen[l, q, 0])
    X1 = vsplat(FP, gen[l, q, 1])
    Z1 = vsplat(FP, gen[l, q, 2])
    C2 = vsplat(FP, gen[l, q + 1, 0])
    X2 = vsplat(FP, gen[l, q + 1, 1])
    Z2 = vsplat(FP, gen[l, q + 1, 2])
    s1, c1, s2, c2 = sth[q], cth[q], sth[q + 1], cth[q + 1]
    a1 = vtod(vsplat(FP, 0.0))
    a2 = a1
    for it in range(it0, it1):
        p0 = off + 16 * (((it >> cbit) << (cbit + 2)) + (it & (d - 1)))
        p1 = p0 + D
        p2 = p0 + 2 * D
        p3 = p0 + 3 * D
        l0r, l0i, l1r, l1i = vload(FL, p0), vload(FL, p0 + 8), vload(FL, p1), vload(FL, p1 + 8)
        l2r, l2i, l3r, l3i = vload(FL, p2), vload(FL, p2 + 8), vload(FL, p3), vload(FL, p3 + 8)
        f0r, f0i, f1r, f1i = vload(FP, p0), vload(FP, p0 + 8), vload(FP, p1), vload(FP, p1 + 8)
        f2r, f2i, f3r, f3i = vload(FP, p2), vload(FP, p2 + 8), vload(FP, p3), vload(FP, p3 + 8)
        a1 = vadd(a1, _pair_grad(l0r, l0i, l1r, l1i, f0r, f0i, f1r, f1i, general, s1, c1))
        a1 = vadd(a1, _pair_grad(l2r, l2i, l3r, l3i, f2r, f2i, f3r, f3i, general, s1, c1))
        l0r, l0i, l1r, l1i = _pair_rot(l0r, l0i, l1r, l1i, general, T1, N1, C1, X1, Z1)
        l2r, l2i, l3r, l3i = _pair_rot(l2r, l2i, l3r, l3i, general, T1, N1, C1, X1, Z1)
        f0r, f0i, f1r, f1i = _pair_rot(f0r, f0i, f1r, f1i, general, T1, N1, C1, X1, Z1)
        f2r, f2i, f3r, f3i = _pair_rot(f2r, f2i, f3r, f3i, general, T1, N1, C1, X1, Z1)
        a2 = vadd(a2, _pair_grad(l0r, l0i, l2r, l2i, f0r, f0i, f2r, f2i, general, s2, c2))
        a2 = vadd(a2, _pair_grad(l1r, l1i, l3r, l3i, f1r, f1i, f3r, f3i, general, s2, c2))
        l0r, l0i, l2r, l2i = _pair_rot(l0r, l0i, l2r, l2i, general, T2, N2, C2, X2, Z2)
        l1r, l1i, l3r, l3i = _pair_rot(l1r, l1i, l3r, l3i, general, T2, N2, C2, X2, Z2)
        f0r, f0i, f2r, f2i = _pair_rot(f0r, f0i, f2r, f2i, general, T2, N2, C2, X2, Z2)
        f1r, f1i, f3r, f3i = _pair_rot(f1r, f1i, f3r, f3i, general, T2, N2, C2, X2, Z2)
        vstore(FL, p0, l0r)
        vstore(FL, p0 + 8, l0i)
        vstore(FL, p1, l1r)
        vstore(FL, p1 + 8, l1i)
        vstore(FL, p2, l2r)
        vstore(FL, p2 + 8, l2i)
        vstore(FL, p3, l3r)
        vstore(FL, p3 + 8, l3i)
        vstore(FP, p0, f0r)
        vstore(FP, p0 + 8, f0i)
        vstore(FP, p1, f1r)
        vstore(FP, p1 + 8, f1i)
        vstore(FP, p2, f2r)
        vstore(FP, p2 + 8, f2i)
        vstore(FP, p3, f3r)
        vstore(FP, p3 + 8, f3i)
    out[0] += vhsum(a1)
    out[1] += vhsum(a2)


@njit(**JIT)
def radixg_any(FL, FP, off, it0, it1, cbit, cnt, general, tau, gen, sth, cth, l, q, out):
    """Backward rotation sweep over 1 or 2 qubits (iterations in units of nchl >> cnt)."""
    if cnt == 2:
        radix2_grad(FL, FP, off, it0, it1, cbit, general, tau, gen, sth, cth, l, q, out)
    else:
        out[0] += radix_grad(FL, FP, off, it0, it1, cbit, general, tau[l, q], gen[l, q, 0], gen[l, q, 1],
                             gen[l, q, 2], sth[q], cth[q])


@njit(**JIT)
def bwd_block(FL, FP, off, nchl, b, B, prog, mops, E, frames, tau, gen, general, sth, cth, gam, mfac, mode,
              tcv, alpha, gm, gg, scratch, A, qlin, qcross, ehi, tq, tab):
    """Run one backward program over block b; gradients accumulate (unscaled) into gm, gg. ``A`` > 0:
    structured phase on sub-blocks of 2^A amplitudes."""
    slot, sb = phaseq_slot(max(A, 3))
    nA = min(6, A - 3)
    base = b << B
    for si in range(prog.shape[0]):
        if prog[si, 0] == LOCAL:
            for mi in range(prog[si, 1], prog[si, 1] + prog[si, 2]):
                k = mops[mi, 0]
                l = mops[mi, 1]
                M = frames[mops[mi, 2]]
                if k == LAMINIT:
                    bsweep_laminit(FL, FP, off, nchl, base, E, M, mode, tcv, alpha)
                elif k == PHASEG or k == PHASEG_LAST:
                    last = k == PHASEG_LAST
                    if A > 0 and not last:
                        for j in range(1 << (B - A)):
                            phaseq_setup((b << (B - A)) | j, A, qlin.size, M, -gam[l], mfac[l, 0], mfac[l, 1],
                                         qlin, qcross, ehi, tab, 0, sb)
                            gg[l] += bsweep_phaseg(FL, FP, off + (j << (A + 1)), 1 << (A - 3), base + (j << A), E,
                                                   M, False, True, gam[l], mfac[l, 0], mfac[l, 1], tab, sb, tq,
                                                   l * (2 << A), nA)
                    else:
                        gg[l] += bsweep_phaseg(FL, FP, off, nchl, base, E, M, last, False, gam[l], mfac[l, 0],
                                               mfac[l, 1], tab, sb, tq, 0, nA)
                elif k == INREGG:
                    for q in range(3):
                        scratch[q] = 0.0
                    bsweep_inregg(FL, FP, off, nchl, general, tau, gen, sth, cth, l, scratch)
                    for q in range(3):
                        gm[l, q] += scratch[q]
        else:
            l = prog[si, 1]
            cnt = prog[si, 3]
            q = prog[si, 4]
            scratch[0] = 0.0
            scratch[1] = 0.0
            radixg_any(FL, FP, off, 0, nchl >> cnt, prog[si, 2], cnt, general, tau, gen, sth, cth, l, q, scratch)
            for r in range(cnt):
                gm[l, q + r] += scratch[r]
