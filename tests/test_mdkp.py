"""MDKP: readers for the three OR-Library / SAC-94 layouts, the generator, repair and greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.problems import mdkp
from qbench.problems.mdkp import MDKP

# (n, m, optimum) of every SAC-94 file in the shared folder, from its SOURCES.md table.
SAC94 = {
    "hp1": (28, 4, 3418), "hp2": (35, 4, 3186), "pb1": (27, 4, 3090), "pb2": (34, 4, 3186),
    "pb4": (29, 2, 95168), "pb5": (20, 10, 2139), "pb6": (40, 30, 776), "pet1": (6, 10, 3800),
    "pet2": (10, 10, 87061), "pet3": (15, 10, 4015), "pet4": (20, 10, 6120), "pet5": (28, 10, 12400),
    "pet6": (39, 5, 10618), "pet7": (50, 5, 16537), "sento2": (60, 30, 8722), "weing3": (28, 2, 95677),
    "weing4": (28, 2, 119337), "weing6": (28, 2, 130623), "weing7": (105, 2, 1095445),
    "weish03": (30, 5, 4115), "weish04": (30, 5, 4561), "weish08": (40, 5, 5605), "weish09": (40, 5, 5246),
    "weish11": (50, 5, 5643), "weish12": (50, 5, 6339), "weish15": (60, 5, 7486), "weish16": (60, 5, 7289),
    "weish18": (70, 5, 9580), "weish20": (70, 5, 9450), "weish21": (70, 5, 9074), "weish24": (80, 5, 10220),
    "weish26": (90, 5, 9584), "weish27": (90, 5, 9819), "weish28": (90, 5, 9492), "weish29": (90, 5, 9410),
    "weish30": (90, 5, 11191),
}
# mknapcbN: (m, n) per SOURCES.md
CHU_BEASLEY = {1: (5, 100), 2: (5, 250), 3: (5, 500), 4: (10, 100), 5: (10, 250), 6: (10, 500),
               7: (30, 100), 8: (30, 250), 9: (30, 500)}


def brute_force(problem: MDKP) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=problem.num_items)), dtype=np.uint8)
    values = np.where(problem.is_feasible(X), problem.objective(X), -np.inf)
    return float(values.max())


# ---- the shared files -----------------------------------------------------------------------------
def test_every_sac94_file_parses_with_its_published_optimum(data_dir):
    folder = data_dir / "mdkp"
    files = sorted(folder.glob("*.dat"))
    assert {f.stem for f in files} == set(SAC94)
    for f in files:
        assert mdkp.sniff(f, f.read_text())
        [p] = mdkp.read(f)
        n, m, opt = SAC94[f.stem]
        assert (p.name, p.num_items, p.num_knapsack_constraints) == (f.stem, n, m)
        assert p.optimum.value == opt and p.optimum.status == "proven" and p.optimum.source == "file header"
        assert p.weights.shape == (m, n) and p.model.sense == "max"
        assert np.array_equal(p.model.c, p.profits) and np.array_equal(p.model.A_ub, p.weights)
        assert set(p.describe()) == {"items", "constraints", "tightness"}


def test_pet1_values_are_read_in_sac_order(data_dir):
    [p] = mdkp.read(data_dir / "mdkp" / "pet1.dat")
    assert p.profits.tolist() == [100, 600, 1200, 2400, 500, 2000]
    assert p.weights[0].tolist() == [8, 12, 13, 64, 22, 41]
    assert p.weights[-1].tolist() == [3, 2, 4, 8, 8, 4]
    assert p.capacities.tolist() == [80, 96, 20, 36, 44, 48, 10, 18, 22, 24]


def test_mknapcb1_has_30_problems_with_best_known_values(data_dir):
    problems = mdkp.read(data_dir / "mdkp" / "mknapcb1.txt")
    assert len(problems) == 30
    assert [p.name for p in problems[:2]] == ["mknapcb1-00", "mknapcb1-01"]
    assert all(p.num_items == 100 and p.num_knapsack_constraints == 5 for p in problems)
    assert problems[0].reference_name == "5.100-00" and problems[29].reference_name == "5.100-29"
    assert [p.optimum.value for p in problems[:3]] == [24381, 24274, 23551]
    assert problems[17].optimum.value == 45020
    assert all(p.optimum.status == "best-known" for p in problems)
    # problems 00-09 have tightness 0.25, 10-19 0.50, 20-29 0.75
    tight = np.array([p.tightness.mean() for p in problems])
    assert np.allclose(tight, np.repeat([0.25, 0.5, 0.75], 10), atol=0.01)
    assert problems[0].profits[:3].tolist() == [504, 803, 667]
    assert problems[0].weights[0, :3].tolist() == [42, 41, 523]


@pytest.mark.parametrize("number", sorted(CHU_BEASLEY))
def test_every_chu_beasley_file_parses(data_dir, number):
    path = data_dir / "mdkp" / f"mknapcb{number}.txt"
    assert mdkp.sniff(path, path.read_text())
    problems = mdkp.read(path)
    m, n = CHU_BEASLEY[number]
    assert len(problems) == 30
    assert all((p.num_knapsack_constraints, p.num_items) == (m, n) for p in problems)
    assert all(p.optimum is not None and p.optimum.status == "best-known" for p in problems)
    assert problems[5].reference_name == f"{m}.{n}-05"
    # mkcbres values are feasible values: the greedy can't beat them by much, and never exceed the LP bound
    p = problems[0]
    assert p.objective(p.greedy())[0] <= p.optimum.value * 1.001


def test_mkcbres_only_applies_when_beside_the_file(data_dir, tmp_path):
    copy = tmp_path / "mknapcb1.txt"
    copy.write_bytes((data_dir / "mdkp" / "mknapcb1.txt").read_bytes())
    problems = mdkp.read(copy)
    assert problems[0].optimum is None and problems[0].reference_name == "5.100-00"
    table = mdkp.read_mkcbres(data_dir / "mdkp" / "mkcbres.txt")
    assert len(table) == 270 and table["30.500-29"] == 300460  # LP table (second) not mixed in


def test_sniff_rejects_other_kinds_files(data_dir):
    others = [data_dir / "mdkp" / "mkcbres.txt"]
    others += sorted((data_dir / "qap").glob("*.dat"))[:10]
    others += sorted((data_dir / "marketsplit").glob("*.dat"))[:10]
    others += sorted((data_dir / "mis").glob("*.txt"))
    others = [f for f in others if f.exists()]
    assert len(others) > 5
    for f in others:
        assert not mdkp.sniff(f, f.read_text()), f


# ---- layouts on hand-written files ----------------------------------------------------------------
MKNAP1_STYLE = """ 2
 3 2 0
 10 20 30
 1 2 3
 3 2 1
 4 4
 2 1 8706.1
 5.5 1
 1 1
 1
"""


def test_mknap1_style_multi_instance_file(tmp_path):
    path = tmp_path / "mknap1.txt"
    path.write_text(MKNAP1_STYLE)
    assert mdkp.sniff(path, MKNAP1_STYLE)
    first, second = mdkp.read(path)
    assert (first.name, second.name) == ("mknap1-00", "mknap1-01")
    assert first.optimum is None and first.reference_name is None  # opt 0 = unknown
    assert second.optimum.value == 8706.1 and second.optimum.status == "proven"
    assert first.weights.tolist() == [[1, 2, 3], [3, 2, 1]] and first.capacities.tolist() == [4, 4]
    assert second.profits.tolist() == [5.5, 1.0]
    assert brute_force(first) == 40  # items 1 and 3: loads (4, 4)


MKNAP2_STYLE = """This file holds test problems in the mknap2 layout.
Some free text with numbers 1 2 3 and the word problem in it.

problem TINY1.DAT
+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++
2 3
10 20 30
4 4
1 2 3
3 2 1
40

problem TINY2.DAT
++++++++++++++++++++
1 2
5 6
3
2 2
6
"""


def test_mknap2_style_has_constraints_first_and_capacities_before_matrix(tmp_path):
    path = tmp_path / "mknap2.txt"
    path.write_text(MKNAP2_STYLE)
    assert mdkp.sniff(path, MKNAP2_STYLE)
    first, second = mdkp.read(path)
    assert (first.name, second.name) == ("tiny1", "tiny2")
    assert (first.num_knapsack_constraints, first.num_items) == (2, 3)
    assert first.capacities.tolist() == [4, 4]
    assert first.weights.tolist() == [[1, 2, 3], [3, 2, 1]]
    assert first.optimum.value == 40 == brute_force(first)
    assert second.weights.tolist() == [[2, 2]] and second.capacities.tolist() == [3]
    assert second.optimum.value == 6 == brute_force(second)


def test_sac_layout_ignores_line_breaks(tmp_path):
    path = tmp_path / "odd.dat"
    text = "3\n2 40\n10 20\n30 1 2 3 3 2\n1 4\n4\n"
    path.write_text(text)
    assert mdkp.sniff(path, text)
    [p] = mdkp.read(path)
    assert p.weights.tolist() == [[1, 2, 3], [3, 2, 1]] and p.optimum.value == 40


# ---- generator ------------------------------------------------------------------------------------
def test_generator_is_deterministic_per_seed_and_chu_beasley_shaped():
    a = mdkp.generate(30, 5, tightness=0.25, seed=7)
    b = mdkp.generate(30, 5, tightness=0.25, seed=7)
    c = mdkp.generate(30, 5, tightness=0.25, seed=8)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.profits, b.profits)
    assert not np.array_equal(a.weights, c.weights)
    assert a.optimum is None and a.name == "mdkp-n30-m5-t0.25-s7"
    assert a.weights.min() >= 1 and a.weights.max() <= 1000
    assert np.array_equal(a.capacities, np.floor(0.25 * a.weights.sum(axis=1)))
    base = a.weights.sum(axis=0) / 5
    assert np.all(a.profits >= np.floor(base)) and np.all(a.profits <= base + 500)
    assert np.all(a.profits == np.round(a.profits))
    assert a.is_feasible(a.greedy())[0]


def test_generator_rejects_bad_parameters():
    from qbench.errors import QbenchError

    for kwargs in ({"n": 0, "m": 2}, {"n": 5, "m": 2, "tightness": 0.0}, {"n": 5, "m": 2, "tightness": 1.5},
                   {"n": 2.5, "m": 2}):
        with pytest.raises(QbenchError):
            mdkp.generate(**kwargs)


# ---- repair, improve, greedy ----------------------------------------------------------------------
def test_repair_is_always_feasible_and_never_worse_on_feasible_input(data_dir):
    rng = np.random.default_rng(0)
    problems = [mdkp.generate(40, 5, tightness=t, seed=s) for t in (0.25, 0.5, 0.75) for s in range(2)]
    problems += [mdkp.read(data_dir / "mdkp" / f"{name}.dat")[0] for name in ("pet3", "pb6", "weing7", "sento2")]
    for p in problems:
        X = rng.integers(0, 2, size=(40, p.num_items), dtype=np.uint8)
        X[0] = 1  # everything in
        X[1] = 0
        repaired = np.array([p.repair(x) for x in X])
        assert p.is_feasible(repaired).all(), p.name
        feasible = p.is_feasible(X)
        assert np.all(p.objective(repaired)[feasible] >= p.objective(X)[feasible])
        if p.optimum is not None:
            assert p.objective(repaired).max() <= p.optimum.value


def test_improve_reaches_a_swap_local_optimum_and_leaves_infeasible_input_alone():
    p = mdkp.generate(25, 3, tightness=0.5, seed=3)
    x = p.improve(np.zeros(25, dtype=np.uint8))
    assert p.is_feasible(x)[0]
    value = p.objective(x)[0]
    inside, outside = np.flatnonzero(x), np.flatnonzero(x == 0)
    for i in inside:  # no improving feasible 1-flip or 1-swap remains
        for j in outside:
            y = x.copy()
            y[i], y[j] = 0, 1
            assert not (p.is_feasible(y)[0] and p.objective(y)[0] > value)
    for j in outside:
        y = x.copy()
        y[j] = 1
        assert not p.is_feasible(y)[0]
    everything = np.ones(25, dtype=np.uint8)
    assert np.array_equal(p.improve(everything), everything)


def test_greedy_against_brute_force_on_tiny_instances():
    ratios = []
    for seed in range(25):
        p = mdkp.generate(10, 3, tightness=[0.25, 0.5, 0.75][seed % 3], seed=seed)
        best = brute_force(p)
        g = p.greedy()
        assert p.is_feasible(g)[0]
        value = p.objective(g)[0]
        assert value <= best
        ratios.append(value / best)
    assert np.mean(ratios) > 0.98 and min(ratios) > 0.9


def test_greedy_on_sac94_is_close_to_the_optimum(data_dir):
    gaps = {}
    for name in SAC94:
        [p] = mdkp.read(data_dir / "mdkp" / f"{name}.dat")
        g = p.greedy()
        assert p.is_feasible(g)[0]
        gaps[name] = p.gap_pct(p.objective(g)[0])
    assert all(0 <= g < 6 for g in gaps.values()), gaps
    assert np.mean(list(gaps.values())) < 1.5


def test_constructor_validates_shapes_and_signs():
    with pytest.raises(ValueError):
        MDKP("x", [1, 2], [[1, 2, 3]], [5])
    with pytest.raises(ValueError):
        MDKP("x", [1, -2], [[1, 2]], [5])
    with pytest.raises(ValueError):
        MDKP("x", [1, 2], [[1, 2]], [-5])


def test_zero_capacity_and_oversized_items_are_handled():
    p = MDKP("z", [5, 4, 3], [[0, 1, 0], [10, 1, 1]], [0, 2])
    x = p.repair(np.ones(3, dtype=np.uint8))
    assert p.is_feasible(x)[0] and x.tolist() == [0, 0, 1]
    assert p.greedy().tolist() == [0, 0, 1]


def test_auto_detection_picks_mdkp_for_every_shared_file(data_dir):
    """Cross-check against every other kind's sniffer: none may claim an MDKP file."""
    from qbench.problems import detect_kind

    files = sorted((data_dir / "mdkp").glob("*.dat")) + sorted((data_dir / "mdkp").glob("mknapcb*.txt"))
    try:
        kinds = {f.name: detect_kind(f) for f in files}
    except ImportError as exc:  # another kind's module not there yet
        pytest.skip(f"not every problem kind is importable: {exc}")
    assert set(kinds.values()) == {"mdkp"}, kinds


# ---- forced insertion (mdkp_search) ---------------------------------------------------------------
def _old_greedy(p: MDKP) -> np.ndarray:
    """The greedy before forced insertion: fill + 1-swap / (1,2)-swap local search per fill order."""
    from qbench.problems import mdkp_search

    best = None
    for order in p.fill_orders():
        x = np.zeros(p.num_items, dtype=bool)
        mdkp_search.local_search(p, x, np.zeros(p.num_knapsack_constraints), order)
        if best is None or p.profits @ x > p.profits @ best:
            best = x
    return best.astype(np.uint8)


def test_forced_insertion_swaps_one_big_item_for_several_small_ones():
    # Three small items (12) fill the knapsack; the big one (13) needs all of them out: no 1- or
    # (1,2)-swap gets there, a forced insertion does.
    p = MDKP("big", [4, 4, 4, 4, 13], [[3, 3, 3, 3, 10]], [10])
    assert p.objective(_old_greedy(p))[0] == 12
    assert p.greedy().tolist() == [0, 0, 0, 0, 1]
    assert p.improve(np.array([1, 1, 1, 0, 0])).tolist() == [0, 0, 0, 0, 1]
    assert brute_force(p) == 13


def test_pet2_repair_reaches_the_optimum_from_every_bitstring(data_dir):
    [p] = mdkp.read(data_dir / "mdkp" / "pet2.dat")
    X = np.array(list(itertools.product([0, 1], repeat=p.num_items)), dtype=np.uint8)
    repaired = np.array([p.repair(x) for x in X])
    assert p.is_feasible(repaired).all()
    assert np.all(p.objective(repaired) == 87061)


def test_pb4_greedy_escapes_the_swap_local_optimum(data_dir):
    [p] = mdkp.read(data_dir / "mdkp" / "pb4.dat")
    old = p.objective(_old_greedy(p))[0]
    new = p.objective(p.greedy())[0]
    assert old == 90909  # 4.48 % below the optimum 95168
    assert 94308 <= new <= 95168


def test_repair_of_the_greedy_beats_the_old_greedy_on_small_random_instances():
    for seed in range(12):
        p = mdkp.generate(12, 1 + seed % 4, tightness=[0.25, 0.5, 0.75][seed % 3], seed=100 + seed)
        old = p.objective(_old_greedy(p))[0]
        g = p.greedy()
        again = p.repair(g)
        assert p.is_feasible(np.array([g, again])).all()
        assert old <= p.objective(g)[0] <= p.objective(again)[0] <= brute_force(p)


def test_repair_and_improve_are_feasible_and_never_worse_on_feasible_input():
    rng = np.random.default_rng(1)
    for seed in range(4):
        p = mdkp.generate(30, 4, tightness=[0.25, 0.5][seed % 2], seed=seed)
        for x in rng.integers(0, 2, size=(30, p.num_items), dtype=np.uint8):
            assert p.is_feasible(p.repair(x))[0]
            feasible = p.repair(x) * (rng.random(p.num_items) < 0.7)  # a random feasible subset
            for y in (p.repair(feasible), p.improve(feasible)):
                assert p.is_feasible(y)[0] and p.objective(y)[0] >= p.objective(feasible)[0]


@pytest.mark.parametrize("dense", [0, None])
def test_best_exchange_matches_enumeration(monkeypatch, dense):
    """The (out x in) check, pruned (dense=0) or one broadcast, finds an exchange of the best gain,
    or none when none improves."""
    from qbench.problems import mdkp_search
    from qbench.problems.base import FEASIBILITY_TOL

    if dense is not None:
        monkeypatch.setattr(mdkp_search, "DENSE_EXCHANGE", dense)

    rng = np.random.default_rng(2)
    for seed in range(6):
        p = mdkp.generate(18, [1, 3, 8][seed % 3], tightness=0.5, seed=seed)
        for _ in range(10):
            x = rng.random(p.num_items) < 0.6
            load = mdkp_search.drop(p, x, p.weights @ x)
            load = mdkp_search.fill(p, x, load, p.fill_orders()[0])
            inside, outside = np.flatnonzero(x), np.flatnonzero(~x)
            slack = p.capacities + FEASIBILITY_TOL - load
            units = [(c,) for c in outside] + list(itertools.combinations(outside, 2))
            best = {1: 0.0, 2: 0.0}
            for a in inside:
                for u in units:
                    delta = p.weights[:, list(u)].sum(axis=1) - p.weights[:, a]
                    gain = p.profits[list(u)].sum() - p.profits[a]
                    if (delta <= slack).all() and gain > best[len(u)]:
                        best[len(u)] = gain
            for size, found in ((1, mdkp_search._best_swap(p, x, load)),
                                (2, mdkp_search._best_one_two_swap(p, x, load))):
                if best[size] == 0:
                    assert found is None
                    continue
                a, u = found
                assert x[a] and not x[list(u)].any() and len(u) == size
                assert (p.weights[:, list(u)].sum(axis=1) - p.weights[:, a] <= slack).all()
                assert p.profits[list(u)].sum() - p.profits[a] == best[size]


def test_search_memo_does_not_change_results(monkeypatch):
    from qbench.problems import mdkp_search

    rng = np.random.default_rng(3)
    problems = [mdkp.generate(40, 5, tightness=t, seed=7) for t in (0.25, 0.5)]
    X = [rng.integers(0, 2, size=(25, p.num_items), dtype=np.uint8) for p in problems]
    with_memo = [np.array([p.repair(x) for x in xs]) for p, xs in zip(problems, X)]
    assert sum(len(m.outcome) for p in problems for m in p._memos) > 0
    monkeypatch.setattr(mdkp_search, "MEMO_ENTRIES", 0)
    fresh = [mdkp.generate(40, 5, tightness=t, seed=7) for t in (0.25, 0.5)]
    without = [np.array([p.repair(x) for x in xs]) for p, xs in zip(fresh, X)]
    for a, b in zip(with_memo, without):
        assert np.array_equal(a, b)
    assert all(not m.outcome and not m.settled for p in fresh for m in p._memos)
