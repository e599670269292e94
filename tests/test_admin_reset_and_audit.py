"""An admin resets a password (a one-time password, shown once, changed at the next sign-in), and every admin
change is in the hash-chained history with who, when, what and from which address; `reform audit verify` passes."""

from __future__ import annotations

import io

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from runtime import reports
from runtime.audit import verify
from tests.web_support import PASSWORD, sign_in
from web.app import create_app
from workflows import audit_log
from workflows.accounts_models import ApiToken, User
from workflows.models import Unit


@pytest.fixture
def client(rt, make_user):
    make_user("root", "admin")
    make_user("li", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def user_id(rt, username: str) -> int:
    with rt.read() as session:
        return session.exec(select(User.id).where(User.username == username)).one()


def one_time_password(html: str) -> str:
    return html.split('<code class="one-time">')[1].split("</code>")[0]


def test_a_reset_password_works_once_and_must_be_changed(client, rt):
    with TestClient(client.app) as li:
        sign_in(li, "li")
        api = li.post("/api/auth/token", json={"username": "li", "password": PASSWORD}).json()["access_token"]
        token = sign_in(client, "root")
        resp = client.post(f"/admin/users/{user_id(rt, 'li')}/password", data={"_csrf_token": token})
        assert resp.status_code == 200 and "只显示这一次" in resp.text
        one_time = one_time_password(resp.text)
        assert len(one_time) == 12 and one_time not in client.get("/admin/users").text  # shown once
        assert li.get("/", follow_redirects=False).status_code in (302, 303)  # the old session has ended
        assert li.get("/api/me", headers={"authorization": f"Bearer {api}"}).status_code == 401
        with rt.read() as session:
            assert all(t.revoked_at for t in session.exec(select(ApiToken)))

        li_token = sign_in(li, "li", one_time)
        for path in ("/", "/ledger", "/reports"):
            resp = li.get(path, follow_redirects=False)
            assert (resp.status_code, resp.headers.get("location")) == (302, "/password")
        assert "管理员已重置您的密码" in li.get("/password").text
        refused = li.post("/api/auth/token", json={"username": "li", "password": one_time})
        assert refused.status_code == 403 and "修改密码" in refused.json()["message"]
        changed = li.post("/password", data={"old": one_time, "new": "my-own-horse-3", "confirm": "my-own-horse-3",
                                             "_csrf_token": li_token})
        assert changed.status_code == 200 and "密码已修改" in changed.text
        assert li.get("/", follow_redirects=False).status_code == 200
        assert li.post("/api/auth/token", json={"username": "li", "password": "my-own-horse-3"}).status_code == 200


def test_an_admin_cannot_reset_their_own_password_here(client, rt):
    token = sign_in(client, "root")
    resp = client.post(f"/admin/users/{user_id(rt, 'root')}/password", data={"_csrf_token": token})
    assert resp.status_code == 400 and "修改密码" in resp.text


def ledger_upload(rt) -> bytes:
    with rt.read() as session:
        return reports.ledger_workbook(rt, session, None).content


def test_every_admin_change_is_in_the_audit_chain(client, rt, ledger):
    token = sign_in(client, "root")
    form = {"username": "czj", "display_name": "财政局经办人", "email": "c@czj.example", "role": "unit_staff",
            "unit": "区财政局", "password": "long-enough-1", "_csrf_token": token}
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    czj = user_id(rt, "czj")
    role = {"role": "unit_head", "unit": "区财政局", "_csrf_token": token}
    assert client.post(f"/admin/users/{czj}/role", data=role, follow_redirects=False).status_code == 303
    assert client.post(f"/admin/users/{czj}/password", data={"_csrf_token": token}).status_code == 200
    for active in ("false", "true"):
        client.post(f"/admin/users/{czj}/active", data={"active": active, "_csrf_token": token})
    with rt.read() as session:
        unit = session.exec(select(Unit).where(Unit.name == "区财政局")).one()
    client.post(f"/admin/units/{unit.id}", data={"head_name": "王局长", "head_email": "w@czj.example",
                                                 "_csrf_token": token})
    preview = client.post("/admin/import", data={"source": "file", "plan": "", "_csrf_token": token},
                          files={"file": ("台账.xlsx", io.BytesIO(ledger_upload(rt)).getvalue())})
    staged = preview.text.split('name="token" value="')[1].split('"')[0]
    assert client.post("/admin/import/apply", data={"token": staged, "plan": "", "_csrf_token": token}
                       ).status_code == 200

    with rt.read() as session:
        users = audit_log.records(session, audit_log.USER, czj)
        units = audit_log.records(session, audit_log.UNIT, unit.id)
        imports = audit_log.records(session, audit_log.LEDGER)
    assert [r.action for r in users] == ["added", "role_changed", "password_reset", "deactivated", "activated"]
    assert [r.version for r in users] == [1, 2, 3, 4, 5]
    assert users[1].payload["before"]["role"] == "unit_staff" and users[1].payload["after"]["role"] == "unit_head"
    assert units[0].action == "head_changed" and units[0].payload["after"]["head_name"] == "王局长"
    assert imports[0].action == "imported" and imports[0].payload["source"] == "台账.xlsx"
    for rec in users + units + imports:
        assert (rec.actor_name, rec.payload["address"]) == ("root", "testclient") and rec.at == rt.clock.now()
    assert "long-enough-1" not in str([r.data for r in users])
    assert verify(rt).ok


def test_audit_verify_on_the_command_line_covers_them(client, rt, cli, capsys):
    token = sign_in(client, "root")
    client.post(f"/admin/users/{user_id(rt, 'li')}/active", data={"active": "false", "_csrf_token": token})
    assert cli(["audit", "verify"]) == 0
    assert "1" in capsys.readouterr().out
