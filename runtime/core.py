"""The composition root: configuration, database, clock and every service, built once per process."""

from __future__ import annotations

import logging
import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from config.loader import Config, load_config
from config.settings import Settings, get_settings
from engine import history
from engine.clock import Clock, clock_from
from engine.db import data_version, make_engine, read_session, write_session
from engine.definition import Limits
from engine.jobs import record_run
from engine.sealing import Sealer, seal_with
from engine.service import WorkflowService
from runtime.figures import FigureCache
from workflows.calendar import WorkCalendar
from workflows.calendar_store import missing_year, stored_overrides, stored_stamp
from workflows.directory import email_addresses, robot_webhooks
from workflows.documents.service import DOCX_TYPE, DocumentBinding, DocumentService, Formats, issued_files
from workflows.evidence import EvidenceStore
from workflows.instructions.binding import BINDING as INSTRUCTION_BINDING
from workflows.instructions.service import InstructionService
from workflows.items.binding import BINDING as ITEM_BINDING
from workflows.lights import LightRules, local_day
from workflows.meetings.service import BINDING as MEETING_BINDING
from workflows.meetings.service import MeetingService
from workflows.milestones.binding import BINDING as MILESTONE_BINDING
from workflows.milestones.service import MilestoneService
from workflows.models import Plan
from workflows.problems.binding import BINDING as PROBLEM_BINDING
from workflows.problems.service import ProblemService
from workflows.reform.binding import MeasureBinding
from workflows.reform.service import DEFAULT_LIMIT, MeasureService
from workflows.reform.table import measure_definition
from workflows.routing import route
from workflows.sweep import SweepResult, sweep

if TYPE_CHECKING:  # delivery (SMTP, HTTP, templates) is imported when a process first delivers: a sweep never does
    from notifications.channels import Attachment, Channel
    from notifications.delivery import Delivery, DeliveryPolicy, FlushResult

log = logging.getLogger("reform.calendar")
SWEEP_JOB = "sweep"
# Every workflow whose subjects the engine versions and the history chain records, registered once.
MEASURE_BINDING, DOCUMENT_BINDING = MeasureBinding(), DocumentBinding()
BINDINGS = (MEASURE_BINDING, MILESTONE_BINDING, ITEM_BINDING, INSTRUCTION_BINDING, PROBLEM_BINDING, MEETING_BINDING,
            DOCUMENT_BINDING)

ANSWERS_KEPT = 256  # list pages per process: a few pages for each reader filtering now
REPORTS_KEPT = 8  # 月调度 and 督查考核 per process: each holds its rows, 10⁴ of them in a city's


@dataclass
class Runtime:
    config: Config
    engine: Engine
    clock: Clock

    def __post_init__(self) -> None:
        # The calendar with the imported years merged in, and when the database was last asked about them. Plain
        # attributes, not fields: Litestar reads the fields of a dependency's type.
        self._calendar: WorkCalendar | None = None
        self._calendar_stamp: tuple[int, int] | None = None
        self._calendar_checked = float("-inf")
        self._calendar_lock = threading.Lock()
        seal_with(self.engine, Sealer(self.settings.sealing_key))  # the key is read when a robot is first read

    @property
    def settings(self) -> Settings:
        return self.config.settings

    def read(self):
        """A session for reading; the caller (a controller, a command) owns it."""
        return read_session(self.engine)

    def write(self):
        """A session whose transaction commits when the block ends, or rolls back on an exception."""
        return write_session(self.engine)

    @cached_property
    def figures(self) -> FigureCache:
        """The whole-ledger figures (总览, 驾驶舱) kept per data version, day and reader."""
        return FigureCache()

    @cached_property
    def exports(self):
        """The exports made in the background by this process (a city's 任务台账)."""
        from runtime.exports import Exports

        return Exports(self)

    @cached_property
    def reports(self) -> FigureCache:
        """月调度 and 督查考核 as made, per data version, day and scope: a few, as each holds a city's rows."""
        return FigureCache(REPORTS_KEPT)

    @cached_property
    def answers(self) -> FigureCache:
        """Pages of the measure list as they were answered, per data version, day and reader."""
        return FigureCache(ANSWERS_KEPT)

    def measure_list(self, session, access, query):
        """A page of the measure list, counted and read once per data version, cut-off dates and reader: sixteen
        people (or one dashboard refreshing) asking for the same page run its count and its page query once."""
        query = query.checked()
        cut = self.measures.light_sql(self.clock.now()).cut
        filters = replace(query, limit=DEFAULT_LIMIT, offset=0, after=None, before=None, last=False)
        # the count once per filter, whatever the page: every page deep in a city's ledger is another key, and
        # counting 10⁵ rows for each cost more than reading its 30
        version = data_version(session)  # one for both, so a page never carries another version's count
        total = self.answers.get(session, ("measure count", filters, cut, access),
                                 lambda: self.measures.count(session, access, filters), version=version)
        return self.answers.get(session, ("measure list", query, cut, access),
                                lambda: self.measures.list(session, access, query, total), version=version)

    @cached_property
    def evidence_store(self) -> EvidenceStore:
        return EvidenceStore(self.settings.evidence_dir, self.settings.max_upload_bytes)

    @cached_property
    def limits(self) -> Limits:
        """The configured bounds, with dates within the plans' issue years and this year, ± REFORM_DATE_SPAN_YEARS:
        computed once, when the first service needs them."""
        years = {self.clock.now().year}
        try:
            with self.read() as session:
                years |= {d.year for d in session.execute(select(Plan.issued_on)).scalars() if d}
        except SQLAlchemyError:  # no schema yet (before `reform init`): this year alone
            pass
        span = self.settings.date_span_years
        return replace(self.config.limits, date_min=date(min(years) - span, 1, 1),
                       date_max=date(max(years) + span, 12, 31))

    @cached_property
    def workflows(self) -> dict[str, WorkflowService]:
        """Every registered workflow's engine service, by definition name."""
        limits = self.limits
        measures = MeasureBinding(measure_definition(self.settings.signoff), self.clock)
        own = {MEASURE_BINDING: measures, DOCUMENT_BINDING: DocumentBinding(self.formats, self.config.calendar)}
        return {b.definition.name: WorkflowService(own.get(b, b), self.clock, limits, route) for b in BINDINGS}

    @cached_property
    def formats(self) -> Formats:
        s = self.settings
        return Formats(s.duban_number_format, s.tongbao_number_format, s.reply_workdays)

    @cached_property
    def instructions(self) -> InstructionService:
        return InstructionService(self.workflows[INSTRUCTION_BINDING.definition.name])

    @cached_property
    def problems(self) -> ProblemService:
        return ProblemService(self.workflows[PROBLEM_BINDING.definition.name])

    @cached_property
    def meetings(self) -> MeetingService:
        return MeetingService(self.workflows[MEETING_BINDING.definition.name], self.problems)

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.workflows[DOCUMENT_BINDING.definition.name], self.formats)

    @cached_property
    def light_rules(self) -> LightRules:
        return LightRules.of(self.workflows[MEASURE_BINDING.definition.name].defn, self.config.ladder)

    @property
    def calendar(self) -> WorkCalendar:
        """config/calendar.toml with the imported notices over it; looks for new imports at most once per
        REFORM_CALENDAR_CHECK_SECONDS, so a running process follows an import made by another."""
        if time.monotonic() - self._calendar_checked >= self.settings.calendar_check_seconds:
            self.refresh_calendar()
        return self._calendar or self.config.calendar

    def refresh_calendar(self) -> WorkCalendar:
        """Ask the database now (after an import, before a sweep); rebuild only when the stamp changed."""
        with self._calendar_lock:
            self._calendar_checked = time.monotonic()
            try:
                with self.read() as session:
                    stamp = stored_stamp(session)
                    if stamp != self._calendar_stamp:
                        stored = stored_overrides(session) if stamp[0] else {}
                        self._calendar = self.config.calendar.with_overrides(self.config.calendar.overrides | stored)
                        self._calendar_stamp = stamp
            except SQLAlchemyError as exc:  # a database not set up yet (reform init) or away: the files' calendar
                log.warning("calendar: imported years unavailable: %s", str(exc).splitlines()[0])
            return self._calendar or self.config.calendar

    def calendar_missing(self, now: datetime | None = None) -> int | None:
        """The year whose official holiday schedule should be imported now, if any."""
        return missing_year(self.calendar, local_day(now or self.clock.now()), self.settings.warn_from)

    @property
    def measures(self) -> MeasureService:
        service = self._measure_service
        service.calendar = self.calendar  # the service answers with the calendar as it is now
        return service

    @cached_property
    def _measure_service(self) -> MeasureService:
        return MeasureService(self.workflows[MEASURE_BINDING.definition.name], self.config.calendar,
                              self.light_rules, self.instructions, self.problems, self.meetings)

    @cached_property
    def milestones(self) -> MilestoneService:
        return MilestoneService(self.workflows[MILESTONE_BINDING.definition.name])

    @property
    def items(self) -> WorkflowService:
        return self.workflows[ITEM_BINDING.definition.name]

    @cached_property
    def channels(self) -> dict[str, Channel]:
        """Email, and the units' group robots (paced per robot for the life of the process)."""
        from notifications.email import EmailChannel
        from notifications.mailer import SmtpConfig
        from notifications.robot_channel import RobotChannel
        from notifications.robots import Pacing

        s = self.settings
        email = EmailChannel(SmtpConfig.from_settings(s), s.base_url, email_addresses, issued_documents)
        robot = RobotChannel(s.base_url, robot_webhooks, pacing=Pacing(limit=s.robot_per_minute),
                             timeout=s.robot_timeout_seconds)
        return {email.name: email, robot.name: robot}

    @cached_property
    def delivery(self) -> Delivery:
        from notifications.delivery import Delivery, DeliveryPolicy

        return Delivery(self.engine, self.clock, self.channels, DeliveryPolicy.from_settings(self.settings))

    def sweep(self, now: datetime | None = None, *, queued_at: datetime | None = None) -> SweepResult:
        """One escalation sweep as of `now` (default: the clock), outbox rows deliverable at `queued_at`; the
        calendar is looked up afresh first, and the run is recorded for /health."""
        result = sweep(self.engine, now or self.clock.now(), ladder=self.config.ladder,
                       calendar=self.refresh_calendar(), queued_at=queued_at, formats=self.formats)
        with self.write() as session:
            record_run(session, SWEEP_JOB, self.clock.now())
            history.checkpoint(session, self.clock.now())  # seal what was recorded since the last sweep
        return result

    @contextmanager
    def exclusive(self, job: str) -> Iterator[bool]:
        """Whether this process may run `job` now: on PostgreSQL a session advisory lock that one process holds
        while the others' ticks skip (every worker of `reform serve --workers N` has its own scheduler); on
        SQLite one process serves, so always."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        key = zlib.crc32(f"reform.tick.{job}".encode())
        with self.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def flush(self, policy: DeliveryPolicy | None = None) -> FlushResult:
        """Deliver what is due in the outbox now."""
        from notifications.delivery import flush

        return flush(replace(self.delivery, policy=policy) if policy else self.delivery)


def build_runtime(settings: Settings | None = None, clock: Clock | None = None, config: Config | None = None
                  ) -> Runtime:
    config = config or load_config(settings or get_settings())
    # a connection for every thread that serves requests, and a few for the scheduler's jobs
    pool = {"pool_size": config.settings.threads, "max_overflow": 4} \
        if config.settings.database_url.startswith("postgresql") else {}
    engine = make_engine(config.settings.database_url, **pool)
    _BUILT.add(engine)
    return Runtime(config=config, engine=engine, clock=clock or clock_from(config.settings.start_instant))


_BUILT: weakref.WeakSet = weakref.WeakSet()  # the engines build_runtime made in this process


def dispose_built() -> None:
    """Close the pools of the runtimes built in this process, once a command is done with them. A process that
    runs many commands (the tests call the CLI's main() in theirs) otherwise kept an idle PostgreSQL connection
    open for each: 17 commands left 17, garbage collection or not, and the suite reached max_connections."""
    for engine in list(_BUILT):
        engine.dispose()
    _BUILT.clear()


def issued_documents(session, refs) -> list[Attachment]:
    """The issued 督办文书 a digest's items name, each once, as the .docx files the units print."""
    from notifications.channels import Attachment

    return [Attachment(name, DOCX_TYPE, content) for name, content in issued_files(session, refs)]
