"""Nobody is left untold silently: a rung with nobody to tell and a row with no address are listed on 邮件 and in
/health; the 邮件 page previews the HTML part in a sandbox and shows what the local robot receiver kept."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.mail_support import mail_runtime, running_sink
from tests.notify_support import add_robot, rows, signed_in
from tests.robot_support import SECRET, running_robot_sink
from tests.world import bj, client
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.accounts_models import User
from workflows.models import Unit


def health(rt) -> dict:
    with client(rt) as c:
        return c.get("/health").json()["notices"]


def test_a_rung_with_nobody_to_tell_is_listed_until_someone_can_be(rt):
    people(rt, ("rev", "supervisor", "区政府督查办"))
    lonely = measure(rt, date(2022, 6, 10), unit="区文化旅游委")  # no users, no head's address, no robot
    result = rt.sweep(bj("2022-06-13 09:00"))
    assert result.unaddressed == [(lonely, "L1")] and rows(rt) == []
    assert health(rt) == {"unaddressed": 1, "silent_rungs": 1, "rows_without_address": 0}
    with client(rt) as c:
        signed_in(c, "rev")
        page = c.get("/mail").text
    assert "无人收到的通知" in page and "预警无收件人（1）" in page and f'href="/measures/{lonely}"' in page
    assert "催办（L1）" in page
    add_robot(rt, "区文化旅游委", "http://127.0.0.1:9/webhook", kind="webhook")  # the next rung has somewhere to go
    rt.sweep(bj("2022-06-20 09:00"))
    assert sorted((r.channel, r.data["level"]) for r in rows(rt)) == [("email", "L2"), ("robot", "L2")]  # rev's copy
    assert health(rt)["silent_rungs"] == 1  # the one that reached nobody stays listed


def test_a_row_with_no_address_on_its_channel_fails_at_once_and_is_listed(rt):
    mail_rt = mail_runtime(rt)
    people(mail_rt, ("rev", "supervisor", "区政府督查办"), ("clerk", "unit_staff", "区市场监管局"))
    with mail_rt.write() as session:
        session.execute(select(User).where(User.username == "clerk")).scalars().one().email = ""
        session.execute(select(Unit).where(Unit.name == "区市场监管局")).scalars().one().head_email = ""
    measure(mail_rt, date(2022, 6, 10))
    mail_rt.sweep(bj("2022-06-13 09:00"))
    with running_sink(mail_rt):
        result = mail_rt.flush()
    assert (result.failed, result.deferred) == (1, 0)
    [row] = rows(mail_rt, status="failed")
    assert (row.failure, row.attempts) == ("no_address", 0)
    assert health(mail_rt) == {"unaddressed": 1, "silent_rungs": 0, "rows_without_address": 1}
    with client(mail_rt) as c:
        signed_in(c, "rev")
        page = c.get("/mail").text
    assert "收件人在此渠道无地址（1）" in page and "clerk" in page


def test_the_mail_page_previews_html_in_a_sandbox_and_shows_the_robots_messages(rt, tmp_path):
    mail_rt = mail_runtime(rt)
    people(mail_rt, ("rev", "supervisor", "区政府督查办"), ("boss", "unit_head", "区市场监管局"))
    measure(mail_rt, date(2022, 6, 10), text='举措<script>alert("x")</script>')
    with running_sink(mail_rt), running_robot_sink(mail_rt.settings.robot_sink_dir, secret=SECRET) as robots:
        add_robot(mail_rt, "区市场监管局", robots.url("dingtalk"), name="区市场监管局工作群")
        mail_rt.sweep(bj("2022-06-20 09:00"))
        mail_rt.flush()
    with client(mail_rt) as c:
        signed_in(c, "rev")
        page = c.get("/mail").text
        src = re.search(r'<iframe class="mail-preview" sandbox="" [^>]*src="(/mail/sink/[^"]+)"', page).group(1)
        preview = c.get(src)
        assert c.get("/mail/sink/..%2F..%2Fetc%2Fpasswd").status_code == 404
        assert c.get("/mail/sink/20220620T090000000000-00000000").status_code == 404
        signed_in(c, "boss")  # a unit's head does not read the outbox
        assert c.get(src).status_code == 403
    # the mail's own HTML, its inline styles allowed in that frame only, sandboxed even when opened alone
    assert preview.status_code == 200 and preview.text.lstrip().startswith("<!DOCTYPE html>")
    assert "style=" in preview.text and "&lt;script&gt;alert" in preview.text and "<script>alert" not in preview.text
    policy = preview.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in policy and "sandbox" in policy and "script-src" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "<script>alert" not in page and "style-src 'self'" in c.get("/mail").headers.get(
        "content-security-policy", "style-src 'self'")
    assert "本地工作群机器人接收" in page and "【督办】区市场监管局 1 项举措逾期超过6个工作日" in page
    assert "钉钉 / 渝快政" in page and "投递标识：robot-" in page


def test_a_rung_is_marked_silent_when_it_fires_and_a_heard_urge_is_not(rt):
    """The mark is written as the rung fires (a health probe reads an index, not the outbox): a 催办 that reached
    the unit's people is not silent, a sweep's rung for a unit with nobody is."""
    from tests.world import esc_act
    from workflows.models import Escalation

    people(rt, ("rev", "supervisor", "区政府督查办"), ("clerk", "unit_staff", "区市场监管局"))
    heard = measure(rt, date(2022, 6, 10))
    esc_act(rt, heard, "rev", "urge", "2022-06-10 11:00", comment="请加快进度")
    lonely = measure(rt, date(2022, 6, 10), unit="区文化旅游委")
    rt.sweep(bj("2022-06-13 09:00"))
    with rt.read() as session:
        marks = sorted((e.measure_id, e.level, e.silent) for e in session.execute(select(Escalation)).scalars()
                       if e.status == "fired")
    assert marks == [(heard, "L1", False), (heard, "urge", False), (lonely, "L1", True)]
    assert health(rt) == {"unaddressed": 1, "silent_rungs": 1, "rows_without_address": 0}
