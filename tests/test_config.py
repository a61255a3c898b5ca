import textwrap

import pytest

from qbench.errors import ConfigError
from qbench.runner.config import load_config

GOOD = """
name: demo
instances:
  - generate: mdkp
    params: {n: 5, m: 1, seed: 0}
formulations:
  - name: slack
solvers:
  - name: greedy
seeds: [0, 1]
"""


def write(tmp_path, text):
    p = tmp_path / "exp.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_valid_config_loads(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.name == "demo" and cfg.seeds == [0, 1]
    assert cfg.solvers[0].display == "greedy"


@pytest.mark.parametrize("mutation, expected", [
    (("seeds: [0, 1]", "seedz: [0, 1]"), "unknown key 'seedz'; allowed: name"),
    (("  - name: greedy", "  - name: greedy\n    parms: {}"), "unknown key 'solvers.0.parms'; allowed: name, label, params"),
    (("  - name: greedy", "  - name: qaoa\n    params: {repz: 2}"), "solvers.0.params: solver 'qaoa' has no parameter 'repz'"),
    (("  - name: greedy", "  - name: quantum-magic"), "solvers.0.name: unknown solver 'quantum-magic'"),
    (("  - name: slack", "  - name: slak"), "formulations.0.name: unknown formulation 'slak'; allowed: slack"),
    (("seeds: [0, 1]", "seeds: [zero]"), "seeds.0: Input should be a valid integer"),
    (("  - generate: mdkp", "  - generate: knapsack"), "unknown generator 'knapsack'"),
    (("name: demo", "name: 'bad name/with slash'"), "name: String should match pattern"),
])
def test_bad_configs_name_file_key_and_allowed(tmp_path, mutation, expected):
    path = write(tmp_path, GOOD.replace(*mutation))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg
    assert expected in msg
    assert "\n" not in msg


def test_invalid_yaml_reports_line(tmp_path):
    path = write(tmp_path, "name: x\ninstances: [\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:\d+: not valid YAML"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_duplicate_solver_needs_label(tmp_path):
    text = GOOD.replace("  - name: greedy", "  - name: greedy\n  - name: greedy")
    with pytest.raises(ConfigError, match="appears twice"):
        load_config(write(tmp_path, text))
