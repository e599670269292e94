"""Evaluation and replication records (开展总结评估, 复制推广), and the typical cases for publicity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from workflows.accounts_models import User
from workflows.models import Evaluation, Replication
from workflows.reports.facts import MeasureFact, measures
from workflows.reports.periods import Period, as_utc
from workflows.reports.rows import MeasureRef, ref_fields


@dataclass(frozen=True)
class EvaluationRow(MeasureRef):
    evaluation_id: int = 0
    rating: str = ""
    satisfaction: int = 0
    typical_case: bool = False
    case_text: str = ""
    comment: str = ""
    by: str = ""
    at: datetime | None = None
    replication_scope: str = ""


@dataclass(frozen=True)
class ReplicationRow(MeasureRef):
    replication_id: int = 0
    scope: str = ""
    description: str = ""
    by: str = ""
    at: datetime | None = None


def evaluations(session: Session, *, unit_id: int | None = None, period: Period | None = None,
                typical: bool | None = None) -> list[EvaluationRow]:
    known, names, scopes = _measures(session, unit_id), _names(session), _latest_scopes(session)
    rows = []
    for ev in session.exec(select(Evaluation).order_by(Evaluation.at, Evaluation.id)):
        m = known.get(ev.measure_id)
        if m is None or (period and not period.contains(ev.at)) or (typical is not None and ev.typical_case != typical):
            continue
        rows.append(EvaluationRow(**ref_fields(m), evaluation_id=ev.id, rating=ev.rating, satisfaction=ev.satisfaction,
                                  typical_case=ev.typical_case, case_text=ev.case_text, comment=ev.comment,
                                  by=names.get(ev.by_user, ""), at=as_utc(ev.at),
                                  replication_scope=scopes.get(ev.measure_id, "")))
    return rows


def typical_cases(session: Session, *, unit_id: int | None = None, period: Period | None = None
                  ) -> list[EvaluationRow]:
    """The latest typical-case evaluation of each measure, in ledger order: the publicity list."""
    latest = {row.measure_id: row for row in evaluations(session, unit_id=unit_id, period=period, typical=True)}
    order = {m.id: m.seq for m in measures(session)}
    return sorted(latest.values(), key=lambda r: (order.get(r.measure_id, 0), r.measure_id))


def replications(session: Session, *, unit_id: int | None = None, period: Period | None = None
                 ) -> list[ReplicationRow]:
    known, names = _measures(session, unit_id), _names(session)
    rows = []
    for rep in session.exec(select(Replication).order_by(Replication.at, Replication.id)):
        m = known.get(rep.measure_id)
        if m is None or (period and not period.contains(rep.at)):
            continue
        rows.append(ReplicationRow(**ref_fields(m), replication_id=rep.id, scope=rep.scope, description=rep.description,
                                   by=names.get(rep.by_user, ""), at=as_utc(rep.at)))
    return rows


def _measures(session: Session, unit_id: int | None) -> dict[int, MeasureFact]:
    return {m.id: m for m in measures(session) if unit_id is None or unit_id in m.unit_ids}


def _names(session: Session) -> dict[int, str]:
    return {uid: display or username for uid, username, display in
            session.exec(select(User.id, User.username, User.display_name))}


def _latest_scopes(session: Session) -> dict[int, str]:
    return {mid: scope for mid, scope in session.exec(select(Replication.measure_id, Replication.scope)
                                                      .order_by(Replication.at, Replication.id))}

