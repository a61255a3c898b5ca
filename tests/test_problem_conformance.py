"""Every problem kind honours the same contract (a conformance kit, as dimod has for samplers)."""

import json

import numpy as np
import pytest

from qbench.problems import generate
from qbench.registry import PROBLEM_KINDS

SMALL = {
    "mdkp": {"n": 7, "m": 2, "seed": 3},
    "mis": {"n": 8, "p": 0.4, "seed": 3},
    "qap": {"n": 3, "seed": 3},
    "tsp": {"n": 4, "seed": 3},
    "marketsplit": {"m": 2, "seed": 3},
}


@pytest.fixture(params=sorted(PROBLEM_KINDS))
def problem(request):
    return generate(request.param, **SMALL[request.param])


def random_bits(problem, count=64, seed=0):
    return np.random.default_rng(seed).integers(0, 2, size=(count, problem.num_variables), dtype=np.uint8)


def test_vectorised_evaluation_matches_single_rows(problem):
    X = random_bits(problem)
    obj, viol, feas = problem.objective(X), problem.violation(X), problem.is_feasible(X)
    assert obj.shape == viol.shape == feas.shape == (len(X),)
    for i in range(0, len(X), 9):
        assert problem.objective(X[i])[0] == pytest.approx(obj[i])
        assert problem.violation(X[i])[0] == pytest.approx(viol[i])
    assert np.all(viol >= 0) and np.array_equal(feas, viol <= 1e-9)


def test_model_agrees_with_the_problem(problem):
    """The BinaryModel (what formulations read) scores feasible points like the problem does."""
    X = np.vstack([random_bits(problem), [problem.repair(x) for x in random_bits(problem, 8, 1)]])
    model_feasible = problem.model.violation(X) <= 1e-9
    assert np.array_equal(model_feasible, problem.is_feasible(X))
    if problem.kind != "marketsplit":  # market split's model objective is its (squared) deviation form
        np.testing.assert_allclose(problem.model.objective(X[model_feasible]), problem.objective(X[model_feasible]))


def test_to_model_is_a_quadratic_program_with_the_same_objective(problem):
    qp = problem.to_model()
    assert qp.get_num_binary_vars() == problem.num_variables
    for x in random_bits(problem, 5):
        assert qp.objective.evaluate(x.astype(float)) == pytest.approx(problem.model.objective(x)[0])
        assert qp.is_feasible(x.astype(float)) == bool(problem.model.violation(x)[0] <= 1e-9)


def test_repair_and_greedy_give_feasible_answers(problem):
    if problem.kind == "marketsplit":
        pytest.skip("a market split sample cannot always be repaired to feasibility")
    for x in random_bits(problem, 16, 2):
        assert problem.is_feasible(problem.repair(x))[0]
    assert problem.is_feasible(problem.greedy())[0]


def test_solution_repr_and_describe_are_json(problem):
    x = problem.greedy()
    json.dumps(problem.solution_repr(x))
    json.dumps(problem.describe())
    assert problem.kind in PROBLEM_KINDS and problem.sense in ("max", "min")


def test_generators_are_deterministic(problem):
    again = generate(problem.kind, **SMALL[problem.kind])
    X = random_bits(problem)
    np.testing.assert_array_equal(problem.objective(X), again.objective(X))
    assert problem.name == again.name
