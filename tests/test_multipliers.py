"""Multiplier methods on hand-computed duals.

The running example: max 3 x1 + 2 x2 s.t. x1 + x2 <= 1. In energy form the dual function is
phi(l) = min_x -3 x1 - 2 x2 + l (x1 + x2 - 1) = -l + min(0, l - 3) + min(0, l - 2):
phi = l - 5 on [0, 2], -3 on [2, 3], -l beyond 3. Max phi = -3 = -OPT (no duality gap).
"""

from __future__ import annotations

import numpy as np
import pytest

from qbench.errors import QbenchError
from qbench.formulations.multipliers import METHODS, Cut, make_method
from qbench.formulations.multipliers.bundle import proximal_step
from qbench.formulations.multipliers.cutting_plane import kelley_step


def phi(l: float) -> float:
    return -l + min(0.0, l - 3) + min(0.0, l - 2)


def supergradient(l: float) -> np.ndarray:
    x1, x2 = float(l < 3), float(l < 2)
    return np.array([x1 + x2 - 1])


def run(method, iterations: int, primal_best: float | None = None) -> list[float]:
    lam = method.initial(1, 0)
    path = [float(lam[0])]
    for k in range(1, iterations + 1):
        lam = method.update(lam, supergradient(lam[0]), phi(lam[0]), primal_best, k)
        path.append(float(lam[0]))
    return path


def test_table_has_exactly_the_five_methods():
    assert set(METHODS) == {"subgradient", "dual-averaging", "bundle", "cutting-plane", "augmented"}
    with pytest.raises(QbenchError):
        make_method("newton")


def test_make_method_refuses_parameters_the_method_lacks():
    m = make_method("cutting-plane", box=7.0, rho=None)   # None: the method's default
    assert m.box == 7.0
    s = make_method("subgradient", step=2.0, step_rule="diminishing")
    assert (s.step, s.step_rule) == (2.0, "diminishing")
    with pytest.raises(QbenchError, match="step_rule"):
        make_method("subgradient", step_rule="armijo")
    with pytest.raises(QbenchError, match=r"no parameter 'box'; allowed: scale: float = 1.0, step"):
        make_method("subgradient", step=2.0, box=7.0)
    with pytest.raises(QbenchError, match="theta"):
        make_method("subgradient", theta="big")
    assert make_method("cutting-plane", internal={"upper": np.ones(2)}).upper.tolist() == [1.0, 1.0]
    assert not hasattr(make_method("bundle", internal={"upper": np.ones(2)}), "upper")


def test_projection_keeps_equality_multipliers_free():
    m = make_method("subgradient")
    m.initial(2, 1)
    assert m.project(np.array([-1.0, 2.0, -3.0])).tolist() == [0.0, 2.0, -3.0]


# ---- cutting plane ---------------------------------------------------------------------------------

def test_kelley_lp_matches_hand_computation():
    cuts = [Cut(np.array([0.0]), -5.0, np.array([1.0]))]            # phi <= l - 5
    lam, value = kelley_step(cuts, np.array([0.0]), np.array([10.0]))
    assert lam[0] == pytest.approx(10.0) and value == pytest.approx(5.0)
    cuts.append(Cut(np.array([10.0]), -10.0, np.array([-1.0])))     # phi <= -l
    lam, value = kelley_step(cuts, np.array([0.0]), np.array([10.0]))
    assert lam[0] == pytest.approx(2.5) and value == pytest.approx(-2.5)
    cuts.append(Cut(np.array([2.5]), -3.0, np.array([0.0])))        # phi <= -3
    lam, value = kelley_step(cuts, np.array([0.0]), np.array([10.0]))
    assert 2.0 - 1e-9 <= lam[0] <= 3.0 + 1e-9 and value == pytest.approx(-3.0)


def test_kelley_two_multipliers():
    # t = min(l1 + l2 - 4, 2 - l1, 3 - l2) is maximal where all three cuts meet:
    # l1 = 2 - t, l2 = 3 - t, 1 - 2t = t  ->  t = 1/3, l = (5/3, 8/3).
    cuts = [Cut(np.zeros(2), -4.0, np.array([1.0, 1.0])),
            Cut(np.zeros(2), 2.0, np.array([-1.0, 0.0])),
            Cut(np.zeros(2), 3.0, np.array([0.0, -1.0]))]
    lam, value = kelley_step(cuts, np.zeros(2), np.full(2, 10.0))
    assert np.allclose(lam, [5 / 3, 8 / 3]) and value == pytest.approx(1 / 3)


def test_cutting_plane_method_reaches_the_dual_optimum():
    path = run(make_method("cutting-plane", box=10.0), 4)
    assert path[:3] == pytest.approx([0.0, 10.0, 2.5])
    assert phi(path[-1]) == pytest.approx(-3.0)


# ---- bundle ----------------------------------------------------------------------------------------

def test_proximal_step_matches_hand_computation():
    # One cut phi <= l - 5 at the centre 0, u = 1: max -5 + d - d^2/2 -> d = 1, model value -4.
    d, model = proximal_step([Cut(np.array([0.0]), -5.0, np.array([1.0]))], np.array([0.0]), 1.0, np.array([0.0]))
    assert d[0] == pytest.approx(1.0, abs=1e-6) and model == pytest.approx(-4.0, abs=1e-6)
    # Cuts l - 5 and -l, centre 3, u = 1: max min(d - 2, -3 - d) - d^2/2 -> d = -0.5, model -2.5.
    cuts = [Cut(np.array([0.0]), -5.0, np.array([1.0])), Cut(np.array([3.0]), -3.0, np.array([-1.0]))]
    d, model = proximal_step(cuts, np.array([3.0]), 1.0, np.array([0.0]))
    assert d[0] == pytest.approx(-0.5, abs=1e-6) and model == pytest.approx(-2.5, abs=1e-6)
    # The projection binds: centre 0.2 with only the cut -l (slope -1), u = 1 -> d = -0.2 (l = 0).
    d, _ = proximal_step([Cut(np.array([1.0]), -1.0, np.array([-1.0]))], np.array([0.2]), 1.0, np.array([0.0]))
    assert d[0] == pytest.approx(-0.2, abs=1e-6)


def test_bundle_serious_and_null_steps():
    m = make_method("bundle", step=1.0)
    lam = m.initial(1, 0)
    lam = m.update(lam, supergradient(0.0), phi(0.0), None, 1)        # centre 0, u = 1 -> trial 1
    assert m.last_info["kind"] == "initial" and lam[0] == pytest.approx(1.0, abs=1e-6)
    lam = m.update(lam, supergradient(1.0), phi(1.0), None, 2)        # gain 1 >= 0.1 * 1: serious
    assert m.last_info["kind"] == "serious"
    # A trial point far beyond the kink is a null step: its value drops below the centre's.
    m2 = make_method("bundle", step=20.0)
    lam = m2.initial(1, 0)
    lam = m2.update(lam, supergradient(0.0), phi(0.0), None, 1)       # trial 20
    assert lam[0] == pytest.approx(20.0, abs=1e-4)
    m2.update(lam, supergradient(lam[0]), phi(lam[0]), None, 2)
    assert m2.last_info["kind"] == "null"


def test_bundle_converges():
    path = run(make_method("bundle", step=1.0), 15)
    assert phi(path[-1]) == pytest.approx(-3.0, abs=1e-6)


# ---- subgradient, dual averaging, augmented --------------------------------------------------------

def test_polyak_step_converges_on_known_case():
    # Target = best primal energy -3 (feasible x = (1, 0)): Polyak lands on the dual optimum.
    m = make_method("subgradient", step_rule="polyak")
    path = run(m, 10, primal_best=-3.0)
    # First step: t = (target - phi(0)) / ||g||^2 = (-3 + 5) / 1 = 2 -> l = 2, phi = -3.
    assert path[1] == pytest.approx(2.0)
    assert phi(path[-1]) == pytest.approx(-3.0)


def test_polyak_on_a_strictly_concave_two_multiplier_case():
    # phi(l) = min over x in {0,1}^2 of -(4 x1 + 3 x2) + l1 (2 x1 + x2 - 2) + l2 (x1 + 2 x2 - 2)
    c, A, b = np.array([4.0, 3.0]), np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([2.0, 2.0])
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)

    def evaluate(l):
        E = -X @ c + (X @ A.T - b) @ l
        i = int(np.argmin(E))
        return E[i], X[i] @ A.T - b

    m = make_method("subgradient", step_rule="polyak")
    lam = m.initial(2, 0)
    best = -np.inf
    for k in range(1, 60):
        value, g = evaluate(lam)
        best = max(best, value)
        lam = m.update(lam, g, value, -4.0, k)   # best feasible primal: x = (1, 0), objective 4
    # Dual optimum: max phi = -14/3 (LP bound 14/3 at x = (2/3, 2/3)).
    assert best == pytest.approx(-14 / 3, abs=1e-2)


def test_diminishing_steps_shrink_like_one_over_sqrt_k():
    m = make_method("subgradient", step_rule="diminishing", step=1.0)
    lam = m.initial(1, 0)
    sizes = []
    for k in range(1, 5):
        lam = m.update(lam, np.array([1.0]), None, None, k)
        sizes.append(m.last_info["step"])
    assert np.allclose(sizes, 1 / np.sqrt(np.arange(1, 5)))


def test_polyak_without_primal_falls_back_to_diminishing():
    m = make_method("subgradient", step=0.5)
    lam = m.initial(1, 0)
    m.update(lam, np.array([2.0]), -5.0, None, 1)
    assert m.last_info["rule"] == "diminishing" and m.last_info["step"] == pytest.approx(0.5)


def test_dual_averaging_formula():
    m = make_method("dual-averaging", step=1.0)
    lam = m.initial(1, 1)
    lam = m.update(lam, np.array([3.0, -4.0]), None, None, 1)   # s = (0.6, -0.8), beta = 2
    assert np.allclose(lam, [0.3, -0.4])
    lam = m.update(lam, np.array([-1.0, 0.0]), None, None, 2)   # s = (-0.4, -0.8), beta = 2.5
    assert np.allclose(lam, [0.0, -0.32])                       # first component projected to 0


def test_augmented_update_and_rho_growth():
    m = make_method("augmented", rho=2.0, rho_growth=3.0)
    lam = m.initial(1, 1)
    assert m.quadratic_weight == 1.0
    lam = m.update(lam, np.array([1.0, -0.5]), None, None, 1)
    assert np.allclose(lam, [2.0, -1.0]) and m.current_rho == 2.0   # first violation: no history
    lam = m.update(lam, np.array([1.0, 0.0]), None, None, 2)        # violation 1 > 0.5 * 1.118: grow
    assert np.allclose(lam, [4.0, -1.0]) and m.current_rho == 6.0
    lam = m.update(lam, np.array([-5.0, 0.0]), None, None, 3)       # satisfied: projected, no growth
    assert np.allclose(lam, [0.0, -1.0]) and m.current_rho == 6.0


def test_augmented_default_rho_moves_one_scale():
    m = make_method("augmented", scale=3.0)
    lam = m.initial(1, 0)
    assert m.quadratic_weight == 0.0                                # first relaxation is plain
    lam = m.update(lam, np.array([6.0]), None, None, 1)
    assert lam[0] == pytest.approx(3.0)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_approaches_the_dual_optimum(name):
    method = make_method(name, scale=1.0, **({"box": 10.0} if name == "cutting-plane" else {}))
    path = run(method, 40, primal_best=-3.0)
    best = max(phi(l) for l in path)
    assert best == pytest.approx(-3.0, abs=0.15)
