"""Malformed MDKP and MIS files: every one raises InstanceFormatError naming the file and the line."""

from __future__ import annotations

import pytest

from qbench.errors import InstanceFormatError
from qbench.problems import mdkp, mis
from qbench.problems.graphs import read_vertex_set

SAC_OK = "2 1 0\n5 7\n1 2\n10\n"

# (file name, content, expected line, message fragment)
MDKP_CASES = [
    ("truncated.dat", "2 1 0\n5 7\n1\n", 3, "end of file while reading weights"),
    ("truncated_caps.dat", "2 2 0\n5 7\n1 2\n3 4\n10\n", 5, "end of file while reading capacit"),
    ("extra.dat", SAC_OK + "99\n", 5, "extra data '99'"),
    ("word.dat", "2 1 0\n5 seven\n1 2\n10\n", 2, "expected a number, found 'seven'"),
    ("nan.dat", "2 1 0\n5 nan\n1 2\n10\n", 2, "non-finite"),
    ("inf.dat", "2 1 0\n5 7\n1 inf\n10\n", 3, "non-finite"),
    ("huge.dat", "2 1 0\n5 7\n1 2\n1e300\n", 4, "too large"),
    ("negcap.dat", "2 1 0\n5 7\n1 2\n-10\n", 4, "negative capacity -10 (constraint 1)"),
    ("negweight.dat", "2 1 0\n5 7\n1 -2\n10\n", 3, "negative weight -2 (constraint 1, item 2)"),
    ("negprofit.dat", "2 1 0\n-5 7\n1 2\n10\n", 2, "negative profit -5 (item 1)"),
    ("negopt.dat", "2 1 -3\n5 7\n1 2\n10\n", 1, "negative optimum"),
    ("zero_items.dat", "0 1 0\n10\n", 1, "number of items n must be positive"),
    ("float_count.dat", "2.5 1 0\n5 7\n1 2\n10\n", 1, "integer"),
    ("count_words.dat", "n m opt\n5 7\n", 1, "expected a number"),
    ("multi_short.txt", " 3\n 2 1 0\n 5 7\n 1 2\n 10\n 1 1 0\n 4\n 2\n 3\n", 9, "end of file"),
    ("multi_zero.txt", " 0\n", 1, "number of problems must be positive"),
    ("multi_negative.txt", " 2\n 1 1 0\n 4\n 2\n 3\n 1 1 0\n 4\n 2\n -3\n", 9, "negative capacity"),
]

MKNAP2_HEAD = "Free text describing the problems.\n\n"
MKNAP2_CASES = [
    ("empty_section.txt", MKNAP2_HEAD + "problem A.DAT\n+++++\nproblem B.DAT\n+++\n1 1\n5\n3\n2\n5\n", 3, "no numbers"),
    ("truncated_section.txt", MKNAP2_HEAD + "problem A.DAT\n+++++\n1 2\n5 6\n3\n2\n", 8, "end of file"),
    ("negative_section.txt", MKNAP2_HEAD + "problem A.DAT\n+++++\n1 2\n5 6\n-3\n2 2\n6\n", 7, "negative capacity"),
    ("word_section.txt", MKNAP2_HEAD + "problem A.DAT\n+++++\n1 2\n5 six\n3\n2 2\n6\n", 6, "expected a number"),
    ("extra_section.txt", MKNAP2_HEAD + "problem A.DAT\n+++++\n1 2\n5 6\n3\n2 2\n6\n7\n", 10, "extra data"),
]


def check(exc_info, path, line, fragment):
    err = exc_info.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert str(err).startswith(f"{path}:{line}: ")
    assert fragment in str(err)


@pytest.mark.parametrize("name,content,line,fragment", MDKP_CASES + MKNAP2_CASES)
def test_bad_mdkp_files(tmp_path, name, content, line, fragment):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InstanceFormatError) as exc_info:
        mdkp.read(path)
    check(exc_info, path, line, fragment)


def test_bad_mkcbres_table_is_reported(tmp_path):
    (tmp_path / "mknapcb1.txt").write_text(" 1\n 2 1 0\n 5 7\n 1 2\n 10\n")
    (tmp_path / "mkcbres.txt").write_text("Problem Name  Best\n\n1.2-00   abc\n")
    with pytest.raises(InstanceFormatError) as exc_info:
        mdkp.read(tmp_path / "mknapcb1.txt")
    check(exc_info, tmp_path / "mkcbres.txt", 3, "expected a number")


# ---- MIS graphs -----------------------------------------------------------------------------------
MIS_CASES = [
    ("range.gph", "p edge 3 1\ne 1 4\n", 2, "vertex 4 out of range 1..3"),
    ("zero_id.gph", "c zero-based by mistake\np edge 3 1\ne 0 1\n", 3, "vertex 0 out of range"),
    ("loop.gph", "p edge 3 1\ne 2 2\n", 2, "self loop on vertex 2"),
    ("dup.gph", "p edge 3 2\ne 1 2\ne 1 2\n", 3, "duplicate edge 1-2 (already on line 2)"),
    ("dup_rev.gph", "p edge 3 3\ne 1 2\ne 2 3\ne 2 1\n", 4, "duplicate edge 1-2 (already on line 2)"),
    ("too_few.gph", "c header\np edge 4 3\ne 1 2\ne 2 3\n", 2, "declares 3 edges but the file has 2"),
    ("too_many.gph", "p edge 4 1\ne 1 2\ne 2 3\n", 1, "declares 1 edges but the file has 2"),
    ("no_p.gph", "c only comments\nc here\n", 2, "without a 'p edge N M' line"),
    ("e_first.gph", "e 1 2\np edge 2 1\n", 1, "edge line before"),
    ("two_p.gph", "p edge 3 0\np edge 3 0\n", 2, "second 'p' line"),
    ("word_id.gph", "p edge 3 1\ne 1 x\n", 2, "expected an integer, found 'x'"),
    ("float_id.gph", "p edge 3 1\ne 1 2.0\n", 2, "expected an integer"),
    ("huge_n.gph", "p edge 1e30 1\ne 1 2\n", 1, "expected an integer"),
    ("big_n.gph", "p edge 99999999999999999999 0\n", 1, "too large"),
    ("neg_n.gph", "p edge -3 0\n", 1, "at least one vertex"),
    ("short_p.gph", "p edge 3\n", 1, "expected 'p edge N M'"),
    ("p_kind.gph", "p graph 3 0\n", 1, "expected 'p edge N M'"),
    ("weights.gph", "p edge 2 1\nn 1 5\ne 1 2\n", 2, "vertex weight lines"),
    ("junk.gph", "p edge 2 1\nx 1 2\n", 2, "unexpected line"),
    ("four.gph", "p edge 3 1\ne 1 2 3\n", 2, "expected 'e u v'"),
]


@pytest.mark.parametrize("name,content,line,fragment", MIS_CASES)
def test_bad_mis_files(tmp_path, name, content, line, fragment):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InstanceFormatError) as exc_info:
        mis.read(path)
    check(exc_info, path, line, fragment)


SOLUTION_CASES = [
    ("range.opt.sol", "# Objective value = 1\n9\n", 2, "vertex 9 out of range 1..3"),
    ("zero.opt.sol", "0\n", 1, "vertex 0 out of range"),
    ("twice.opt.sol", "1\n3\n1\n", 3, "vertex 1 listed twice (first on line 1)"),
    ("mismatch.opt.sol", "# Objective value = 3\n1\n3\n", 1, "states objective 3 but 2 vertices"),
    ("word.opt.sol", "1\nthree\n", 2, "expected an integer"),
    ("frac.opt.sol", "# Objective value = 1.5\n1\n", 1, "not a whole number"),
]


@pytest.mark.parametrize("name,content,line,fragment", SOLUTION_CASES)
def test_bad_solution_files(tmp_path, name, content, line, fragment):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InstanceFormatError) as exc_info:
        read_vertex_set(path, 3)
    check(exc_info, path, line, fragment)


def test_bad_solution_file_beside_a_graph_fails_the_read(tmp_path):
    (tmp_path / "g.gph").write_text("p edge 3 1\ne 1 2\n")
    (tmp_path / "g.bst.sol").write_text("1\n7\n")
    with pytest.raises(InstanceFormatError) as exc_info:
        mis.read(tmp_path / "g.gph")
    check(exc_info, tmp_path / "g.bst.sol", 2, "out of range")


# ---- files that are not text at all ---------------------------------------------------------------
@pytest.mark.parametrize("module", [mdkp, mis], ids=["mdkp", "mis"])
@pytest.mark.parametrize("content,fragment,line", [
    (b"", "file is empty", 1),
    (b"  \n\t\n", "file is empty", 1),
    (b"p edge 2 1\x00\x01\x02", "binary file", 1),
    (b"2 1 0\n5 7\n1 2\n\xff\xfe10\n", "not valid UTF-8", 4),
])
def test_empty_binary_and_non_utf8_files(tmp_path, module, content, fragment, line):
    path = tmp_path / "bad.dat"
    path.write_bytes(content)
    with pytest.raises(InstanceFormatError) as exc_info:
        module.read(path)
    err = exc_info.value
    assert err.path == str(path) and fragment in str(err) and err.line == line


@pytest.mark.parametrize("module", [mdkp, mis], ids=["mdkp", "mis"])
def test_missing_file_and_directory(tmp_path, module):
    with pytest.raises(InstanceFormatError, match="not found"):
        module.read(tmp_path / "nope.dat")
    with pytest.raises(InstanceFormatError, match="directory"):
        module.read(tmp_path)


def test_sniffers_reject_malformed_files_instead_of_guessing():
    # a truncated SAC file no longer fits the counts, so auto-detection does not claim it
    assert not mdkp.sniff("x.dat", "2 1 0\n5 7\n1\n")
    assert mdkp.sniff("x.dat", SAC_OK)
    assert not mis.sniff("x.gph", "e 1 2\np edge 2 1\n")
    assert mis.sniff("x.gph", "c hello\n\np edge 2 1\ne 1 2\n")
