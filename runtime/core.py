"""The composition root: settings, database, clock and services built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from config.settings import Settings, get_settings
from engine.clock import Clock, clock_from
from engine.db import make_engine
from engine.service import WorkflowService
from web.throttle import AddressThrottle
from workflows.evidence import EvidenceStore
from workflows.reform.binding import BINDING


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock

    @cached_property
    def evidence_store(self) -> EvidenceStore:
        return EvidenceStore(self.settings.evidence_dir, self.settings.max_upload_bytes)

    @cached_property
    def login_throttle(self) -> AddressThrottle:
        return AddressThrottle()

    @cached_property
    def measures(self) -> WorkflowService:
        return WorkflowService(BINDING, self.clock)


def build_runtime(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    return Runtime(settings=settings, engine=engine, clock=clock or clock_from(settings.start_instant))
