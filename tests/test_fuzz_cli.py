"""Every malformed input of the seeded corpus (tests/malformed.py) gives one line naming the file, exit 2,
no traceback and nothing written - through ``qbench solve`` and ``qbench run``, run in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qbench.cli import main
from malformed import BASES, CONFIG_CASES, instance_corpus

CORPUS = instance_corpus()


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["qbench", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else code), out.out, out.err


def assert_one_line_error(code, out, err, must_name):
    assert "Traceback" not in out + err, err
    assert code == 2, (code, out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert any(name in lines[0] for name in must_name), (lines[0], must_name)


def test_corpus_is_large_enough():
    assert len(CORPUS) + len(CONFIG_CASES) >= 200


@pytest.mark.parametrize("base", list(BASES))
def test_bases_are_valid(tmp_path, monkeypatch, capsys, base):
    problem, suffix, text = BASES[base]
    path = tmp_path / f"{base}{suffix}"
    path.write_text(text)
    code, out, err = run_cli(monkeypatch, capsys, "solve", f"{path}#0", "--solver", "greedy", "--json")
    assert code == 0, err


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_malformed_instance_through_solve(tmp_path, monkeypatch, capsys, case):
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.data)
    args = ["solve", path, "--solver", "greedy", "--json"] + (["--problem", case.problem] if case.problem else [])
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert_one_line_error(code, out, err, [path.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written


def _write_config(tmp_path: Path, label: str, text: str) -> Path:
    bad = tmp_path / "bad_instance.dat"
    bad.write_text("4 2 12\n5 7 3\n")  # truncated SAC-94 knapsack
    cfg = tmp_path / f"{label}.yaml"
    text = text.replace("{inst}", str(bad))
    cfg.write_bytes(text.encode("latin-1") if label == "latin1" else text.encode())
    return cfg


@pytest.mark.parametrize("label,text", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_malformed_config_through_run(tmp_path, monkeypatch, capsys, label, text):
    cfg = _write_config(tmp_path, label, text)
    results = tmp_path / "results"
    code, out, err = run_cli(monkeypatch, capsys, "run", cfg, "--results", results, "--data-dir", tmp_path, "-q")
    names = ["bad_instance.dat"] if label.startswith("malformed_instance") else [cfg.name]
    if label == "missing_file":
        names.append("no/such/file.dat")
    assert_one_line_error(code, out, err, names)
    assert not results.exists()


@pytest.mark.parametrize("seed", range(60))
def test_malformed_instance_inside_a_config(tmp_path, monkeypatch, capsys, seed):
    case = CORPUS[(seed * 7) % len(CORPUS)]
    inst = tmp_path / f"{case.name}{case.suffix}"
    inst.write_bytes(case.data)
    cfg = tmp_path / "exp.yaml"
    problem = f"\n    problem: {case.problem}" if case.problem else ""
    cfg.write_text(f"name: fz\ninstances:\n  - file: {inst}{problem}\nsolvers:\n  - name: greedy\n")
    results = tmp_path / "results"
    code, out, err = run_cli(monkeypatch, capsys, "run", cfg, "--results", results, "-q")
    assert_one_line_error(code, out, err, [inst.name])
    assert not results.exists()
