"""The run store: one SQLite file per experiment, one row per finished run.

Rows are keyed by ``run_id`` (a hash of the run's resolved config), so a rerun of the same config skips
what is done. Each row is written in a single transaction with ``synchronous=FULL`` in WAL mode: a
process killed at any moment leaves either the whole row or none of it, and never a corrupt file.

Schema (version :data:`SCHEMA_VERSION`, stored as ``schema_version`` in the ``meta`` table; documented
in ``docs/store.md``): ``runs.status`` is one of :data:`STATUSES` - ``ok`` (finished, result stored),
``error`` (the run raised; message in ``error``; retried only by ``qbench run --retry-errors``) or
``skipped`` (set aside before running, e.g. too large for its solver; reason in ``error``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

STORE_NAME = "runs.sqlite"
SCHEMA_VERSION = 2
STATUSES = ("ok", "error", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id       TEXT PRIMARY KEY,
    experiment   TEXT NOT NULL,
    instance     TEXT NOT NULL,
    problem      TEXT NOT NULL,
    formulation  TEXT NOT NULL,
    solver       TEXT NOT NULL,
    seed         INTEGER,
    status       TEXT NOT NULL,          -- ok | error | skipped
    qubits       INTEGER,
    seconds      REAL,
    config       TEXT NOT NULL,          -- the resolved run config (JSON)
    result       TEXT NOT NULL,          -- metrics, solution, solver info (JSON)
    trace        TEXT NOT NULL,          -- per-iteration trace (JSON list), e.g. Lagrangian outer loop
    error        TEXT,
    finished_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    run_id       TEXT NOT NULL,          -- the run that submitted it
    seq          INTEGER NOT NULL,       -- its submission number within the run (0, 1, ...)
    job_id       TEXT NOT NULL,
    backend      TEXT NOT NULL,          -- the backend spec, e.g. ibm:ibm_torino
    device       TEXT,
    mode         TEXT,                   -- batch | session | job
    options      TEXT NOT NULL,          -- the primitive options (JSON; never a token)
    circuits     TEXT,                   -- fingerprint of the submitted circuits
    status       TEXT NOT NULL,          -- pending | done | failed
    error        TEXT,
    submitted_at REAL NOT NULL,
    updated_at   REAL NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"""


def _json_default(obj: Any):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=_json_default, sort_keys=True, allow_nan=True)


class RunStore:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.path = self.directory / STORE_NAME
        self._ready = False   # WAL mode and schema checked on this file by this object

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ready = False
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA synchronous=FULL")
        if not self._ready:
            self._prepare(conn)
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode (a property of the file) and the schema, set only where missing: switching the
        journal mode or creating tables takes a write lock, which a reader must not need."""
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"runs", "meta", "jobs"} <= tables:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.commit()
        self._ready = True

    def exists(self) -> bool:
        return self.path.exists()

    def finished_ids(self) -> set[str]:
        if not self.exists():
            return set()
        with closing(self._connect()) as conn:
            return {r[0] for r in conn.execute("SELECT run_id FROM runs WHERE status = 'ok'")}

    def done_ids(self, retry_errors: bool = False) -> set[str]:
        """Runs a rerun leaves alone: every stored run, or with ``retry_errors`` all but the errors."""
        if not self.exists():
            return set()
        wanted = ("ok", "skipped") if retry_errors else STATUSES
        with closing(self._connect()) as conn:
            marks = ",".join("?" * len(wanted))
            return {r[0] for r in conn.execute(f"SELECT run_id FROM runs WHERE status IN ({marks})", wanted)}

    def status_counts(self) -> dict[str, int]:
        if not self.exists():
            return {}
        with closing(self._connect()) as conn:
            return dict(conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())

    def write(self, record: dict[str, Any]) -> None:
        """Insert (or replace a failed attempt of) one run, atomically."""
        row = (
            record["run_id"], record["experiment"], record["instance"], record["problem"],
            record["formulation"], record["solver"], record.get("seed"), record["status"],
            record.get("qubits"), record.get("seconds"), dumps(record.get("config", {})),
            dumps(record.get("result", {})), dumps(record.get("trace", [])), record.get("error"),
            time.time(),
        )
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)

    def set_meta(self, key: str, value: Any) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, dumps(value)))

    def meta(self) -> dict[str, Any]:
        if not self.exists():
            return {}
        with closing(self._connect()) as conn:
            return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}

    def records(self) -> list[dict[str, Any]]:
        if not self.exists():
            return []
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM runs ORDER BY problem, instance, formulation, solver, seed").fetchall()
        out = []
        for r in rows:
            rec = dict(r)
            for key in ("config", "result", "trace"):
                rec[key] = json.loads(rec[key])
            out.append(rec)
        return out

    def count(self) -> int:
        if not self.exists():
            return 0
        with closing(self._connect()) as conn:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    # ---- device jobs (written by the backend before it waits, so a killed run can retrieve them) ----
    def record_job(self, run_id: str, seq: int, job_id: str, backend: str, device: str | None, mode: str | None,
                   options: dict[str, Any], circuits: str | None = None) -> None:
        now = time.time()
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         (run_id, int(seq), job_id, backend, device, mode, dumps(options), circuits, "pending",
                          None, now, now))

    def set_job_status(self, run_id: str, seq: int, status: str, error: str | None = None) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("UPDATE jobs SET status = ?, error = ?, updated_at = ? WHERE run_id = ? AND seq = ?",
                         (status, error, time.time(), run_id, int(seq)))

    def job(self, run_id: str, seq: int) -> dict[str, Any] | None:
        if not self.exists():
            return None
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM jobs WHERE run_id = ? AND seq = ?", (run_id, int(seq))).fetchone()
        return _job_row(row) if row is not None else None

    def jobs(self) -> list[dict[str, Any]]:
        if not self.exists():
            return []
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM jobs ORDER BY submitted_at, run_id, seq").fetchall()
        return [_job_row(r) for r in rows]


def _job_row(row) -> dict[str, Any]:
    out = dict(row)
    out["options"] = json.loads(out["options"])
    return out


def stored_records(results_dir: str | Path) -> tuple[RunStore, list[dict[str, Any]]]:
    """The store of an experiment folder and its records; a one-line error when there are none."""
    from qbench.errors import QbenchError

    store = RunStore(results_dir)
    if not store.exists():
        raise QbenchError(f"{results_dir}: no {STORE_NAME} here (run `qbench run CONFIG` first)")
    records = store.records()
    if not records:
        raise QbenchError(f"{store.path}: the store holds no runs yet")
    return store, records
