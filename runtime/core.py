"""The composition root: configuration, database, clock and every service, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from config.loader import Config, load_config
from config.settings import Settings, get_settings
from engine.clock import Clock, clock_from
from engine.db import make_engine, read_session, write_session
from engine.definition import Limits
from engine.service import WorkflowService
from notifications.channels import Channel
from notifications.delivery import Delivery, DeliveryPolicy, FlushResult, flush
from notifications.email import EmailChannel
from notifications.mailer import SmtpConfig
from workflows.directory import email_address
from workflows.evidence import EvidenceStore
from workflows.items.binding import BINDING as ITEM_BINDING
from workflows.lights import LightRules
from workflows.milestones.binding import BINDING as MILESTONE_BINDING
from workflows.milestones.service import MilestoneService
from workflows.models import Plan
from workflows.reform.binding import BINDING as MEASURE_BINDING
from workflows.reform.service import MeasureService
from workflows.sweep import SweepResult, sweep

# Every workflow whose subjects the engine versions and the history chain records, registered once.
BINDINGS = (MEASURE_BINDING, MILESTONE_BINDING, ITEM_BINDING)


@dataclass
class Runtime:
    config: Config
    engine: Engine
    clock: Clock

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
        return {b.definition.name: WorkflowService(b, self.clock, self.limits) for b in BINDINGS}

    @cached_property
    def light_rules(self) -> LightRules:
        return LightRules.of(MEASURE_BINDING.definition, self.config.ladder)

    @cached_property
    def measures(self) -> MeasureService:
        return MeasureService(self.workflows[MEASURE_BINDING.definition.name], self.config.calendar,
                              self.light_rules)

    @cached_property
    def milestones(self) -> MilestoneService:
        return MilestoneService(self.workflows[MILESTONE_BINDING.definition.name])

    @property
    def items(self) -> WorkflowService:
        return self.workflows[ITEM_BINDING.definition.name]

    @cached_property
    def channels(self) -> dict[str, Channel]:
        email = EmailChannel(SmtpConfig.from_settings(self.settings), self.settings.base_url, email_address)
        return {email.name: email}

    @cached_property
    def delivery(self) -> Delivery:
        return Delivery(self.engine, self.clock, self.channels, DeliveryPolicy.from_settings(self.settings))

    def sweep(self, now: datetime | None = None, *, queued_at: datetime | None = None) -> SweepResult:
        """One escalation sweep as of `now` (default: the clock), outbox rows deliverable at `queued_at`."""
        return sweep(self.engine, now or self.clock.now(), ladder=self.config.ladder, calendar=self.config.calendar,
                     queued_at=queued_at)

    def flush(self, policy: DeliveryPolicy | None = None) -> FlushResult:
        """Deliver what is due in the outbox now."""
        return flush(replace(self.delivery, policy=policy) if policy else self.delivery)


def build_runtime(settings: Settings | None = None, clock: Clock | None = None, config: Config | None = None
                  ) -> Runtime:
    config = config or load_config(settings or get_settings())
    engine = make_engine(config.settings.database_url)
    return Runtime(config=config, engine=engine, clock=clock or clock_from(config.settings.start_instant))
