"""Qubits are not variables: planning checks ask the solver+backend with the real QUBO."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from qbench.errors import TooLargeError
from qbench.problems.mdkp import generate
from qbench.registry import make_formulation
from qbench.runner.experiment import execute, plan_experiment
from qbench.runner.sizes import logical_qubits, planning_qubo
from qbench.solvers.base import QuboSolver


@dataclass
class _Spy(QuboSolver):
    name: ClassVar[str] = "spy"
    seen: list = None

    def solve(self, qubo, *, seed=None):
        from qbench.solvers.qubo_exact import ExactQuboSolver

        self.seen.append(qubo)
        return ExactQuboSolver().solve(qubo, seed=seed)


def test_planning_qubo_is_what_the_solver_is_given_first():
    problem = generate(n=6, m=2, seed=3)
    for name, params in (("slack", {}), ("lagrangian", {"max_iter": 2})):
        formulation = make_formulation(name, params)
        spy = _Spy(seen=[])
        formulation.run(problem, spy, seed=0)
        planned = planning_qubo(formulation, problem)
        first = spy.seen[0]
        np.testing.assert_allclose(planned.linear, first.linear)
        np.testing.assert_allclose(planned.quadratic, first.quadratic)
        assert planned.offset == pytest.approx(first.offset)
        assert np.any(planned.quadratic) or np.any(planned.linear)   # not a zero QUBO


def test_logical_qubits_prefer_what_the_solver_reports():
    assert logical_qubits(None, 60, {"num_qubits": 7}) == 7
    assert logical_qubits(None, 60, {}) == 60


def _config(tmp_path, solver_params):
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(f"""
        name: sizes
        instances:
          - generate: mdkp
            params: {{n: 30, m: 3, seed: 1}}
        formulations:
          - name: slack
        solvers:
          - name: qaoa
            params: {solver_params}
        seeds: [0]
        """))
    return path


def test_too_large_at_planning_names_instance_qubits_and_alternatives(tmp_path):
    with pytest.raises(TooLargeError) as err:
        plan_experiment(_config(tmp_path, "{backend: aer}"), tmp_path, tmp_path / "res")
    msg = str(err.value)
    assert "exp.yaml" in msg and "qubits" in msg and "'aer'" in msg
    for alt in ("aer-mps", "pce", "qrao", "shrink"):
        assert alt in msg
    # MPS has no 2^n limit: the same grid is admitted
    plan = plan_experiment(_config(tmp_path, "{backend: aer-mps}"), tmp_path, tmp_path / "res")
    assert len(plan.specs) == 1 and not plan.too_large


def test_records_carry_qubits_and_variables(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent("""
        name: rec
        instances:
          - generate: mdkp
            params: {n: 5, m: 1, seed: 2}
        formulations:
          - name: slack
        solvers:
          - name: vqe
            params: {maxiter: 5, shots: 64}
        seeds: [0]
        """))
    records = execute(plan_experiment(path, tmp_path, tmp_path / "res"))
    rec = records[0]
    assert rec["status"] == "ok", rec.get("error")
    assert rec["qubits"] == rec["variables"] == rec["result"]["variables"] > 5
    assert rec["result"]["info"]["backend"] == "aer" and rec["result"]["info"]["depth"] > 0
    assert len(rec["result"]["info"]["trace_best"]) == 5   # the 5 optimiser evaluations
