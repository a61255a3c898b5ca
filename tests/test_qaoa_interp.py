import numpy as np
import pytest

from qbench.qubo import QUBO
from qbench.registry import make_solver
from qbench.solvers.qaoa_interp import interpolate_angles, stage_budgets


def test_interpolation_keeps_a_linear_ramp_linear():
    p = 2
    t = (np.arange(p) + 0.5) / p
    out = interpolate_angles(0.8 * t, 3)
    assert np.allclose(out, [0.8 * 0.25, 0.8 * 0.5, 0.8 * 0.75])   # clamped at the ends, linear inside
    assert np.allclose(interpolate_angles(np.array([0.3]), 2), [0.3, 0.3])


@pytest.mark.parametrize("reps,maxiter", [(1, 10), (3, 200), (3, 5)])
def test_stage_budgets_fit_the_total(reps, maxiter):
    b = stage_budgets(reps, maxiter)
    assert len(b) == reps and all(x >= 1 for x in b)
    assert sum(b) + reps <= max(maxiter, 2 * reps)


def test_interp_respects_the_budget_and_concentrates_on_the_ground_state():
    rng = np.random.default_rng(0)
    n = 6
    J = np.triu(rng.normal(size=(n, n)), 1)
    q = QUBO(rng.normal(size=n), J)
    X = np.array([[(i >> k) & 1 for k in range(n)] for i in range(1 << n)], dtype=np.uint8)
    ground = X[int(np.argmin(q.energy(X)))]
    ss = make_solver("qaoa-interp", {"reps": 3, "maxiter": 60, "shots": 0, "top_k": 64}).solve(q, seed=1)
    assert ss.info["evaluations"] <= 60 and ss.info["reps"] == 3
    p_ground = float(ss.probabilities[(ss.samples == ground).all(axis=1)].sum())
    assert p_ground > 2.0 / (1 << n)
    with pytest.raises(Exception):
        make_solver("qaoa-interp", {"multi_angle": True})
