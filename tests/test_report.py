"""Known-answer tests of the report and `qbench compare` on synthetic stores (tests/report_data.py)."""

import json
import os
import re

import numpy as np
import pytest
from report_data import INF, known_store, record

from qbench.report import fair, write_report
from qbench.report.compare import CompareError, compare
from qbench.report.stats import diff_ci, mean_ci, paired_test
from qbench.report.tables import runs_frame
from qbench.runner.store import RunStore


def test_bootstrap_ci_matches_scipy():
    from scipy.stats import bootstrap

    values = np.random.default_rng(7).normal(3.0, 1.0, size=12)
    mean, lo, hi, n = mean_ci(values)
    ref = bootstrap((values,), np.mean, confidence_level=0.95, method="percentile", n_resamples=20000,
                    random_state=1).confidence_interval
    assert n == 12 and mean == pytest.approx(values.mean())
    assert lo == pytest.approx(ref.low, abs=0.08) and hi == pytest.approx(ref.high, abs=0.08)
    assert lo < mean < hi


def test_infinite_gaps_stay_infinite_and_tie():
    assert mean_ci([1.0, INF])[0] == INF
    assert diff_ci([INF, INF], [INF, INF], higher_is_better=False)[0] == 0.0
    point, lo, hi = diff_ci([0.0, 0.0, 0.0], [INF, INF, INF], higher_is_better=False)
    assert point == INF and lo == INF  # finite gap beats no feasible sample
    wins, ties, losses, p = paired_test([INF] * 8)
    assert (wins, ties, losses) == (8, 0, 0) and p == pytest.approx(2 / 2 ** 8)


@pytest.mark.parametrize("honest", [True, False])
def test_fair_tables_known_answers(tmp_path, honest):
    runs = runs_frame(known_store(tmp_path, honest=honest).records())
    common, methods, missing = fair.common_instances(runs, "mdkp")
    assert common == ["i1"]
    assert {("annealing / slack", "i2"), ("qaoa / lag-bundle", "i2")} == set(zip(missing["method"], missing["instance"]))
    assert missing.set_index("method").loc["annealing / slack", "why"].startswith("skipped")
    # raw gap: ∞ for random / slack with or without the honest keys (derived from best_objective_pre_repair)
    raw = runs[runs["method"] == "random / slack"]["best_gap_pct_raw"]
    assert (raw == INF).all()
    _, long = fair.metric_matrix(runs, "mdkp", "feasible_mass", ["i1", "i2"])
    best = long[long["best"]]
    assert set(zip(best["instance"], best["method"])) == {("i1", "exact"), ("i2", "exact")}
    a = long[(long["method"] == "qaoa / slack") & (long["instance"] == "i1")].iloc[0]
    assert a["mean"] == pytest.approx(0.8 - 0.015) and a["lo"] < a["mean"] < a["hi"] and a["n"] == 4
    _, long_gap = fair.metric_matrix(runs, "mdkp", "gap_pct", ["i1"])
    assert set(long_gap[long_gap["best"]]["method"]) == {"qaoa / slack", "exact", "qaoa / lag-bundle"}


@pytest.mark.parametrize("honest", [True, False])
def test_null_baseline_verdicts(tmp_path, honest):
    runs = runs_frame(known_store(tmp_path, honest=honest).records())
    null = fair.null_baseline(runs).set_index(["instance", "method"])
    for inst in ("i1", "i2"):
        a = null.loc[(inst, "qaoa / slack")]
        assert a["baseline"] == "random / slack" and a["beats null baseline"] == "yes"
        assert ": better" in a["feasible mass"] and ": better" in a["best raw gap %"] and ": better" in a["P(optimal)"]
        c = null.loc[(inst, "qaoa / unbalanced")]
        assert c["baseline"] == "random / unbalanced" and ": worse" in c["feasible mass"]
        assert c["beats null baseline"] == "no: worse on feasible mass"
    assert ("i1", "exact") not in null.index  # no random-feasible runs in this store


def _imgs(html):
    return re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)


@pytest.mark.parametrize("honest,extras", [(True, True), (False, False)])
def test_report_files_with_and_without_new_keys(tmp_path, honest, extras):
    store = known_store(tmp_path, honest=honest, extras=extras)
    md_path, html_path = write_report(tmp_path)
    md, page = md_path.read_text(), html_path.read_text()
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert len(_imgs(page)) == len(pngs) > 0
    import base64

    assert all(base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n" for b in _imgs(page))
    assert "src=\"http" not in page and "<script" not in page  # self-contained, nothing to fetch
    assert "common instance" in md and "annealing / slack | i2 | skipped" in md
    assert "| exact | **1** | **1** |" in md  # best feasible mass on both instances, in bold
    assert re.search(r"\| qaoa / slack \| 0\.785 \[0\.77\d*, 0\.79\d*\] \|", md)  # mean [CI] over 4 seeds
    assert "| qaoa / slack | **0 [0, 0]** | **0 [0, 0]** |" in md  # best raw gap, tied with exact
    assert "| random / slack | ∞ | ∞ |" in md  # no feasible raw sample
    assert page.count("class='best'") >= 4
    assert "beats null baseline" in md
    assert (tmp_path / "tables" / "mdkp-feasible_mass.csv").read_text().startswith("instance,method,mean,lo,hi,n,best")
    assert "\\textbf{" in (tmp_path / "tables" / "mdkp-gap_pct.tex").read_text()
    lag_plots = [p for p in pngs if "-lagrangian-" in p.name]
    assert len(lag_plots) == (1 if extras else 0)  # the unbalanced runs' traces are not Lagrangian
    assert ("time per run" in md) and (("optimise_s" in md) == extras)
    assert ("qubits before and after shrinking" in md) == extras
    assert ("convergence of the variational loop" in md) == extras
    assert ("expectation approx. ratio" in md) == honest


def test_report_files_take_the_store_permissions(tmp_path):
    store = RunStore(tmp_path)
    for s in range(2):
        store.write(record("i1", "slack", "qaoa", s))
    os.chmod(store.path, 0o644)
    old = os.umask(0o077)
    try:
        write_report(tmp_path)
    finally:
        os.umask(old)
    for name in ("report.md", "report.html", "runs.csv", "tables/mdkp-methods.csv", "plots/01-mdkp-gap_pct.png"):
        assert oct(os.stat(tmp_path / name).st_mode & 0o777) == "0o644", name


def test_compare_known_answers(tmp_path):
    runs = runs_frame(known_store(tmp_path).records())
    table = compare(runs, "random", ["feasible_mass", "best_gap_pct_raw"]).set_index(["method", "metric"])
    a = table.loc[("qaoa / slack", "feasible_mass")]
    assert (a["pairs"], a["wins"], a["ties"], a["losses"]) == (8, 8, 0, 0)
    assert a["p_value"] == pytest.approx(2 / 2 ** 8) and a["verdict"] == "better"
    c = table.loc[("qaoa / unbalanced", "feasible_mass")]
    assert (c["wins"], c["losses"], c["verdict"]) == (0, 8, "worse")
    assert table.loc[("qaoa / slack", "best_gap_pct_raw")]["wins"] == 8  # 0 % vs ∞
    ties = compare(runs, "exact", ["gap_pct"]).set_index("method").loc["qaoa / slack"]
    assert (ties["ties"], ties["verdict"], ties["p_value"]) == (8, "n.s.", 1.0)
    with pytest.raises(CompareError, match="no such method"):
        compare(runs, "nope")
    with pytest.raises(CompareError, match="unknown"):
        compare(runs, "random", ["foo"])


def test_compare_cli_json(tmp_path):
    from typer.testing import CliRunner

    from qbench.cli import app

    known_store(tmp_path, extras=False)
    result = CliRunner().invoke(app, ["compare", str(tmp_path), "--baseline", "random", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {"method", "metric", "wins", "ties", "losses", "p_value", "verdict"} <= set(rows[0])
    table = CliRunner().invoke(app, ["compare", str(tmp_path), "--baseline", "random", "-m", "feasible_mass"])
    assert table.exit_code == 0 and "qaoa / unbalanced" in table.stdout and "worse" in table.stdout
    bad = CliRunner().invoke(app, ["compare", str(tmp_path), "--baseline", "x"])
    assert isinstance(bad.exception, CompareError)  # main() turns it into one line and exit 2


def test_report_tolerates_runs_without_optimum(tmp_path):
    store = RunStore(tmp_path)
    for s in range(2):
        rec = record("u1", "slack", "qaoa", s, optimum=None, raw_gap=0.0, gap=0.0)
        rec["result"]["metrics"].update(gap_pct=None, best_gap_pct_raw=None, approx_ratio=None, p_optimal=None)
        store.write(rec)
    runs = runs_frame(store.records())
    assert runs["best_gap_pct_raw"].isna().all()  # unknown, not infinite: there is no optimum to compare with
    md, _ = write_report(tmp_path)
    assert "u1" in md.read_text() and "| ∞" not in md.read_text()
