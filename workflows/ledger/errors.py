"""The one error a bad ledger raises: Chinese, naming the row and the column."""

from __future__ import annotations


class LedgerError(ValueError):
    """A ledger that cannot be imported; nothing is written."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.detail, self.row, self.column = message, row, column
        super().__init__(_where(row, column) + message)


def _where(row: int | None, column: str | None) -> str:
    if row is not None and column:
        return f"第 {row} 行“{column}”列："
    if row is not None:
        return f"第 {row} 行："
    if column:
        return f"“{column}”列："
    return ""
