"""How 批示 meet the engine: the measure's lead units answer; the lead units are told at once."""

from __future__ import annotations

from sqlmodel import Session

from engine.decide import View
from engine.outbox import Notice
from engine.service import ActionFired
from workflows.directory import unit_people
from workflows.instructions.table import INSTRUCTION
from workflows.models import Measure
from workflows.reform.binding import payload
from workflows.reform.links import links_of
from workflows.supervision_models import Instruction, InstructionReply


class InstructionBinding:
    definition = INSTRUCTION
    row_type = Instruction

    def view(self, session: Session, row: Instruction) -> View:
        links = links_of(session, row.measure_id)
        return View(id=row.id, state=row.state, owner_ids=links.lead_ids, participant_ids=links.lead_ids, record=row)

    def created(self, session: Session, row: Instruction, event: ActionFired) -> list[Notice]:
        """The lead units' staff and heads hear of a 批示 in their next digest."""
        measure = session.get(Measure, row.measure_id)
        links = links_of(session, row.measure_id)
        body = payload(session, measure, links, event, {"instruction_id": row.id, "text": row.text,
                                                        "leader_id": row.leader_id})
        people = [p for unit in links.leads for p in unit_people(session, unit)]
        return [Notice("instruction_issued", to, "measure", measure.id, body) for to in people]

    def apply(self, session: Session, row: Instruction, event: ActionFired) -> list[Notice]:
        unit = next(iter(sorted(event.actor.unit_ids)), None)
        session.add(InstructionReply(instruction_id=row.id, text=event.fields["text"], by_user=event.actor.id,
                                     unit_id=unit, at=event.at))
        row.answered_at = row.answered_at or event.at
        return []


BINDING = InstructionBinding()
