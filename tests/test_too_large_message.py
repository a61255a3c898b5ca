"""Issue 13 defect 5: the too-large error names the file and prints sizes people can read."""

import subprocess
import sys
from pathlib import Path

import pytest

from qbench.backends.statevector.memory import check_fits, fmt_bytes
from qbench.errors import TooLargeError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value,text", [
    (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB"), (2**50, "1.0 PiB"),
    (2**63, "8.0 EiB"), (2**103, "about 2^103 B"), (3 * 2**101, "about 2^103 B"),
])
def test_fmt_bytes(value, text):
    assert fmt_bytes(value) == text


def test_hopeless_size_is_a_power_of_two():
    assert fmt_bytes(16 * 2 ** 99) == "about 2^103 B"
    with pytest.raises(TooLargeError) as info:
        check_fits(99, available=16 * 2**30)
    message = str(info.value)  # past the engine's qubit limit the message names the limit, not a byte count
    assert "99 qubits" in message and "limit is 34 qubits" in message and "TiB" not in message


def test_solve_too_large_names_the_file(tmp_path):
    f = tmp_path / "big.dat"
    # 40 items, 1 constraint: 40 + slack bits qubits, far beyond any statevector
    f.write_text("40 1 0\n" + " ".join(["5"] * 40) + "\n" + " ".join(["3"] * 40) + "\n60\n")
    proc = subprocess.run([sys.executable, "-m", "qbench", "solve", str(f), "--solver", "qaoa",
                           "--formulation", "unbalanced", "--problem", "mdkp"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith(f"error: {f}: "), line
    assert "needs 40 qubits" in line and "limit 34 qubits" in line and "aer-mps" in line, line
    assert len(line.splitlines()) == 1
