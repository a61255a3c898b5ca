"""Noisy simulation on the active qubits vs a naive whole-device simulation.

A 15-variable QAOA (p = 1, ramp angles, dense-ish random QUBO) is transpiled (seeded preset pass
manager, level 1) onto a 27-qubit fake device. Two ways to simulate the ISA circuit with the device's
noise, in this process:

* qbench (``aer-noisy:<device>``): the circuit on the qubits it touches only, with their errors
  (``qbench.backends.noisy``); the device NoiseModel is cached, so the timed calls reuse it;
* naive: the whole device, ``AerSimulator(noise_model=NoiseModel.from_backend(device),
  enable_truncation=False)``: a 27-qubit state (2 GiB), every idle qubit included.

Noisy trajectories cost the same per shot, so the naive run takes ``--naive-shots`` shots (it is
~1000x slower) and both are compared per shot. For reference the script also times Aer's own default
(``enable_truncation=True``, which drops idle qubits inside Aer, with a NoiseModel built per run).
The last line is ``speedup_vs_full_device <x>``.

    python benchmarks/noisy.py                       # n = 15 on fake_kolkata, 64 shots, 1 naive shot
    python benchmarks/noisy.py --device fake_auckland --shots 128
"""

from __future__ import annotations

import argparse
import time
import warnings

from _bootstrap import ensure_environment

ensure_environment()   # re-runs this script with the project's .venv when needed

import numpy as np  # noqa: E402

from qbench.qubo import QUBO  # noqa: E402


def random_qubo(n: int, density: float, seed: int) -> QUBO:
    rng = np.random.default_rng(seed)
    Q = np.triu(rng.normal(size=(n, n)), 1) * (rng.random((n, n)) < density)
    return QUBO(rng.normal(size=n), Q)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--device", default="fake_kolkata")
    ap.add_argument("--density", type=float, default=0.3)
    ap.add_argument("--shots", type=int, default=64)
    ap.add_argument("--naive-shots", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from qbench.backends import get_backend
    from qbench.backends.noisy import active_qubits, device_noise_model
    from qbench.solvers.qaoa import QAOASolver, angle_scale
    from qbench.solvers.qaoa_circuit import qaoa_circuit

    qubo = random_qubo(args.n, args.density, args.seed)
    solver = QAOASolver(reps=1)
    circuit, p = qaoa_circuit(solver, qubo, None)
    x = solver.initial_point(args.n, np.random.default_rng(0))
    circuit = circuit.assign_parameters(np.concatenate([x[:p] / angle_scale(qubo), x[p:]]))
    circuit.measure_all()
    backend = get_backend(f"aer-noisy:{args.device}", seed=args.seed, shots=args.shots)
    device = backend.device
    t = time.perf_counter()
    isa = backend.pass_manager().run(circuit)
    transpile_s = time.perf_counter() - t
    active = active_qubits(isa)
    print(f"device {device.name} ({device.num_qubits} qubits); QAOA n={args.n} p=1; ISA: {isa.num_qubits} wide, "
          f"{len(active)} active, depth {isa.depth()}, {sum(1 for i in isa.data if i.operation.num_qubits == 2)} "
          f"2-qubit gates; transpile {transpile_s:.2f} s")

    t = time.perf_counter()
    device_noise_model(device.name)
    sampler = backend.sampler()
    sampler.run([isa], shots=1).result()          # builds and caches the active-qubit noise model
    print(f"qbench setup (device NoiseModel + active-qubit NoiseModel, once per device/layout): "
          f"{time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    counts = sampler.run([isa], shots=args.shots).result()[0].data.meas.get_counts()
    ours = (time.perf_counter() - t) / args.shots
    print(f"qbench active qubits: {args.shots} shots, {ours * 1e3:.1f} ms/shot ({len(counts)} distinct outcomes)")

    t = time.perf_counter()
    nm = NoiseModel.from_backend(device)
    nm_s = time.perf_counter() - t
    t = time.perf_counter()
    AerSimulator(noise_model=nm, seed_simulator=args.seed).run(isa, shots=args.shots).result()
    aer_trunc = (time.perf_counter() - t) / args.shots
    print(f"Aer default (truncation inside Aer): {aer_trunc * 1e3:.1f} ms/shot (+ {nm_s:.2f} s NoiseModel per run)")

    t = time.perf_counter()
    res = AerSimulator(noise_model=nm, seed_simulator=args.seed, enable_truncation=False).run(
        isa, shots=args.naive_shots).result()
    naive = (time.perf_counter() - t) / args.naive_shots
    print(f"naive whole device: {args.naive_shots} shot(s) on {res.results[0].metadata.get('num_qubits')} qubits, "
          f"{naive * 1e3:.1f} ms/shot")
    print(f"speedup_vs_aer_truncation {aer_trunc / ours:.2f}")
    print(f"speedup_vs_full_device {naive / ours:.1f}")


if __name__ == "__main__":
    main()
