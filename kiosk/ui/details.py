"""Label/value rows of a step (a bill's lines, the review, the receipt)."""

from __future__ import annotations

from textual.containers import Grid
from textual.widgets import Static


class DetailsTable(Grid):
    """Two columns: what it is, and its value (values in bold)."""

    def __init__(self, rows: tuple[tuple[str, str], ...]) -> None:
        cells: list[Static] = []
        for label, value in rows:
            cells.append(Static(f"{label}:", classes="detail-label"))
            cells.append(Static(value, classes="detail-value"))
        super().__init__(*cells, classes="details")
        self.rows = rows
