"""Suppression (秘匿処理): primary 1–4, complementary so that nothing hidden can be worked out.
The attacker (tests/reports/attack.py) solves the lines of every table exactly."""

import random

import pytest

from reports.disclosure import (
    SUPPRESSED,
    Line,
    grid_lines,
    grid_values,
    protect,
    protect_list,
    published,
)
from tests.reports.attack import recovered


def test_the_issue_example_is_protected():
    # Venue A 5, venue B 1, total 6: hiding B alone gives it away (6 − 5).
    hidden, total_hidden = protect_list([5, 1], total=6)
    assert hidden == [True, True] and not total_hidden
    values = {0: 5, 1: 1, "t": 6}
    lines = [Line((0, 1), "t")]
    assert recovered(values, lines, {1}) == [1]  # the attacker works: primary alone leaks
    assert recovered(values, lines, protect(values, lines)) == []


def test_primary_only_where_nothing_adds_up():
    assert protect_list([0, 4, 5, 1]) == ([False, True, False, True], False)


def test_zero_is_published_and_never_hidden_as_a_complement():
    hidden, _ = protect_list([0, 3, 7, 9], total=19)
    assert hidden == [False, True, True, False]
    assert published(0, "a", set()) == 0 and published(3, "a", {"a"}) == SUPPRESSED


def test_hidden_ones_that_add_up_to_their_count_get_a_third_cell():
    # 1 + 1 of a total 12 shown with 10: the reader knows each hidden cell is ≥ 1, so two
    # hidden cells adding up to 2 would both be 1.
    hidden, _ = protect_list([1, 1, 10], total=12)
    assert hidden == [True, True, True]


def test_a_lone_small_total_is_hidden_with_its_cells():
    hidden, total_hidden = protect_list([3], total=3)
    assert hidden == [True] and total_hidden


def test_grid_with_margins():
    matrix = [[5, 1, 7], [6, 8, 9], [10, 2, 11]]
    lines, _keys = grid_lines(3, 3)
    values = grid_values(matrix)
    hidden = protect(values, lines)
    assert {(0, 1), (2, 1)} <= hidden
    assert recovered(values, lines, hidden) == []


def _random_matrix(rng, rows, cols):
    def value():
        roll = rng.random()
        if roll < 0.2:
            return 0
        if roll < 0.6:
            return rng.randint(1, 4)
        return rng.randint(5, 14)

    return [[value() for _ in range(cols)] for _ in range(rows)]


@pytest.mark.parametrize("seed", range(60))
def test_random_grids_leak_nothing(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 3), rng.randint(2, 3)
    matrix = _random_matrix(rng, rows, cols)
    lines, _keys = grid_lines(rows, cols)
    values = grid_values(matrix)
    hidden = protect(values, lines)
    assert {k for k, v in values.items() if 0 < v < 5} <= hidden
    assert all(values[k] > 0 for k in hidden)
    assert recovered(values, lines, hidden) == [], (matrix, sorted(hidden, key=repr))


@pytest.mark.parametrize("seed", range(40))
def test_random_lists_leak_nothing(seed):
    rng = random.Random(1000 + seed)
    cells = _random_matrix(rng, 1, rng.randint(1, 6))[0]
    values = {i: v for i, v in enumerate(cells)} | {"t": sum(cells)}
    lines = [Line(tuple(range(len(cells))), "t")]
    hidden = protect(values, lines)
    assert recovered(values, lines, hidden) == [], (cells, hidden)


def test_cells_shown_elsewhere_stay_shown_and_hidden_ones_stay_hidden():
    values = {0: 5, 1: 1, 2: 9, "t": 15}
    lines = [Line((0, 1, 2), "t")]
    hidden = protect(values, lines, shown={0}, hidden={"t"})
    assert 0 not in hidden and "t" in hidden and 1 in hidden
    assert recovered(values, lines, hidden) == []
