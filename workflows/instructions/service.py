"""批示 on measures: a leader writes one (or 营商办 enters it on a leader's behalf), lead units answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session

from engine.decide import View
from engine.errors import NotFound
from engine.service import WorkflowService
from workflows.access import Access
from workflows.accounts_models import User
from workflows.instructions.table import INSTRUCT, INSTRUCTION
from workflows.instructions.views import InstructionView, Reply
from workflows.reform.links import links_of
from workflows.reform.views import beijing
from workflows.roles import LEADER, ORG
from workflows.supervision_models import Instruction, InstructionReply

OPEN = INSTRUCTION.tagged("awaiting_reply")


def names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(sorted(ids))))
    return {uid: display or username for uid, username, display in rows}


@dataclass
class InstructionService:
    workflow: WorkflowService

    def create(self, session: Session, access: Access, measure_id: int, data: Mapping[str, Any]
               ) -> InstructionView:
        measure = access.measure(session, measure_id)
        leader_id = self._leader(session, access, data.get("on_behalf_of"))
        view = View(id=f"new@{measure_id}", state=INSTRUCT.target, record=measure,
                    extra={"leader_ok": leader_id is not None})
        now = self.workflow.clock.now()

        def build(cleaned: dict) -> Instruction:
            return Instruction(measure_id=measure_id, text=cleaned["text"], leader_id=leader_id or access.actor.id,
                               written_by=access.actor.id, created_at=now, state=INSTRUCT.target, version=1)

        row, _ = self.workflow.create(session, view, access.actor, data, build, extra=view.extra)
        return self.view(session, access, row)

    def _leader(self, session: Session, access: Access, raw: Any) -> int | None:
        """The leader a 批示 is entered for: the writer when a leader, else the named leader (when it is one)."""
        if ORG.in_group(access.actor.role, "leaders"):
            return access.actor.id
        try:
            user = session.get(User, int(raw)) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None
        return user.id if user is not None and user.active and user.role == LEADER else None

    def reply(self, session: Session, access: Access, instruction_id: int, data: Mapping[str, Any]
              ) -> InstructionView:
        row = session.get(Instruction, instruction_id)
        if row is None:
            raise NotFound("找不到该批示", detail=f"instruction {instruction_id} not found")
        access.measure(session, row.measure_id)
        fields = dict(data)
        version = fields.pop("version", None)
        self.workflow.fire(session, row, "reply", access.actor, fields,
                           int(version) if str(version or "").isdigit() else row.version)
        return self.view(session, access, row)

    @staticmethod
    def any_for(measure_id_column):
        """EXISTS an instruction on the measure: a detail reads them only then."""
        return exists().where(Instruction.measure_id == measure_id_column)

    def for_measure(self, session: Session, access: Access, measure_id: int) -> list[InstructionView]:
        rows = session.execute(select(Instruction).where(Instruction.measure_id == measure_id)
                               .order_by(Instruction.created_at, Instruction.id)).scalars()
        return [self.view(session, access, r) for r in rows]

    def open_rows(self, session: Session, access: Access) -> list[Instruction]:
        """Instructions still waiting for their 落实情况, on the measures this person may see."""
        stmt = access.filter(select(Instruction).where(Instruction.state.in_(sorted(OPEN))), Instruction.measure_id)
        return list(session.execute(stmt.order_by(Instruction.created_at, Instruction.id)).scalars())

    def view(self, session: Session, access: Access, row: Instruction) -> InstructionView:
        replies = list(session.execute(select(InstructionReply).where(InstructionReply.instruction_id == row.id)
                                       .order_by(InstructionReply.at, InstructionReply.id)).scalars())
        who = names(session, {row.leader_id, row.written_by, *(r.by_user for r in replies)})
        units = {u.id: u.name for u in links_of(session, row.measure_id).leads}
        return InstructionView(
            id=row.id, measure_id=row.measure_id, text=row.text, by=who.get(row.leader_id, ""),
            entered_by=who.get(row.written_by) if row.written_by != row.leader_id else None, at=beijing(row.created_at),
            state=row.state, state_label=INSTRUCTION.label(row.state), version=row.version,
            replies=[Reply(text=r.text, by=who.get(r.by_user, ""), unit=units.get(r.unit_id), at=beijing(r.at))
                     for r in replies],
            allowed_actions=self.workflow.allowed(session, row, access.actor))
