"""Every text and date a form or the API takes is bounded: a 5 MB comment, a deadline in 1900 or 9999, an overlong
user name or plan code are refused with a Chinese 422 naming the field and the bound; nothing is stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from engine.history import HistoryRecord
from runtime.core import Runtime
from tests.web_support import as_user, sign_in
from tests.world import build
from web.app import create_app
from workflows.models import Measure

FIVE_MB = "改" * (5 * 1024 * 1024 // 3)  # 5 MB in UTF-8


@pytest.fixture
def world(rt):
    return build(rt)


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


def started(rt, world, measure_id: int = 1) -> int:
    world.act(measure_id, "start", "clerk")
    with rt.read() as session:
        return session.get(Measure, measure_id).version


def history_size(rt) -> int:
    with rt.read() as session:
        return len(session.exec(select(HistoryRecord)).all())


def test_a_five_megabyte_comment_is_refused_naming_the_field_and_the_limit(client, rt, world):
    version, before = started(rt, world), history_size(rt)
    resp = client.post("/api/measures/1/actions/update_progress", json={"version": version, "comment": FIVE_MB},
                       headers=world.auth("clerk"))
    assert resp.status_code == 422
    body = resp.json()
    assert body["codes"] == {"comment": "too_long"}
    assert body["fields"]["comment"] == f"进展情况最多 5,000 个字，现为 {len(FIVE_MB):,} 个字"
    assert history_size(rt) == before


def test_the_page_form_refuses_it_too(client, rt, world):
    version = started(rt, world)
    as_user(client, rt, world.users["clerk"])
    client.get("/measures/1")
    resp = client.post("/measures/1/actions/update_progress", data={"version": str(version), "comment": FIVE_MB},
                       headers={"x-csrftoken": client.cookies.get("reform_csrf")})
    assert resp.status_code == 422 and "进展情况最多 5,000 个字" in resp.text


def test_the_text_limit_is_configurable(rt, world):
    version = started(rt, world)
    small = Runtime(config=replace(rt.config, limits=replace(rt.config.limits, text_max=100)), engine=rt.engine,
                    clock=rt.clock)
    with TestClient(create_app(small)) as client:
        resp = client.post("/api/measures/1/actions/update_progress", json={"version": version, "comment": "字" * 101},
                           headers=world.auth("clerk"))
    assert resp.status_code == 422 and "最多 100 个字" in resp.json()["fields"]["comment"]


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "2028-01-01"])
def test_an_extension_far_outside_the_plans_years_is_refused(client, rt, world, day):
    version = started(rt, world)
    resp = client.post("/api/measures/1/actions/request_extension",
                       json={"version": version, "proposed_due_date": day, "comment": "需要更多时间"},
                       headers=world.auth("clerk"))
    assert resp.status_code == 422
    message = resp.json()["fields"]["proposed_due_date"]
    assert message == "申请延期至应在 2017年1月1日 至 2027年12月31日 之间"  # the plan (2022) and this year ± 5


def test_an_extension_within_the_span_passes(client, rt, world):
    version = started(rt, world)
    resp = client.post("/api/measures/1/actions/request_extension",
                       json={"version": version, "proposed_due_date": "2027-12-31", "comment": "需要更多时间"},
                       headers=world.auth("clerk"))
    assert resp.status_code == 200


def test_the_span_is_configurable(rt, world):
    version = started(rt, world)
    narrow = Runtime(config=replace(rt.config, settings=rt.settings.model_copy(update={"date_span_years": 1})),
                     engine=rt.engine, clock=rt.clock)
    assert (narrow.limits.date_min.isoformat(), narrow.limits.date_max.isoformat()) == ("2021-01-01", "2023-12-31")
    with TestClient(create_app(narrow)) as client:
        resp = client.post("/api/measures/1/actions/request_extension",
                           json={"version": version, "proposed_due_date": "2024-06-30", "comment": "理由"},
                           headers=world.auth("clerk"))
    assert resp.status_code == 422 and "2023年12月31日" in resp.json()["fields"]["proposed_due_date"]


def test_a_milestone_in_9999_is_refused(client, rt, world):
    started(rt, world)
    resp = client.post("/api/measures/1/milestones", json={"due_date": "9999-12-31", "description": "完成"},
                       headers=world.auth("clerk"))
    assert resp.status_code == 422 and "节点日期应在" in resp.json()["fields"]["due_date"]


@pytest.mark.parametrize(("field", "value", "said"), [
    ("username", "u" * 65, "用户名最多 64 个字"),
    ("display_name", "名" * 65, "姓名最多 64 个字"),
    ("email", "a" * 250 + "@x.example", "邮箱最多 255 个字"),
])
def test_admin_user_forms_are_bounded(client, rt, world, field, value, said):
    token = sign_in(client, "admin")
    form = {"username": "new-user", "display_name": "新用户", "email": "n@x.example", "role": "office",
            "password": "long-enough-1", "_csrf_token": token, field: value}
    resp = client.post("/admin/users", data=form)
    assert resp.status_code == 422 and said in resp.text


def test_an_overlong_password_is_refused(client, world):
    token = sign_in(client, "admin")
    form = {"username": "new-user", "display_name": "新用户", "role": "office", "password": "p" * 129,
            "_csrf_token": token}
    resp = client.post("/admin/users", data=form)
    assert resp.status_code == 400 and "密码最多 128 个字符" in resp.text


def test_a_unit_head_and_an_import_plan_code_are_bounded(client, rt, world):
    token = sign_in(client, "admin")
    resp = client.post("/admin/units/1", data={"head_name": "王" * 65, "head_email": "", "_csrf_token": token})
    assert resp.status_code == 422 and "负责人姓名最多 64 个字" in resp.text
    resp = client.post("/admin/units/1", data={"head_name": "", "head_email": "a" * 300, "_csrf_token": token})
    assert resp.status_code == 422 and "负责人邮箱最多 255 个字" in resp.text
    resp = client.post("/admin/import", data={"source": "builtin", "plan": "p" * 65, "_csrf_token": token})
    assert resp.status_code == 422 and "方案代码最多 64 个字" in resp.text


def test_a_huge_sign_in_is_just_a_failed_sign_in(client, world):
    resp = client.post("/api/auth/token", json={"username": FIVE_MB, "password": FIVE_MB})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.json()["message"]
    nul = client.post("/api/auth/token", json={"username": "clerk\x00", "password": "x"})
    assert nul.status_code == 401


def test_control_characters_and_oversized_filters_are_refused(client, world):
    assert client.get("/api/measures", params={"q": "a\x00b"}, headers=world.auth("office")).status_code == 400
    assert client.get("/api/measures", params={"q": "查" * 201}, headers=world.auth("office")).status_code == 400
    for action, version in (("start", 1), ("update_progress", 2)):  # declared or not, a comment is checked
        resp = client.post(f"/api/measures/1/actions/{action}", json={"version": version, "comment": "进展\x00"},
                           headers=world.auth("clerk"))
        assert resp.status_code == 422 and resp.json()["codes"] == {"comment": "bad_format"}
        assert client.post(f"/api/measures/1/actions/{action}", json={"version": version, "comment": "进展"},
                           headers=world.auth("clerk")).status_code == 200


def test_a_comment_on_an_action_that_declares_none_is_bounded_too(client, world):
    resp = client.post("/api/measures/1/actions/start", json={"version": 1, "comment": FIVE_MB},
                       headers=world.auth("clerk"))
    assert resp.status_code == 422 and "意见最多 5,000 个字" in resp.json()["fields"]["comment"]


def test_a_unit_name_with_a_nul_is_an_unknown_unit(client, world):
    token = sign_in(client, "admin")
    form = {"username": "new-user", "display_name": "新用户", "role": "unit_staff", "unit": "区财政局\x00",
            "password": "long-enough-1", "_csrf_token": token}
    resp = client.post("/admin/users", data=form)
    assert resp.status_code == 400 and "未知单位" in resp.text
