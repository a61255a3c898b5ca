"""The IBM path: local testing mode for transpile/submit/decode/score, an injected fake service for
resume (local testing mode cannot retrieve jobs by id), retries, redaction, and the token canary."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qbench.backends import get_backend, ibm_jobs
from qbench.backends.ibm import DeviceJobError, IBMBackend, redact, with_retries
from qbench.errors import TooLargeError
from qbench.runner.store import RunStore

SMALL = "fake_manila"     # 5 qubits: local testing mode simulates it quickly


def bell() -> QuantumCircuit:
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return qc


def test_ibm_local_transpiles_submits_and_decodes():
    b = get_backend(f"ibm-local:{SMALL}", seed=3, shots=400)
    assert b.max_qubits() == 5 and b.describe()["device"] == "fake_manila"
    isa = b.pass_manager().run(bell())
    counts = b.sampler().run([isa]).result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 400
    assert counts.get("00", 0) + counts.get("11", 0) > 300          # noisy, but a Bell state
    with pytest.raises(TooLargeError, match="fake_manila has 5 qubits"):
        b.check_fits(6, "QAOA circuit")


def test_qaoa_scored_on_ibm_local():
    from qbench.qubo import QUBO
    from qbench.solvers.qaoa import QAOASolver

    q = QUBO(np.array([-1.0, -1.0, 0.5]), np.array([[0, 2.0, 0], [0, 0, -1.0], [0, 0, 0]]))
    ss = QAOASolver(backend=f"ibm-local:{SMALL}", maxiter=2, shots=200).solve(q, seed=0)
    assert np.allclose(ss.energies, q.energy(ss.samples))
    assert ss.info["backend"] == f"ibm-local:{SMALL}" and "isa_depth" in ss.info


class FakeService:
    """Hands out a fake device (so submissions run locally) and retrieves recorded jobs by id."""

    def __init__(self):
        from qbench.backends.noisy import fake_device

        self.device, self.jobs, self.retrieved = fake_device(SMALL), {}, []

    def backend(self, name):
        return self.device

    def job(self, job_id):
        self.retrieved.append(job_id)
        return self.jobs[job_id]


def test_killed_run_resumes_by_retrieving_its_job(tmp_path, monkeypatch):
    monkeypatch.setenv(ibm_jobs.ENV, str(tmp_path))
    service = FakeService()
    first = IBMBackend("ibm:ibm_fake", service=service, seed=1, shots=100, quiet=True)
    isa = first.pass_manager().run(bell())
    with ibm_jobs.run_context("run-1"):
        waited = first.sampler().run([isa])            # submitted and recorded; "killed" before waiting
    service.jobs[waited.job_id()] = waited.job
    row = RunStore(tmp_path).job("run-1", 0)
    assert row["status"] == "pending" and row["job_id"] == waited.job_id()
    assert row["backend"] == "ibm:ibm_fake" and row["mode"] == "batch" and row["options"]["shots"] == 100

    again = IBMBackend("ibm:ibm_fake", service=service, seed=1, shots=100, quiet=True)
    import qiskit_ibm_runtime.executor_sampler as ex

    monkeypatch.setattr(ex.Sampler, "run", lambda *a, **k: pytest.fail("resubmitted instead of retrieving"))
    with ibm_jobs.run_context("run-1"):
        res = again.sampler().run([isa]).result()
    assert service.retrieved == [waited.job_id()]
    assert sum(res[0].data.meas.get_counts().values()) == 100
    assert RunStore(tmp_path).job("run-1", 0)["status"] == "done"


def _zz_pub(backend):
    from qiskit.circuit import Parameter
    from qiskit.quantum_info import SparsePauliOp

    theta = Parameter("t")
    qc = QuantumCircuit(2)
    qc.ry(theta, 0)
    qc.cx(0, 1)
    isa = backend.pass_manager().run(qc)
    return isa, [SparsePauliOp("ZZ").apply_layout(isa.layout), SparsePauliOp("IZ").apply_layout(isa.layout)]


def test_estimator_jobs_are_recorded_and_a_rerun_retrieves_them(tmp_path, monkeypatch):
    """PCE, QRAO and VQE's expectation mode submit estimator jobs: recorded, resumable, never resubmitted."""
    monkeypatch.setenv(ibm_jobs.ENV, str(tmp_path))
    service = FakeService()
    first = IBMBackend("ibm:ibm_fake", service=service, seed=2, shots=2000, quiet=True, resilience_level=0)
    isa, obs = _zz_pub(first)
    with ibm_jobs.run_context("run-e"):
        waited = first.estimator().run([(isa, obs, [0.3])])      # recorded; "killed" before waiting
    service.jobs[waited.job_id()] = waited.job
    row = RunStore(tmp_path).job("run-e", 0)
    assert row["status"] == "pending" and row["options"]["primitive"] == "estimator"
    assert row["options"]["resilience_level"] == 0 and row["options"]["shots"] == 2000

    import qiskit_ibm_runtime.executor_estimator as ex

    again = IBMBackend("ibm:ibm_fake", service=service, seed=2, shots=2000, quiet=True, resilience_level=0)
    monkeypatch.setattr(ex.Estimator, "run", lambda *a, **k: pytest.fail("resubmitted instead of retrieving"))
    with ibm_jobs.run_context("run-e"):
        evs = again.estimator().run([(isa, obs, [0.3])]).result()[0].data.evs
    assert service.retrieved == [waited.job_id()]
    assert evs.shape == (2,) and abs(evs[0] - 1.0) < 0.2          # <ZZ> = 1 for ry(t) then CX, up to noise
    assert RunStore(tmp_path).job("run-e", 0)["status"] == "done"


def test_a_rerun_that_asks_for_something_else_submits_again(tmp_path, monkeypatch):
    """The recorded fingerprint covers parameter values and the primitive: a diverged rerun is not fed an
    old job's answer."""
    monkeypatch.setenv(ibm_jobs.ENV, str(tmp_path))
    service = FakeService()
    b = IBMBackend("ibm:ibm_fake", service=service, seed=2, shots=200, quiet=True, resilience_level=0)
    isa, obs = _zz_pub(b)
    with ibm_jobs.run_context("run-f"):
        old = b.estimator().run([(isa, obs, [0.3])])
    service.jobs[old.job_id()] = old.job
    with ibm_jobs.run_context("run-f"):
        new = IBMBackend("ibm:ibm_fake", service=service, seed=2, shots=200, quiet=True,
                         resilience_level=0).estimator().run([(isa, obs, [0.9])])
    assert service.retrieved == [] and new.job_id() != old.job_id()
    assert RunStore(tmp_path).job("run-f", 0)["job_id"] == new.job_id()


def test_solvers_close_their_batch(monkeypatch):
    """A batch (or session) is opened on first submission and closed when the solver returns."""
    from qiskit_ibm_runtime import Batch

    from qbench.qubo import QUBO
    from qbench.solvers.pce import PCESolver
    from qbench.solvers.qaoa import QAOASolver

    closed = []
    original = Batch.close
    monkeypatch.setattr(Batch, "close", lambda self: (closed.append(self), original(self)))
    q = QUBO(np.array([-1.0, -1.0, 0.5]), np.array([[0, 2.0, 0], [0, 0, -1.0], [0, 0, 0]]))
    QAOASolver(backend=f"ibm-local:{SMALL}", maxiter=2, shots=100).solve(q, seed=0)
    assert len(closed) == 1
    ss = PCESolver(backend=f"ibm-local:{SMALL}", k=1, maxiter=3, backend_options={"resilience_level": 0,
                                                                                  "shots": 200}).solve(q, seed=0)
    assert len(closed) == 2
    assert "'resilience_level': 0" in ss.info["backend_options"] and "'shots': 200" in ss.info["backend_options"]


def test_backend_options_reach_the_backend_and_typos_are_refused():
    from qbench.errors import ConfigError
    from qbench.registry import make_solver

    s = make_solver("qaoa", {"backend": "ibm:ibm_torino", "backend_options": {"mode": "session", "twirling": True}})
    from qbench.backends import open_backend

    b = open_backend(s.backend, s.backend_options, seed=1, shots=10)
    assert b.mode == "session" and b.twirling and b.describe()["mode"] == "session"
    with pytest.raises(ConfigError, match="unknown option 'moed'.*did you mean 'mode'"):
        make_solver("qaoa", {"backend": "ibm:ibm_torino", "backend_options": {"moed": "session"}})
    with pytest.raises(ConfigError, match="shots is set by the solver"):
        make_solver("vqe", {"backend": "ibm-local:fake_manila", "backend_options": {"shots": 5}})
    with pytest.raises(ConfigError, match="mode must be one of"):
        open_backend("ibm:ibm_torino", {"mode": "sesion"})
    with pytest.raises(ConfigError, match="statevector engine"):
        make_solver("qaoa", {"backend_options": {"precision": "single"}})
    assert make_solver("vqe", {"backend": "aer-mps", "backend_options": {"max_bond_dimension": 8}})


def test_transient_failures_retry_then_a_final_failure_is_recorded(tmp_path, monkeypatch):
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("reset")
        return "ok"

    assert with_retries(flaky, "x", retries=3, backoff_s=1.0, sleep=sleeps.append) == "ok"
    assert sleeps == [1.0, 2.0]
    with pytest.raises(DeviceJobError):
        with_retries(lambda: (_ for _ in ()).throw(TimeoutError("slow")), "x", 1, 0.0, sleep=lambda s: None)

    monkeypatch.setenv(ibm_jobs.ENV, str(tmp_path))
    b = IBMBackend("ibm:ibm_fake", service=FakeService(), shots=10, quiet=True, retries=1, backoff_s=0.0)
    with ibm_jobs.run_context("run-2"):
        waited = b.sampler().run([b.pass_manager().run(bell())])
    waited.job.result = lambda: (_ for _ in ()).throw(TimeoutError("gone"))
    with pytest.raises(DeviceJobError):
        waited.result()
    row = RunStore(tmp_path).job("run-2", 0)
    assert row["status"] == "failed" and "TimeoutError" in row["error"]


def test_token_is_redacted(monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "canary-token-123")
    assert "canary-token-123" not in redact("401 for token canary-token-123")


@pytest.mark.slow
def test_canary_token_appears_nowhere(tmp_path):
    """qbench solve ... --backend ibm-local:fake_fez with a canary token: it works and leaks nothing."""
    canary = "qbench-canary-3c1f0e9a"
    (tmp_path / "path4.gph").write_text("c path on 4 vertices\np edge 4 3\ne 1 2\ne 2 3\ne 3 4\n")
    env = {**os.environ, "QISKIT_IBM_TOKEN": canary, "HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "qbench", "solve", str(tmp_path / "path4.gph"), "--problem", "mis",
           "--solver", "qaoa", "--backend", "ibm-local:fake_fez", "--maxiter", "2", "--shots", "128", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1200)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["feasible"] and record["info"]["backend"] == "ibm-local:fake_fez"
    assert canary not in out.stdout and canary not in out.stderr
    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path


@pytest.mark.hardware
def test_real_device_bell_state():
    """Runs on IBM Quantum: needs a saved account or QISKIT_IBM_TOKEN and QBENCH_IBM_DEVICE."""
    device = os.environ.get("QBENCH_IBM_DEVICE")
    if not device:
        pytest.skip("set QBENCH_IBM_DEVICE (and an IBM Quantum account) to run hardware tests")
    try:
        from qiskit_ibm_runtime import QiskitRuntimeService

        QiskitRuntimeService()
    except Exception:
        pytest.skip("no IBM Quantum account")
    b = get_backend(f"ibm:{device}", shots=500)
    counts = b.sampler().run([b.pass_manager().run(bell())]).result()[0].data.meas.get_counts()
    assert counts.get("00", 0) + counts.get("11", 0) > 350
    b.close()


def test_qbench_jobs_lists_pending_done_failed(tmp_path):
    from typer.testing import CliRunner

    from qbench.cli import app

    store = RunStore(tmp_path)
    for seq, status in enumerate(("pending", "done", "failed")):
        store.record_job("run-x", seq, f"job-{seq}", "ibm:ibm_torino", "ibm_torino", "batch", {"shots": 10})
        if status != "pending":
            store.set_job_status("run-x", seq, status, "boom" if status == "failed" else None)
    out = CliRunner().invoke(app, ["jobs", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [r["status"] for r in rows] == ["pending", "done", "failed"]
    assert CliRunner().invoke(app, ["jobs", str(tmp_path / "nothing")]).exit_code == 2
