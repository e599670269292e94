"""The measure service behind the API, the pages and the command line: list, one measure, and acting on it.

It takes the caller's Session (the edge owns the unit of work) and the caller's Access (who sees what).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Date, bindparam, exists, false, func, or_, select, tuple_
from sqlmodel import Session

from engine import history
from engine.db import reading_once
from engine.errors import BadRequest, InvalidFields
from engine.service import WorkflowService, version_of
from workflows.access import Access
from workflows.calendar import WorkCalendar
from workflows.lights import LIGHT_LABELS, LIGHTS, LightInfo, LightRules, LightSQL, cutoffs, light_info, local_day
from workflows.milestones.service import missed_clause, missed_measure_ids
from workflows.models import Category, Evidence, Item, Measure, Unit
from workflows.reform import views
from workflows.reform.binding import default_files, head_clause, note_read, urged_clause
from workflows.reform.links import links_of, links_of_many, measures_led_by_name
from workflows.reform.table import REFORM_MEASURE

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


@dataclass(frozen=True)
class MeasureQuery:
    state: str | None = None
    unit: str | None = None
    light: str | None = None
    item: str | None = None
    q: str | None = None
    key: bool | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: int | None = None  # keyset paging: the id of the last measure of the previous page
    before: int | None = None  # keyset paging backwards: the id of the first measure of the next page
    last: bool = False  # the last page, as numbering pages of `limit` from the first cuts it

    def checked(self) -> MeasureQuery:
        """Blank filters dropped; a bad one raises BadRequest naming it."""
        clean = {name: (getattr(self, name) or "").strip() or None
                 for name in ("state", "unit", "light", "item", "q")}
        if clean["state"] and clean["state"] not in REFORM_MEASURE.state_names:
            labels = "、".join(f"{s}（{REFORM_MEASURE.label(s)}）" for s in REFORM_MEASURE.state_names)
            raise BadRequest(f"未知状态 {clean['state']!r}，可选：{labels}")
        if clean["light"] and clean["light"] not in LIGHTS:
            choices = "、".join(f"{k}（{LIGHT_LABELS[k]}）" for k in LIGHTS)
            raise BadRequest(f"未知灯色 {clean['light']!r}，可选：{choices}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadRequest(f"每页条数 limit 须在 1 到 {MAX_LIMIT} 之间")
        if self.offset < 0:
            raise BadRequest("offset 不能为负数")
        if self.after is not None and self.after < 1:
            raise BadRequest("after 须为上一页最后一条举措的编号（正整数）")
        if self.before is not None and self.before < 1:
            raise BadRequest("before 须为下一页第一条举措的编号（正整数）")
        if sum((self.after is not None, self.before is not None, self.last)) > 1:
            raise BadRequest("after、before 和 last 只能选一个")
        return replace(self, **clean)


def with_item():
    return (select(Measure, Item, Category).join(Item, Item.id == Measure.item_id)
            .join(Category, Category.id == Item.category_id))


def filtered(access: Access, query: MeasureQuery, light=None, stmt=None):
    """The visible measures matching the query; `light` is the SQL light (LightSQL.light) when filtering by it."""
    stmt = access.filter(with_item() if stmt is None else stmt)
    if query.state:
        stmt = stmt.where(Measure.state == query.state)
    if query.unit:
        stmt = stmt.where(Measure.id.in_(measures_led_by_name(Unit.name == query.unit)))
    if query.item:
        stmt = stmt.where(Measure.item_id.in_(select(Item.id).where(Item.item_no == query.item)))
    if query.key is not None:
        stmt = stmt.where(Measure.key == query.key)
    if query.q:
        titled = select(Item.id).where(Item.title.icontains(query.q, autoescape=True))
        stmt = stmt.where(or_(Measure.text.icontains(query.q, autoescape=True), Measure.item_id.in_(titled),
                              Measure.id.in_(measures_led_by_name(Unit.name.icontains(query.q, autoescape=True)))))
    if query.light and light is not None:
        stmt = stmt.where(light)
    return stmt


ORDER = (Measure.plan_id, Measure.seq)  # unique together: the list's order and its keyset


@dataclass
class MeasureService:
    """Reading and acting on measures: the engine's service plus the calendar and the light rules."""

    workflow: WorkflowService
    calendar: WorkCalendar
    rules: LightRules
    # the services of what hangs off a measure, when the runtime registers them: 批示, problems, 推进会议
    instructions: Any = None
    problems: Any = None
    meetings: Any = None

    @property
    def clock(self):
        return self.workflow.clock

    def light(self, row: Measure, now: datetime, missed: bool = False) -> LightInfo:
        return light_info(row, now, self.calendar, self.rules, missed_milestone=missed)

    def missed(self, session: Session, now: datetime, measure_ids: list[int] | None = None) -> set[int]:
        """Measures with a milestone past its date and not done (倒排时间表): their light turns yellow."""
        return missed_measure_ids(session, local_day(now), measure_ids)

    def light_sql(self, now: datetime) -> LightSQL:
        """The light's SQL expressions at `now`: the cut-off dates are computed here, once."""
        return LightSQL(self.rules, cutoffs(now, self.calendar, self.rules))

    def light_of(self, lights: LightSQL, table=Measure):
        """The SQL light of `table`'s rows (Measure or an alias), a missed milestone included."""
        return lights.light(table.state, table.due_date, missed_clause(lights.cut.today, table.id))

    def light_filter(self, now: datetime, name: str):
        """WHERE the light is `name`, as predicates the indexes serve."""
        lights = self.light_sql(now)
        return lights.light_is(name, Measure.state, Measure.due_date, missed_clause(lights.cut.today, Measure.id))

    def count(self, session: Session, access: Access, query: MeasureQuery) -> int:
        """How many measures this actor may see match the query's filters (its paging aside)."""
        query, now = query.checked(), self.clock.now()
        light = self.light_filter(now, query.light) if query.light else None
        return session.execute(filtered(access, query, light, select(func.count(Measure.id)))).scalar_one()

    def list(self, session: Session, access: Access, query: MeasureQuery, total: int | None = None
             ) -> views.MeasureList:
        """The measures this actor may see, filtered and paged: by offset, or by keyset after (or before) a given
        id, or the last page; no page reads the rows it skips, however deep it is. `total` is the count, when
        the caller has it (Runtime.measure_list keeps it per filter: at 10⁵ it cost more than the page)."""
        query, now = query.checked(), self.clock.now()
        light = self.light_filter(now, query.light) if query.light else None
        if total is None:
            total = self.count(session, access, query)
        ids, order, limit = filtered(access, query, light, select(Measure.id)), ORDER, query.limit
        anchor = query.after if query.after is not None else query.before
        if anchor is not None:
            last = session.execute(select(*ORDER).where(Measure.id == anchor)).one_or_none()
            if last is None:  # no such measure: nothing comes after (or before) it
                return views.MeasureList(items=[], total=total)
            ids = ids.where(tuple_(*ORDER) > tuple(last) if query.after is not None else tuple_(*ORDER) < tuple(last))
        backwards = query.before is not None or query.last
        if backwards:  # walk the index from the end, then turn the page round
            order = tuple(column.desc() for column in ORDER)
            if query.last:
                limit = total % query.limit or query.limit
        # the page's ids first (an index walk), then only those rows with their item and category
        ids = ids.order_by(*order).limit(limit + 1).offset(query.offset)
        found = list(session.execute(self._with_missed(now).where(Measure.id.in_(ids)).order_by(*order)))
        more, found = len(found) > limit, found[:limit]
        if backwards:
            found.reverse()
        items = self._summaries(session, found, now)
        if not items:
            return views.MeasureList(items=[], total=total)
        after_these = more if not backwards else query.before is not None
        before_these = more if backwards else anchor is not None or query.offset > 0
        return views.MeasureList(items=items, total=total, next_after=items[-1].id if after_these else None,
                                 prev_before=items[0].id if before_these else None)

    def every(self, session: Session, access: Access, *, where=None, order=ORDER, limit: int | None = None,
              **filters: Any) -> list[views.MeasureSummary]:
        """Every measure this actor may see that matches the filters and the SQL clause `where`, in `order`
        (the list's by default), the first `limit` of them when given (for pages that show them all)."""
        query, now = MeasureQuery(**filters).checked(), self.clock.now()
        light = self.light_filter(now, query.light) if query.light else None
        stmt = filtered(access, query, light, self._with_missed(now) if limit is None else select(Measure.id))
        if where is not None:
            stmt = stmt.where(where)
        if limit is not None:  # the first ids from the measure table alone, then their rows
            stmt = self._with_missed(now).where(Measure.id.in_(stmt.order_by(*order).limit(limit)))
        return self._summaries(session, list(session.execute(stmt.order_by(*order))), now)

    def _with_missed(self, now: datetime):
        """The rows with their item, category and whether a milestone was missed, in one statement."""
        return with_item().add_columns(missed_clause(local_day(now), Measure.id))

    def _summaries(self, session: Session, found: list, now: datetime) -> list[views.MeasureSummary]:
        """Summaries of (measure, item, category, missed) rows; their units in one more query."""
        links = links_of_many(session, [row[0].id for row in found])
        return [views.summary(m, item, cat, links[m.id], self.light(m, now, bool(missed)))
                for m, item, cat, missed in found]

    def detail(self, session: Session, access: Access, measure_id: int) -> views.MeasureDetail:
        """One measure with the caller's allowed actions, its history (oldest first) and evidence."""
        # the row with its item first: the access check then finds it in the session (one query, not two)
        today = local_day(self.clock.now())
        found = self._detail_row(session, measure_id, today).one_or_none()
        return self._detail(session, access, access.measure(session, measure_id), found, today)

    @cached_property
    def _detail_stmt(self):
        """The row with its item and category, whether a milestone was missed, and whether the measure has any
        evidence, instruction, problem or meeting at all: most have none, and their reads are then skipped. Built
        once, its values bound: building it cost more than running it."""
        has = [exists().where(Evidence.measure_id == Measure.id, Evidence.problem_id.is_(None))]
        has += [s.any_for(Measure.id) if s else false() for s in (self.instructions, self.problems)]
        has.append(self.meetings.any_for("measure", Measure.id) if self.meetings else false())
        # for the rules' facts (urged today, the unit has a head to sign), kept for them in a read session
        has += [urged_clause(Measure.id, bindparam("today_ordinal")), head_clause(Measure.id)]
        return (with_item().add_columns(missed_clause(bindparam("today", type_=Date), Measure.id), *has)
                .where(Measure.id == bindparam("mid")))

    def _detail_row(self, session: Session, measure_id: int, today):
        return session.execute(self._detail_stmt, {"mid": measure_id, "today": today,
                                                   "today_ordinal": today.toordinal()})

    def _detail(self, session: Session, access: Access, row: Measure, found=None, today=None
                ) -> views.MeasureDetail:
        """`found`: the detail row, when the caller read it, on `today` (the day its facts are kept under)."""
        now = self.clock.now()
        if found is None:
            today = local_day(now)
            found = self._detail_row(session, row.id, today).one()
        _, item, cat, missed, evidence, told, problems, meetings, urged, head = found
        note_read(session, row.id, today, urged, head)
        info = self.light(row, now, missed=bool(missed))
        fields = views.summary_fields(row, item, cat, links_of(session, row.id), info)
        records = history.read_for_subject(session, REFORM_MEASURE.name, row.id)  # shown, and the four-eyes rule's
        return views.MeasureDetail(
            **fields, allowed_actions=self.workflow.allowed(session, row, access.actor, records),
            history=[views.history_entry(rec) for rec in records],
            evidence=[views.evidence_item(ev) for ev in evidence_of(session, row.id)] if evidence else [],
            instructions=self.instructions.for_measure(session, access, row.id) if told else [],
            problems=self.problems.lines(session, row.id) if problems else [],
            meetings=self.meetings.about(session, "measure", row.id) if meetings else [])

    def act(self, session: Session, access: Access, measure_id: int, action: str, body: Mapping[str, Any]
            ) -> views.MeasureDetail:
        """Fire `action` inside the caller's write transaction; the measure as the caller now sees it."""
        return self._detail(session, access, self.fire(session, access, measure_id, action, body))

    def fire(self, session: Session, access: Access, measure_id: int, action: str, body: Mapping[str, Any]
             ) -> Measure:
        """Fire `action` inside the caller's write transaction; the measure row, changed. The measure's units are
        read once for the access check and the rules (no action changes them)."""
        fields = dict(body)
        raw_version = fields.pop("version", None)
        if access.sees_all or access.actor.role in self.workflow.defn.scoped_roles:  # in scope is in sight
            claimed = self._claim(session, access, measure_id, action, fields, raw_version)
            if claimed is not None:
                return claimed
        with reading_once(session):
            row = access.measure(session, measure_id)
            version = version_of(action, raw_version)
            act = REFORM_MEASURE.action(action)
            for spec in act.fields if act else ():
                if spec.kind == "files" and fields.get(spec.name) is None:  # naming no files: pending + earlier
                    fields[spec.name] = default_files(session, row.id)
            self.workflow.fire(session, row, action, access.actor, fields, version)
        return row

    def _claim(self, session: Session, access: Access, measure_id: int, action: str, fields: dict[str, Any],
               raw_version: Any) -> Measure | None:
        """The action in one claim that fetches the row (WorkflowService.claim), when it can be; None otherwise, and
        `fire` goes the long way, which names what is wrong in its order (not found, not in sight, the version)."""
        try:
            version = version_of(action, raw_version)
        except InvalidFields:
            return None
        claimed = self.workflow.claim(session, measure_id, action, access.actor, fields, version)
        return None if claimed is None else claimed[0]

    def acted(self, session: Session, access: Access, measure_id: int) -> views.MeasureDetail:
        """The detail an action answers with, read after its transaction committed: the actor was allowed to act
        on the measure, so it is shown as `act` would have shown it, even if the action moved it out of view."""
        today = local_day(self.clock.now())
        found = self._detail_row(session, measure_id, today).one_or_none()
        if found is None:  # gone between the commit and this read
            return self.detail(session, access, measure_id)
        return self._detail(session, access, found[0], found, today)


def evidence_of(session: Session, measure_id: int) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.measure_id == measure_id, Evidence.problem_id.is_(None))
    return list(session.execute(stmt.order_by(Evidence.id)).scalars())

