import numpy as np
import pytest

from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.sampleset import SampleSet
from qbench.scoring import score


@pytest.fixture
def knapsack():
    # max 3a + 4b + 5c  s.t.  2a + 3b + 4c <= 5 ; optimum 7 at (1,1,0)
    return Problem("kp", BinaryModel("max", [3, 4, 5], A_ub=[[2, 3, 4]], b_ub=[5]), Optimum(7.0))


def test_pre_repair_metrics(knapsack):
    X = np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1], [0, 0, 0]])
    ss = SampleSet(X, np.array([0.1, 0.5, 0.3, 0.1]), np.array([-7.0, -12.0, -5.0, 0.0]))
    m = score(knapsack, ss).metrics
    assert m["feasible_mass"] == pytest.approx(0.5)
    assert m["most_likely_feasible"] is False and m["lowest_energy_feasible"] is False
    assert m["best_objective_pre_repair"] == 7
    assert m["p_optimal"] == pytest.approx(0.1)
    assert m["best_objective"] == 7 and m["feasible"] and m["gap_pct"] == 0 and m["approx_ratio"] == 1
    assert m["optimum_found"]


def test_repair_rescues_infeasible_samples(knapsack):
    ss = SampleSet(np.array([[1, 1, 1]]), np.array([1.0]), np.array([-12.0]))
    m = score(knapsack, ss).metrics
    assert m["feasible_mass"] == 0 and m["best_objective_pre_repair"] is None
    assert m["feasible"] and m["best_objective"] == 7 and m["repaired_feasible"] == 1
    unrepaired = score(knapsack, ss, repair=False).metrics
    assert not unrepaired["feasible"] and unrepaired["gap_pct"] is None


def test_gap_and_ratio_for_min_problems():
    prob = Problem("m", BinaryModel("min", [2, 3], A_ub=[[-1, -1]], b_ub=[-1]), Optimum(2.0))
    ss = SampleSet(np.array([[0, 1]]), np.array([1.0]), np.array([3.0]))
    m = score(prob, ss, repair=False).metrics
    assert m["gap_pct"] == pytest.approx(50.0) and m["approx_ratio"] == pytest.approx(2 / 3)


def test_own_candidates_count_after_repair_only(knapsack):
    ss = SampleSet(np.array([[0, 0, 1]]), np.array([1.0]), np.array([-5.0]))
    m = score(knapsack, ss, repair_budget=0, candidates=np.array([[1, 1, 0]])).metrics
    assert m["best_objective"] == 7 and m["feasible_mass"] == 1.0 and m["p_optimal"] == 0.0
    assert m["best_gap_pct_raw"] == pytest.approx(100 * 2 / 7) and m["repair_share_pct"] == pytest.approx(100 * 2 / 7)


def test_repair_off_ignores_the_methods_own_candidates(knapsack):
    """``repair: false`` means no repair anywhere: a formulation's repaired best does not count."""
    ss = SampleSet(np.array([[0, 0, 1]]), np.array([1.0]), np.array([-5.0]))
    m = score(knapsack, ss, repair=False, candidates=np.array([[1, 1, 0]])).metrics
    assert m["best_objective"] == 5 and m["gap_pct"] == pytest.approx(100 * 2 / 7)
    assert m["gap_pct"] == m["best_gap_pct_raw"] and m["repairs"] == 0
