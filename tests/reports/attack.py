"""The attacker of public tables: knows every published cell, the lines (members add up to a
total), and that a hidden cell is at least `floor` (1 where 0 is always published, 0 where a
hidden cell may be 0). For each hidden cell it looks for a second integer solution of the
lines in which that cell takes another value; finding none, it has recovered the cell.

Exact by enumeration with propagation, so only for small tables (values are capped a little
above the largest value: an alternative found under the cap is a real solution, so a cap can
only make the attacker claim more, never less)."""

from reports.disclosure import Line


def recovered(values, lines, suppressed, floor=1):
    """The hidden cells whose value the attacker can pin down."""
    lines = [line for line in lines if line.members]
    cap = max([*values.values(), 1]) * 2 + 5
    unknown = sorted(suppressed, key=repr)
    return [key for key in unknown if not _has_solution(values, lines, unknown, key, cap, floor)]


def _has_solution(values, lines, unknown, target, cap, floor):
    """Is there an integer solution (hidden cells in 1..cap) with target ≠ its true value?"""
    domains = {k: range(floor, cap + 1) for k in unknown}
    true = values[target]

    def known(key, assigned):
        if key in assigned:
            return assigned[key]
        if key in domains:
            return None
        return values[key]

    def consistent(assigned):
        for line in lines:
            members = [known(k, assigned) for k in line.members]
            total = known(line.total, assigned)
            missing = sum(1 for m in members if m is None)
            partial = sum(m for m in members if m is not None)
            if total is not None:
                if missing == 0 and partial != total:
                    return False
                if partial + missing * floor > total:  # every missing member is at least floor
                    return False
            elif missing == 0 and partial < floor:
                return False
        return True

    def forced(assigned):
        """Values that follow from a line with exactly one unknown left, or None if a
        contradiction shows."""
        assigned = dict(assigned)
        progress = True
        while progress:
            progress = False
            for line in lines:
                cells = [*line.members, line.total]
                open_cells = [k for k in cells if known(k, assigned) is None]
                if len(open_cells) != 1:
                    continue
                key = open_cells[0]
                members = sum(known(k, assigned) or 0 for k in line.members)
                value = members if key == line.total else known(line.total, assigned) - members
                if not floor <= value <= cap or (key == target and value == true):
                    return None
                assigned[key] = value
                progress = True
            if not consistent(assigned):
                return None
        return assigned

    def search(assigned):
        assigned = forced(assigned)
        if assigned is None:
            return False
        rest = [k for k in unknown if k not in assigned]
        if not rest:
            return consistent(assigned)
        key = target if target in rest else rest[0]
        for value in domains[key]:
            if key == target and value == true:
                continue
            trial = {**assigned, key: value}
            if consistent(trial) and search(trial):
                return True
        return False

    return search({})


__all__ = ["Line", "recovered"]


def linearly_recovered(values, lines, suppressed):
    """The hidden cells that the lines alone determine (ignoring bounds), by Gaussian elimination
    over the rationals: for tables too large to enumerate."""
    from fractions import Fraction

    unknown = sorted(suppressed, key=repr)
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for line in lines:
        row = [Fraction(0)] * len(unknown)
        for key in line.members:
            if key in index:
                row[index[key]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        if any(row):
            rows.append(row)
    # Reduced row echelon form; a cell is determined when some row is its unit vector.
    pivot_row = 0
    for col in range(len(unknown)):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [v / lead for v in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    found = []
    for row in rows[:pivot_row]:
        nonzero = [i for i, v in enumerate(row) if v]
        if len(nonzero) == 1:
            found.append(unknown[nonzero[0]])
    return found
