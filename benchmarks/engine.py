"""One QAOA energy on a dense random QUBO: qbench's statevector engine vs Aer's EstimatorV2.

Prints, per (n, p): both energies (asserted equal to 1e-8), both times, the speedup, the diagonal
build time and the layer time in "memory passes" (time / one in-place complex multiply over a
state of that size, numpy, measured in this process; ``cpu_pass/layer`` is the same ratio on CPU
time, per engine thread: what the wall ratio would be with every thread on its own idle core). The
last line is ``speedup_vs_aer <x>`` for the largest n at the largest p (n = 24, p = 3 by default).

    .venv/bin/python benchmarks/engine.py                 # n = 16, 20, 24; p = 1, 3
    .venv/bin/python benchmarks/engine.py --sizes 16 20   # quick subset

qbench time = build the cost diagonal + set up the engine + one energy (numba compiled and warmed
up beforehand, best of --reps). Aer time = one ``EstimatorV2.run`` on the bound circuit (statevector
method, exact expectation), best of --aer-reps (1 from 22 qubits up: it takes a minute).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _bootstrap import ensure_environment

ensure_environment()   # re-runs this script with the project's .venv when needed

import numpy as np  # noqa: E402

from qbench.backends.statevector import QAOAEngine, qubo_diagonal  # noqa: E402
from qbench.backends.statevector.memory import aligned_empty  # noqa: E402
from qbench.qubo import QUBO  # noqa: E402


def dense_qubo(n: int, seed: int) -> QUBO:
    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), float(rng.normal()))


def angles(p: int) -> tuple[np.ndarray, np.ndarray]:
    t = (np.arange(p) + 0.5) / p
    return 0.3 * t, -0.8 * (1 - t)


def qaoa_circuit(qubo: QUBO, gammas, betas):
    from qiskit import QuantumCircuit

    n = qubo.num_variables
    h, J, _ = qubo.to_ising()
    qc = QuantumCircuit(n)
    qc.h(range(n))
    for g, b in zip(gammas, betas):
        for i in range(n):
            qc.rz(2 * g * h[i], i)
        for i in range(n):
            for j in range(i + 1, n):
                qc.rzz(2 * g * J[i, j], i, j)
        qc.rx(2 * b, range(n))
    return qc


def best_of(fn, reps: int, clock=time.perf_counter) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(reps):
        t = clock()
        out = fn()
        best = min(best, clock() - t)
    return best, out


def multiply_pass(n: int, reps: int = 7, clock=time.perf_counter) -> float:
    psi = np.full(1 << n, 1.0 + 0.5j)
    c = np.complex128(np.exp(0.1j))

    def mult():
        np.multiply(psi, c, out=psi)
    mult()
    return best_of(mult, reps, clock)[0]


def aer_energy(qubo: QUBO, gammas, betas, reps: int) -> tuple[float, float]:
    from qiskit_aer.primitives import EstimatorV2

    est = EstimatorV2(options={"backend_options": {"method": "statevector"}, "default_precision": 0.0})
    op, const = qubo.to_sparse_pauli_op()
    qc = qaoa_circuit(qubo, gammas, betas)
    t, ev = best_of(lambda: float(est.run([(qc, op)]).result()[0].data.evs), reps)
    return t, ev + const


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 20, 24])
    ap.add_argument("--layers", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--reps", type=int, default=5, help="repetitions for qbench timings (best of)")
    ap.add_argument("--aer-reps", type=int, default=2, help="Aer repetitions below 22 qubits (best of)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)

    import numba

    # warm-up: compile / load every kernel outside the timings
    wq = dense_qubo(12, 0)
    for p in args.layers:
        QAOAEngine.from_qubo(wq, low_bits=6, threads=2).run(*angles(p))
        QAOAEngine.from_qubo(wq).run(*angles(p))
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "?"
    print(f"# {os.cpu_count()} cores, numba {numba.__version__} ({numba.get_num_threads()} threads, {layer}), "
          f"load average {os.getloadavg()[0]:.2f}")

    header = (f"{'n':>3} {'p':>2} {'E_qbench':>16} {'E_aer':>16} {'|dE|':>8} {'qbench_s':>9} {'aer_s':>9} "
              f"{'speedup':>8} {'diag_s':>8} {'diag_pass':>9} {'layer_s':>8} {'pass/layer':>10} {'mult_s':>8} "
              f"{'cpu_pass/layer':>14}")
    print(header)
    last = None
    for n in args.sizes:
        q = dense_qubo(n, args.seed + n)
        t_mult = multiply_pass(n)
        diag = aligned_empty(1 << n)   # as qubo_diagonal allocates it
        t_diag, _ = best_of(lambda: qubo_diagonal(q, out=diag), args.reps)
        t_mult_cpu = multiply_pass(n, clock=time.process_time)
        run_t, run_cpu = {}, {}
        rows = []
        for p in args.layers:
            g, b = angles(p)

            def one_energy():
                eng = QAOAEngine.from_qubo(q, diagonal=qubo_diagonal(q, out=diag))
                return eng.run(g, b), eng
            t_q, (e_q, engine) = best_of(one_energy, args.reps)
            run_t[p], _ = best_of(lambda: engine.run(g, b), args.reps)
            run_cpu[p], _ = best_of(lambda: engine.run(g, b), args.reps, time.process_time)
            threads = engine._threads()
            t_a, e_a = aer_energy(q, g, b, 1 if n >= 22 else args.aer_reps)
            assert abs(e_q - e_a) < 1e-8, f"energies differ at n={n} p={p}: {e_q!r} vs {e_a!r}"
            rows.append((p, e_q, e_a, t_q, t_a))
            engine = None   # free the state before the next size
        ps = sorted(run_t)
        if len(ps) >= 2:
            layer = (run_t[ps[-1]] - run_t[ps[0]]) / (ps[-1] - ps[0])
            layer_cpu = (run_cpu[ps[-1]] - run_cpu[ps[0]]) / (ps[-1] - ps[0])
        else:
            layer, layer_cpu = run_t[ps[0]] / ps[0], run_cpu[ps[0]] / ps[0]
        for p, e_q, e_a, t_q, t_a in rows:
            print(f"{n:>3} {p:>2} {e_q:>16.10f} {e_a:>16.10f} {abs(e_q - e_a):>8.1e} {t_q:>9.4f} {t_a:>9.3f} "
                  f"{t_a / t_q:>8.1f} {t_diag:>8.4f} {t_diag / t_mult:>9.2f} {layer:>8.4f} {layer / t_mult:>10.2f} "
                  f"{t_mult:>8.4f} {layer_cpu / threads / t_mult_cpu:>14.2f}")
            last = t_a / t_q
        sys.stdout.flush()
    print(f"speedup_vs_aer {last:.1f}")


if __name__ == "__main__":
    main()
