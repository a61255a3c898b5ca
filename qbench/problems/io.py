"""Careful text reading shared by every instance reader.

Readers never see raw bytes: :func:`read_text` rejects missing, empty, binary and non-UTF-8 files, and
:class:`Tokens` hands out numbers with the line they came from, so every malformed file produces an
:class:`~qbench.errors.InstanceFormatError` naming the file and the line.
"""

from __future__ import annotations

import math
from pathlib import Path

from qbench.errors import InstanceFormatError

# Integers beyond this lose precision in float64 arithmetic, which every solver uses.
MAX_ABS_VALUE = 2.0**53


def read_text(path: str | Path) -> str:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InstanceFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise InstanceFormatError(path, "is a directory, not an instance file") from None
    except OSError as exc:
        raise InstanceFormatError(path, f"cannot read file ({exc.strerror})") from None
    if not raw.strip():
        raise InstanceFormatError(path, "file is empty", 1)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InstanceFormatError(path, "binary file, expected text", line)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InstanceFormatError(path, "not valid UTF-8 text", line) from None


def parse_number(token: str, path, line: int | None, *, integer: bool = False) -> float | int:
    """One numeric token; rejects NaN, infinities and magnitudes float64 cannot hold exactly."""
    try:
        value = int(token) if integer else float(token)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise InstanceFormatError(path, f"expected {kind}, found {token!r}", line) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InstanceFormatError(path, f"non-finite number {token!r}", line)
    if abs(value) > MAX_ABS_VALUE or (abs(value) == MAX_ABS_VALUE and _rounded(token, value)):
        raise InstanceFormatError(path, f"number {token} is too large to represent exactly (limit 2^53)", line)
    return value


def _rounded(token: str, value: float | int) -> bool:
    """An integer literal that float64 rounded to 2^53 (e.g. 9007199254740993)."""
    digits = token.strip().lstrip("+-")
    return digits.isdigit() and int(digits) != abs(value)


class Tokens:
    """A flat stream of whitespace-separated tokens that remembers line numbers."""

    def __init__(self, text: str, path, *, comment_prefixes: tuple[str, ...] = ()):
        self.path = path
        self._items: list[tuple[str, int]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if comment_prefixes and stripped.startswith(comment_prefixes):
                continue
            self._items.extend((tok, lineno) for tok in stripped.split())
        self._pos = 0

    def __len__(self) -> int:
        return len(self._items) - self._pos

    @property
    def line(self) -> int | None:
        if self._pos < len(self._items):
            return self._items[self._pos][1]
        return self._items[-1][1] if self._items else None

    def next_str(self, what: str = "a value") -> str:
        if self._pos >= len(self._items):
            raise InstanceFormatError(self.path, f"unexpected end of file while reading {what}", self.line)
        tok, _ = self._items[self._pos]
        self._pos += 1
        return tok

    def next_number(self, what: str = "a number", *, integer: bool = False):
        if self._pos >= len(self._items):
            raise InstanceFormatError(self.path, f"unexpected end of file while reading {what} (file truncated?)", self.line)
        tok, line = self._items[self._pos]
        self._pos += 1
        return parse_number(tok, self.path, line, integer=integer)

    def next_int(self, what: str = "an integer") -> int:
        value = self.next_number(what)
        if value != int(value):
            raise InstanceFormatError(self.path, f"expected an integer for {what}, found {value}", self._items[self._pos - 1][1])
        return int(value)

    def numbers(self, count: int, what: str = "numbers") -> list[float]:
        return [self.next_number(what) for _ in range(count)]

    def expect_end(self) -> None:
        if self._pos < len(self._items):
            tok, line = self._items[self._pos]
            raise InstanceFormatError(self.path, f"unexpected extra data {tok!r} after the instance", line)
