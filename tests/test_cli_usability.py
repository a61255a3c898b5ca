"""Issue 13 defect 8: readable `instances list`, `--version`, honest markers, TSP sub-instances from
`qbench solve`, and `qbench params`."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from qbench.instances_table import COLUMNS, print_instances

REPO = Path(__file__).resolve().parents[1]


def qbench(*args):
    return subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


ROWS = [{"set": "mis", "name": "insecta-ant-colony3-day09", "problem": "mis", "variables": 160,
         "qubits_slack": 160, "qubits_slack_free": 160, "optimum": 9.0, "optimum_status": "proven",
         "size": "vertices=160, edges=8883, density=0.6981"},
        {"set": "mdkp", "name": "pet1", "problem": "mdkp", "variables": 6, "qubits_slack": 30,
         "qubits_slack_free": 6, "optimum": 3800.0, "optimum_status": "proven", "size": "items=6, constraints=10"}]


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_table_fits_80_columns_without_mangling_cells():
    out = _Tty()
    print_instances(ROWS, Path("/data"), stream=out, width=80)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "…" not in text
    for needle in ("pet1", "3800", "proven", "q:slack"):
        assert needle in text
    assert "insecta-ant-colony3" in text


def test_piped_output_is_tab_separated_and_complete():
    out = io.StringIO()
    print_instances(ROWS, Path("/data"), stream=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t") == [k for k, _ in COLUMNS]
    assert lines[1].split("\t") == ["mis", "insecta-ant-colony3-day09", "mis", "160", "160", "160", "9",
                                    "proven", "vertices=160, edges=8883, density=0.6981"]


def test_version():
    proc = qbench("--version")
    assert proc.returncode == 0 and re.fullmatch(r"qbench \d+\.\d+\.\d+\S*\n", proc.stdout), proc.stdout


def test_every_marker_names_a_make_target_that_exists():
    makefile = (REPO / "Makefile").read_text()
    for target in re.findall(r"make ([\w-]+)", (REPO / "pyproject.toml").read_text()):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target


def test_solve_tsp_sub_instance(data_dir):
    proc = qbench("solve", data_dir / "tsp" / "gr17.tsp", "--cities", "5", "--solver", "exact", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # first 5 cities of gr17; Held-Karp optimum equals the exact solver's tour length
    assert out["instance"] == "gr17-first5" and out["optimum"] == out["best_objective"] == 1348
    assert sorted(out["solution"]) == [0, 1, 2, 3, 4] and len(out["x"]) == 16
    import itertools

    from qbench.problems import load_instance

    W = load_instance(data_dir / "tsp" / "gr17.tsp").weights[:5, :5]
    brute = min(sum(W[t[i], t[(i + 1) % 5]] for i in range(5)) for t in ((0, *p) for p in itertools.permutations(range(1, 5))))
    assert brute == out["optimum"]
    bad = qbench("solve", data_dir / "mis" / "1tc.8.txt", "--cities", "5", "--solver", "greedy")
    assert bad.returncode == 2 and "--cities selects a TSP sub-instance" in bad.stderr


def test_params_lists_what_is_allowed():
    proc = qbench("params", "solver", "annealing")
    assert proc.returncode == 0
    assert "  num_reads: int = 64" in proc.stdout.splitlines()
