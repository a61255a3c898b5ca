"""Issue 14's check on SAC-94 pet2, pet3, pet4, pb5 (``make test-slow``, ~1 min): QAOA's pre-repair
feasible mass above uniform sampling's, with the configuration of experiments/null_baseline/README.md
(unbalanced ``centre: auto``; QAOA p = 3, 200 evaluations, ``objective: problem``, CVaR 0.25 over the
feasible part). Exact readout of the whole distribution; QAOA is deterministic there (ramp start),
so one seed stands for the five. P(opt) is checked where the README says it is above uniform
(pet2-pet4), not on pb5."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments" / "null_baseline"))

pytestmark = pytest.mark.slow

PARAMS = {"reps": 3, "maxiter": 200, "objective": "problem", "cvar_alpha": 0.25, "cvar_scope": "feasible"}


@pytest.mark.parametrize("name", ["pet2", "pet3", "pet4", "pb5"])
def test_pre_repair_feasible_mass_beats_uniform(name, data_dir):
    from qaoa_vs_uniform import qaoa_distribution, uniform_baseline

    from qbench.problems import load_instance
    from qbench.registry import make_formulation

    problem = load_instance(data_dir / "mdkp" / f"{name}.dat", "mdkp")
    uniform_feasible, uniform_opt, _ = uniform_baseline(problem)
    ss, _, _ = qaoa_distribution(problem, make_formulation("unbalanced", {"centre": "auto"}), PARAMS, seed=0)
    feasible = problem.is_feasible(ss.samples)
    optimal = feasible & np.isclose(problem.objective(ss.samples), problem.optimum.value, atol=1e-6, rtol=0)
    feasible_mass, p_opt = float(ss.probabilities[feasible].sum()), float(ss.probabilities[optimal].sum())
    assert feasible_mass > uniform_feasible
    if name != "pb5":   # pb5 is the documented shortfall: 4.7e-08 against uniform's 9.5e-07
        assert p_opt > uniform_opt
