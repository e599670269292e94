"""How milestones meet the engine: owned by their measure's first lead unit, open while the unit owes the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from engine.decide import View
from engine.outbox import Notice
from engine.service import ActionFired
from workflows.milestones.table import MILESTONE
from workflows.models import Measure, Milestone
from workflows.reform.links import links_of
from workflows.reform.table import REFORM_MEASURE


@dataclass(frozen=True)
class MilestoneSubject:
    """What the milestone table's conditions look at: the milestone and its measure."""

    milestone: Milestone | None
    measure_open: bool
    measure_due: date | None


def subject(session: Session, measure: Measure, milestone: Milestone | None = None) -> MilestoneSubject:
    return MilestoneSubject(milestone, REFORM_MEASURE.has_tag(measure.state, "owes_work"), measure.due_date)


class MilestoneBinding:
    definition = MILESTONE
    row_type = Milestone

    def view(self, session: Session, row: Milestone) -> View:
        measure = session.get(Measure, row.measure_id)
        links = links_of(session, row.measure_id)
        sub = subject(session, measure, row)
        return View(id=row.id, state=row.state, owner_ids=links.primary_ids, participant_ids=links.lead_ids,
                    record=sub, extra={"measure_due": measure.due_date})

    def apply(self, session: Session, row: Milestone, event: ActionFired) -> list[Notice]:
        name = event.action.name
        if name == "complete":
            row.done_at = event.at
        elif name == "reopen":
            row.done_at = None
        elif name == "edit":
            row.due_date, row.description = event.fields["due_date"], event.fields["description"]
        return []


BINDING = MilestoneBinding()
