"""A small workflow unrelated to reform (leave requests) runs through the same engine, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Session

from engine import history
from engine.decide import Actor, View
from engine.definition import Action, Condition, FieldSpec, State, WorkflowDefinition
from engine.errors import InvalidFields, PermissionDenied, StaleVersion, TransitionNotAllowed
from engine.outbox import Notice, OutboxMessage, Recipient
from engine.service import WorkflowService


class Base(DeclarativeBase):
    pass


class Leave(Base):
    __tablename__ = "test_leave_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)


STAFF, MANAGER = frozenset({"employee", "manager"}), frozenset({"manager"})
LEAVE = WorkflowDefinition(
    name="leave_request",
    states=(State("draft"), State("submitted"), State("approved", final=True), State("rejected", final=True)),
    initial=("draft",),
    actions=(
        Action("submit", ("draft",), "submitted", STAFF, conditions=("short_enough",)),
        Action("withdraw", ("submitted",), "draft", STAFF),
        Action("approve", ("submitted",), "approved", MANAGER, four_eyes="submit"),
        Action("reject", ("submitted",), "rejected", MANAGER, fields=(FieldSpec("comment"),)),
    ),
    roles=STAFF,
    scoped_roles=frozenset({"employee", "manager"}),
    conditions={"short_enough": Condition("short_enough", lambda leave: leave.days <= 30, "at most 30 days")},
)


class LeaveBinding:
    definition = LEAVE
    row_type = Leave

    def view(self, session, row):
        return View(id=row.id, state=row.state, owner_ids=frozenset({row.department}),
                    participant_ids=frozenset({row.department}), record=row)

    def apply(self, session, row, event):
        if event.action.name in ("approve", "reject"):
            return [Notice(f"leave_{event.to_state}", Recipient(user_id=1), subject_type="leave",
                           subject_id=row.id, payload={"days": row.days})]
        return []


@pytest.fixture
def leave_db(db):
    Base.metadata.create_all(db)
    yield db
    Base.metadata.drop_all(db)


ANN = Actor(1, "ann", "manager", frozenset({7}))
BOB = Actor(2, "bob", "manager", frozenset({7}))
EVE = Actor(3, "eve", "employee", frozenset({8}))


def new_leave(session, days=3) -> Leave:
    row = Leave(department=7, days=days, state="draft", version=1)
    session.add(row)
    session.flush()
    return row


def test_leave_requests_run_through_the_engine(leave_db, clock):
    service = WorkflowService(LeaveBinding(), clock)
    with Session(leave_db) as session:
        row = new_leave(session)
        rid = row.id
        service.created(session, row, "ann", actor_id=ANN.id)
        assert service.allowed(session, row, ANN) == ["submit"]
        assert service.allowed(session, row, EVE) == []  # another department
        service.fire(session, row, "submit", ANN, {}, expected_version=1)
        with pytest.raises(PermissionDenied, match="same user who did 'submit'"):
            service.fire(session, row, "approve", ANN, {}, expected_version=2)
        with pytest.raises(InvalidFields, match="comment"):
            service.fire(session, row, "reject", BOB, {}, expected_version=2)
        clock.advance(timedelta(hours=1))
        event = service.fire(session, row, "approve", BOB, {}, expected_version=2)
        session.commit()
        assert (event.from_state, event.to_state, event.version) == ("submitted", "approved", 3)

    with Session(leave_db) as session:
        stored = session.get(Leave, rid)
        assert (stored.state, stored.version) == ("approved", 3)
        records = history.for_subject(session, "leave_request", rid)
        assert [r.action for r in records] == ["create", "submit", "approve"]
        assert records[-1].actor_name == "bob"
        assert history.verify(session, {("leave_request", rid): 3}).ok
        mails = session.exec(select(OutboxMessage)).scalars().all()
        assert [(m.kind, m.subject_id) for m in mails] == [("leave_approved", rid)]
        with pytest.raises(TransitionNotAllowed):
            service.fire(session, stored, "withdraw", ANN, {}, expected_version=3)


def test_the_four_eyes_rule_reads_the_same_from_the_history_or_from_records_already_read(leave_db, clock):
    service = WorkflowService(LeaveBinding(), clock)
    with Session(leave_db) as session:
        row = new_leave(session)
        service.created(session, row, "ann", actor_id=ANN.id)
        service.fire(session, row, "submit", ANN, {}, expected_version=1)
        service.fire(session, row, "withdraw", BOB, {}, expected_version=2)
        service.fire(session, row, "submit", BOB, {}, expected_version=3)  # the last submit is bob's now
        records = history.for_subject(session, "leave_request", row.id)
        for given in (None, records):
            assert "approve" in service.allowed(session, row, ANN, given)
            assert "approve" not in service.allowed(session, row, BOB, given)


def test_stale_versions_and_conditions_are_refused(leave_db, clock):
    service = WorkflowService(LeaveBinding(), clock)
    with Session(leave_db) as session:
        row = new_leave(session, days=45)
        service.created(session, row, "ann")
        with pytest.raises(TransitionNotAllowed) as refused:
            service.fire(session, row, "submit", ANN, {}, expected_version=1)
        assert refused.value.message == "at most 30 days"
        row.days = 5
        with pytest.raises(StaleVersion, match="version 7 is stale"):
            service.fire(session, row, "submit", ANN, {}, expected_version=7)
        assert row.state == "draft" and row.version == 1
