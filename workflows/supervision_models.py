"""Tables of the supervision tools: leaders' 批示, problems to coordinate or rectify, 推进会议, numbered 督办文书."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.db import AwareDateTime


def _ts(nullable: bool = False) -> Column:
    return Column(AwareDateTime(), nullable=nullable)


def _text() -> Column:
    return Column(Text, nullable=False, default="")


class Instruction(SQLModel, table=True):
    """A district leader's 批示 on a measure; the lead units answer with their 落实情况."""

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    leader_id: int = Field(foreign_key="user.id")  # whose 批示 it is
    written_by: int = Field(foreign_key="user.id")  # who entered it (营商办 may, on the leader's behalf)
    created_at: datetime = Field(sa_column=_ts())
    answered_at: datetime | None = Field(default=None, sa_column=_ts(True))
    state: str = Field(max_length=32, index=True)
    version: int = 1


class InstructionReply(SQLModel, table=True):
    __tablename__ = "instruction_reply"
    id: int | None = Field(default=None, primary_key=True)
    instruction_id: int = Field(foreign_key="instruction.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    by_user: int = Field(foreign_key="user.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    at: datetime = Field(sa_column=_ts())


class Problem(SQLModel, table=True):
    """A problem on a measure: raised by a unit for coordination (信息报送), or found by 督查办 (督查发现问题)."""

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    origin: str = Field(max_length=16, index=True)  # unit | inspection
    text: str = Field(sa_column=Column(Text, nullable=False))
    level: str = Field(default="", max_length=16)  # 区级 / 市级 (unit origin); 日常督查 / 专项督查 (inspection)
    needs: str = Field(default="", sa_column=_text())  # the units the raising unit says it needs
    suggestion: str = Field(default="", sa_column=_text())
    raised_by_unit: int | None = Field(default=None, foreign_key="unit.id")
    raised_by: int = Field(foreign_key="user.id")
    due_date: date | None = Field(default=None, index=True)  # 办理时限 or 整改时限
    referred_to: str = Field(default="", max_length=32)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    created_at: datetime = Field(sa_column=_ts())
    resolved_at: datetime | None = Field(default=None, sa_column=_ts(True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(True))
    state: str = Field(max_length=32, index=True)
    version: int = 1


class ProblemUnit(SQLModel, table=True):
    """The units assigned to coordinate (协调) a problem."""

    __tablename__ = "problem_unit"
    problem_id: int = Field(foreign_key="problem.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Meeting(SQLModel, table=True):
    """A 推进会议: when, who was there, what it discussed and decided (a record, through the engine)."""

    id: int | None = Field(default=None, primary_key=True)
    held_on: date
    title: str = Field(max_length=200)
    units: str = Field(default="", sa_column=_text())  # units present, as written
    decisions: str = Field(default="", sa_column=_text())
    recorded_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(sa_column=_ts())
    state: str = Field(max_length=32)
    version: int = 1


class MeetingSubject(SQLModel, table=True):
    """A measure or problem a meeting discussed."""

    __tablename__ = "meeting_subject"
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    subject_type: str = Field(max_length=16, primary_key=True)  # measure | problem
    subject_id: int = Field(primary_key=True, index=True)


class DocumentCounter(SQLModel, table=True):
    """The last number given per kind and year: 文号 are unique and gapless."""

    __tablename__ = "document_counter"
    kind: str = Field(max_length=16, primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Document(SQLModel, table=True):
    """A numbered 督办文书: a 督办通知单 to a late unit, or a 情况通报 naming the late units; frozen once issued."""

    __table_args__ = (UniqueConstraint("kind", "year", "seq", name="uq_document_number"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # duban | tongbao
    year: int
    seq: int
    number: str = Field(max_length=64)
    title: str = Field(max_length=200)
    measure_id: int | None = Field(default=None, foreign_key="measure.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    required: str = Field(default="", sa_column=_text())  # what is required, editable while a draft
    reply_by: date | None = None
    facts: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # drafted from, as JSON
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # the issued .docx
    sha256: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    issued_at: datetime | None = Field(default=None, sa_column=_ts(True))
    state: str = Field(max_length=32, index=True)
    version: int = 1
