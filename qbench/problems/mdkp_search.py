"""Feasibility-preserving local search for the MDKP (max p.x s.t. R x <= b, x binary).

The functions here work on a boolean item mask ``chosen`` and its constraint loads ``load = R @ chosen``
and serve :meth:`qbench.problems.mdkp.MDKP.repair` and :meth:`~qbench.problems.mdkp.MDKP.improve`:

* :func:`drop` -- make a mask feasible: remove the chosen item with the smallest profit per unit of
  *relative* weight (r_ij / b_i) summed over the currently violated constraints, until every knapsack
  fits (the item that buys the most relief for the least profit goes first).
* :func:`local_search` -- the cheap neighbourhood, repeated until no move helps: add every item that
  still fits (in the fill order), the best improving 1-swap (one out, one in), else the best improving
  (1,2)-swap (one out, two in; the incoming pairs are drawn from the :data:`SWAP_PAIR_POOL` most
  efficient outside items). All (out, in) combinations are checked at once.
* :func:`forced_insertion` -- the ejection ("drop-add") move on top of it, repeated until it no longer
  improves: for each item outside the knapsack, most efficient first (by the fill order), force it in,
  :func:`drop` other items by the drop rule (never the forced one) until feasible, refill by the fill
  order and run :func:`local_search`; the first candidate whose result is strictly better is accepted.
  It reaches solutions that differ from the start in many items (one large item in, several small ones
  out), which no bounded k-exchange finds (SAC-94 pb4, pet2).

How a forced-insertion scan is organised, for speed:

1. insert / drop / refill is done for all candidates at once (vectorised over the candidates); if some
   candidates already improve at that point, the first of them (in efficiency order) is accepted
   (followed by :func:`local_search`) without searching the candidates before it;
2. otherwise the candidates are local-searched in efficiency order, skipping repeated trial masks, and
   a local search is cut short as soon as it reaches a mask whose local-search outcome is already known
   not to beat the incumbent (the searches are deterministic, so this changes no result).

Caps, to bound the work on large instances (mknapcb, n up to 500): a scan considers only the
:data:`FORCE_POOL` most efficient outside items that fit on their own and local-searches at most
``max(FORCE_SEARCHES, FORCE_SEARCH_ITEMS // n)`` distinct trials of them (the pool binds only with
more than 64 items outside, the search cap only for n > 128: neither on SAC-94), and at most
:data:`FORCE_ROUNDS` improving insertions are accepted per call (not reached in any measured run: at
most about 20 on mknapcb9). Every accepted move is a strict improvement, so the search always
terminates; the caps only make it stop earlier.

Memo: :class:`SearchMemo` (one per problem and fill order, kept by the problem) remembers the
local-search outcome of every mask a candidate search passed through and where forced-insertion runs
ended, so repeated repairs of similar samples (the scorer, every Lagrangian iteration) skip work they
have done before. The searches are deterministic, so the memo does not change results (except that a run
which joins the path of an earlier, uncapped run gets that run's end point even where its own round
cap would have stopped it sooner); it holds at most :data:`MEMO_ENTRIES` entries per table (cleared
when full; 0 disables it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qbench.problems.base import FEASIBILITY_TOL

if TYPE_CHECKING:  # pragma: no cover
    from qbench.problems.mdkp import MDKP

#: How many outside items (the most efficient ones) the (1,2)-swap draws its incoming pairs from.
SWAP_PAIR_POOL = 64
#: How many outside items (most efficient first, by the fill order) one forced-insertion scan tries.
FORCE_POOL = 64
#: A scan local-searches at most ``max(FORCE_SEARCHES, FORCE_SEARCH_ITEMS // n)`` distinct trials
#: (n items): all of the :data:`FORCE_POOL` candidates up to n = 128 (every SAC-94 instance, mknapcb
#: with n = 100), 32 for n = 250, 16 for n = 500.
FORCE_SEARCHES = 16
FORCE_SEARCH_ITEMS = 8192
#: At most this many improving forced insertions are accepted per call.
FORCE_ROUNDS = 50
#: Entries per :class:`SearchMemo` table before it is cleared; 0 turns the memo off.
MEMO_ENTRIES = 16384

_GAIN_TOL = 1e-9
#: Exchange tables up to this many (row, out, in) entries are checked in one broadcast operation.
DENSE_EXCHANGE = 4096


class SearchMemo:
    """What earlier searches on one problem with one fill order found (keys: packed masks).

    ``outcome[key]``: the objective value :func:`local_search` ends at from that mask;
    ``settled[key]``: the packed mask :func:`forced_insertion` ends at from that (locally optimal)
    mask, recorded only for runs that stopped because no insertion improved (not by a cap).
    A ``bounded`` memo clears a table that would exceed :data:`MEMO_ENTRIES` entries."""

    __slots__ = ("outcome", "settled", "bounded")

    def __init__(self, bounded: bool = True) -> None:
        self.outcome: dict[bytes, float] = {}
        self.settled: dict[bytes, bytes] = {}
        self.bounded = bounded

    def store(self, table: dict, keys: list[bytes], value) -> None:
        if self.bounded and len(table) + len(keys) > MEMO_ENTRIES:
            table.clear()
        for key in keys:
            table[key] = value


def drop(p: MDKP, chosen: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Remove items from ``chosen`` (in place) by the drop rule until feasible; returns the new load."""
    over = load > p.capacities + FEASIBILITY_TOL
    while over.any():
        items = np.flatnonzero(chosen)
        relief = p._relative[over][:, items].sum(axis=0)
        with np.errstate(divide="ignore"):
            ratio = np.where(relief > 0, p.profits[items] / np.maximum(relief, 1e-300), np.inf)
        j = items[int(np.argmin(ratio))]
        chosen[j] = False
        load = load - p.weights[:, j]
        over = load > p.capacities + FEASIBILITY_TOL
    return load


def fill(p: MDKP, chosen: np.ndarray, load: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Add items in ``order`` while they fit (one pass suffices: loads only grow). In place; returns
    the new load."""
    slack = p.capacities + FEASIBILITY_TOL - load
    fits = ~chosen & (p.weights <= slack[:, None]).all(axis=0)
    for j in order[fits[order]]:
        if (p.weights[:, j] <= slack).all():
            chosen[j] = True
            slack -= p.weights[:, j]
    return p.capacities + FEASIBILITY_TOL - slack


def local_search(p: MDKP, chosen: np.ndarray, load: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Fill, then best 1-swap / (1,2)-swap until none improves. In place; returns the new load."""
    while True:
        load = fill(p, chosen, load, order)
        if not _apply_best_swap(p, chosen, load):
            return load
        load = p.weights @ chosen


def forced_insertion(p: MDKP, chosen: np.ndarray, load: np.ndarray, order: np.ndarray,
                     memo: SearchMemo | None = None) -> np.ndarray:
    """:func:`local_search`, then improving forced insertions until none is left (see the module
    docstring). ``chosen`` must be feasible. In place; returns the new load."""
    load = local_search(p, chosen, load, order)
    value = float(p.profits @ chosen)
    if memo is None or MEMO_ENTRIES <= 0:
        memo = SearchMemo(bounded=False)  # this call only
    alone = (p.weights <= p.capacities[:, None] + FEASIBILITY_TOL).all(axis=0)
    path = []
    for _ in range(FORCE_ROUNDS):
        key = _key(chosen)
        if key in memo.settled:
            chosen[:] = np.unpackbits(np.frombuffer(memo.settled[key], dtype=np.uint8),
                                      count=chosen.size).astype(bool)
            load = p.weights @ chosen
            break
        path.append(key)
        memo.store(memo.outcome, [key], value)  # a local optimum: its own local-search outcome
        new_load = _improving_insertion(p, chosen, load, value, order, alone, memo)
        if new_load is None:
            break
        load, value = new_load, float(p.profits @ chosen)
    else:
        return load  # stopped by the round cap: the end point is not settled, remember nothing
    memo.store(memo.settled, path, _key(chosen))
    return load


def _improving_insertion(p: MDKP, chosen: np.ndarray, load: np.ndarray, value: float, order: np.ndarray,
                         alone: np.ndarray, memo: SearchMemo) -> np.ndarray | None:
    """One forced-insertion scan from the local optimum ``chosen`` (worth ``value``): apply the first
    improving insertion in place and return the new load, or None when no candidate improves."""
    candidates = order[~chosen[order] & alone[order]][:FORCE_POOL]
    if not candidates.size:
        return None
    trials, loads = _insert_drop_fill(p, chosen, load, candidates, order)
    values = trials.astype(float) @ p.profits
    better = np.flatnonzero(values > value + _GAIN_TOL)
    if better.size:  # improves before any local search: take the first such candidate
        chosen[:] = trials[better[0]]
        return local_search(p, chosen, loads[better[0]], order)
    seen = set()
    limit = max(FORCE_SEARCHES, FORCE_SEARCH_ITEMS // chosen.size)
    for k in range(candidates.size):
        trial = trials[k]
        trial_key = _key(trial)
        if trial_key in seen:
            continue
        if len(seen) >= limit:
            break
        seen.add(trial_key)
        trial_load = _search_unless_known(p, trial, loads[k], order, value, memo)
        if trial_load is not None:
            chosen[:] = trial
            return trial_load
    return None


def _search_unless_known(p: MDKP, chosen: np.ndarray, load: np.ndarray, order: np.ndarray, value: float,
                         memo: SearchMemo) -> np.ndarray | None:
    """:func:`local_search` from ``chosen`` (in place) if it ends strictly above ``value``: returns the
    load then, else None. Stops early at a mask whose outcome is known not to beat ``value``; records
    the outcome of every mask passed through."""
    visited = []
    while True:
        key = _key(chosen)
        known = memo.outcome.get(key)
        if known is not None and known <= value + _GAIN_TOL:
            memo.store(memo.outcome, visited, known)
            return None
        visited.append(key)
        load = fill(p, chosen, load, order)
        if not _apply_best_swap(p, chosen, load):
            break
        load = p.weights @ chosen
    final = float(p.profits @ chosen)
    memo.store(memo.outcome, visited, final)
    return load if final > value + _GAIN_TOL else None


def _apply_best_swap(p: MDKP, chosen: np.ndarray, load: np.ndarray) -> bool:
    """Apply the best improving 1-swap, else the best improving (1,2)-swap, in place; False if none."""
    move = _best_swap(p, chosen, load) or _best_one_two_swap(p, chosen, load)
    if move is None:
        return False
    out, into = move
    chosen[out] = False
    chosen[list(into)] = True
    return True


def _key(mask: np.ndarray) -> bytes:
    return np.packbits(mask).tobytes()


def _insert_drop_fill(p: MDKP, chosen: np.ndarray, load: np.ndarray, candidates: np.ndarray,
                      order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every candidate at once: insert it into ``chosen``, :func:`drop` others (never it) until
    feasible, :func:`fill` by ``order``. Rows of the result are the trial masks and their loads."""
    k_range = np.arange(candidates.size)
    trials = np.repeat(chosen[None, :], candidates.size, axis=0)
    trials[k_range, candidates] = True
    loads = load[None, :] + p.weights.T[candidates]
    droppable = trials.copy()
    droppable[k_range, candidates] = False
    cap = p.capacities + FEASIBILITY_TOL
    # Each candidate fits on its own, so a violated row always holds another item with weight > 0 in
    # it: every over-full trial has a finite drop ratio and the loop ends.
    while True:
        over = loads > cap
        rows = np.flatnonzero(over.any(axis=1))
        if not rows.size:
            break
        relief = over[rows] @ p._relative
        ratio = np.divide(p.profits, relief, out=np.full(relief.shape, np.inf),
                          where=droppable[rows] & (relief > 0))
        out = ratio.argmin(axis=1)
        trials[rows, out] = False
        droppable[rows, out] = False
        loads[rows] -= p.weights.T[out]
    slack = cap - loads  # fill, one pass over the items that fit in some trial (as in fill())
    fits = ~trials & (p.weights[None, :, :] <= slack[:, :, None]).all(axis=1)
    for j in order[fits[:, order].any(axis=0)]:
        add = ~trials[:, j] & (p.weights[:, j][None, :] <= slack).all(axis=1)
        if add.any():
            trials[add, j] = True
            slack[add] -= p.weights[:, j]
    return trials, cap - slack


def _best_swap(p: MDKP, chosen: np.ndarray, load: np.ndarray) -> tuple[int, tuple[int]] | None:
    inside, outside = np.flatnonzero(chosen), np.flatnonzero(~chosen)
    if not inside.size or not outside.size:
        return None
    move = _best_exchange(p, inside, p.profits[outside], p.weights[:, outside], load)
    if move is None:
        return None
    a, c = move
    return int(inside[a]), (int(outside[c]),)


def _best_one_two_swap(p: MDKP, chosen: np.ndarray, load: np.ndarray) -> tuple[int, tuple[int, int]] | None:
    inside, outside = np.flatnonzero(chosen), np.flatnonzero(~chosen)
    if not inside.size or outside.size < 2:
        return None
    if outside.size > SWAP_PAIR_POOL:
        order = p.fill_orders()[-1]
        outside = order[~chosen[order]][:SWAP_PAIR_POOL]
    first, second = _pairs(outside.size)
    profit, weight = p.profits[outside], p.weights[:, outside]
    pair_profit, pair_weight = profit[first] + profit[second], weight[:, first] + weight[:, second]
    move = _best_exchange(p, inside, pair_profit, pair_weight, load)
    if move is None:
        return None
    a, c = move
    return int(inside[a]), (int(outside[first[c]]), int(outside[second[c]]))


_PAIRS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(size, k=1)``, cached."""
    if size not in _PAIRS:
        _PAIRS[size] = np.triu_indices(size, k=1)
    return _PAIRS[size]


def _best_exchange(p: MDKP, inside: np.ndarray, in_profit: np.ndarray, in_weight: np.ndarray,
                   load: np.ndarray) -> tuple[int, int] | None:
    """Best improving exchange of one item ``inside[a]`` (out) against one incoming unit ``c`` (an
    item or a pair; profits ``in_profit``, weight columns ``in_weight``): ``(a, c)`` maximising
    ``in_profit[c] - p[inside[a]]`` subject to feasibility, first in (a, c) order among ties.

    A table of at most :data:`DENSE_EXCHANGE` (row, out, in) entries is checked in one broadcast.
    Otherwise units that cannot improve on the cheapest inside item, or cannot fit even in place of
    the heaviest inside item of every row, are discarded first, and the remaining (out x in) table is
    checked row by row, tightest row first (least slack relative to the row's mean weight), densely
    while many combinations survive, then only on the survivors."""
    out_profit = p.profits[inside]
    slack = p.capacities + FEASIBILITY_TOL - load
    w_out = p.weights[:, inside]
    if slack.size * out_profit.size * in_profit.size <= DENSE_EXCHANGE:
        gain = in_profit[None, :] - out_profit[:, None]
        fits = ((in_weight[:, None, :] - w_out[:, :, None]) <= slack[:, None, None]).all(axis=0)
        ok = (gain > _GAIN_TOL) & fits
        if not ok.any():
            return None
        return divmod(int(np.argmax(np.where(ok, gain, -np.inf))), in_profit.size)
    cols = np.flatnonzero((in_profit > out_profit.min() + _GAIN_TOL)
                          & (in_weight - slack[:, None] <= w_out.max(axis=1)[:, None]).all(axis=0))
    if not cols.size:
        return None
    in_profit, w_in = in_profit[cols], in_weight[:, cols]
    rows = np.flatnonzero(out_profit < in_profit.max() - _GAIN_TOL)
    out_profit, w_out = out_profit[rows], w_out[:, rows]
    ok = in_profit[None, :] - out_profit[:, None] > _GAIN_TOL
    survivors = np.count_nonzero(ok)
    order = np.argsort(slack / p._row_scale, kind="stable")
    m, t = order.size, 0
    while t < m and survivors * (m - t) > ok.size:
        i = order[t]
        ok &= (w_in[i][None, :] - w_out[i][:, None]) <= slack[i]
        survivors = np.count_nonzero(ok)
        if not survivors:
            return None
        t += 1
    idx = np.flatnonzero(ok)
    a, c = np.divmod(idx, cols.size)
    if t < m:
        rest = order[t:]
        feasible = ((w_in[rest][:, c] - w_out[rest][:, a]) <= slack[rest][:, None]).all(axis=0)
        idx, a, c = idx[feasible], a[feasible], c[feasible]
        if not idx.size:
            return None
    best = int(np.argmax(in_profit[c] - out_profit[a]))
    return int(rows[a[best]]), int(cols[c[best]])
