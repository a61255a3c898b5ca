import multiprocessing as mp
import os
import signal
import sqlite3
import time

from qbench.runner.store import RunStore


def record(i, status="ok"):
    return {"run_id": f"r{i}", "experiment": "e", "instance": f"i{i}", "problem": "mdkp", "formulation": "slack",
            "solver": "qaoa", "seed": i, "status": status, "qubits": 5, "seconds": 0.1,
            "config": {"seed": i}, "result": {"metrics": {"gap_pct": 0.0}}, "trace": [{"iteration": 0}]}


def test_write_read_roundtrip_and_finished_ids(tmp_path):
    store = RunStore(tmp_path / "exp")
    assert store.finished_ids() == set() and store.records() == []
    store.write(record(1))
    store.write(record(2, status="error"))
    assert store.finished_ids() == {"r1"}
    recs = {r["run_id"]: r for r in store.records()}
    assert recs["r1"]["result"]["metrics"]["gap_pct"] == 0.0
    assert recs["r1"]["trace"] == [{"iteration": 0}]
    store.write(record(2))  # a retried run replaces its failed attempt
    assert store.count() == 2 and store.finished_ids() == {"r1", "r2"}


def _writer(directory):
    store = RunStore(directory)
    i = 0
    while True:
        store.write(record(i))
        i += 1


def test_killed_writer_leaves_only_whole_rows(tmp_path):
    """SIGKILL a process in the middle of a stream of writes: the file opens, every row is complete."""
    directory = tmp_path / "exp"
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_writer, args=(directory,))
    proc.start()
    deadline = time.time() + 30
    while time.time() < deadline and RunStore(directory).count() < 20:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    conn = sqlite3.connect(directory / "runs.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    recs = RunStore(directory).records()
    assert len(recs) >= 20
    assert all(r["result"]["metrics"]["gap_pct"] == 0.0 and r["trace"] for r in recs)


def test_reading_an_existing_store_needs_no_write_lock(tmp_path):
    """A reader (report, verify, a crash-test poller) must not wait for the writer's transaction."""
    import sqlite3
    import time

    RunStore(tmp_path).set_meta("k", 1)
    writer = sqlite3.connect(tmp_path / "runs.sqlite", timeout=0.1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT OR REPLACE INTO meta VALUES ('k', '2')")
    try:
        t = time.perf_counter()
        reader = RunStore(tmp_path)
        assert reader.count() == 0 and reader.meta() == {"k": 1, "schema_version": 2}
        assert time.perf_counter() - t < 5
    finally:
        writer.rollback()
        writer.close()
