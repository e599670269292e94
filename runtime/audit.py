"""Verifying the tamper-evident history of every registered workflow."""

from __future__ import annotations

from sqlalchemy import select

from engine import history
from runtime.core import Runtime


def verify(rt: Runtime) -> history.ChainReport:
    """Walk the chain; every subject's current version must equal its newest record's."""
    with rt.read() as session:
        versions: dict[tuple[str, int], int] = {}
        for name, service in rt.workflows.items():
            table = service.binding.row_type
            for sid, version in session.execute(select(table.id, table.version)):
                if version:
                    versions[(name, sid)] = version
        return history.verify(session, versions)
