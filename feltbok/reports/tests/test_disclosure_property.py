"""Disclosure control, proved on random tables.

For every table Hypothesis draws, `protect` hides entries; then an independent brute force
(nothing shared with the flow audit in disclosure.py) enumerates every table of non-negative
integers that agrees with everything published — the visible cells, the visible row and column
totals and the visible grand total — and collects the values each hidden entry takes in them.
No hidden entry may be pinned down: the values it can take span at least the threshold.
"""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feltbok.reports.disclosure import extended_grid, feasible_interval, protect


def published_view(table):
    grid = extended_grid(table)
    return [
        [None if (r, c) in table.hidden else value for c, value in enumerate(line)]
        for r, line in enumerate(grid)
    ]


def consistent_tables(view, rows, columns, limit):
    """Every interior assignment (values 0..limit) that agrees with the published view."""
    hidden_cells = [(r, c) for r in range(rows) for c in range(columns) if view[r][c] is None]
    fixed = [[view[r][c] or 0 for c in range(columns)] for r in range(rows)]
    for values in itertools.product(range(limit + 1), repeat=len(hidden_cells)):
        cells = [row[:] for row in fixed]
        for (r, c), value in zip(hidden_cells, values, strict=True):
            cells[r][c] = value
        row_totals = [sum(row) for row in cells]
        column_totals = [sum(cells[r][c] for r in range(rows)) for c in range(columns)]
        grand = sum(row_totals)
        if any(view[r][columns] not in (None, row_totals[r]) for r in range(rows)):
            continue
        if any(view[rows][c] not in (None, column_totals[c]) for c in range(columns)):
            continue
        if view[rows][columns] not in (None, grand):
            continue
        yield [[*row, total] for row, total in zip(cells, row_totals, strict=True)] + [
            [*column_totals, grand]
        ]


tables = st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 6), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, threshold=st.integers(2, 4))
def test_no_hidden_entry_can_be_worked_out_from_the_margins(cells, threshold):
    table = protect(cells, threshold)
    rows, columns = len(cells), len(cells[0])
    grid = extended_grid(table)
    # Primary suppression: every published entry is 0 or at least the threshold.
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if (r, c) not in table.hidden:
                assert value == 0 or value >= threshold
    hidden_interior = [p for p in table.hidden if p[0] < rows and p[1] < columns]
    if not table.hidden:
        return
    if len(hidden_interior) > 5:
        # The brute force below would take too long; the flow bound still must hold.
        for r, c in table.hidden:
            low, high = feasible_interval(table, r, c)
            assert high - low >= threshold
        return
    # Moving a hidden entry by `threshold` changes no cell by more than `threshold`.
    limit = max(max(row) for row in cells) + threshold
    seen = {p: set() for p in table.hidden}
    for candidate in consistent_tables(published_view(table), rows, columns, limit):
        for r, c in table.hidden:
            seen[(r, c)].add(candidate[r][c])
    for position, values in seen.items():
        assert grid[position[0]][position[1]] in values
        assert max(values) - min(values) >= threshold, (position, sorted(values))


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # A single small cell: its row and column need a complement, and so does the total.
        ([[3, 10], [20, 30]], {(0, 0), (0, 1), (1, 0), (1, 1)}),
        # Nothing small: nothing hidden.
        ([[5, 10], [20, 30]], set()),
    ],
)
def test_small_examples(cells, expected):
    table = protect(cells, 5)
    assert expected <= table.hidden


def test_a_total_equal_to_a_hidden_cell_is_hidden_or_made_ambiguous():
    # Row 0: the only non-zero cell is 3; its total (3) must not be published either.
    table = protect([[3, 0], [10, 20]], 5)
    assert (0, 2) in table.hidden
    low, high = feasible_interval(table, 0, 0)
    assert high - low >= 5


def test_zeros_stay_visible_when_they_reveal_nothing():
    table = protect([[0, 10], [20, 30]], 5)
    assert table.hidden == set()
