"""Time-to-target and evaluations-to-target: known answers on hand-made runs, and the report section."""

import math

import pandas as pd
import pytest
from report_data import INF, known_store

from qbench.report import write_report
from qbench.report.target import Target, runs_needed, time_to_target
from qbench.runner.store import RunStore


def frame(raw_gaps, gaps, seconds, evaluations, variational=True):
    n = len(raw_gaps)
    return pd.DataFrame({"instance": ["i"] * n, "method": ["m"] * n, "status": ["ok"] * n, "optimum": [1.0] * n,
                         "best_gap_pct_raw": raw_gaps, "gap_pct": gaps, "seconds": seconds,
                         "evaluations": evaluations, "trace_best": [[1.0, 0.5] if variational else None] * n})


def test_runs_needed_known_values():
    assert runs_needed(0.5, 0.99) == pytest.approx(math.log(0.01) / math.log(0.5))   # 6.64
    assert runs_needed(1.0, 0.99) == 1.0 and runs_needed(0.999, 0.99) == 1.0         # at least one run
    assert runs_needed(0.0, 0.99) == INF


def test_time_and_evaluations_to_target_known_answer():
    # raw: 2 of 4 runs within 1 % (the infinite gap is a miss); after repair all 4 hit
    t = time_to_target(frame([0.0, 5.0, INF, 0.5], [0.0, 0.0, 0.9, 0.0], [1.0, 2.0, 3.0, 2.0], [10, 20, 30, 20]),
                       Target(1.0)).iloc[0]
    r = math.log(0.01) / math.log(0.5)
    assert t["hits raw"] == "2/4" and t["hits repaired"] == "4/4"
    assert t["raw_s"] == pytest.approx(2.0 * r) and t["raw_evals"] == pytest.approx(20.0 * r)
    assert t["repaired_s"] == pytest.approx(2.0) and t["repaired_evals"] == pytest.approx(20.0)
    lo, hi = (float(v) for v in t["time-to-target raw (s)"].split("[")[1].rstrip("]").replace("∞", "inf").split(","))
    assert lo <= 2.0 * r <= hi and hi == INF     # a resample can miss every time


def test_nothing_hits_means_infinite_and_a_tighter_target_needs_more():
    t = time_to_target(frame([INF, INF], [3.0, 4.0], [1.0, 1.0], [5, 5]), Target(1.0)).iloc[0]
    assert t["raw_s"] == INF and t["repaired_s"] == INF and t["hits raw"] == "0/2"
    loose = time_to_target(frame([0.0, 2.0, 2.0], [0, 0, 0], [1.0] * 3, [1] * 3), Target(5.0)).iloc[0]["raw_s"]
    tight = time_to_target(frame([0.0, 2.0, 2.0], [0, 0, 0], [1.0] * 3, [1] * 3), Target(1.0)).iloc[0]["raw_s"]
    assert loose == pytest.approx(1.0) and tight == pytest.approx(math.log(0.01) / math.log(2 / 3))


def test_evaluations_to_target_only_for_variational_methods():
    t = time_to_target(frame([0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [6400, 6400], variational=False), Target(1.0))
    assert math.isnan(t.iloc[0]["raw_evals"]) and t.iloc[0]["raw_s"] == pytest.approx(1.0)


def test_target_settings_are_checked():
    with pytest.raises(ValueError):
        Target(-1.0)
    with pytest.raises(ValueError):
        Target(1.0, confidence=1.0)


def test_report_has_time_to_target_from_config_or_cli(tmp_path):
    from typer.testing import CliRunner

    from qbench.cli import app

    config = tmp_path / "t.yaml"
    config.write_text("name: t\ninstances: [{generate: mis, params: {n: 8, p: 0.3, seed: 1}}]\n"
                      "formulations: [{name: slack}]\nsolvers: [{name: random, params: {shots: 16}}]\n"
                      "seeds: [0, 1, 2]\ntarget: {gap_pct: 0.0, confidence: 0.9}\n")
    out = CliRunner().invoke(app, ["run", str(config), "--results", str(tmp_path / "results")])
    assert out.exit_code == 0, out.output
    md, _ = write_report(tmp_path / "results" / "t")
    text = md.read_text()
    assert "time to target (within 0 % of the optimum with 90 % confidence)" in text
    runs = __import__("qbench.report.tables", fromlist=["runs_frame"]).runs_frame(
        RunStore(tmp_path / "results" / "t").records())
    hit = int((runs["best_gap_pct_raw"] <= 1e-9).sum())
    assert f"{hit}/3" in text
    text = write_report(tmp_path / "results" / "t", Target(50.0))[0].read_text()
    assert "within 50 % of the optimum with 99 % confidence" in text


def test_report_cli_target_gap(tmp_path):
    from typer.testing import CliRunner

    from qbench.cli import app

    known_store(tmp_path)
    out = CliRunner().invoke(app, ["report", str(tmp_path), "--target-gap", "2"])
    assert out.exit_code == 0, out.output
    assert "within 2 % of the optimum" in (tmp_path / "report.md").read_text()
    assert CliRunner().invoke(app, ["report", str(tmp_path), "--target-gap", "-1"]).exit_code == 2


def test_config_target_is_validated(tmp_path):
    from qbench.errors import ConfigError
    from qbench.runner.config import load_config

    base = "name: t\ninstances: [{generate: mis, params: {n: 5, p: 0.3}}]\nsolvers: [{name: exact}]\n"
    (tmp_path / "ok.yaml").write_text(base + "target: {gap_pct: 1.0}\n")
    assert load_config(tmp_path / "ok.yaml").target.confidence == 0.99
    (tmp_path / "bad.yaml").write_text(base + "target: {gap: 1.0}\n")
    with pytest.raises(ConfigError, match="bad.yaml.*gap"):
        load_config(tmp_path / "bad.yaml")
