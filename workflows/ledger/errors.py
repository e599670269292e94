"""The one error a bad ledger raises: Chinese, naming the row and the column."""

from __future__ import annotations

from engine.errors import BadRequest


class LedgerError(BadRequest, ValueError):
    """A ledger that cannot be imported; nothing is written."""

    code = "bad_ledger"

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(_where(row, column) + message)
        self.reason, self.row, self.column = message, row, column


def _where(row: int | None, column: str | None) -> str:
    if row is not None and column:
        return f"第 {row} 行“{column}”列："
    if row is not None:
        return f"第 {row} 行："
    if column:
        return f"“{column}”列："
    return ""
