"""A seeded corpus of malformed instance files and configs (>= 200 cases), generated at test time.

Every case must be rejected by ``qbench solve`` / ``qbench run`` with exit 2 and one line naming the
file. Mutations are chosen so the result is *certainly* invalid (a removed required number, a count
off by one, a non-finite or out-of-range value, bytes that are not UTF-8 text, ...).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

MS_HEAD = "".join(f"# licence header line {i}\n" for i in range(8))

# name -> (problem, suffix, valid text). Each is small and valid; tests check that first.
BASES = {
    "mdkp_sac": ("mdkp", ".dat", "4 2 12\n5 7 3 4\n1 2 3 1\n2 1 1 3\n4 5\n"),
    "mdkp_orlib": ("mdkp", ".txt", "2\n3 1 0\n5 7 3\n1 2 3\n4\n2 1 0\n4 6\n2 2\n3\n"),
    "mis_dimacs": ("mis", ".gph", "c tiny\np edge 5 4\ne 1 2\ne 2 3\ne 3 4\ne 4 5\n"),
    "mis_sloane": ("mis", ".txt", "p edge 6 3\ne     2     3\ne     3     4\ne     4     5"),
    "qap": ("qap", ".dat", "3\n\n0 1 2\n1 0 3\n2 3 0\n\n0 5 2\n5 0 1\n2 1 0\n"),
    "tsp_euc": ("tsp", ".tsp", "NAME : five\nTYPE : TSP\nDIMENSION : 5\nEDGE_WEIGHT_TYPE : EUC_2D\n"
                "NODE_COORD_SECTION\n1 0 0\n2 3 0\n3 3 4\n4 0 4\n5 1 2\nEOF\n"),
    "tsp_lower": ("tsp", ".tsp", "NAME: low\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                  "EDGE_WEIGHT_FORMAT: LOWER_DIAG_ROW\nEDGE_WEIGHT_SECTION\n0\n3 0\n4 5 0\n2 6 7 0\nEOF\n"),
    "atsp": ("tsp", ".atsp", "NAME: a4\nTYPE: ATSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
             "EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n9999 1 2 3\n4 9999 5 6\n7 8 9999 1\n"
             "2 3 4 9999\nEOF\n"),
    "marketsplit": ("marketsplit", ".dat", MS_HEAD + "2 4\n3 5 2 4 7\n1 6 3 2 6\n"),
}

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


@dataclass(frozen=True)
class Case:
    name: str
    problem: str | None     # what --problem to pass (None: let qbench sniff)
    suffix: str
    data: bytes


def _numbers(text: str) -> list[re.Match]:
    """Numeric tokens outside comment lines (``#``/``c`` lines) and outside TSPLIB header values."""
    out = []
    for m in _NUMBER.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start:text.find("\n", m.start()) if "\n" in text[m.start():] else len(text)]
        if line.lstrip().startswith(("#", "c ")) or ":" in line:
            continue
        out.append(m)
    return out


def _replace(text: str, m: re.Match, new: str) -> str:
    return text[:m.start()] + new + text[m.end():]


def _data_numbers(base: str, text: str) -> list[re.Match]:
    nums = _numbers(text)
    if base.startswith("mis"):  # the 'p edge N M' numbers are not data; vertex ids are
        nums = [m for m in nums if not text[text.rfind("\n", 0, m.start()) + 1:].startswith("p")]
    return nums


def mutations(base: str, text: str, rng: random.Random) -> list[tuple[str, str | bytes]]:
    nums = _data_numbers(base, text)
    pick = rng.choice(nums)
    last = nums[-1]
    out: list[tuple[str, str | bytes]] = [
        ("nan", _replace(text, pick, rng.choice(["nan", "NaN", "-nan"]))),
        ("inf", _replace(text, pick, rng.choice(["inf", "-inf", "Infinity", "1e999"]))),
        ("huge", _replace(text, pick, rng.choice(["1e300", "9007199254740993", str(10 ** rng.randint(17, 40))]))),
        ("word", _replace(text, pick, rng.choice(["x", "seven", "1,5", "--", "0x1F"]))),
        ("truncated", text[:last.start()].rstrip(" ")),                       # the last number is gone
        ("truncated_mid", text[:rng.choice(nums[len(nums) // 2:-1]).start()]),
        ("utf16", text.encode("utf-16")),
        ("latin1", text.replace("\n", " \xe9t\xe9\n", 1).encode("latin-1")),
        ("nul", text.encode()[: len(text) // 2] + b"\x00" + text.encode()[len(text) // 2:]),
        ("junk", bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))),
        ("empty", b""),
        ("blank", rng.choice([" ", "\n\n", "\t \n"]).encode()),
    ]
    out += _kind_specific(base, text, rng, nums)
    return out


def _kind_specific(base: str, text: str, rng: random.Random, nums) -> list[tuple[str, str]]:
    if base == "mdkp_sac":
        return [("extra", text + "9\n"), ("count_up", "5" + text[1:]), ("negative", _replace(text, nums[4], "-3")),
                ("count_float", "4.5" + text[1:])]
    if base == "mdkp_orlib":
        return [("extra", text + "1 1 0\n"), ("count_up", "3" + text[1:]), ("count_zero", "0" + text[1:])]
    if base.startswith("mis"):
        return [("extra", text.rstrip("\n") + "\ne 1 2 3\n"), ("out_of_range", text.rstrip("\n") + "\ne 1 99\n"),
                ("self_loop", text.rstrip("\n") + "\ne 2 2\n"), ("no_p_line", re.sub(r"p edge[^\n]*\n", "", text)),
                ("count_up", re.sub(r"p edge (\d+) (\d+)", lambda m: f"p edge {m[1]} {int(m[2]) + 1}", text)),
                ("zero_vertex", text.rstrip("\n") + "\ne 0 1\n")]
    if base == "qap":
        return [("extra", text + "4\n"), ("count_up", "4" + text[1:]), ("count_down", "2" + text[1:]),
                ("count_float", "3.5" + text[1:])]
    if base.startswith("tsp") or base == "atsp":
        n = int(re.search(r"DIMENSION\s*:\s*(\d+)", text)[1])
        return [("count_up", re.sub(r"DIMENSION\s*:\s*\d+", f"DIMENSION: {n + 1}", text)),
                ("count_down", re.sub(r"DIMENSION\s*:\s*\d+", f"DIMENSION: {n - 1}", text)),
                ("no_dimension", re.sub(r"DIMENSION[^\n]*\n", "", text)),
                ("bad_type", re.sub(r"EDGE_WEIGHT_TYPE\s*:\s*\w+", "EDGE_WEIGHT_TYPE: WARP_DRIVE", text)),
                ("extra", text.replace("EOF", "1 2 3 4 5\nEOF")),
                ("dimension_word", re.sub(r"DIMENSION\s*:\s*\d+", "DIMENSION: five", text))]
    if base == "marketsplit":
        return [("extra", text + "1 2 3 4 5\n"), ("count_up", text.replace("2 4\n", "3 4\n")),
                ("row_short", text.replace("3 5 2 4 7\n", "3 5 2 4\n")), ("count_down", text.replace("2 4\n", "2 3\n"))]
    return []


def instance_corpus(seeds: range = range(2)) -> list[Case]:
    cases: list[Case] = []
    for seed in seeds:
        rng = random.Random(seed)
        for base, (problem, suffix, text) in BASES.items():
            for label, content in mutations(base, text, rng):
                data = content if isinstance(content, bytes) else content.encode()
                # seed 0 says --problem; seed 1 lets qbench sniff the kind from the file
                cases.append(Case(f"{base}-{label}-s{seed}", problem if seed % 2 == 0 else None, suffix, data))
    return _dedup(cases)


def _dedup(cases: list[Case]) -> list[Case]:
    seen, out = set(), []
    for c in cases:
        key = (c.problem, c.suffix, c.data)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


GOOD_CONFIG = """name: fz
instances:
  - generate: mdkp
    params: {n: 6, m: 1, seed: 1}
solvers:
  - name: greedy
seeds: [0]
"""

# (label, config text); {inst} is replaced by a path to a malformed instance file by the test
CONFIG_CASES: list[tuple[str, str]] = [
    ("unknown_top_key", GOOD_CONFIG + "solver: greedy\n"),
    ("solver_singular", GOOD_CONFIG.replace("solvers:", "solver:")),
    ("unknown_instance_key", GOOD_CONFIG.replace("generate: mdkp", "generate: mdkp\n    flie: x.dat")),
    ("unknown_solver_key", GOOD_CONFIG.replace("- name: greedy", "- name: greedy\n    parms: {}")),
    ("unknown_solver", GOOD_CONFIG.replace("greedy", "gredy")),
    ("unknown_formulation", GOOD_CONFIG + "formulations:\n  - name: slak\n"),
    ("unknown_generator", GOOD_CONFIG.replace("generate: mdkp", "generate: knapsack")),
    ("generator_typo", GOOD_CONFIG.replace("seed: 1}", "sed: 1}")),
    ("generator_bad_value", GOOD_CONFIG.replace("n: 6", "n: -6")),
    ("generator_wrong_type", GOOD_CONFIG.replace("n: 6", "n: six")),
    ("seeds_string", GOOD_CONFIG.replace("[0]", "zero")),
    ("seeds_empty", GOOD_CONFIG.replace("[0]", "[]")),
    ("seeds_float", GOOD_CONFIG.replace("[0]", "[0.5]")),
    ("solvers_empty", GOOD_CONFIG.replace("solvers:\n  - name: greedy", "solvers: []")),
    ("formulations_empty", GOOD_CONFIG.replace("- name: greedy", "- name: annealing") + "formulations: []\n"),
    ("instances_empty", "name: fz\ninstances: []\nsolvers:\n  - name: greedy\n"),
    ("instances_scalar", "name: fz\ninstances: 5\nsolvers:\n  - name: greedy\n"),
    ("time_limit_negative", GOOD_CONFIG + "time_limit: -1\n"),
    ("time_limit_word", GOOD_CONFIG + "time_limit: soon\n"),
    ("time_limit_nan", GOOD_CONFIG + "time_limit: .nan\n"),
    ("repair_word", GOOD_CONFIG + "repair: maybe\n"),
    ("name_bad", GOOD_CONFIG.replace("name: fz", "name: 'a/b'")),
    ("name_missing", GOOD_CONFIG.replace("name: fz\n", "")),
    ("two_sources", GOOD_CONFIG.replace("generate: mdkp", "generate: mdkp\n    file: x.dat")),
    ("params_without_generate", "name: fz\ninstances:\n  - file: a.dat\n    params: {n: 1}\nsolvers:\n  - name: greedy\n"),
    ("missing_file", "name: fz\ninstances:\n  - file: no/such/file.dat\nsolvers:\n  - name: greedy\n"),
    ("glob_matches_nothing", "name: fz\ninstances:\n  - glob: nothing*.zzz\nsolvers:\n  - name: greedy\n"),
    ("malformed_instance", "name: fz\ninstances:\n  - file: {inst}\n    problem: mdkp\nsolvers:\n  - name: greedy\n"),
    ("malformed_instance_sniffed", "name: fz\ninstances:\n  - file: {inst}\nsolvers:\n  - name: greedy\n"),
    ("duplicate_instance", GOOD_CONFIG.replace("instances:\n", "instances:\n  - generate: mdkp\n"
                                              "    params: {n: 6, m: 1, seed: 1}\n")),
    ("duplicate_solver", GOOD_CONFIG.replace("- name: greedy", "- name: greedy\n  - name: greedy")),
    ("solver_param_unknown", GOOD_CONFIG.replace("- name: greedy", "- name: annealing\n    params: {num_raeds: 3}")),
    ("solver_param_type", GOOD_CONFIG.replace("- name: greedy", "- name: annealing\n    params: {num_reads: many}")),
    ("formulation_param_unknown", GOOD_CONFIG + "formulations:\n  - name: slack\n    params: {penalty_x: 3}\n"),
    ("too_large", "name: fz\ninstances:\n  - generate: mdkp\n    params: {n: 60, m: 5, seed: 1}\n"
                  "solvers:\n  - name: qaoa\n"),
    ("yaml_syntax", GOOD_CONFIG + "  - [unclosed\n"),
    ("yaml_tab", GOOD_CONFIG.replace("  - name: greedy", "\t- name: greedy")),
    ("yaml_python_tag", GOOD_CONFIG + "extra: !!python/object/apply:os.system ['echo pwned']\n"),
    ("top_level_list", "- name: fz\n"),
    ("top_level_scalar", "just a string\n"),
    ("empty", ""),
    ("binary", "\x00\x01\x02 junk"),
    ("latin1", "name: caf\xe9\n"),
]


if __name__ == "__main__":  # write the corpus out, e.g. to try it on another build: python tests/malformed.py DIR
    import sys
    from pathlib import Path

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "malformed-corpus")
    (out / "instances").mkdir(parents=True, exist_ok=True)
    (out / "configs").mkdir(parents=True, exist_ok=True)
    for case in instance_corpus():
        (out / "instances" / f"{case.name}{case.suffix}").write_bytes(case.data)
    for label, text in CONFIG_CASES:
        (out / "configs" / f"{label}.yaml").write_bytes(text.encode("latin-1" if label == "latin1" else "utf-8"))
    print(f"wrote {len(instance_corpus())} instance files and {len(CONFIG_CASES)} configs under {out}")
