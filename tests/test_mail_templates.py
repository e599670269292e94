"""Every kind of notice the system writes renders into a Chinese digest, HTML and text, with nothing undefined."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import jinja2
import pytest
from markupsafe import escape
from sqlmodel import Session, select

from engine.db import write_session
from engine.outbox import OutboxMessage
from notifications.digest import digest_item
from notifications.labels import KIND_LABELS, kind_text
from notifications.render import environment, render_digest
from tests.world import bj, sweep_at
from tests.world import esc_act as act
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.models import Evidence
from workflows.reform import binding

BASE = "https://duban.wulong.example"


KIND_ARG = {"Notice": 0, "notices": 0, "_to_unit": 3, "_to_supervisors": 3, "_tell": 3}


def kinds_written() -> set[str]:
    """Every notice kind a workflow writes: the kind argument of Notice(...) and its helpers, resolved to text."""
    found = set()
    for path in Path(binding.__file__).resolve().parents[1].rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
        for node in ast.walk(tree):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name in KIND_ARG and len(node.args) > KIND_ARG[name]:
                arg = node.args[KIND_ARG[name]]
                value = arg.value if isinstance(arg, ast.Constant) else names.get(getattr(arg, "id", ""))
                if isinstance(value, str):
                    found.add(value)
    return found


def evidence(rt, measure_id: int, uploader_id: int) -> int:
    with write_session(rt.engine) as session:
        ev = Evidence(measure_id=measure_id, sha256="0" * 64, filename="佐证.pdf", content_type="application/pdf",
                      size=10, uploaded_by=uploader_id, uploaded_at=rt.clock.now())
        session.add(ev)
        session.flush()
        return ev.id


def whole_lifecycle(rt) -> None:
    """One measure through every action that tells somebody, and rungs of every level."""
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"),
           ("rev", "supervisor", "区政府督查办"), ("office1", "office", "区营商办"))
    with Session(rt.engine) as session:
        from workflows.accounts_models import User

        clerk_id = session.exec(select(User.id).where(User.username == "clerk")).one()
    m = measure(rt, date(2022, 6, 30))
    act(rt, m, "clerk", "request_extension", "2022-06-20 10:00", proposed_due_date="2022-07-29", comment="等待系统上线")
    act(rt, m, "rev", "decide_extension", "2022-06-21 10:00", approve=True, comment="同意")
    first = evidence(rt, m, clerk_id)
    act(rt, m, "clerk", "submit", "2022-06-22 09:00", evidence=[first], comment="请审签")
    act(rt, m, "boss", "send_back", "2022-06-22 09:30", comment="请补充数据")
    act(rt, m, "clerk", "submit", "2022-06-22 09:40", evidence=[first], comment="已补充，请审签")
    act(rt, m, "boss", "sign_off", "2022-06-22 10:00", comment="同意报送")
    act(rt, m, "rev", "return", "2022-06-23 10:00", comment="佐证不全 <请补充>")
    act(rt, m, "boss", "report", "2022-06-24 10:00", evidence=[evidence(rt, m, clerk_id)], comment="已补充")
    act(rt, m, "rev", "approve", "2022-06-27 10:00", comment="")
    act(rt, m, "office1", "evaluate", "2022-06-28 10:00", rating="好", satisfaction=95, typical_case=True,
        case_text="一照多址典型案例")
    act(rt, m, "office1", "adjust", "2022-06-29 10:00", new_due_date="2022-09-30", comment="扩大试点范围")
    late = measure(rt, date(2022, 6, 10), text="催办一次")
    act(rt, late, "rev", "urge", "2022-06-29 11:00", comment="请加快进度")
    for due, when in ((date(2022, 7, 8), "2022-07-01"), (date(2022, 6, 10), "2022-06-13"),
                      (date(2022, 6, 1), "2022-06-09"), (date(2022, 5, 20), "2022-06-08")):
        measure(rt, due, text=f"到期 {due}")
        sweep_at(rt, f"{when} 09:00")
    measure(rt, date(2022, 6, 30), state="reported", reported_at=bj("2022-06-01 10:00"))
    sweep_at(rt, "2022-06-30 09:00")


def test_every_notice_kind_renders_in_chinese(rt):
    assert kinds_written() | {"escalation"} == set(KIND_LABELS)
    whole_lifecycle(rt)
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    reform_kinds = {k for k in KIND_LABELS if not k.startswith(("problem_", "instruction_", "document_"))}
    assert {r.kind for r in rows} == reform_kinds
    levels = {(r.data["level"], r.data["copy"]) for r in rows if r.kind == "escalation"}
    assert {lvl for lvl, _ in levels} == {"L0", "L1", "L2", "L3", "review"} and ("L2", True) in levels
    for row in rows:
        item = digest_item(row.id, row.kind, row.data, BASE)
        out = render_digest(row.recipient_name, [item], BASE, "2022年06月30日 09:00")
        assert item.title in out.text and item.first_words in out.text and "第7项" in out.text
        assert str(escape(item.title)) in out.html and str(escape(item.first_words)) in out.html
        for part in (out.text, out.html):
            assert f"{BASE}/measures/{row.subject_id}" in part and "时间节点" in part
        if row.kind == "escalation":  # 【督办】区市场监管局 1 项举措逾期超过6个工作日
            assert out.subject.startswith(f"【{row.data['level_label']}") and " 1 项举措" in out.subject
        else:  # 【退回】第7项 一照多址改革 报送被退回
            text = kind_text(row.kind)
            assert out.subject == f"【{text.tag}】第7项 一照多址改革 {text.verb}"
    returned = next(r for r in rows if r.kind == "measure_returned")
    html = render_digest("经办人", [digest_item(returned.id, returned.kind, returned.data, BASE)], BASE, "now").html
    assert "佐证不全 &lt;请补充&gt;" in html and "<请补充>" not in html


def test_templates_refuse_undefined_names_and_unknown_kinds():
    with pytest.raises(jinja2.UndefinedError):
        environment().get_template("digest.txt").render(items=[])
    with pytest.raises(LookupError, match="no Chinese label"):
        digest_item(1, "measure_teleported", {"measure_id": 1}, BASE)
