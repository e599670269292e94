"""Verifying the tamper-evident history of every registered workflow."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from engine import history
from runtime.core import BINDINGS, Runtime


def subject_versions(session: Session) -> dict[tuple[str, int], int]:
    """Every versioned subject's current version: its newest history record must carry it."""
    versions: dict[tuple[str, int], int] = {}
    for binding in BINDINGS:
        table = binding.row_type
        for sid, version in session.execute(select(table.id, table.version)):
            if version:
                versions[(binding.definition.name, sid)] = version
    return versions


def verify_session(session: Session) -> history.ChainReport:
    return history.verify(session, subject_versions(session))


def verify(rt: Runtime) -> history.ChainReport:
    """Walk the chain; every subject's current version must equal its newest record's."""
    with rt.read() as session:
        return verify_session(session)
