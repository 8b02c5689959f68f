"""Disclosure control (秘匿処理) for every table the public sees.

Rules, the same in every public output (open data CSV, public survey tables):

- Primary suppression: a count from 1 to SUPPRESS_BELOW − 1 (1–4) is not published.
- 0 is published as 0. An empty cell says nobody is in it, which singles nobody out; e-Stat
  writes it "-", but our public outputs are machine-readable CSV/xlsx whose columns must stay
  numeric, so it is written as the number 0.
- Complementary suppression: more cells (the smallest non-zero ones; totals when needed) are
  hidden so that no hidden cell can be worked out from the totals and the other cells of the
  same table by subtraction.
- Every hidden cell is written SUPPRESSED ("x", as e-Stat does) and its percentage left empty.

A table is a set of cells (totals included) and the lines that tie them: "these members add
up to that total". `protect` answers which cells to hide:

1. primary suppression;
2. repeat until nothing changes: in every line (members and total), when exactly one cell is
   hidden — or all the hidden cells of a line whose total is shown are 1, so that the reader,
   who knows a hidden cell is at least 1 (0 is shown), could pin each to 1 — hide the smallest
   visible non-zero cell of that line (a member before the total);
3. a hidden cell whose value follows from the lines by linear algebra (its unit vector lies in
   the row space of the lines restricted to hidden cells: e.g. a hidden cell bridging two
   otherwise separate groups of hidden cells) gets the smallest visible non-zero cell of one of
   its lines hidden too, and step 2 runs again;
4. then each hidden cell must be changeable by a step of −1/0/+1 on hidden cells that keeps
   every line adding up and every hidden cell ≥ 1 — a bounded search; a cell for which none is
   found within the search budget counts as pinned (so a large table errs on hiding more), and
   step 3's widening applies to it.

tests/reports/test_disclosure.py attacks the result: it enumerates every integer solution of
the lines (hidden cells ≥ 1) and checks that each hidden cell can take more than one value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SUPPRESS_BELOW = 5
SUPPRESSED = "x"

Key = Hashable


@dataclass(frozen=True)
class Line:
    """`members` add up to `total` (a key of the table's cells)."""

    members: tuple[Key, ...]
    total: Key


def is_primary(value: int) -> bool:
    return 0 < value < SUPPRESS_BELOW


def protect(
    values: Mapping[Key, int],
    lines: Iterable[Line] = (),
    *,
    hidden: Iterable[Key] = (),
    shown: Iterable[Key] = (),
    floor: int = 1,
) -> set[Key]:
    """The keys of the cells to hide. `hidden`: cells hidden whatever their value (e.g. every
    cell of a column of fewer than 5 respondents); `shown`: cells already published elsewhere
    (never hidden here; the lines still treat them as known). `floor`: what the reader knows a
    hidden cell is at least: 1 where 0 is always shown, 0 where `hidden` may hold zeros."""
    lines = [line for line in lines if line.members]
    fixed_shown = set(shown)
    suppressed = {k for k, v in values.items() if is_primary(v) and k not in fixed_shown}
    suppressed |= set(hidden) - fixed_shown

    def candidates(line: Line) -> list[Key]:
        members = [k for k in line.members if k not in suppressed and k not in fixed_shown]
        members = [k for k in members if values[k] > 0]
        members.sort(key=lambda k: values[k])
        total = line.total
        if total not in suppressed and total not in fixed_shown and values[total] > 0:
            members.append(total)
        return members

    def widen(line: Line) -> bool:
        for key in candidates(line):
            suppressed.add(key)
            return True
        return False

    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                cells = [*line.members, line.total]
                hidden_cells = [k for k in cells if k in suppressed]
                if not hidden_cells:
                    continue
                all_ones = (
                    floor == 1
                    and line.total not in suppressed
                    and all(values[k] == 1 for k in hidden_cells)
                )
                if (len(hidden_cells) == 1 or all_ones) and widen(line):
                    changed = True
        determined = _determined(values, lines, suppressed)
        if not determined:
            determined = _pinned(values, lines, suppressed, floor)
        if not determined:
            return suppressed
        progressed = False
        for key in determined:
            for line in lines:
                if (key in line.members or key == line.total) and widen(line):
                    progressed = True
                    break
            if progressed:
                break
        if not progressed:  # nothing left to hide: the table cannot be protected further
            return suppressed


def _determined(values: Mapping[Key, int], lines: Sequence[Line], suppressed: set[Key]) -> list:
    """Hidden cells whose value is a linear consequence of the lines."""
    unknown = sorted(suppressed, key=repr)
    if not unknown or not lines:
        return []
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        for k in line.members:
            if k in index:
                row[index[k]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for k, i in index.items():
        unit = np.zeros(len(unknown))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(k)
    return found


SEARCH_BUDGET = 2_000  # search nodes per hidden cell and direction


def _pinned(
    values: Mapping[Key, int], lines: Sequence[Line], suppressed: set[Key], floor: int = 1
) -> list:
    """Hidden cells that no step d (hidden cells changed by −1, 0 or +1, lines still adding up,
    hidden cells still ≥ 1) can change, or for which none was found within the budget.

    Tables with margins have totally unimodular lines, so when another solution x' exists, x' − x
    splits into such steps, each staying between x and x' (conformal circuits): looking for one
    step is enough."""
    unknown = sorted(suppressed, key=repr)
    return [
        k for k in unknown if not any(_step(values, lines, unknown, k, s, floor) for s in (1, -1))
    ]


def _step(
    values: Mapping[Key, int],
    lines: Sequence[Line],
    unknown: list[Key],
    target: Key,
    sign: int,
    floor: int = 1,
) -> bool:
    """Is there a step d with d[target] = sign, Σ d[members] = d[total] on every line, d = 0 on
    published cells, and values + d ≥ 1?"""
    hidden = set(unknown)
    nodes = 0

    def allowed(key: Key, step: int) -> bool:
        return step in (-1, 0, 1) and values[key] + step >= floor

    weighted = [
        [(k, 1) for k in line.members if k in hidden]
        + ([(line.total, -1)] if line.total in hidden else [])
        for line in lines
    ]
    weighted = [cells for cells in weighted if cells]

    def open_lines(assigned: dict[Key, int]) -> list[tuple[int, list[tuple[Key, int]]]] | None:
        """Lines that do not add up yet: (imbalance, unassigned cells); None on a dead end."""
        result = []
        for cells in weighted:
            total = 0
            missing = []
            for key, weight in cells:
                if key in assigned:
                    total += weight * assigned[key]
                else:
                    missing.append((key, weight))
            if total == 0:
                continue
            if not missing or abs(total) > len(missing):
                return None
            result.append((total, missing))
        return result

    def search(assigned: dict[Key, int]) -> bool:
        """Unassigned cells default to 0: done as soon as every line adds up; otherwise
        fix the unbalanced line with the fewest free cells (this follows a cycle)."""
        nonlocal nodes
        nodes += 1
        if nodes > SEARCH_BUDGET:
            return False
        unbalanced = open_lines(assigned)
        if unbalanced is None:
            return False
        if not unbalanced:
            return True
        total, missing = min(unbalanced, key=lambda item: len(item[1]))
        for key, weight in missing:
            step = -weight * (1 if total > 0 else -1)
            if allowed(key, step) and search({**assigned, key: step}):
                return True
            assigned = {**assigned, key: 0}  # later branches: this cell stays
        return False

    return allowed(target, sign) and search({target: sign})


def published(value: int | None, key: Key, suppressed: set[Key]) -> int | str:
    """The value as written in a public table."""
    if key in suppressed:
        return SUPPRESSED
    return value or 0


# --- table shapes -----------------------------------------------------------------------------


def protect_list(values: Sequence[int], total: int | None = None) -> tuple[list[bool], bool]:
    """A one-dimensional table, with its total when `total` is given (published). Returns
    (hidden per value, total hidden)."""
    cells: dict[Key, int] = {i: v for i, v in enumerate(values)}
    lines = []
    if total is not None:
        cells["total"] = total
        lines.append(Line(tuple(range(len(values))), "total"))
    hidden = protect(cells, lines)
    return [i in hidden for i in range(len(values))], "total" in hidden


def grid_lines(n_rows: int, n_cols: int) -> tuple[list[Line], list[Key]]:
    """Lines of a grid with row totals ("r", i), column totals ("c", j) and a grand total "t";
    cells are (i, j)."""
    lines = [Line(tuple((i, j) for j in range(n_cols)), ("r", i)) for i in range(n_rows)]
    lines += [Line(tuple((i, j) for i in range(n_rows)), ("c", j)) for j in range(n_cols)]
    lines.append(Line(tuple(("r", i) for i in range(n_rows)), "t"))
    lines.append(Line(tuple(("c", j) for j in range(n_cols)), "t"))
    keys: list[Key] = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    keys += [("r", i) for i in range(n_rows)] + [("c", j) for j in range(n_cols)] + ["t"]
    return lines, keys


def grid_values(matrix: Sequence[Sequence[int]]) -> dict[Key, int]:
    """The cells of a grid with its row, column and grand totals."""
    values: dict[Key, int] = {}
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            values[(i, j)] = value
        values[("r", i)] = sum(row)
    n_cols = len(matrix[0]) if matrix else 0
    for j in range(n_cols):
        values[("c", j)] = sum(row[j] for row in matrix)
    values["t"] = sum(sum(row) for row in matrix)
    return values
