"""The QAOA statevector engine: exact energies, CVaR, adjoint gradients, readout and sampling.

Circuit (Qiskit conventions, qubit i = variable i = bit i of the basis index)::

    |psi_0> = prod_q (cos(theta_q/2)|0> + sin(theta_q/2)|1>)        (theta_q = pi/2: |+>)
    for l in 0..p-1:   |psi> <- prod_q exp(-i beta_lq G_q) exp(-i gamma_l E) |psi>
    G_q = sin(theta_q) X_q + cos(theta_q) Z_q                       (theta_q = pi/2: X_q)

``exp(-i beta X)`` is Qiskit's ``RX(2 beta)``; ``exp(-i gamma E)`` equals the evolution under the
Ising operator up to the global phase of the QUBO constant. Without ``thetas`` this is standard QAOA
(optionally with one beta per qubit: multi-angle); with ``thetas`` it is warm-start QAOA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import passes
from .memory import aligned_empty, check_fits, fits, real_bytes
from .readout import (analyze, analyze_blocks, cvar_walk, energy_blocks, pack_masks, sample_sorted,
                      stored_to_complex, structured_energy, top_k_stored)
from .diagonal import _doubling, coefficients, qubo_diagonal
from .schedule import (Angles, backward_scalars, compile_program, flat_forward, gather_parts,
                       general_angles, make_layout, tangent_buffers, thread_parts)
from .threads import auto_threads, thread_scope


def _aligned_copy(a: np.ndarray) -> np.ndarray:
    out = aligned_empty(a.size, a.dtype)
    out[:] = a
    return out


def _product_state(amp0: np.ndarray, amp1: np.ndarray) -> np.ndarray:
    """The 2^k amplitudes of prod_q (amp0[q]|0> + amp1[q]|1>), qubit q = bit q of the index."""
    out = np.ones(1)
    for a0, a1 in zip(amp0, amp1):
        out = np.concatenate([out * a0, out * a1])
    return out


@dataclass
class _ForwardPlan:
    kinds: np.ndarray
    progs: np.ndarray
    prog_off: np.ndarray
    mops: np.ndarray
    mops_off: np.ndarray
    seg_s: np.ndarray
    seg_h: np.ndarray
    seg_parts: np.ndarray
    bparts: int
    out: np.ndarray
    tq: np.ndarray
    angles: Angles          # X-form angle buffers, refilled by every forward call
    fscale: np.ndarray      # (re, im) of the final scale, written by the forward call


@dataclass
class Readout:
    norm: float
    expectation: float
    mask_probabilities: list[float] = field(default_factory=list)
    cvar: float | None = None
    var: float | None = None


class QAOAEngine:
    """Exact QAOA simulation on a fixed cost diagonal (all 2^n energies).

    Parameters: ``diagonal`` (float64 or float32 array of length 2^n; None with ``coefficients``
    when the energies should come from the QUBO's block tables, see ``from_qubo``), ``precision`` ('double' =
    complex128 state, 'single' = complex64), ``thetas`` (per-qubit warm-start angles; None = |+>
    and the X mixer), ``low_bits`` (cache block: 2^low_bits amplitudes), ``check_memory``, and
    ``coefficients`` = (h, J, offset) when the diagonal is a QUBO's: the phase is then built from
    per-block tables instead of a sine and cosine per amplitude (``from_qubo`` does this; sub-blocks
    of 2^phase_bits amplitudes, default min(block, 12) bits when that leaves >= 4 of them),
    ``threads`` (default: all numba threads from 14 qubits up, one below, where a parallel region
    costs more than it saves), and the gathered passes over the qubits >= low_bits: at most
    ``high_bits`` qubits per pass, rows of 2^row_bits amplitudes (see ``schedule.make_layout``).
    """

    @classmethod
    def from_qubo(cls, qubo, *, precision: str = "double", thetas=None, low_bits: int = 15,
                  check_memory: bool = True, diagonal: np.ndarray | None = None,
                  threads: int | None = None, phase_bits: int | None = None, high_bits: int = 9,
                  row_bits: int = 8, store_diagonal: bool | None = None) -> "QAOAEngine":
        """Engine for a QUBO (anything with linear / quadratic / offset) with the structured phase.
        Builds the cost diagonal (float64, or float32 in single precision) unless given or
        ``store_diagonal`` is False; None (default) stores it when it fits in the available memory
        next to the state. Without it the engine needs a third less memory (a double-precision
        30-qubit state fits in 24 GiB) and reads energies from the QUBO's block tables; CVaR and
        gradients need it."""
        h, J, c = coefficients(qubo)
        n = h.size
        if diagonal is None and store_diagonal is None:
            store_diagonal = not check_memory or fits(n, precision)
        if check_memory:
            check_fits(n, precision, diagonal=diagonal is None and bool(store_diagonal))
        if diagonal is None and store_diagonal:
            diagonal = qubo_diagonal(qubo, dtype=np.float64 if precision == "double" else np.float32)
        return cls(diagonal, precision=precision, thetas=thetas, low_bits=low_bits,
                   check_memory=check_memory, coefficients=(h, J, c), threads=threads, phase_bits=phase_bits,
                   high_bits=high_bits, row_bits=row_bits)

    def __init__(self, diagonal: np.ndarray | None, *, precision: str = "double", thetas=None,
                 low_bits: int = 15, check_memory: bool = True, coefficients=None,
                 threads: int | None = None, phase_bits: int | None = None, high_bits: int = 9,
                 row_bits: int = 8):
        self.rdt = np.float64 if real_bytes(precision) == 8 else np.float32
        self.has_diagonal = diagonal is not None
        if diagonal is None:
            if coefficients is None:
                raise ValueError("an engine needs a cost diagonal or the QUBO coefficients")
            n = np.asarray(coefficients[0]).size
            E = np.zeros(8, dtype=self.rdt)   # never indexed by state: energies come from the tables
        else:
            E = np.ascontiguousarray(diagonal)
            if E.dtype not in (np.float64, np.float32):
                E = E.astype(np.float64)
            N = E.size
            n = N.bit_length() - 1
            if N < 2 or (1 << n) != N:
                raise ValueError(f"diagonal length must be a power of two >= 2, got {N}")
        self.n = n
        self.nq = nq = max(n, 3)
        self.precision = precision
        self.check_memory = check_memory
        self.threads = threads
        if check_memory:
            check_fits(n, precision, diagonal=False)
        self.E = E if nq == n else _aligned_copy(np.tile(E, 1 << (nq - n)))
        self.general = thetas is not None
        th = np.zeros(nq)
        th[:n] = np.pi / 2 if thetas is None else np.asarray(thetas, dtype=np.float64).reshape(n)
        self.thetas = th
        self.sth = np.ones(nq) if not self.general else np.sin(th)
        self.cth = np.zeros(nq) if not self.general else np.cos(th)
        self.amp0 = np.cos(th / 2)
        self.amp1 = np.sin(th / 2)
        self.layout = make_layout(nq, low_bits, parallel=self._threads() > 1, high_bits=high_bits,
                                  row_bits=row_bits)
        B = self.layout.B
        self.init8 = _product_state(self.amp0[:3], self.amp1[:3]).astype(self.rdt)
        self.initmid = _product_state(self.amp0[3:B], self.amp1[3:B])
        # structured phase on sub-blocks of 2^A amplitudes: a 2^A-entry table per layer plus ~A sines
        # per sub-block, which pays off for sub-blocks of ~1000 amplitudes and at least 4 of them
        A = min(self.layout.B, 12) if phase_bits is None else int(phase_bits)
        self.structured = coefficients is not None and 3 <= A <= self.layout.B and nq - A >= 2 and \
            (A >= 10 or phase_bits is not None)
        self.A = A if self.structured else 0
        if not self.has_diagonal and not self.structured:
            raise ValueError(f"an engine without a cost diagonal reads energies from the QUBO's block tables, "
                             f"which this {n}-qubit engine does not use (from 14 qubits by default); pass the "
                             f"diagonal")
        self._setup_structure(coefficients if self.structured else None)
        self._programs: dict[int, object] = {}
        self._forward_plans: dict[tuple[int, int], _ForwardPlan] = {}
        self.F: np.ndarray | None = None
        self.FL: np.ndarray | None = None
        self._state = None          # (angles, p) of the state held in F, None if F was unwound
        self._sorted = None         # (order, sorted energies) for CVaR
        self._elo = None            # low-bit energies for reading energies without the diagonal
        self.evaluations = 0
        self.gradient_evaluations = 0

    def _setup_structure(self, coeffs) -> None:
        nq, B = self.nq, self.A
        if coeffs is None:
            self.qlin = np.zeros(1)
            self.qcross = np.zeros((1, 1))
            self.ehi = np.zeros(1)
            self.qtab = np.zeros(8)
            return
        h, J, c = coeffs
        h = np.asarray(h, dtype=np.float64)
        if h.size != self.n:
            raise ValueError(f"coefficients have {h.size} variables, the diagonal {self.n}")
        hp = np.zeros(nq)
        hp[:self.n] = h
        Jp = np.zeros((nq, nq))
        Jp[:self.n, :self.n] = np.triu(np.asarray(J, dtype=np.float64), 1)
        self.qlin = hp
        self.qcross = np.ascontiguousarray(Jp[:B, B:]) if nq > B else np.zeros((B, 1))
        ehi = np.empty(1 << (nq - B))
        _doubling(np.ascontiguousarray(hp[B:]), np.ascontiguousarray(Jp[B:, B:]), ehi)
        self.ehi = ehi + float(c)
        self.qtab = np.empty(1 << B)
        _doubling(np.zeros(B), np.ascontiguousarray(Jp[:B, :B]), self.qtab)

    def _forward_plan(self, p: int) -> "_ForwardPlan":
        """The forward program of p layers flattened for ``passes.forward`` (cached per p and thread
        count), with its scratch arrays."""
        threads = self._threads()
        key = (p, threads)
        fp = self._forward_plans.get(key)
        if fp is None:
            fp = _ForwardPlan(*flat_forward(self.layout, p, self.general, threads, self.has_diagonal),
                              out=np.zeros((64, 2)),
                              tq=aligned_empty(p * (2 << self.A) if self.structured else 16),
                              angles=tangent_buffers(p, self.nq),
                              fscale=np.zeros(2))
            self._forward_plans[key] = fp
        return fp

    # ---- plumbing --------------------------------------------------------------------------------
    def _thread_scope(self):
        return thread_scope(self._threads())

    def _program(self, p: int):
        if p not in self._programs:
            self._programs[p] = compile_program(self.layout, p, self.general)
        return self._programs[p]

    def _nparts(self, items: int) -> int:
        return thread_parts(items, self._threads())

    def _gather_parts(self, group: int) -> tuple[int, int, int]:
        return gather_parts(self.layout, group, self._threads())

    def _threads(self) -> int:
        return auto_threads(self.nq, self.threads)

    def _betas(self, gammas, betas) -> tuple[np.ndarray, np.ndarray, bool]:
        g = np.atleast_1d(np.asarray(gammas, dtype=np.float64))
        b = np.asarray(betas, dtype=np.float64)
        p = g.size
        per_qubit = b.ndim == 2
        full = np.zeros((p, self.nq))
        if b.ndim <= 1 and b.size in (1, p):
            full[:, :self.n] = b.reshape(-1, 1)
        elif b.shape == (p, self.n):
            full[:, :self.n] = b
        else:
            raise ValueError(f"betas must have shape ({p},) or ({p}, {self.n}), got {b.shape}")
        return g, full, per_qubit

    def _alloc(self, name: str) -> np.ndarray:
        arr = getattr(self, name)
        if arr is None:
            if self.check_memory:   # one more state (the diagonal and any first state already exist)
                check_fits(self.n, self.precision, diagonal=False)
            arr = aligned_empty(2 << self.nq, self.rdt)
            setattr(self, name, arr)
        return arr

    # ---- forward ---------------------------------------------------------------------------------
    def run(self, gammas, betas) -> float:
        """Prepare the QAOA state for the angles; return the energy expectation."""
        if self._threads() == 1:   # every pass has one part: forward() starts no parallel region
            return self._run(gammas, betas)
        with self._thread_scope():
            return self._run(gammas, betas)

    def _run(self, gammas, betas) -> float:
        g, b, _ = self._betas(gammas, betas)
        p = g.size
        if p == 0:
            raise ValueError("need at least one layer")
        fp = self._forward_plan(p)
        if self.general:
            a = general_angles(g, b, self.thetas)
        else:   # forward() fills the plan's buffers with the tangent form of b
            a = fp.angles
            a.gam = g
        F = self._alloc("F")
        ex, nr = passes.forward(F, self.E, self.layout.B, self.layout.R, self.general, fp.kinds, fp.progs,
                                fp.prog_off, fp.mops, fp.mops_off, fp.seg_s, fp.seg_h, fp.seg_parts, fp.bparts,
                                b, a.frames, a.tau_f, a.tau_b, a.cosb, a.fac_b, fp.fscale, a.gen_f,
                                g, a.mfac_f, self.init8, self.initmid, self.amp0, self.amp1, fp.out, self.A,
                                self.qlin, self.qcross, self.ehi, self.qtab, fp.tq)
        if not self.general:
            a.fscale = complex(fp.fscale[0], fp.fscale[1])
        if not self.has_diagonal:   # the program has no readout: one more pass reads the energies
            ex, nr = self._table_energy(a)
        self._tq_cache = fp.tq
        s2 = abs(a.fscale) ** 2
        self._norm = nr * s2
        self._state = (a, p)
        self.evaluations += 1
        return ex / nr

    energy = run

    def _table_energy(self, a) -> tuple[float, float]:
        """(sum |a|^2 E, sum |a|^2) of the stored state, energies from the QUBO's block tables."""
        if self._elo is None:   # low-bit energies with their linear part (qtab has only couplings)
            lin = np.empty(1 << self.A)
            _doubling(self.qlin[:self.A].copy(), np.zeros((self.A, self.A)), lin)
            self._elo = lin + self.qtab
        M = int(a.frames[-1])
        nb = 1 << (self.nq - self.A)
        parts = self._nparts(nb)
        if parts == 1:
            acc = np.zeros(2)
            energy_blocks(self.F, M, self._elo, self.qcross, self.ehi, 0, nb, acc)
            return float(acc[0]), float(acc[1])
        out = np.zeros((parts, 2))
        structured_energy(self.F, M, self._elo, self.qcross, self.ehi, out)
        return float(out[:, 0].sum()), float(out[:, 1].sum())

    def _need_diagonal(self, what: str) -> None:
        if not self.has_diagonal:
            raise ValueError(f"{what} needs the cost diagonal; this engine was built without it "
                             f"(from_qubo(..., store_diagonal=True) stores it, memory permitting)")

    def _need_state(self):
        if self._state is None:
            raise RuntimeError("no final state: call run() first (value_and_grad() consumes it)")
        return self._state

    def _sorted_energies(self):
        if self._sorted is None:
            self._need_diagonal("CVaR")
            if self.check_memory:
                check_fits(self.n, self.precision, cvar=True, diagonal=False)
            Elog = self.E[:1 << self.n]
            order = np.argsort(Elog, kind="stable").astype(np.int32 if self.n < 31 else np.int64)
            self._sorted = (order, np.ascontiguousarray(Elog[order], dtype=np.float64))
        return self._sorted

    def cvar(self, alpha: float) -> tuple[float, float]:
        """(CVaR_alpha, alpha-quantile energy) of the current state's energy distribution."""
        a, _ = self._need_state()
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"cvar alpha must be in (0, 1], got {alpha}")
        order, es = self._sorted_energies()
        s2 = abs(a.fscale) ** 2 / self._norm
        v, t = cvar_walk(self.F, order, es, int(a.frames[-1]), float(alpha), s2)
        return float(v), float(t)

    def objective(self, gammas, betas, cvar_alpha: float = 1.0) -> float:
        e = self.run(gammas, betas)
        return e if cvar_alpha >= 1.0 else self.cvar(cvar_alpha)[0]

    # ---- gradient --------------------------------------------------------------------------------
    def value_and_grad(self, gammas, betas, cvar_alpha: float = 1.0):
        """(objective, d/dgammas (p,), d/dbetas (p,) or (p, n)) by the adjoint method. The objective is
        the expectation (cvar_alpha = 1) or CVaR_alpha. Consumes the final state."""
        if self._threads() == 1:   # every pass has one part: no parallel region is started
            return self._value_and_grad(gammas, betas, cvar_alpha)
        with self._thread_scope():
            return self._value_and_grad(gammas, betas, cvar_alpha)

    def _value_and_grad(self, gammas, betas, cvar_alpha: float):
        self._need_diagonal("the adjoint gradient")
        per_qubit = np.ndim(betas) == 2
        value = self._run(gammas, betas)
        a, p = self._state
        mode, tcv = 0, 0.0
        if cvar_alpha < 1.0:
            value, tcv = self.cvar(cvar_alpha)
            mode = 1
        prog = self._program(p)
        FL = self._alloc("FL")
        F = self.F
        mfac_b, sm, sg = backward_scalars(a, prog.grad_order)
        L = self.layout
        gm = np.zeros((p, self.nq))
        gg = np.zeros(p)
        gmo = np.zeros((64, p, self.nq))
        ggo = np.zeros((64, p))
        gpart = np.zeros((64, 2 * self.nq))
        for cp in prog.backward:
            if cp.group == 0:
                parts = self._nparts(1 << (self.nq - L.B))
                args = (cp.prog, cp.mops, a.frames, a.tau_b, a.gen_b, self.general, self.sth, self.cth, a.gam, mfac_b,
                        mode, tcv, float(cvar_alpha))
                tail = (self.A, self.qlin, self.qcross, self.ehi, self._tq_cache)
                if parts == 1:
                    gmo[0] = 0.0
                    ggo[0] = 0.0
                    passes.bwd_low_blocks(FL, F, self.E, L.B, 0, 1 << (self.nq - L.B), *args, gmo[0], ggo[0], *tail)
                else:
                    passes.bwd_low(FL, F, self.E, L.B, parts, *args, gmo[:parts], ggo[:parts], *tail)
                gm += gmo[:parts].sum(axis=0)
                gg += ggo[:parts].sum(axis=0)
            else:
                s, h, parts = self._gather_parts(cp.group)
                gp = gpart[:parts, :2 * cp.prog.shape[0]]
                if parts == 1:
                    gp[0] = 0.0
                    passes.bwd_gather_blocks(FL, F, L.R, s, h, 0, (F.size >> 1) >> (L.R + h), cp.prog, a.tau_b,
                                             a.gen_b, self.general, self.sth, self.cth, gp[0])
                else:
                    passes.bwd_gather(FL, F, L.R, s, h, parts, cp.prog, a.tau_b, a.gen_b, self.general, self.sth,
                                      self.cth, gp)
                for si, row in enumerate(cp.prog):
                    for r in range(row[3]):
                        gm[row[1], row[4] + r] += gp[:, 2 * si + r].sum()
        self._state = None
        self.gradient_evaluations += 1
        dgam = gg * sg / self._norm
        dbeta = (gm * sm / self._norm)[:, :self.n]
        return value, dgam, (dbeta if per_qubit else dbeta.sum(axis=1))

    # ---- readout ---------------------------------------------------------------------------------
    def statevector(self) -> np.ndarray:
        """The normalised logical statevector (complex128, or complex64 in single precision)."""
        a, _ = self._need_state()
        cdt = np.complex128 if self.rdt == np.float64 else np.complex64
        return stored_to_complex(self.F, self.n, int(a.frames[-1]), a.fscale / math.sqrt(self._norm), cdt)

    def analyze(self, masks=(), cvar_alpha: float | None = None, block_bits: int = 12) -> Readout:
        """One pass over the final state: norm, expectation, probability of each mask (boolean arrays
        of 2^n or index sets), and CVaR_alpha when asked."""
        a, _ = self._need_state()
        packed = pack_masks(list(masks), self.n) if masks else np.zeros(1, dtype=np.uint8)
        bb = min(block_bits, self.nq)
        bmass = np.empty(1 << (self.nq - bb))
        parts = self._nparts(bmass.size)
        out = np.zeros((parts, 2 + len(masks)))
        if parts == 1:   # on this thread, without a parallel region
            analyze_blocks(self.F, self.E, int(a.frames[-1]), packed, len(masks), bb, bmass, 0, bmass.size, out[0])
        else:
            with self._thread_scope():
                analyze(self.F, self.E, int(a.frames[-1]), packed, len(masks), bb, bmass, out)
        tot = out.sum(axis=0)
        if not self.has_diagonal:
            with self._thread_scope():
                tot[1] = self._table_energy(a)[0]
        self._bmass = (bmass, bb)
        r = Readout(norm=float(tot[0]) * abs(a.fscale) ** 2, expectation=float(tot[1] / tot[0]),
                    mask_probabilities=[float(x / tot[0]) for x in tot[2:]])
        if cvar_alpha is not None:
            r.cvar, r.var = self.cvar(cvar_alpha)
        return r

    def sample(self, shots: int, seed=None) -> np.ndarray:
        """``shots`` basis-state indices drawn from the final state (seeded, reproducible)."""
        a, _ = self._need_state()
        if getattr(self, "_bmass", None) is None or self._bmass_for is not self._state:
            self.analyze()
            self._bmass_for = self._state
        bmass, bb = self._bmass
        cum = np.cumsum(bmass)
        rng = np.random.default_rng(seed)
        u = np.sort(rng.random(int(shots))) * cum[-1]
        out = np.empty(u.size, dtype=np.int64)
        sample_sorted(self.F, cum, bb, u, int(a.frames[-1]), out)
        return rng.permutation(out)

    def top_k(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k most probable basis states (indices) and their exact probabilities, descending."""
        a, _ = self._need_state()
        return top_k_stored(self.F, self.n, int(a.frames[-1]), abs(a.fscale) ** 2 / self._norm, k)

    def probabilities(self) -> np.ndarray:
        v = self.statevector()
        return (v.real.astype(np.float64) ** 2 + v.imag.astype(np.float64) ** 2)

    _bmass_for = None
