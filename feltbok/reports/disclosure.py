"""Small-cell suppression: a count from 1 to threshold−1 is never published as such."""

from collections import deque
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool

    def __str__(self):
        return f"<{threshold()}" if self.suppressed else str(self.value)


def threshold() -> int:
    return settings.FELTBOK_SUPPRESSION_THRESHOLD


def cell(value: int) -> Cell:
    """Zero stays zero (nobody to recognise); 1 to threshold−1 becomes "<threshold"."""
    return Cell(value=value, suppressed=0 < value < threshold())


# ---------------------------------------------------------------------------------------------
# Tables with margins: primary and secondary suppression.
#
# A table of m rows × n columns is published with its row totals, column totals and grand
# total. We work on the "extended" grid of (m+1) × (n+1) entries, where row m holds the column
# totals, column n the row totals and (m, n) the grand total. Every row and every column of the
# extended grid is one linear relation (the interior entries sum to the margin entry).
#
# 1. Primary: every entry (cells *and* totals) from 1 to threshold−1 is hidden.
# 2. Complementary cells: in every relation with exactly one hidden entry, hide the smallest
#    non-zero visible entry as well (a zero only when the line has no other entry left: that is
#    when a zero reveals, e.g. a row whose only non-zero cell is hidden and whose total would
#    then equal it). Repeat until nothing changes.
# 3. Audit: for every hidden entry, compute exactly how far its value could move while every
#    published entry and every relation stays true and no count goes below zero (a flow
#    problem, see `_Residual.room`). If the feasible interval is narrower than the threshold,
#    hide one more entry in its row or column (the smallest non-zero first) and go back to 2.
#    Hiding everything always passes, so this ends; usually one or two rounds suffice.
#
# The result: for every hidden entry, the values consistent with what is published form an
# interval of width at least `threshold` (checked independently by brute force in
# tests/test_disclosure_property.py).
# ---------------------------------------------------------------------------------------------

INFINITE = 10**12


@dataclass
class ProtectedTable:
    """A table with its margins and the set of hidden entries of the extended grid."""

    cells: list[list[int]]
    row_totals: list[int]
    column_totals: list[int]
    grand_total: int
    hidden: set[tuple[int, int]]

    @property
    def rows(self) -> int:
        return len(self.cells)

    @property
    def columns(self) -> int:
        return len(self.column_totals)

    def is_hidden(self, row: int, column: int) -> bool:
        return (row, column) in self.hidden

    def shown(self, row: int, column: int) -> int | None:
        """The entry of the extended grid, or None when hidden."""
        if (row, column) in self.hidden:
            return None
        return extended_grid(self)[row][column]


def extended_grid(table) -> list[list[int]]:
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.grand_total])
    return grid


def _lines(rows: int, columns: int):
    """Every relation of the extended grid as a list of positions (rows, then columns)."""
    for r in range(rows):
        yield [(r, c) for c in range(columns)]
    for c in range(columns):
        yield [(r, c) for r in range(rows)]


def _smallest_visible(grid, positions, hidden):
    """The smallest non-zero visible entry among positions, else a visible zero, else None."""
    visible = [p for p in positions if p not in hidden]
    if not visible:
        return None
    non_zero = [p for p in visible if grid[p[0]][p[1]] > 0]
    pool = non_zero or visible
    return min(pool, key=lambda p: (grid[p[0]][p[1]], p))


def _complete(grid, hidden) -> bool:
    """Step 2 once over all relations; True when something was hidden."""
    rows, columns = len(grid), len(grid[0])
    changed = False
    for line in _lines(rows, columns):
        if sum(1 for p in line if p in hidden) == 1:
            extra = _smallest_visible(grid, line, hidden)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return changed


def _node_edges(grid, hidden):
    """The hidden entries as edges of a circulation.

    Nodes: ("r", i) for each row of the extended grid, ("c", j) for each column. An interior
    entry (i, j) is a flow from row i to column j; a margin entry flows the other way (column n
    → row i carries the row total, column j → row m the column total, row m → column n the
    grand total), so that flow is conserved at every node. Flows are never negative.
    """
    rows, columns = len(grid), len(grid[0])
    last_row, last_column = rows - 1, columns - 1
    edges = {}
    for r, c in hidden:
        interior = r < last_row and c < last_column
        corner = r == last_row and c == last_column
        if interior or corner:
            edges[(r, c)] = (("r", r), ("c", c))
        else:
            edges[(r, c)] = (("c", c), ("r", r))
    return edges


class _Residual:
    """The hidden entries as a residual graph, built once per audit round.

    Each hidden entry (a → b, current value v) can carry more a → b without bound, or less,
    i.e. b → a, up to v.
    """

    def __init__(self, grid, hidden):
        self.edges = _node_edges(grid, hidden)
        self.values = {p: grid[p[0]][p[1]] for p in hidden}
        self.capacity: dict[tuple, int] = {}
        self.adjacency: dict[object, set] = {}
        for position, (a, b) in self.edges.items():
            self.capacity[(a, b)] = self.capacity.get((a, b), 0) + INFINITE
            self.capacity[(b, a)] = self.capacity.get((b, a), 0) + self.values[position]
            self.adjacency.setdefault(a, set()).add(b)
            self.adjacency.setdefault(b, set()).add(a)

    def max_flow(self, source, sink, skip, limit) -> int:
        """Flow from source to sink, at most `limit`, leaving the entry `skip` out (BFS paths)."""
        a, b = self.edges[skip]
        removed = {(a, b): INFINITE, (b, a): self.values[skip]}
        flow_on: dict[tuple, int] = {}  # net flow pushed, antisymmetric

        def residual(x, y):
            return self.capacity.get((x, y), 0) - removed.get((x, y), 0) - flow_on.get((x, y), 0)

        flow = 0
        while flow < limit:
            parents = {source: None}
            queue = deque([source])
            while queue and sink not in parents:
                node = queue.popleft()
                for neighbour in self.adjacency.get(node, ()):
                    if neighbour not in parents and residual(node, neighbour) > 0:
                        parents[neighbour] = node
                        queue.append(neighbour)
            if sink not in parents:
                break
            path = []
            node = sink
            while parents[node] is not None:
                path.append((parents[node], node))
                node = parents[node]
            push = min(min(residual(x, y) for x, y in path), limit - flow)
            for x, y in path:
                flow_on[(x, y)] = flow_on.get((x, y), 0) + push
                flow_on[(y, x)] = flow_on.get((y, x), 0) - push
            flow += push
        return flow

    def room(self, position, limit) -> tuple[int, int]:
        """How far the hidden entry can go down and up (each capped at `limit`).

        Up: more flow on a → b must come back b → a through the other hidden entries. Down:
        less on a → b is the same as a → b through the others, and never below zero.
        """
        a, b = self.edges[position]
        up = self.max_flow(b, a, position, limit)
        down = self.max_flow(a, b, position, min(limit, self.values[position]))
        return down, up


def feasible_interval(table: ProtectedTable, row: int, column: int) -> tuple[int, int]:
    """The values a hidden entry could have, given what is published (capped far out)."""
    grid = extended_grid(table)
    down, up = _Residual(grid, table.hidden).room((row, column), INFINITE)
    value = grid[row][column]
    return value - down, value + up


def _audit(grid, hidden, threshold, passed) -> tuple[int, int] | None:
    """The first hidden entry whose feasible interval is narrower than `threshold`.

    Hiding more only ever widens the intervals, so an entry that passed once (in `passed`)
    is not checked again.
    """
    graph = _Residual(grid, hidden)
    for position in sorted(hidden - passed):
        down, up = graph.room(position, threshold)
        if down + up < threshold:
            return position
        passed.add(position)
    return None


def protect(
    cells: list[list[int]], threshold_value: int, audit: bool = True, columns: int | None = None
) -> ProtectedTable:
    """Suppress a table of counts with its margins (see the comment above).

    `audit=False` is for measures that do not add up (distinct persons): their totals are
    counted on their own, so they give the reader only inequalities, and steps 1–2 apply.
    """
    rows = len(cells)
    if columns is None:
        columns = len(cells[0]) if cells else 0
    row_totals = [sum(row) for row in cells]
    column_totals = [sum(cells[r][c] for r in range(rows)) for c in range(columns)]
    table = ProtectedTable(
        cells=[list(row) for row in cells],
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=sum(row_totals),
        hidden=set(),
    )
    return protect_table(table, threshold_value, audit=audit)


def protect_table(table: ProtectedTable, threshold_value: int, audit: bool = True):
    """Suppress a table whose totals are already set (distinct counts need not add up)."""
    grid = extended_grid(table)
    hidden = {
        (r, c)
        for r, line in enumerate(grid)
        for c, value in enumerate(line)
        if 0 < value < threshold_value
    }
    passed: set[tuple[int, int]] = set()
    while True:
        while _complete(grid, hidden):
            pass
        if not audit or not hidden:
            break
        weak = _audit(grid, hidden, threshold_value, passed)
        if weak is None:
            break
        r, c = weak
        line = [(r, j) for j in range(len(grid[0]))] + [(i, c) for i in range(len(grid))]
        extra = _smallest_visible(grid, line, hidden)
        if extra is None:
            extra = _smallest_visible(
                grid, [(i, j) for i in range(len(grid)) for j in range(len(grid[0]))], hidden
            )
        if extra is None:  # everything is hidden already
            break
        hidden.add(extra)
    table.hidden = hidden
    return table
