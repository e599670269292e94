"""Tables of the reform ledger: plans, categories, items, units, measures and what hangs off them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from engine.db import AwareDateTime
from engine.sealing import Sealed
from workflows.items.table import ITEM
from workflows.milestones.table import MILESTONE
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import UNIT_LEAD

# How a unit's people are reached: by email, through the unit's group robots, or both. The names are the channels'.
EMAIL, ROBOT, BOTH = "email", "robot", "both"
REACH_LABELS = {EMAIL: "邮件", ROBOT: "工作群机器人", BOTH: "邮件和工作群机器人"}


def _ts(nullable: bool = False, index: bool = False) -> Column:
    return Column(AwareDateTime(), nullable=nullable, index=index)


def _text() -> Column:
    return Column(Text, nullable=False, default="")


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=255)
    doc_no: str = Field(default="", max_length=128)
    issued_on: date | None = None
    issuer: str = Field(default="", max_length=128)


class Category(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    seq: int
    title: str = Field(max_length=255)


class Item(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "item_no", "title"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    seq: int
    item_no: str = Field(max_length=16)
    title: str = Field(max_length=255)
    klass: str | None = Field(default=None, max_length=32)
    state: str = Field(default=ITEM.initial[0], max_length=32)  # a record, not a lifecycle: see workflows/items
    version: int = 0


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    kind: str = Field(default=UNIT_LEAD, max_length=16)
    head_name: str = Field(default="", max_length=64)
    head_email: str = Field(default="", max_length=255)
    reach: str = Field(default=BOTH, max_length=16)  # its people's channels unless they choose (REACH_LABELS)


class UnitWebhook(SQLModel, table=True):
    """One group robot of a unit (钉钉/渝快政, 企业微信, a generic JSON webhook): digests to the unit go there too."""

    __tablename__ = "unit_webhook"
    __table_args__ = (UniqueConstraint("unit_id", "url_digest", name="uq_unit_webhook_url_digest"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(max_length=16)  # dingtalk | wecom | webhook (notifications.robots.KINDS)
    # the URL carries the robot's token and the secret signs its messages: both sealed at rest (engine.sealing)
    url: str = Field(sa_column=Column(Sealed("unit_webhook.url"), nullable=False))
    url_digest: str | None = Field(default=None, max_length=64)  # the URL's keyed digest: one robot per URL
    secret: str = Field(default="", sa_column=Column(Sealed("unit_webhook.secret"), nullable=False, default=""))
    name: str = Field(default="", max_length=128)  # the group, e.g. 区市场监管局工作群
    source: str = Field(default="manual", max_length=16)  # manual (on 管理) | config (units.toml, by reform init)
    active: bool = True


# The rows the sweep's deadline ladder still has work on: a unit owes the work, no extension is pending, and the
# ladder's top rung for the current deadline is not yet recorded (`ladder_done`). The sweep selects by due date
# through a partial index with exactly this predicate, so its time grows with these rows, not with the ledger.
LADDER_PENDING = ("state IN (" + ", ".join(f"'{s}'" for s in sorted(REFORM_MEASURE.tagged("owes_work")))
                  + ") AND extension_date IS NULL AND due_date IS NOT NULL"
                  " AND (ladder_done IS NULL OR ladder_done <> deadline_version)")
# The rows no sweep has evaluated as they are now, among the states a ladder runs in: never evaluated, or changed
# since (every action and every re-import clears `sweep_after`). Each sweep evaluates these, and the rows whose
# next rung falls due by the day the last evaluation stored: an idle sweep reads two small indexes.
LADDER_STATES = sorted(REFORM_MEASURE.tagged("owes_work") | REFORM_MEASURE.tagged("with_head")
                       | REFORM_MEASURE.tagged("awaiting_review"))
UNSWEPT = "state IN (" + ", ".join(f"'{s}'" for s in LADDER_STATES) + ") AND sweep_after IS NULL"
SWEEP_NEVER = date(9999, 12, 31)  # sweep_after when no rung will fire for the measure as it is now
# L3 is the 通报 rung (workflows.sweep.TONGBAO_LEVEL, config/escalation.toml)
TONGBAO_OPEN = "subject_type = 'measure' AND level = 'L3' AND status = 'fired' AND document_id IS NULL"


class Measure(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "seq"),
                      UniqueConstraint("plan_id", "key_code", name="uq_measure_key_code"),
                      # the light's filters: unreported states IN (...) AND due_date against a cut-off
                      Index("ix_measure_state_due", "state", "due_date"),
                      # the sweep's: measures whose deadline ladder is not through yet, by due date
                      Index("ix_measure_ladder_pending", "due_date", postgresql_where=text(LADDER_PENDING),
                            sqlite_where=text(LADDER_PENDING)),
                      # the sweep's: what no sweep has evaluated as it is now, and when the next rung fires
                      Index("ix_measure_unswept", "due_date", postgresql_where=text(UNSWEPT),
                            sqlite_where=text(UNSWEPT)),
                      Index("ix_measure_sweep_after", "sweep_after", postgresql_where=text("sweep_after IS NOT NULL"),
                            sqlite_where=text("sweep_after IS NOT NULL")))
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")  # indexed first in the unique (plan_id, seq)
    item_id: int = Field(foreign_key="item.id", index=True)
    seq: int
    key_code: str | None = Field(default=None, max_length=32)  # 举措编号 (WL22-033-1): given once, never reused
    text: str = Field(sa_column=Column(Text, nullable=False))
    due_text: str = Field(default="", max_length=32)
    due_date: date | None = Field(default=None, index=True)
    deadline_version: int = 1
    ladder_done: int | None = None  # the deadline_version whose due ladder the sweep has fully recorded
    # the day the sweep looks at the measure again: its next rung's, as the last evaluation computed it (SWEEP_NEVER:
    # none will); None: to be evaluated (new, or changed since)
    sweep_after: date | None = None
    key: bool = False
    note: str = Field(default="", sa_column=_text())
    declared_done: bool = False
    state: str = Field(max_length=32)  # indexed first in ix_measure_state_due
    version: int = 1
    percent: int | None = None
    last_progress: str = Field(default="", sa_column=_text())
    last_progress_at: datetime | None = Field(default=None, sa_column=_ts(True))
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(True))  # handed to the head for 审签
    reported_at: datetime | None = Field(default=None, sa_column=_ts(True))
    verified_at: datetime | None = Field(default=None, sa_column=_ts(True))
    extension_date: date | None = None
    extension_reason: str = Field(default="", sa_column=_text())
    rating: str | None = Field(default=None, max_length=8)
    satisfaction: int | None = None
    typical_case: bool = False
    case_text: str = Field(default="", sa_column=_text())
    updated_at: datetime | None = Field(default=None, sa_column=_ts(True))


LEAD, COOPERATING = "lead", "cooperating"  # a unit's part in a measure: 牵头单位, 配合单位


class MeasureUnit(SQLModel, table=True):
    __tablename__ = "measure_unit"
    measure_id: int = Field(foreign_key="measure.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
    position: int = 0  # the order the plan names them in; the first lead unit is the 第一牵头单位
    part: str = Field(default=LEAD, max_length=16)


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    size: int
    uploaded_by: int = Field(foreign_key="user.id")
    uploaded_at: datetime = Field(sa_column=_ts())
    report_version: int | None = None  # the version of the report (报送批次) that carried it
    carried_from: int | None = None  # the evidence row of an earlier round this one repeats
    problem_id: int | None = Field(default=None, index=True)  # a problem's 整改 evidence, not the measure's report


class Evaluation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    rating: str = Field(max_length=8)
    satisfaction: int
    typical_case: bool = False
    case_text: str = Field(default="", sa_column=_text())
    comment: str = Field(default="", sa_column=_text())
    by_user: int = Field(foreign_key="user.id")
    at: datetime = Field(sa_column=_ts())


class Replication(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    scope: str = Field(max_length=64)
    description: str = Field(sa_column=Column(Text, nullable=False))
    by_user: int = Field(foreign_key="user.id")
    at: datetime = Field(sa_column=_ts())


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    old_due_date: date | None = None
    proposed_due_date: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: int = Field(foreign_key="user.id")
    requested_at: datetime = Field(sa_column=_ts())
    approved: bool | None = None
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_column=_ts(True))
    decision_comment: str = Field(default="", sa_column=_text())


class Milestone(SQLModel, table=True):
    __table_args__ = (Index("ix_milestone_state_due", "state", "due_date"),)  # missed milestones, for the light
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    due_date: date
    description: str = Field(sa_column=Column(Text, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=_ts(True))
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(sa_column=_ts())
    state: str = Field(default=MILESTONE.initial[0], max_length=32)
    version: int = 1


class Escalation(SQLModel, table=True):
    """One rung of the ladder fired for a subject (a measure, its instruction or problem, a 催办); the unique key
    makes it fire once. `measure_id` is the measure it concerns, for access and lists."""

    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "level", "deadline_version",
                                       name="uq_escalation_once"),
                      # the fired 通报 rungs no 情况通报 covers yet: what each sweep's 通报 lists
                      Index("ix_escalation_tongbao_open", "measure_id", postgresql_where=text(TONGBAO_OPEN),
                            sqlite_where=text(TONGBAO_OPEN)),
                      # the rungs fired with nobody to tell (邮件, /health): a health probe counts them by index
                      Index("ix_escalation_silent", "fired_at", postgresql_where=text("silent"),
                            sqlite_where=text("silent")))
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    subject_type: str = Field(default="measure", max_length=32)
    subject_id: int = Field(default=0)
    level: str = Field(max_length=16)
    deadline_version: int
    due_date: date
    fire_on: date
    fired_at: datetime = Field(sa_column=_ts(index=True))
    status: str = Field(default="fired", max_length=16)  # fired | superseded
    recipients: str = Field(default="", sa_column=_text())
    silent: bool = False  # fired with nobody to tell: no notice was written for it, on any channel
    # the 督办通知单 or 情况通报 drafted for this rung; a fired 通报 rung without one is picked up by the next sweep
    document_id: int | None = Field(default=None, index=True)


class SweepBasis(SQLModel, table=True):
    """What the sweep's stored next dates (`measure.sweep_after`) were computed with: the ladder and the calendar.
    When either changes (a holiday notice imported, escalation.toml edited), every measure is evaluated afresh."""

    __tablename__ = "sweep_basis"
    name: str = Field(primary_key=True, max_length=32)
    fingerprint: str = Field(max_length=64)
