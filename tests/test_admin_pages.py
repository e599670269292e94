"""管理 pages: unit heads, users, and a ledger import that is previewed before it is applied — admins only."""

from __future__ import annotations

import io

import openpyxl
import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from engine.history import HistoryRecord
from runtime import reports
from tests.web_support import sign_in
from web.app import create_app
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Measure, Unit


@pytest.fixture
def client(rt, ledger, make_user):
    make_user("root", "admin")
    make_user("office", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def test_only_admins_reach_the_admin_pages(client):
    token = sign_in(client, "office")
    for path in ("/admin/units", "/admin/users", "/admin/import"):
        assert client.get(path).status_code == 403
    resp = client.post("/admin/users", data={"username": "x", "role": "office", "password": "long-enough-1",
                                             "_csrf_token": token})
    assert resp.status_code == 403


def test_admin_edits_a_unit_head_and_adds_and_deactivates_a_user(client, rt):
    token = sign_in(client, "root")
    with Session(rt.engine) as s:
        unit = s.exec(select(Unit).where(Unit.name == "区财政局")).one()
    resp = client.post(f"/admin/units/{unit.id}", data={"head_name": "王局长", "head_email": "wang@czj.example",
                                                        "_csrf_token": token})
    assert resp.status_code in (200, 303)
    form = {"username": "czj-clerk", "display_name": "财政局经办人", "email": "c@czj.example",
            "role": "unit_staff", "unit": "区财政局", "password": "long-enough-1", "_csrf_token": token}
    assert client.post("/admin/users", data=form).status_code in (200, 303)
    again = client.post("/admin/users", data=form)
    assert again.status_code == 400 and "已存在" in again.text and "czj-clerk" in again.text
    assert "long-enough-1" not in again.text  # the password is never echoed back
    with Session(rt.engine) as s:
        unit = s.get(Unit, unit.id)
        assert (unit.head_name, unit.head_email) == ("王局长", "wang@czj.example")
        clerk = s.exec(select(User).where(User.username == "czj-clerk")).one()
        assert clerk.password_hash.startswith("$argon2") and clerk.unit_id == unit.id
    assert client.post(f"/admin/users/{clerk.id}/active", data={"active": "false", "_csrf_token": token}
                       ).status_code in (200, 303)
    with Session(rt.engine) as s:
        assert accounts.authenticate(s, "czj-clerk", "long-enough-1", rt.clock.now()) is None


def test_a_ledger_import_is_previewed_then_applied(client, rt):
    with Session(rt.engine) as s:
        content = reports.ledger_workbook(rt, s, None).content
        target = s.exec(select(Measure).where(Measure.due_text == "2022年6月")).first()
        before = (target.id, target.due_date, target.version)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    changed = 0
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == target.text:
                due = next(c for c in row if c.value == "2022年6月")
                due.value, changed = "2022年9月", changed + 1
    assert changed == 1
    upload = io.BytesIO()
    book.save(upload)
    token = sign_in(client, "root")
    preview = client.post("/admin/import", data={"source": "file", "plan": "", "_csrf_token": token},
                          files={"file": ("台账.xlsx", upload.getvalue())})
    assert preview.status_code == 200 and "2022年9月" in preview.text
    with Session(rt.engine) as s:
        assert (s.get(Measure, before[0]).due_date, s.get(Measure, before[0]).version) == before[1:]
    staged = preview.text.split('name="token" value="')[1].split('"')[0]
    applied = client.post("/admin/import/apply", data={"token": staged, "plan": "", "_csrf_token": token})
    assert applied.status_code == 200
    with Session(rt.engine) as s:
        row = s.get(Measure, before[0])
        assert (row.due_date.isoformat(), row.version, row.deadline_version) == ("2022-09-30", before[2] + 1, 2)
        assert s.exec(select(HistoryRecord).where(HistoryRecord.subject_id == row.id)
                      .order_by(HistoryRecord.seq.desc())).first().action == "reimport"
