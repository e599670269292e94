"""Every table of the system, imported so that Alembic and create_all see the whole schema."""

from engine.history import HistoryCheckpoint, HistoryRecord  # noqa: F401
from engine.jobs import JobRun  # noqa: F401
from engine.outbox import OutboxMessage  # noqa: F401
from workflows.accounts_models import ApiToken, LeaderUnit, LoginFailure, User, WebSession  # noqa: F401
from workflows.calendar_store import CalendarDay, CalendarYear  # noqa: F401
from workflows.exports import ExportJob  # noqa: F401
from workflows.models import (  # noqa: F401
    Category,
    Escalation,
    Evaluation,
    Evidence,
    Extension,
    Item,
    Measure,
    MeasureUnit,
    Milestone,
    Plan,
    Replication,
    Unit,
    UnitWebhook,
)
from workflows.supervision_models import (  # noqa: F401, E402
    Document,
    DocumentCounter,
    Instruction,
    InstructionReply,
    Meeting,
    MeetingSubject,
    Problem,
    ProblemUnit,
)
