import numpy as np
import pytest

from qbench.formulations.calibration import boundary_step
from qbench.formulations.unbalanced import CENTRE_GRID, UnbalancedFormulation, unbalanced_weights
from qbench.problems import generate
from qbench.qubo import QUBO


@pytest.fixture
def mdkp():
    return generate("mdkp", n=12, m=3, tightness=0.5, seed=42)


def test_boundary_step_sign_on_known_landscapes(mdkp):
    n = mdkp.num_variables
    drop = QUBO(np.ones(n), np.zeros((n, n)))      # every item costs energy: infeasible side is higher
    take = QUBO(-np.ones(n), np.zeros((n, n)))     # every item earns energy: infeasible side is lower
    assert boundary_step(mdkp, drop) > 0 > boundary_step(mdkp, take)
    flat = QUBO(np.zeros(n), np.zeros((n, n)))
    assert boundary_step(mdkp, flat) is None       # no spread: undefined


def test_centre_places_the_parabola_minimum(mdkp):
    enc = UnbalancedFormulation(centre=1.5).encode(mdkp)
    l1, l2 = np.array(enc.info["lambda1"]), np.array(enc.info["lambda2"])
    A = mdkp.model.A_ub
    w = np.array([r[r > 0].mean() for r in A])
    assert np.allclose(l1 / (2 * l2), 1.5 * w)
    ref_l1, _ = unbalanced_weights(mdkp.model, np.arange(A.shape[0]), 0.96, 0.0371, "objective")
    assert np.allclose(l1, ref_l1)


def test_default_encoding_is_unchanged(mdkp):
    enc = UnbalancedFormulation().encode(mdkp)
    _, l2 = unbalanced_weights(mdkp.model, np.arange(mdkp.model.A_ub.shape[0]), 0.96, 0.0371, "objective")
    assert np.allclose(enc.info["lambda2"], l2) and enc.info["centre"] is None


def test_auto_centre_is_the_smallest_grid_value_with_positive_drift(mdkp):
    enc = UnbalancedFormulation(centre="auto").encode(mdkp)
    k = enc.info["centre"]
    assert enc.info["boundary_step"] > 0
    for smaller in [c for c in CENTRE_GRID if c < k]:
        e = UnbalancedFormulation(centre=smaller).encode(mdkp)
        d = boundary_step(mdkp, e.qubo, e.num_decision)
        assert d is None or d <= 0


def test_bad_centre_is_refused():
    with pytest.raises(ValueError):
        UnbalancedFormulation(centre="middle")
    with pytest.raises(ValueError):
        UnbalancedFormulation(centre=0)
