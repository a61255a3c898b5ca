"""Cross-checks against the field's standard tools (dwave-samplers, dimod).

* qbench's simulated annealing reaches energies at least as good as dwave-samplers'
  ``SimulatedAnnealingSampler`` for the same number of reads, sweeps and beta range;
* the slack and unbalanced QUBOs equal dimod's ``add_linear_inequality_constraint`` (slack: same
  bounded binary slack expansion ``1, 2, .., 2^(k-2), S - 2^(k-1) + 1`` and the same ``w (a.x + s - b)^2``;
  unbalanced: dimod's ``lagrange_multiplier=(l1, l2)`` gives ``l1 a.x + l2 (a.x - b)^2``) - energies on
  every assignment agree up to one constant.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")
samplers = pytest.importorskip("dwave.samplers")

from qbench.problems import generate  # noqa: E402
from qbench.problems.mdkp import MDKP  # noqa: E402
from qbench.qubo import QUBO  # noqa: E402
from qbench.registry import make_formulation  # noqa: E402
from qbench.solvers.annealing import SimulatedAnnealingSolver, default_beta_range  # noqa: E402


def to_bqm(q: QUBO) -> "dimod.BinaryQuadraticModel":
    n = q.num_variables
    bqm = dimod.BinaryQuadraticModel(dict(enumerate(map(float, q.linear))), {}, float(q.offset), dimod.BINARY)
    Q = q.quadratic
    for i, j in zip(*np.nonzero(Q)):
        if i != j:
            bqm.add_quadratic(int(i), int(j), float(Q[i, j]))
        else:
            bqm.add_linear(int(i), float(Q[i, i]))
    assert bqm.num_variables == n
    return bqm


def all_states(n: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)


def _sk(n: int, seed: int) -> QUBO:
    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1))


SA_CASES = {
    "sk18": lambda: _sk(18, 7),
    "mdkp-slack": lambda: make_formulation("slack", {}).encode(generate("mdkp", n=6, m=1, seed=3)).qubo,
    "mis16-slack": lambda: make_formulation("slack", {}).encode(generate("mis", n=16, p=0.2, seed=1)).qubo,
}


def test_bqm_conversion_keeps_energies():
    q = SA_CASES["sk18"]()
    X = np.random.default_rng(0).integers(0, 2, size=(50, q.num_variables), dtype=np.uint8)
    assert np.allclose(to_bqm(q).energies((X, list(range(q.num_variables)))), q.energy(X))


@pytest.mark.parametrize("own_defaults", [False, True], ids=["same-beta-range", "each-own-default"])
@pytest.mark.parametrize("case", sorted(SA_CASES))
def test_annealing_energy_quality_matches_dwave_samplers(case, own_defaults):
    q = SA_CASES[case]()
    bqm = to_bqm(q)
    n = q.num_variables
    ground = float(q.energy(all_states(n)).min()) if n <= 20 else None
    beta = default_beta_range(q)
    reads = 100
    for sweeps in (10, 100, 1000):
        ours = SimulatedAnnealingSolver(num_reads=reads, num_sweeps=sweeps,
                                        beta_range=None if own_defaults else beta).solve(q, seed=11)
        our_e = np.repeat(ours.energies, np.rint(ours.probabilities * reads).astype(int))
        theirs = samplers.SimulatedAnnealingSampler().sample(bqm, num_reads=reads, num_sweeps=sweeps,
                                                             beta_range=None if own_defaults else list(beta),
                                                             seed=11)
        their_e = theirs.record.energy
        se = np.sqrt(our_e.var() / reads + their_e.var() / reads)
        # qbench keeps each read's best visited state, dwave its final state: never worse on average
        assert our_e.mean() <= their_e.mean() + 3 * se + 1e-9, (case, sweeps, our_e.mean(), their_e.mean())
        if ground is not None:
            p_ours = np.isclose(our_e, ground).mean()
            p_theirs = np.isclose(their_e, ground).mean()
            sd = np.sqrt((p_ours * (1 - p_ours) + p_theirs * (1 - p_theirs)) / reads) + 1e-3
            assert p_ours >= p_theirs - 3 * sd, (case, sweeps, p_ours, p_theirs)
            if sweeps == 1000:
                assert our_e.min() == pytest.approx(ground)


def _small_mdkp(seed: int, n: int = 5, m: int = 2) -> MDKP:
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 10, size=(m, n))
    capacities = np.floor(0.5 * weights.sum(axis=1))  # never redundant: the full set does not fit
    return MDKP(f"small-{seed}", rng.integers(1, 20, size=n), weights, capacities)


def _dimod_model(problem, weights, method: str, rows) -> "dimod.BinaryQuadraticModel":
    model = problem.model
    n = model.num_variables
    sign = -1.0 if model.sense == "max" else 1.0
    bqm = dimod.BinaryQuadraticModel({j: sign * float(model.c[j]) for j in range(n)}, {}, 0.0, dimod.BINARY)
    for k, i in enumerate(rows):
        terms = [(j, int(a)) for j, a in enumerate(model.A_ub[i]) if a != 0]
        bqm.add_linear_inequality_constraint(terms, lagrange_multiplier=weights[k], label=f"c{i}",
                                             ub=int(model.b_ub[i]), penalization_method=method)
    return bqm


def _assert_equal_up_to_constant(qubo: QUBO, bqm, labels: list) -> None:
    assert set(bqm.variables) == set(labels), (sorted(map(str, bqm.variables)), labels)
    X = all_states(qubo.num_variables)
    diff = qubo.energy(X) - bqm.energies((X, labels))
    assert np.ptp(diff) < 1e-6 * max(1.0, np.abs(diff).max()), np.ptp(diff)
    # hence the same set of minimisers
    e = qubo.energy(X)
    d = bqm.energies((X, labels))
    assert np.array_equal(np.flatnonzero(np.isclose(e, e.min())), np.flatnonzero(np.isclose(d, d.min())))


def _slack_labels(encoding, n: int) -> list:
    out = list(range(n))
    for label in encoding.qubo.labels[n:]:
        row, bit = label[1:].split("_")
        out.append(f"slack_c{row}_{bit}")
    return out


@pytest.mark.parametrize("seed", range(4))
def test_slack_qubo_equals_dimod_slack_constraint(seed):
    problem = _small_mdkp(seed)
    enc = make_formulation("slack", {}).encode(problem)
    rows = list(range(problem.model.A_ub.shape[0]))
    bqm = _dimod_model(problem, [enc.info["penalties"][i] for i in rows], "slack", rows)
    _assert_equal_up_to_constant(enc.qubo, bqm, _slack_labels(enc, problem.num_variables))


def test_slack_qubo_without_conflict_edges_equals_dimod_on_mis():
    problem = generate("mis", n=6, p=0.4, seed=2)
    enc = make_formulation("slack", {"conflict_edges": False}).encode(problem)
    rows = list(range(problem.model.A_ub.shape[0]))
    bqm = _dimod_model(problem, [enc.info["penalties"][i] for i in rows], "slack", rows)
    _assert_equal_up_to_constant(enc.qubo, bqm, _slack_labels(enc, problem.num_variables))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("scaling", ["objective", "none"])
def test_unbalanced_qubo_equals_dimod_unbalanced_constraint(seed, scaling):
    problem = _small_mdkp(seed, n=8, m=3)
    enc = make_formulation("unbalanced", {"scaling": scaling}).encode(problem)
    rows = list(range(problem.model.A_ub.shape[0]))
    lam = list(zip(enc.info["lambda1"], enc.info["lambda2"]))
    bqm = _dimod_model(problem, lam, "unbalanced", rows)
    _assert_equal_up_to_constant(enc.qubo, bqm, list(range(problem.num_variables)))
