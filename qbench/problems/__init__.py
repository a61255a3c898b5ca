"""Problem kinds, their readers and generators.

Each kind lives in its own module (``mdkp``, ``mis``, ``qap``, ``tsp``, ``marketsplit``) exposing:

* a :class:`~qbench.problems.base.Problem` subclass;
* ``SUFFIXES`` (file endings it reads) and ``sniff(path, text) -> bool`` (does this file look like ours?);
* ``read(path) -> list[Problem]`` (most files hold one instance; OR-Library files hold many);
* ``generate(**params) -> Problem`` (seeded, deterministic).

``load_instances`` below is the single entry point used by the CLI and the runner.
"""

from __future__ import annotations

from pathlib import Path

from qbench.errors import InstanceFormatError, QbenchError
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.problems.io import read_text
from qbench.registry import PROBLEM_KINDS, problem_module

__all__ = ["BinaryModel", "Optimum", "Problem", "load_instances", "load_instance", "detect_kind", "generate"]


def detect_kind(path: str | Path) -> str:
    """Infer the problem kind of a file from its ending and, where endings are shared, its contents."""
    path = Path(path)
    text = read_text(path)
    candidates = [k for k in PROBLEM_KINDS if _suffix_matches(problem_module(k), path)]
    matches = [k for k in candidates if problem_module(k).sniff(path, text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return _kind_from_faults(path, candidates)
    raise InstanceFormatError(path, f"ambiguous format (could be {' or '.join(matches)}); pass --problem")


def _kind_from_faults(path: Path, candidates: list[str]) -> str:
    """No reader recognises the file (the sniffers are exact, so a truncated or miscounted file fails
    them all): read it as each kind its ending allows and report the fault of the reader that got
    furthest into the file, which is the kind it most likely holds."""
    if not candidates:
        raise InstanceFormatError(path, "cannot tell which problem this file holds from its ending; pass "
                                  f"--problem ({'|'.join(PROBLEM_KINDS)})")
    text = read_text(path)
    # most specific header first: a "m n" line followed by n+1 numbers is market split before it is MDKP
    likely = [k for k in _SPECIFIC_FIRST if k in candidates and _header_looks_like(k, text)]
    candidates = likely + [k for k in candidates if k not in likely]
    faults: list[tuple[bool, int, int, str, InstanceFormatError]] = []
    for order, kind in enumerate(candidates):
        try:
            problem_module(kind).read(path)
        except InstanceFormatError as exc:
            faults.append((kind in likely, exc.line or 0, -order, kind, exc))
            continue
        except QbenchError:
            continue
        return kind  # a reader more lenient than its sniffer accepts it
    if not faults:
        raise InstanceFormatError(path, "cannot tell which problem this file holds; pass --problem "
                                  f"({'|'.join(PROBLEM_KINDS)})")
    likely_faults = [f for f in faults if f[0]]
    *_, kind, exc = likely_faults[0] if likely_faults else max(faults, key=lambda f: f[1:3])
    others = "" if len(candidates) == 1 else "; pass --problem if it holds another kind"
    raise InstanceFormatError(exc.path, f"{exc.message} (read as {kind}{others})", exc.line)


_SPECIFIC_FIRST = ("mis", "tsp", "marketsplit", "qap", "mdkp")


def _header_looks_like(kind: str, text: str) -> bool:
    """A loose look at the first data lines (the sniffers also check every count)."""
    lines = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "c "))]
    if not lines:
        return False
    first, second = lines[0], (lines[1] if len(lines) > 1 else None)
    ints = [t.lstrip("+-").isdigit() for t in first]
    if kind == "mis":
        return first[0] == "p"
    if kind == "tsp":
        return ":" in " ".join(first)
    if kind == "marketsplit":
        return len(first) == 2 and all(ints) and (second is None or len(second) == int(first[1]) + 1)
    if kind == "qap":
        return len(first) in (1, 2) and ints[0] and (second is None or len(second) <= int(first[0]))
    if kind == "mdkp":
        return 1 <= len(first) <= 3 and all(ints[:2])
    return False


def _suffix_matches(module, path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in module.SUFFIXES)


def load_instances(path: str | Path, kind: str | None = None) -> list[Problem]:
    """All instances in a file. ``path`` may end in ``#K`` (0-based index) or ``#NAME`` to pick one."""
    spec = str(path)
    selector = None
    if "#" in spec:
        spec, selector = spec.rsplit("#", 1)
    p = Path(spec)
    kind = kind or detect_kind(p)
    problems = problem_module(kind).read(p)
    if selector is None:
        return problems
    if selector.isdigit() and int(selector) < len(problems):
        return [problems[int(selector)]]
    chosen = [q for q in problems if q.name == selector]
    if not chosen:
        raise InstanceFormatError(p, f"no instance {selector!r} in this file ({len(problems)} instances)")
    return chosen


def load_instance(path: str | Path, kind: str | None = None) -> Problem:
    problems = load_instances(path, kind)
    if len(problems) != 1:
        raise InstanceFormatError(str(path).split("#")[0], f"holds {len(problems)} instances; pick one with FILE#INDEX or FILE#NAME")
    return problems[0]


def generate(kind: str, **params) -> Problem:
    """A generated instance; parameters are validated against the generator's signature."""
    from qbench.params import call

    return call(problem_module(kind).generate, params, f"generator {kind!r}")
