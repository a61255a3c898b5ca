"""Typed component parameters (issue 13, defects 1, 6, 7): every bad parameter is one line naming it
and what is allowed, before any instance is read."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qbench.errors import ConfigError, QbenchError
from qbench.params import parameters, schema
from qbench.registry import (FORMULATIONS, PROBLEM_KINDS, QUBO_SOLVERS, all_solver_names, component_class,
                             make_formulation, make_solver)
from qbench.problems import generate

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("factory,name,params,needles", [
    (make_solver, "annealing", {"num_reads": 2.5}, ["'num_reads' expects int", "num_sweeps: int = 1000"]),
    (make_solver, "annealing", {"num_reads": True}, ["'num_reads' expects int, got True"]),
    (make_solver, "annealing", {"num_reads": "many"}, ["'num_reads' expects int"]),
    (make_solver, "annealing", {"beta_range": [1, "hot"]}, ["'beta_range'", "at 1"]),
    (make_solver, "annealing", {"reads": 5}, ["no parameter 'reads'", "allowed: num_reads: int = 64"]),
    (make_solver, "qaoa", {"reps": 1.5}, ["'reps' expects int"]),
    (make_solver, "qaoa", {"optimizer": 3}, ["'optimizer' expects str"]),
    (make_formulation, "lagrangian", {"tol": "x"}, ["'tol' expects float, got 'x'"]),
    (make_formulation, "lagrangian", {"multiplier": "bundle", "step_rule": "constant"},
     ["multiplier 'bundle' has no parameter 'step_rule'", "max_bundle: int = 50"]),
    (make_formulation, "lagrangian", {"multiplier_params": {"theta": "big"}}, ["'theta' expects float"]),
    (make_formulation, "lagrangian", {"penalty": -1}, ["penalty must be non-negative"]),
    (make_formulation, "unbalanced", {"penalty": -5}, ["penalty must be non-negative, got -5"]),
    (make_formulation, "slack", {"penalty_scale": 0}, ["penalty_scale must be positive"]),
    (make_formulation, "slack", {"penalties": [1, -2]}, ["penalties must all be non-negative"]),
])
def test_bad_parameters_are_one_config_error(factory, name, params, needles):
    with pytest.raises(ConfigError) as info:
        factory(name, params)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_good_parameters_are_converted_and_kept():
    assert make_solver("annealing", {"num_reads": 8, "beta_range": [0.1, 3]}).beta_range == (0.1, 3.0)
    # PyYAML reads 1e-3 as a string; a number written that way is still a number
    assert make_formulation("lagrangian", {"tol": "1e-3"}).tol == pytest.approx(1e-3)
    lag = make_formulation("lagrangian", {"multiplier": "subgradient", "multiplier_params": {"theta": 0.5}})
    assert lag._method_params() == {"theta": 0.5}


def test_every_component_has_a_schema():
    """New solvers from other slices get validation for free: every registry entry has a schema."""
    for name in all_solver_names():
        cls = component_class("solver", name)
        assert set(schema(cls).model_fields) == {p.name for p in parameters(cls)}
    for name in FORMULATIONS:
        assert parameters(component_class("formulation", name))
    for kind in PROBLEM_KINDS:
        assert parameters(component_class("generator", kind))
    assert "qaoa" in QUBO_SOLVERS


def test_generator_typos_name_the_parameter_and_allowed():
    with pytest.raises(QbenchError, match=r"generator 'mdkp' has no parameter 'nn'; allowed: n: int, m: int"):
        generate("mdkp", nn=5, m=1)
    with pytest.raises(QbenchError, match=r"generator 'mis' needs parameter 'p'"):
        generate("mis", n=5)
    assert generate("mdkp", n=5, m=1, seed=3).num_variables == 5


def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def _one_line(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_cli_negative_penalty_is_one_line(tmp_path):
    f = tmp_path / "toy.dat"
    f.write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")
    _one_line(_cli("solve", f, "--solver", "annealing", "--formulation", "unbalanced", "--penalty", "-5"),
              "penalty must be non-negative")
    _one_line(_cli("solve", f, "--solver", "annealing", "-P", "num_reads=2.5"), "'num_reads' expects int")


def test_config_typos_name_the_key(tmp_path):
    cfg = tmp_path / "a.yaml"
    cfg.write_text(textwrap.dedent("""\
        name: t
        instances:
          - generate: mdkp
            params: {n: 5, mm: 1}
        solver:
          - name: annealing
        """))
    from qbench.runner.config import load_config

    with pytest.raises(ConfigError, match=r"a.yaml: unknown key 'solver'; allowed: .*solvers.*did you mean 'solvers'"):
        load_config(cfg)
    cfg.write_text(cfg.read_text().replace("solver:", "solvers:"))
    with pytest.raises(ConfigError, match=r"a.yaml: instances.0.params: generator 'mdkp' has no parameter 'mm'; "
                                          r"allowed: n: int, m: int"):
        load_config(cfg)


def test_negative_seeds_are_refused(tmp_path):
    f = tmp_path / "toy.dat"
    f.write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")
    _one_line(_cli("solve", f, "--solver", "annealing", "--seed", "-1"), "--seed must be a non-negative integer")
    cfg = tmp_path / "s.yaml"
    cfg.write_text("name: t\ninstances:\n  - generate: mdkp\n    params: {n: 5, m: 1}\nsolvers:\n  - name: annealing\n"
                   "seeds: [1, -2]\n")
    from qbench.runner.config import load_config

    with pytest.raises(ConfigError, match=r"s.yaml: seeds.1: Input should be greater than or equal to 0"):
        load_config(cfg)
