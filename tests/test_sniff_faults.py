"""Issue 13 defect 4: a truncated or miscounted file without --problem reports its real fault (the
reader's FILE:LINE message), not "cannot tell which problem this file holds"."""

import pytest

from qbench.errors import InstanceFormatError
from qbench.problems import load_instances


def _fault(path):
    with pytest.raises(InstanceFormatError) as info:
        load_instances(path)
    return str(info.value)


@pytest.mark.parametrize("source,keep,needles", [
    ("mdkp/pet1.dat", 200, ["pet1.dat:13: unexpected end of file", "read as mdkp"]),
    ("mdkp/mknapcb1.txt", 3000, ["unexpected end of file", "read as mdkp"]),
    ("qap/bur26a.dat", 300, ["matrix entries", "read as qap"]),
])
def test_truncated_public_files_name_the_fault(tmp_path, data_dir, source, keep, needles):
    path = tmp_path / source.split("/")[1]
    path.write_bytes((data_dir / source).read_bytes()[:keep])
    message = _fault(path)
    assert "cannot tell" not in message
    for needle in needles:
        assert needle in message, message


def test_miscounted_marketsplit_is_read_as_marketsplit(tmp_path):
    path = tmp_path / "ms.dat"
    path.write_text("3 4\n1 2 3 4 5\n1 2 3 4 5\n")
    message = _fault(path)
    assert message.startswith(f"{path}:3:") and "expected 3 rows, found 2" in message and "read as marketsplit" in message


def test_miscounted_graph_names_the_line(tmp_path):
    path = tmp_path / "g.gph"
    path.write_text("p edge 4 3\ne 1 2\ne 2 3\n")
    assert "declares 3 edges" in _fault(path)


def test_unknown_ending_still_asks_for_problem(tmp_path):
    path = tmp_path / "thing.xyz"
    path.write_text("1 2 3\n")
    assert "pass --problem" in _fault(path)
