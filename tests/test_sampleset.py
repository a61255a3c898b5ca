import numpy as np

from qbench.sampleset import SampleSet


def test_from_samples_aggregates_and_sorts():
    X = np.array([[1, 0], [0, 1], [1, 0], [1, 1]])
    ss = SampleSet.from_samples(X, lambda U: U.sum(axis=1).astype(float), shots=4)
    assert len(ss) == 3
    assert ss.probabilities.sum() == 1.0
    assert ss.energies.tolist() == sorted(ss.energies.tolist())
    x, p = ss.most_likely()
    assert x.tolist() == [1, 0] and p == 0.5
    x, e = ss.lowest()
    assert e == 1.0


def test_project_merges_rows_and_keeps_probability():
    ss = SampleSet(np.array([[1, 0, 0], [1, 0, 1], [0, 1, 1]]), np.array([0.2, 0.3, 0.5]), np.array([3.0, 1.0, 2.0]))
    proj = ss.project(slice(0, 2))
    assert len(proj) == 2
    row = {tuple(r): (p, e) for r, p, e in zip(proj.samples.tolist(), proj.probabilities, proj.energies)}
    assert row[(1, 0)] == (0.5, 1.0)
    assert row[(0, 1)] == (0.5, 2.0)


def test_top_and_pandas():
    ss = SampleSet(np.eye(3, dtype=np.uint8), np.array([0.1, 0.6, 0.3]), np.array([0.0, 1.0, 2.0]))
    assert ss.top(2).samples.tolist() == [[0, 1, 0], [0, 0, 1]]
    df = ss.to_pandas()
    assert list(df.columns) == ["bitstring", "probability", "energy"]
    assert df.bitstring.tolist()[0] == "100"
