"""The exact baseline (generic HiGHS MILP with product linearisation, MIS clique-cover MILP) and greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.errors import ConfigError, InfeasibleInstanceError
from qbench.problems import mdkp, mis
from qbench.problems.base import BinaryModel, Problem
from qbench.registry import make_solver
from qbench.solvers.exact import ExactSolver
from qbench.solvers.greedy import GreedySolver
from qbench.solvers.milp import solve_model

MDKP_OPTIMA = {"pet1": 3800, "pet2": 87061, "pet3": 4015, "pet4": 6120, "pet5": 12400, "pet6": 10618,
               "pet7": 16537, "pb5": 2139, "hp1": 3418, "weing3": 95677, "weing4": 119337, "weing6": 130623,
               "weing7": 1095445}
MIS_OPTIMA = {"1tc.8.txt": 4, "1tc.16.txt": 8, "1tc.32.txt": 12, "1tc.64.txt": 20, "1et.64.txt": 18,
              "farm.gph": 10, "karate.gph": 20, "football.gph": 16, "chesapeake.gph": 17,
              "mammalia-kangaroo-interactions.gph": 4, "MANN-a9.gph": 3, "aves-sparrow-social.gph": 13,
              "hamming6-2.gph": 2, "hamming6-4.gph": 12, "sloane_1dc_64.gph": 10, "es60fst03.gph": 55,
              "johnson16-2-4.gph": 15}


def brute_force(model: BinaryModel) -> float | None:
    X = np.array(list(itertools.product([0, 1], repeat=model.num_variables)), dtype=np.uint8)
    ok = model.violation(X) <= 1e-9
    if not ok.any():
        return None
    values = model.objective(X)[ok]
    return float(values.max() if model.sense == "max" else values.min())


def random_model(rng: np.random.Generator, n: int) -> BinaryModel:
    Q = np.triu(rng.integers(-6, 7, size=(n, n)) * (rng.random((n, n)) < 0.6), 1)
    A_ub = rng.integers(-2, 5, size=(2, n))
    b_ub = A_ub.clip(0).sum(axis=1) // 2
    A_eq = rng.integers(0, 2, size=(1, n)) if rng.random() < 0.5 else None
    b_eq = np.array([int(A_eq.sum() // 2)]) if A_eq is not None else None
    return BinaryModel(rng.choice(["max", "min"]), rng.integers(-5, 6, size=n), Q, float(rng.integers(-3, 4)),
                       A_ub, b_ub, A_eq, b_eq)


# ---- generic MILP ---------------------------------------------------------------------------------
def test_milp_with_quadratic_objective_matches_brute_force():
    rng = np.random.default_rng(11)
    solved = 0
    for _ in range(40):
        model = random_model(rng, int(rng.integers(3, 9)))
        best = brute_force(model)
        if best is None:
            with pytest.raises(InfeasibleInstanceError):
                solve_model(model, time_limit=10)
            continue
        result = solve_model(model, time_limit=10)
        assert result.status == "optimal" and result.gap_pct == 0.0
        assert result.objective == pytest.approx(best)
        assert model.violation(result.x)[0] <= 1e-9
        assert model.objective(result.x)[0] == pytest.approx(best)
        solved += 1
    assert solved >= 25


def test_linearisation_uses_only_the_needed_inequalities():
    # max x0 x1 - x1 x2  (q<0 for the first product once minimised: upper rows; q>0 for the second: lower row)
    Q = np.zeros((3, 3))
    Q[0, 1], Q[1, 2] = 1.0, -1.0
    model = BinaryModel("max", np.zeros(3), Q)
    result = solve_model(model)
    assert result.objective == 1.0 and result.x.tolist()[:2] == [1, 1] and result.x[2] == 0
    assert result.info["linearised_products"] == 2


def test_time_limit_reports_bound_and_gap(data_dir):
    problem = mdkp.read(data_dir / "mdkp" / "mknapcb9.txt")[0]
    result = solve_model(problem.model, time_limit=1.0)
    assert result.status == "time_limit"
    assert problem.is_feasible(result.x)[0]
    assert result.bound >= result.objective and result.gap_pct > 0
    assert result.gap_pct == pytest.approx(100 * (result.bound - result.objective) / result.objective)


# ---- ExactSolver ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MDKP_OPTIMA))
def test_exact_solver_finds_the_published_mdkp_optimum(data_dir, name):
    [problem] = mdkp.read(data_dir / "mdkp" / f"{name}.dat")
    result = ExactSolver(time_limit=60).solve(problem)
    x, energy = result.lowest()
    energy = -energy  # problem solvers report energies to minimise; MDKP maximises
    assert energy == MDKP_OPTIMA[name] == problem.optimum.value
    assert problem.is_feasible(x)[0] and problem.objective(x)[0] == energy
    info = result.info
    assert info["status"] == "optimal" and info["gap_pct"] == 0.0 and info["bound"] == energy
    assert info["method"] == "milp-highs" and info["evaluations"] == 0 and info["seconds"] >= 0


@pytest.mark.parametrize("name", sorted(MIS_OPTIMA))
def test_exact_solver_finds_the_published_mis_optimum(data_dir, name):
    [problem] = mis.read(data_dir / "mis" / name)
    result = ExactSolver(time_limit=60).solve(problem)
    x, energy = result.lowest()
    energy = -energy
    assert energy == MIS_OPTIMA[name]
    assert problem.is_feasible(x)[0]
    assert result.info["status"] == "optimal" and result.info["method"] == "milp-clique-cover"
    assert result.info["bound"] == energy and result.info["gap_pct"] == 0.0
    assert problem._model is None  # the dedicated path stays sparse


def test_mis_complement_gives_the_dimacs_clique_number(data_dir):
    # hamming6-4 is stored as the DIMACS graph itself: its complement's alpha is omega = 4
    [problem] = mis.read(data_dir / "mis" / "hamming6-4.gph", complement=True)
    assert ExactSolver().solve(problem).lowest()[1] == -4  # energy = -objective for max problems


def test_mis_dedicated_and_generic_milp_agree_on_random_graphs():
    for seed in range(6):
        problem = mis.generate(14, 0.35, seed=seed)
        dedicated = problem.solve_dedicated(10).lowest()[1]
        generic = solve_model(problem.model, 10).objective
        assert dedicated == generic
        bf = brute_force(problem.model)
        assert dedicated == bf


def test_mis_time_limit_keeps_a_feasible_answer(data_dir):
    [problem] = mis.read(data_dir / "mis" / "brock200-2.gph")
    result = ExactSolver(time_limit=0.3).solve(problem)
    x, energy = result.lowest()
    energy = -energy
    assert problem.is_feasible(x)[0] and energy <= 12
    assert result.info["status"] in ("time_limit", "optimal")
    assert result.info["bound"] >= energy


def test_exact_solver_on_a_plain_quadratic_problem():
    rng = np.random.default_rng(3)
    model = random_model(rng, 6)
    while brute_force(model) is None:
        model = random_model(rng, 6)
    problem = Problem("plain", model)
    x, _ = ExactSolver().solve(problem).lowest()
    assert problem.objective(x)[0] == pytest.approx(brute_force(model))


def test_exact_solver_parameters_through_the_registry():
    solver = make_solver("exact", {"time_limit": 5})
    assert isinstance(solver, ExactSolver) and solver.time_limit == 5
    with pytest.raises(ConfigError, match="time_limit"):
        make_solver("exact", {"timelimit": 5})
    with pytest.raises(ConfigError):
        make_solver("exact", {"time_limit": -1})


# ---- GreedySolver ---------------------------------------------------------------------------------
def test_greedy_solver_returns_the_problem_greedy(data_dir):
    solver = make_solver("greedy")
    assert isinstance(solver, GreedySolver)
    for problem in (mdkp.read(data_dir / "mdkp" / "pet4.dat")[0], mis.read(data_dir / "mis" / "karate.gph")[0]):
        result = solver.solve(problem)
        x, energy = result.lowest()
        assert np.array_equal(x, problem.greedy())
        assert -energy == problem.objective(x)[0] and result.info["feasible"]
        assert -energy <= problem.optimum.value
