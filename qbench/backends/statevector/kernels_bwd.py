"""Backward (adjoint) block kernels: unwind the layers on the pair (lambda, phi) while accumulating
dE/dangle = 2 Im <lambda| G |phi> for every generator G on the way. Same layout and program format as
``kernels.py``; the host applies the scale factors (``schedule.py``)."""

from __future__ import annotations

from numba import njit

from .kernels import (INREGG, JIT, LAMINIT, LOCAL, PHASEG, PHASEG_LAST, cmul_phase, eload, grad_x,
                      grad_z, inlane, perm, phaseq_factor, phaseq_setup, phaseq_slot, rg, rx, _ZSIGN)
from .simd import vadd, vfma, vhsum, vload, vloadd, vmin, vmul, vsplat, vstore, vsub, vas, vtod


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
            cbit = prog[si, 2]
            q = prog[si, 4]
            gm[l, q] += radix_grad(FL, FP, off, 0, nchl >> 1, cbit, general, tau[l, q], gen[l, q, 0],
                                   gen[l, q, 1], gen[l, q, 2], sth[q], cth[q])
