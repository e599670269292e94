"""Every main page, for each kind of person, names people by their display names (never a login) and writes
dates one way (2022年6月30日, times 2022年6月30日 9:05); the measure page says where a measure was replicated
(推广范围) and who cooperates on it (配合单位); another unit's measure is refused in plain words; the 总览 chart of
months has an axis worth reading with a single month."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

import tests.world as world_module
from tests.mail_support import mail_runtime, parsed, running_sink
from tests.web_support import as_user
from tests.world import june_scenario, report_build
from web.app import create_app
from web.sessions import CSRF_COOKIE
from workflows.accounts_models import User
from workflows.models import COOPERATING, MeasureUnit, Unit

DISPLAY = {"scjg": "王晓梅", "cz": "李建国", "zw": "赵丽华", "reviewer": "孙志强", "office": "周敏", "admin": "吴刚"}
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
OTHER_STYLES = (re.compile(r"\d{4}/\d{1,2}/\d{1,2}"), re.compile(r"\d{4}年0\d月"), re.compile(r"\d+时\d{2}分"),
                re.compile(r"\d{4}\.\d{1,2}\.\d{1,2}"))


@pytest.fixture
def site(rt, monkeypatch):
    """The June 2022 world, its people with display names unlike their logins; m0 also evaluated and replicated."""
    made = world_module.people

    def named(rt_, who):
        users = made(rt_, who)
        with rt_.write() as session:
            for login, user in users.items():
                row = session.get(User, user.id)
                row.display_name = DISPLAY.get(login, f"{login}同志")
                user.display_name = row.display_name
        return users

    monkeypatch.setattr(world_module, "people", named)
    w = june_scenario(rt)
    w.act(w.measures[0], "evaluate", "office", "2022-06-15 10:00", rating="好", satisfaction=96)
    w.act(w.measures[0], "replicate", "office", "2022-06-16 09:05", scope="全市", description="在全市推广备案制")
    rt.clock.set(world_module.bj("2022-06-20 09:00"))
    with rt.write() as session:
        market = session.exec(select(Unit).where(Unit.name == "区市场监管局")).one()
        session.add(MeasureUnit(measure_id=w.measures[3], unit_id=market.id, position=5, part=COOPERATING))
    with TestClient(create_app(rt)) as c:
        yield c, w


def visible(html: str) -> str:
    """What a person reads: no tags (so no attributes, no input values), no scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<textarea\b.*?</textarea>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&nbsp;", " ")


def pages_for(w) -> dict[str, list[str]]:
    m = w.measures
    every_measure = [f"/measures/{i}" for i in m] + [f"/measures/{i}/timetable" for i in m]
    return {
        "office": ["/", "/ledger", "/overview", "/reports", "/reports/monthly?month=2022-06", "/reports/assessment",
                   "/reports/records", "/reports/classes", "/reports/typical-cases", "/help", "/mail", "/cockpit",
                   "/documents", "/problems", "/urge", *every_measure],
        "reviewer": ["/", "/ledger", "/overview", "/documents", "/problems", f"/measures/{m[4]}", f"/measures/{m[0]}"],
        "scjg": ["/", "/ledger", "/overview", "/reports/monthly?month=2022-06", f"/measures/{m[0]}",
                 f"/measures/{m[1]}", f"/measures/{m[1]}/timetable"],
        "zw": ["/", "/ledger", "/problems", f"/measures/{m[3]}", f"/measures/{m[4]}", f"/measures/{m[3]}/timetable"],
        "admin": ["/", "/admin/units", "/admin/calendar", "/admin/import", "/mail"],
    }


def read_all(c: TestClient, rt, w) -> dict[str, str]:
    out = {}
    for login, paths in pages_for(w).items():
        as_user(c, rt, w.users[login])
        for path in paths:
            resp = c.get(path)
            assert resp.status_code == 200, (login, path, resp.status_code)
            out[f"{login} {path}"] = visible(resp.text)
    return out


def test_no_login_name_where_a_person_is_named(site, rt):
    c, w = site
    logins = list(w.users)
    found = []
    for where, text in read_all(c, rt, w).items():
        for login in logins:
            for hit in re.finditer(rf"(?<![A-Za-z0-9_.@/-]){re.escape(login)}(?![A-Za-z0-9_@-])", text):
                found.append(f"{where}: …{text[max(0, hit.start() - 30):hit.end() + 20]}…")
    assert found == [], "\n".join(found[:20])
    measure = visible(c.get(f"/measures/{w.measures[0]}").text)
    assert "孙志强" in measure and "王晓梅" in measure  # the reviewer and the clerk, by name, in 办理记录


def test_dates_read_one_way_on_every_page(site, rt):
    c, w = site
    found, pages = [], read_all(c, rt, w)
    as_user(c, rt, w.users["admin"])  # the account list shows logins (the field it manages) but dates one way too
    pages["admin /admin/users"] = visible(c.get("/admin/users").text)
    for where, text in pages.items():
        for pattern in (ISO_DATE, *OTHER_STYLES):
            found += [f"{where}: …{text[max(0, h.start() - 25):h.end() + 10]}…" for h in pattern.finditer(text)]
    assert found == [], "\n".join(found[:20])
    as_user(c, rt, w.users["office"])
    records = visible(c.get("/reports/records").text)
    assert "2022年6月15日" in records and "2022年6月16日" in records  # the evaluation and the replication
    assert re.search(r"2022年6月\d+日 \d{1,2}:\d{2}", visible(c.get(f"/measures/{w.measures[0]}").text))


def test_the_facts_card_names_the_replication_scope_and_cooperating_units(site, rt):
    c, w = site
    as_user(c, rt, w.users["office"])
    replicated = visible(c.get(f"/measures/{w.measures[0]}").text)
    assert "推广范围 全市 （2022年6月16日复制推广） 在全市推广备案制" in replicated
    joint = c.get(f"/measures/{w.measures[3]}").text
    facts = visible(joint.split('id="facts-h"')[1].split("</dl>")[0])
    leads = r"牵头单位 区政务办 （第一牵头单位） 、 区财政局 （共同牵头单位） "
    assert re.search(leads + "配合单位 区市场监管局", facts), facts


def test_another_units_measure_is_refused_in_plain_words(site, rt):
    c, w = site
    as_user(c, rt, w.users["scjg"])
    resp = c.get(f"/measures/{w.measures[4]}")  # led by 区政务办
    text = visible(resp.text)
    assert resp.status_code == 403 and "这项举措由区政务办牵头，不是您所在单位承担的举措" in text
    assert "无权执行此操作" not in text and "工作台" in text


def test_a_single_month_of_completions_draws_a_readable_axis(rt):
    w = report_build(rt)
    w.act(w.measures[5], "approve", "reviewer", "2022-06-10 16:00")  # the one measure verified so far
    rt.clock.set(world_module.bj("2022-06-20 09:00"))
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, w.users["office"])
        html = c.get("/overview").text
    chart = html.split("<h2>各月核验完成</h2>")[1].split("</figure>")[0]
    ticks = [int(t) for t in re.findall(r'text-anchor="end"[^>]*>(\d+)</text>', chart)]
    assert re.findall(r"<title>([^<：]+)：(\d+) 项</title>", chart) == [("2022年6月", "1")]
    assert ticks[0] == 0 and len(ticks) >= 4 and ticks[-1] > 1  # not a bare 0–1
    assert all(b - a == ticks[1] - ticks[0] for a, b in zip(ticks, ticks[1:], strict=False))  # even whole steps
    assert "每月核验通过的举措数（2022年6月）" in chart and "2022-06" not in visible(chart)


def test_mails_name_people_by_display_name(site, rt):
    c, w = site
    mail_rt = mail_runtime(rt)
    with running_sink(mail_rt):
        mail_rt.flush()
    messages = parsed(mail_rt)
    assert messages, "the June world's returns and reports were mailed"
    texts = []
    for message in messages:
        for part in message.walk():
            if part.get_content_maintype() == "text":
                texts.append(re.sub(r"[\w.+-]+@[\w.-]+", " ", visible(part.get_content())))  # addresses aside
    found = [f"…{t[max(0, h.start() - 30):h.end() + 20]}…" for t in texts for login in w.users
             for h in re.finditer(rf"(?<![A-Za-z0-9_.@/-]){login}(?![A-Za-z0-9_@-])", t)]
    assert found == [], "\n".join(found[:10])
    assert any("孙志强" in t for t in texts)  # the reviewer who returned the work, by name


def test_an_account_needs_a_name_to_be_called_by(site, rt):
    c, w = site
    as_user(c, rt, w.users["admin"])
    c.get("/admin/users")
    form = {"username": "lisi", "display_name": " ", "role": "office", "password": "long-enough-1",
            "email": "lisi@wulong.example", "_csrf_token": c.cookies.get(CSRF_COOKIE)}
    refused = c.post("/admin/users", data=form)
    assert refused.status_code == 400 and "请填写姓名" in visible(refused.text)
    assert 'value="lisi"' in refused.text and 'value="lisi@wulong.example"' in refused.text  # the rest is kept
    with Session(rt.engine) as s:
        assert s.exec(select(User).where(User.username == "lisi")).first() is None
    added = c.post("/admin/users", data={**form, "display_name": "李四"}, follow_redirects=False)
    assert added.status_code == 303
