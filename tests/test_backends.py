"""The backend seam: specs, limits, too-large messages, noisy simulation on the active qubits."""

from __future__ import annotations

import numpy as np
import pytest

from qbench.backends import BACKENDS, get_backend
from qbench.backends.base import Backend
from qbench.backends.statevector.memory import check_fits, fmt_bytes
from qbench.errors import ConfigError, TooLargeError


def test_specs_build_backends_with_the_contract():
    for spec in ("statevector", "aer", "aer-mps", "aer-noisy:fake_kolkata"):
        b = get_backend(spec, seed=1)
        assert isinstance(b, Backend) and b.spec == spec
        d = b.describe()
        assert d["backend"] == spec and isinstance(d, dict)
        assert hasattr(b.estimator(), "run") and hasattr(b.sampler(), "run")
    assert get_backend("aer").exact and get_backend("aer-mps").exact and not get_backend("aer-noisy:fake_kolkata").exact
    assert get_backend("aer-mps").max_qubits() is None and get_backend("aer").pass_manager() is None
    assert get_backend("aer-noisy:fake_kolkata").max_qubits() == 27
    assert {"statevector", "aer", "aer-mps", "aer-noisy"} <= set(BACKENDS)


@pytest.mark.parametrize("bad", ["gpu", "aer-noisy", "aer-noisy:fake_nowhere", "aer:fake_torino", ""])
def test_bad_specs_are_config_errors(bad):
    from qbench.registry import make_solver

    with pytest.raises(ConfigError):
        get_backend(bad)
    for solver in ("qaoa", "vqe"):   # refused when the config is read, not in the middle of a run
        with pytest.raises(ConfigError):
            make_solver(solver, {"backend": bad})


def test_too_large_message_names_qubits_limit_and_alternatives():
    with pytest.raises(TooLargeError) as err:
        get_backend("aer").check_fits(99, "pet2.dat")
    msg = str(err.value)
    assert "pet2.dat" in msg and "99 qubits" in msg and "'aer'" in msg and "limit" in msg
    for alt in ("aer-mps", "pce", "qrao", "shrink"):
        assert alt in msg
    get_backend("aer-mps").check_fits(500, "x")   # no fixed limit
    with pytest.raises(TooLargeError, match="27"):
        get_backend("aer-noisy:fake_kolkata").check_fits(40, "x")


def test_sizes_are_never_printed_as_absurd_tebibytes():
    assert fmt_bytes(2 ** 63) == "8.0 EiB" and fmt_bytes(2 ** 70) == "about 2^70 B" and fmt_bytes(3 * 2 ** 50).endswith("PiB")
    with pytest.raises(TooLargeError) as err:
        check_fits(99)
    assert "TiB" not in str(err.value) and "34" in str(err.value)


def test_cli_solve_too_large_names_the_file(data_dir):
    from typer.testing import CliRunner

    from qbench.cli import app

    res = CliRunner().invoke(app, ["solve", str(data_dir / "mdkp" / "pet2.dat"), "--solver", "qaoa"])
    assert isinstance(res.exception, TooLargeError)
    msg = str(res.exception)
    assert "pet2.dat" in msg and "99 qubits" in msg and "aer-mps" in msg and "TiB" not in msg


# ---- noisy simulation on the active qubits --------------------------------------------------------
def _ghz(n):
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(n)
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    qc.measure_all()
    return qc


def test_noisy_runs_on_the_active_qubits_only():
    from qbench.backends.noisy import active_qubits, compact, restricted_noise_model

    b = get_backend("aer-noisy:fake_kolkata", seed=3, shots=2000)
    isa = b.pass_manager().run(_ghz(4))
    assert isa.num_qubits == 27
    active = active_qubits(isa)
    assert 4 <= len(active) < 27
    small = compact(isa, active)
    assert small.num_qubits == len(active) and small.count_ops() == isa.count_ops()
    noise = restricted_noise_model("fake_kolkata", active)
    assert set(noise.noise_qubits) <= set(range(len(active)))
    sampler = b.sampler()
    counts = sampler.run([isa]).result()[0].data.meas.get_counts()
    assert sampler.last_active == active and sum(counts.values()) == 2000
    assert counts.get("0000", 0) + counts.get("1111", 0) > 1700       # GHZ, mostly
    assert 0 < sum(v for k, v in counts.items() if k not in ("0000", "1111"))   # with noise


def test_noisy_active_run_matches_the_whole_device_statistics():
    """Same circuit, same noise: the active-qubit run and Aer's whole-device (truncating) run agree."""
    from qiskit_aer import AerSimulator

    from qbench.backends.noisy import device_noise_model

    b = get_backend("aer-noisy:fake_kolkata", seed=5, shots=4000)
    isa = b.pass_manager().run(_ghz(3))
    ours = b.sampler().run([isa]).result()[0].data.meas.get_counts()
    ref = AerSimulator(noise_model=device_noise_model("fake_kolkata"), seed_simulator=9).run(
        isa, shots=4000).result().get_counts()
    keys = set(ours) | set(ref)
    tvd = 0.5 * sum(abs(ours.get(k, 0) - ref.get(k, 0)) for k in keys) / 4000
    assert tvd < 0.03


def test_noisy_estimator_takes_device_wide_observables():
    from qiskit.quantum_info import SparsePauliOp

    b = get_backend("aer-noisy:fake_kolkata", seed=1)
    qc = _ghz(3).remove_final_measurements(inplace=False)
    isa = b.pass_manager().run(qc)
    zz = SparsePauliOp("ZZI").apply_layout(isa.layout)
    ev = float(b.estimator().run([(isa, zz)]).result()[0].data.evs)
    assert 0.8 < ev <= 1.0


def test_cli_solve_with_backend_and_resources(tmp_path):
    import json

    from typer.testing import CliRunner

    from qbench.cli import app

    f = tmp_path / "toy.dat"
    f.write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")   # optimum 7, slack QUBO of 7 variables
    res = CliRunner().invoke(app, ["solve", str(f), "--solver", "vqe", "--backend", "aer-mps",
                                   "--resources-on", "fake_kolkata", "--maxiter", "20", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["qubits"] == out["variables"] == 7 and out["feasible"]
    info = out["info"]
    assert info["backend"] == "aer-mps" and info["isa_device"] == "fake_kolkata" and info["isa_depth"] >= info["depth"]
    bad = CliRunner().invoke(app, ["solve", str(f), "--solver", "qaoa", "--backend", "gpu"])
    assert isinstance(bad.exception, ConfigError) and "unknown backend 'gpu'" in str(bad.exception)


def test_qaoa_solver_on_a_noisy_device_records_active_qubits_and_isa():
    from qbench.qubo import QUBO
    from qbench.solvers.qaoa import QAOASolver

    rng = np.random.default_rng(0)
    q = QUBO(rng.normal(size=4), np.triu(rng.normal(size=(4, 4)), 1))
    s = QAOASolver(reps=1, maxiter=4, shots=128, backend="aer-noisy:fake_kolkata")
    a, b = s.solve(q, seed=2), s.solve(q, seed=2)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.probabilities, b.probabilities)
    info = a.info
    assert info["estimate"] == "samples" and info["device"] == "fake_kolkata"
    assert 4 <= info["active_qubits"] == info["isa_active_qubits"] < 27
    assert info["isa_two_qubit_gates"] >= info["two_qubit_gates"] > 0
    np.testing.assert_allclose(a.energies, q.energy(a.samples))
