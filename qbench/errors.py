"""Errors that the CLI turns into one-line messages with exit code 2.

Anything a user can get wrong (a file, a config, a size) raises a subclass of :class:`QbenchError`;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class QbenchError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""


class InstanceFormatError(QbenchError):
    """A malformed instance or solution file."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        where = self.path or "<data>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class ConfigError(QbenchError):
    """An experiment config that does not validate."""


class TooLargeError(QbenchError):
    """An instance or QUBO too large for the chosen backend."""


class InfeasibleInstanceError(QbenchError):
    """An instance that has no feasible solution."""
