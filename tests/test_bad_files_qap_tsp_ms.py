"""Malformed QAP, TSPLIB and market split files: every one raises InstanceFormatError naming the file
and, where the fault sits on a line, that line."""

from __future__ import annotations

import pytest

from qbench.errors import InstanceFormatError
from qbench.problems import marketsplit, qap, tsp, tsplib

QAP_OK = "3\n\n0 1 2\n1 0 3\n2 3 0\n\n0 5 1\n5 0 2\n1 2 0\n"
TSP_COORDS = "NAME : t\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\nEOF\n"
TSP_MATRIX = ("NAME : m\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX\n"
              "EDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 3 0\nEOF\n")
MS_OK = "# comment\n2 3\n1 2 3 3\n4 5 6 7\n"


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def expect_error(reader, path, line=None, match=None, culprit=None):
    """reader(path) must fail naming ``culprit`` (default: path itself) and the line."""
    culprit = path if culprit is None else culprit
    with pytest.raises(InstanceFormatError) as info:
        reader(path)
    err = info.value
    assert err.path == str(culprit) and str(culprit) in str(err)
    if line is not None:
        assert err.line == line, str(err)
        assert f"{culprit}:{line}" in str(err)
    if match is not None:
        assert match in err.message, err.message
    return err


def test_valid_baselines_read(tmp_path):
    assert qap.read(write(tmp_path, "ok.dat", QAP_OK))[0].n == 3
    assert tsp.read(write(tmp_path, "ok.tsp", TSP_COORDS))[0].weights[0, 1] == 5
    assert tsp.read(write(tmp_path, "ok2.tsp", TSP_MATRIX))[0].weights[1, 2] == 3
    assert marketsplit.read(write(tmp_path, "ms_ok.dat", MS_OK))[0].A.shape == (2, 3)


@pytest.mark.parametrize("reader,suffix", [(qap.read, ".dat"), (tsp.read, ".tsp"), (marketsplit.read, ".dat"),
                                           (tsplib.read_tour, ".tour")])
def test_unreadable_files(tmp_path, reader, suffix):
    expect_error(reader, write(tmp_path, "empty" + suffix, ""), match="empty")
    expect_error(reader, write(tmp_path, "blank" + suffix, "  \n\n "), match="empty")
    expect_error(reader, write(tmp_path, "binary" + suffix, b"3\n\x00\x01\x02"), match="binary")
    expect_error(reader, write(tmp_path, "latin1" + suffix, b"3\n1 2\ncaf\xe9\n"), line=3, match="UTF-8")
    expect_error(reader, tmp_path / ("missing" + suffix), match="not found")


# ---- QAP ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,line,match", [
    ("3\n0 1 2\n1 0 3\n2 3 0\n0 5 1\n5 0\n", 6, "truncated"),                     # truncated
    ("3\n0 1 2\n1 0 3\n2 3 0\n0 5 1\n5 0 2\n1 2 0\n7\n", 8, "extra data"),       # wrong count
    ("3\n0 1 2\n1 0 x\n2 3 0\n0 5 1\n5 0 2\n1 2 0\n", 3, "expected a number"),    # non-numeric
    ("3\n0 1 2\n1 0 3\n2 nan 0\n0 5 1\n5 0 2\n1 2 0\n", 4, "non-finite"),
    ("3\n0 1 2\n1 0 3\n2 3 0\n0 5 1\n5 0 inf\n1 2 0\n", 6, "non-finite"),
    ("3\n0 1 2\n1 0 3\n2 3 0\n0 5 1\n5 0 2\n1 2 1e300\n", 7, "too large"),        # huge
    ("3 10 4\n0 1 2\n1 0 3\n2 3 0\n0 5 1\n5 0 2\n1 2 0\n", 1, "header"),          # bad header
    ("0\n", 1, "between 1"),
    ("-2\n1 2\n", 1, "between 1"),
    ("2.5\n1 2\n", 1, "integer"),
    ("abc\n1 2\n", 1, "expected"),
])
def test_bad_qap_files(tmp_path, content, line, match):
    expect_error(qap.read, write(tmp_path, "bad.dat", content), line=line, match=match)


@pytest.mark.parametrize("content,line,match", [
    ("3 10\n1 2 4\n", 2, "out of range"),
    ("3 10\n0 1 2\n", 2, "out of range"),
    ("3 10\n1 2 2\n", None, "not a permutation"),
    ("3 10\n1 2\n", 2, "unexpected end"),
    ("3 ten\n1 2 3\n", 1, "expected a number"),
    ("3 12\n1 2 3\n", 1, "stated cost"),            # neither p nor p^-1 costs 12
])
def test_bad_qap_solution_files(tmp_path, content, line, match):
    write(tmp_path, "inst.dat", QAP_OK)
    sln = write(tmp_path, "inst.sln", content)
    expect_error(qap.read, tmp_path / "inst.dat", line=line, match=match, culprit=sln)


def test_qap_solution_for_other_size(tmp_path):
    write(tmp_path, "inst.dat", QAP_OK)
    sln = write(tmp_path, "inst.sln", "2 5\n1 2\n")
    expect_error(qap.read, tmp_path / "inst.dat", line=1, match="n = 2", culprit=sln)


# ---- TSPLIB ---------------------------------------------------------------------------------------

def header(n=3, ewt="EUC_2D", typ="TSP", extra=""):
    return f"NAME : t\nTYPE : {typ}\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : {ewt}\n{extra}"


@pytest.mark.parametrize("content,line,match", [
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\nEOF\n", 7, "node lines"),                     # truncated
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6\nEOF\n", 8, "coordinates"),               # wrong count
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8 9\nEOF\n", 8, "coordinates"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n4 6 8\nEOF\n", 8, "out of range"),            # id range
    (header() + "NODE_COORD_SECTION\n0 0 0\n2 3 4\n3 6 8\nEOF\n", 6, "out of range"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n1 3 4\n3 6 8\nEOF\n", 7, "twice"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 x4\n3 6 8\nEOF\n", 7, "expected a number"),      # non-numeric
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\nthree 6 8\nEOF\n", 8, "expected a number"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 NaN 4\n3 6 8\nEOF\n", 7, "non-finite"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 -inf\n3 6 8\nEOF\n", 7, "non-finite"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 1e400\nEOF\n", 8, "non-finite"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 1e16\nEOF\n", 8, "too large"),           # huge
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 9e15\nEOF\n", None, "tour lengths"),
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 3\nEOF\n"),
     9, "truncated"),
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3\n4\nEOF\n"),
     8, "extra data"),
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n9 3 0\nEOF\n"),
     9, "symmetric"),                                                                          # asymmetric TSP
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 3 1e99\nEOF\n"),
     9, "too large"),
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : FUNCTION\nEDGE_WEIGHT_SECTION\n1\nEOF\n"), 5, "not supported"),
    (header(ewt="EXPLICIT"), 4, "EDGE_WEIGHT_FORMAT"),
    (header(ewt="EXPLICIT", extra="EDGE_WEIGHT_FORMAT : UPPER_ROW\n"), 4, "EDGE_WEIGHT_SECTION"),
    (header(ewt="XRAY1") + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\nEOF\n", 4, "not supported"),
    (header() + "EOF\n", 4, "NODE_COORD_SECTION"),
    (header(typ="HCP") + "EOF\n", 2, "not a travelling salesman"),
    ("NAME : t\nTYPE : TSP\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\nEOF\n", None, "DIMENSION"),
    (header(n="three"), 3, "expected an integer"),
    (header(n=10**7), 3, "DIMENSION must be"),
    (header(n=1), 3, "DIMENSION must be"),
    ("NAME : t\nTYPE : TSP\nFOO : bar\n", 3, "TSPLIB keyword"),
    ("NAME : t\nDIMENSION 3\n", 2, "TSPLIB keyword"),
    ("NAME : t\nTYPE : TSP\n1 2 3\n", 3, "outside any section"),
    (header() + "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\nNODE_COORD_SECTION\nEOF\n", 9, "twice"),
    ("NAME : t\nNAME : u\n", 2, "twice"),
])
def test_bad_tsplib_files(tmp_path, content, line, match):
    expect_error(tsp.read, write(tmp_path, "bad.tsp", content), line=line, match=match)


@pytest.mark.parametrize("content,line,match", [
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 5 3\n-1\nEOF\n", 4, "out of range"),
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 2 3\n-1\nEOF\n", 4, "twice"),
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 3\n4\n", 5, "-1"),
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 3\n-1\nEOF\n", 4, "3 nodes"),
    ("TYPE : TOUR\nDIMENSION : 5\nTOUR_SECTION\n1 2 3 4\n-1\nEOF\n", 2, "does not match"),
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 x 4\n-1\nEOF\n", 4, "expected an integer"),
    ("TYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1 2 3.5 4\n-1\nEOF\n", 4, "expected an integer"),
    ("TYPE : TOUR\nDIMENSION : 4\nEOF\n", 1, "TOUR_SECTION"),
    ("TYPE : TSP\nDIMENSION : 4\nTOUR_SECTION\n1 2 3 4\n-1\n", 1, "not a TOUR"),
])
def test_bad_tour_files(tmp_path, content, line, match):
    path = write(tmp_path, "x.opt.tour", content)
    expect_error(lambda p: tsplib.read_tour(p, 4), path, line=line, match=match)


def test_tour_beside_instance_is_checked(tmp_path):
    write(tmp_path, "gr17.tsp", TSP_MATRIX)       # a name with a published optimum (2085)
    tour = write(tmp_path, "gr17.opt.tour", "TYPE : TOUR\nTOUR_SECTION\n1 2 3\n-1\n")
    expect_error(tsp.read, tmp_path / "gr17.tsp", match="published optimum", culprit=tour)


# ---- market split ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content,line,match", [
    ("# c\n2 3\n1 2 3 3\n", 3, "truncated"),                     # truncated
    ("# c\n2 3\n1 2 3 3\n4 5 6\n", 4, "row 2 has 3 numbers"),    # wrong count
    ("# c\n2 3\n1 2 3 3\n4 5 6 7 8\n", 4, "row 2 has 5 numbers"),
    ("# c\n2 3\n1 2 3 3\n4 5 6 7\n1 1 1 1\n", 5, "extra data"),
    ("# c\n2 3\n1 2 x 3\n4 5 6 7\n", 3, "expected an integer"),  # non-numeric
    ("# c\n2 3\n1 2 1.5 3\n4 5 6 7\n", 3, "expected an integer"),
    ("# c\n2 3\n1 2 3 3\n4 nan 6 7\n", 4, "expected an integer"),
    ("# c\n2 3\n1 2 3 3\n4 5 6 inf\n", 4, "expected an integer"),
    ("# c\n2 3\n1 2 3 3\n4 5 6 99999999999999999999\n", 4, "too large"),   # huge
    ("# c\n2 3 4\n1 2 3 3\n", 2, "header"),
    ("# c\n0 3\n", 2, "rows"),
    ("# c\n2 -3\n1 2 3 3\n", 2, "variables"),
    ("# only comments\n# here\n", None, "no data"),
])
def test_bad_market_split_files(tmp_path, content, line, match):
    expect_error(marketsplit.read, write(tmp_path, "ms_bad.dat", content), line=line, match=match)


def test_market_split_row_sums_too_large(tmp_path):
    big = 2**52
    expect_error(marketsplit.read, write(tmp_path, "ms_big.dat", f"1 3\n{big} {big} 1 5\n"), match="too large")


@pytest.mark.parametrize("content,line,match", [
    ("1 0 2\n", 1, "not 0 or 1"),
    ("1 0\n", 1, "expected 3 values"),
    ("1 0 1 1\n", 1, "expected 3 values"),
    ("1 x 0\n", 1, "expected an integer"),
    ("# h\nx#1 1\nx#4 0\n", 3, "out of range"),
    ("# h\nx#1 1\nx#1 0\n", 3, "twice"),
    ("# h\nx#1 1\nx#2 7\n", 3, "not 0 or 1"),
    ("# h\nx#1 1\nbogus\n", 3, "x#j"),
    ("0 0 0\n", None, "does not solve"),       # a well-formed certificate that is wrong
])
def test_bad_market_split_solutions(tmp_path, content, line, match):
    write(tmp_path, "ms_s.dat", "1 3\n1 2 3 3\n")
    sol = write(tmp_path, "ms_s.opt.sol", content)
    expect_error(marketsplit.read, tmp_path / "ms_s.dat", line=line, match=match, culprit=sol)


def test_sniffers_do_not_claim_bad_or_foreign_files(tmp_path):
    assert qap.sniff(None, QAP_OK) and not marketsplit.sniff(None, QAP_OK)
    assert marketsplit.sniff(None, MS_OK) and not qap.sniff(None, MS_OK)
    assert not qap.sniff(None, "3\n0 1 2\n")                    # truncated QAP: not claimed
    assert not marketsplit.sniff(None, "2 3\n1 2 3 3\n")        # truncated market split
    assert tsp.sniff(None, TSP_COORDS) and not tsp.sniff(None, "TYPE : TOUR\n")
    assert not tsp.sniff(None, "")
