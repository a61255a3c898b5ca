"""Defect 2 of issue 13: the Sloane graphs carry their published optimum (SOURCES.md alpha values)."""

import shutil

import pytest

from qbench.problems import load_instance
from qbench.problems.mis_published import SLOANE
from qbench.solvers.exact import ExactSolver

# alpha from the data directory's mis/SOURCES.md table (Sloane's values)
SOURCES_ALPHA = {"1tc.8": 4, "1tc.16": 8, "1tc.32": 12, "1tc.64": 20, "1et.64": 18}


@pytest.mark.parametrize("name", sorted(SOURCES_ALPHA))
def test_sloane_graphs_have_their_published_optimum(data_dir, name):
    problem = load_instance(data_dir / "mis" / f"{name}.txt")
    assert problem.optimum is not None and problem.optimum.status == "proven"
    assert problem.optimum.value == SOURCES_ALPHA[name] == SLOANE[name][2]
    if problem.num_vertices <= 32:  # an independent check of the table: the exact MILP agrees
        best = ExactSolver().solve(problem).samples[0]
        assert problem.objective(best)[0] == SOURCES_ALPHA[name] and problem.violation(best)[0] == 0


def test_a_different_graph_with_the_same_name_gets_no_optimum(tmp_path, data_dir):
    fake = tmp_path / "1tc.8.txt"
    fake.write_text("p edge 8 6\ne 1 5\ne 2 3\ne 3 4\ne 4 6\ne 6 7\ne 7 8\n")
    assert load_instance(fake).optimum is None
    shutil.copy(data_dir / "mis" / "1tc.8.txt", tmp_path / "copy.txt")
    assert load_instance(tmp_path / "copy.txt", "mis").optimum is None   # not named as Sloane's graph


def test_solve_json_reports_gap_for_sloane_graph(data_dir):
    from qbench.runner.execute import solve_problem
    from qbench.runner.grid import Component, InstanceRef, RunSpec

    path = data_dir / "mis" / "1tc.16.txt"
    problem = load_instance(path)
    spec = RunSpec("t", InstanceRef(problem.name, "mis", path=str(path)), Component("greedy", "greedy", {}), None, 0, 10.0)
    m = solve_problem(spec, problem)["metrics"]
    assert m["optimum"] == 8 and m["gap_pct"] is not None
