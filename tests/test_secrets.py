"""An IBM token never leaks: a canary token in the environment and in a saved-account file under a
temporary HOME is absent from every file a study writes, from reports and from all output. YAML is
read only with safe_load, and nothing is unpickled."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV_CANARY = "canaryEnvToken0123456789abcdefDEADBEEF"
FILE_CANARY = "canaryFileToken9876543210fedcbaCAFEF00D"

STUDY = """
name: secret
instances:
  - generate: mdkp
    params: {n: 5, m: 1, seed: 1}
  - generate: mis
    params: {n: 5, p: 0.4, seed: 1}
formulations:
  - name: slack
solvers:
  - name: qaoa
    params: {reps: 1, shots: 64, maxiter: 5}
  - name: annealing
    params: {num_reads: 4, num_sweeps: 10}
  - name: greedy
%s
seeds: [0]
"""


def _ibm_solvers() -> str:
    """A run on the local fake IBM device where that backend exists (the pcqr branch)."""
    try:
        from qbench.backends import BACKENDS
    except ImportError:
        return ""
    out = ""
    if "ibm-local" in BACKENDS:
        out += "  - name: qaoa\n    label: qaoa-fake\n    params: {reps: 1, shots: 64, maxiter: 3, backend: 'ibm-local:fake_fez'}\n"
    return out


def _has_ibm_backend() -> bool:
    try:
        from qbench.backends import BACKENDS
    except ImportError:
        return False
    return "ibm" in BACKENDS


def _qbench(env, *args, timeout=600):
    proc = subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def test_canary_token_appears_nowhere(tmp_path):
    home = tmp_path / "home"
    account = home / ".qiskit" / "qiskit-ibm.json"
    account.parent.mkdir(parents=True)
    account.write_text(json.dumps({"default-ibm-quantum-platform": {
        "channel": "ibm_quantum_platform", "token": FILE_CANARY, "url": "https://quantum.cloud.ibm.com",
        "instance": "crn:v1:canary", "private_endpoint": False, "verify": True, "is_default_account": True}}))
    env = {**os.environ, "HOME": str(home), "QISKIT_IBM_TOKEN": ENV_CANARY,
           "QISKIT_IBM_INSTANCE": "crn:v1:canary", "QISKIT_IBM_CHANNEL": "ibm_quantum_platform"}
    work = tmp_path / "work"
    work.mkdir()
    cfg = work / "secret.yaml"
    cfg.write_text(textwrap.dedent(STUDY % _ibm_solvers()))
    results = work / "results"
    outputs = []
    code, out = _qbench(env, "run", cfg, "--results", results, "-q")
    outputs.append(out)
    assert code in (0, 1), out  # 1: a run failed (e.g. the unreachable IBM device) - still no leak
    for args in (["report", results / "secret"], ["verify", results / "secret"],
                 ["solve", "--problem", "mdkp", "--solver", "qaoa", "--json", "--shots", "32", "--maxiter", "3",
                  work / "missing.dat"],
                 ["run", work / "no-such.yaml", "--results", results]):
        outputs.append(_qbench(env, *args)[1])
    if _has_ibm_backend():  # a real device that cannot be reached here: its error text must not hold the token
        outputs.append(_qbench(env, "solve", "--problem", "mdkp", "--solver", "qaoa", "--shots", "32", "--maxiter",
                               "2", "-P", "backend=ibm:ibm_torino", "--json", _tiny_mdkp(work), timeout=180)[1])
    assert (results / "secret" / "runs.sqlite").exists()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != account]
    assert any(p.suffix == ".html" for p in written)
    for canary in (ENV_CANARY, FILE_CANARY):
        for text in outputs:
            assert canary not in text
        for path in written:
            assert canary.encode() not in path.read_bytes(), path


def _tiny_mdkp(work: Path) -> Path:
    path = work / "tiny.dat"
    path.write_text("3 1 0\n5 4 3\n2 2 2\n4\n")
    return path


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            yield owner, name, node


@pytest.mark.parametrize("path", sorted((REPO / "qbench").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_no_unsafe_yaml_and_no_unpickling(path):
    tree = ast.parse(path.read_text())
    for owner, name, node in _calls(tree):
        where = f"{path.relative_to(REPO)}:{node.lineno}"
        assert not (owner == "yaml" and name in {"load", "load_all", "unsafe_load", "full_load", "full_load_all"}), where
        assert not (owner in {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve", "cloudpickle"}
                    and name in {"load", "loads", "open", "Unpickler"}), where
        assert not (owner in {"np", "numpy"} and name == "load"
                    and not any(k.arg == "allow_pickle" and getattr(k.value, "value", None) is False
                                for k in node.keywords)), where
        assert not (owner == "pd" and name == "read_pickle"), where
