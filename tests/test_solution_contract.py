"""Issue 13 defect 3: one `x` contract for every problem (0/1 per binary variable) plus a native
`solution`, as docs/solutions.md states."""

from pathlib import Path

import numpy as np
import pytest

from qbench.problems import generate
from qbench.runner.execute import solve_problem
from qbench.runner.grid import Component, InstanceRef, RunSpec

DOC = Path(__file__).resolve().parents[1] / "docs" / "solutions.md"

CASES = {
    "mdkp": {"n": 6, "m": 2, "seed": 1},
    "mis": {"n": 7, "p": 0.4, "seed": 2},
    "qap": {"n": 4, "seed": 3},
    "tsp": {"n": 4, "seed": 4},
    "marketsplit": {"m": 2, "seed": 5},
}


def _solve(kind):
    problem = generate(kind, **CASES[kind])
    spec = RunSpec("t", InstanceRef(problem.name, kind, generator=CASES[kind]),
                   Component("exact", "exact", {}), None, 0, 30.0)
    return problem, solve_problem(spec, problem)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_x_is_binary_per_variable_and_solution_is_native(kind):
    problem, result = _solve(kind)
    x = result["x"]
    assert len(x) == problem.num_variables and set(x) <= {0, 1}
    assert result["solution"] == problem.solution_repr(np.array(x))
    X = np.array([x])
    assert (problem.violation(X)[0] == 0) == bool(result["metrics"]["feasible"])
    if problem.optimum is not None and result["metrics"]["feasible"]:
        assert problem.objective(X)[0] == pytest.approx(problem.optimum.value)
    if kind == "mis":
        assert result["solution"] == [i + 1 for i, v in enumerate(x) if v]
    if kind in ("qap", "tsp"):
        n = int(round(len(x) ** 0.5))   # TSP: city 0 is fixed first, the bits place the other n cities
        assert sorted(result["solution"]) == list(range(n + (kind == "tsp")))
        M = np.array(x).reshape(n, n)
        assert (M.sum(axis=0) == 1).all() and (M.sum(axis=1) == 1).all()
    if kind == "tsp":
        assert result["solution"][0] == 0
        assert problem.encode(np.array([result["solution"]]))[0].tolist() == x
    if kind in ("mdkp", "marketsplit"):
        assert result["solution"] == x


def test_documented_contract_matches():
    text = DOC.read_text()
    assert "**`x`**: a 0/1 list with one entry per binary variable of the problem, for every problem kind" in text
    for phrase in ("MIS: the chosen vertices, 1-based", "QAP: the location of each facility (0-based",
                   "TSP: the tour as 0-based cities starting at city 0"):
        assert phrase in text
