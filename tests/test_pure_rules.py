"""The pure core, without a database: decisions, field cleaning, ladder rungs and catch-up, the timeline and the
monthly figures. Time comes in as a value; the calendar is a plain weekday calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from engine.decide import Actor, View, allowed_actions, check, clean_fields, refusal
from engine.definition import Context, Limits
from engine.errors import InvalidFields, PermissionDenied, TransitionNotAllowed
from tests.conftest import CONFIG
from workflows.calendar import WorkCalendar, YearOverride
from workflows.ladder import LadderSubject, catch_up, rungs
from workflows.reform.table import REFORM_MEASURE as DEFN
from workflows.reports import monthly
from workflows.reports import timeline as tl
from workflows.reports.facts import Event, Facts, MeasureFact
from workflows.reports.periods import parse_month

WEEKDAYS = WorkCalendar({2022: YearOverride()}, use_package=False)  # Monday to Friday, no holidays
CLERK, REVIEWER = Actor(1, "clerk", "unit_staff", frozenset({10})), Actor(2, "rev", "supervisor")


def measure(state: str, **fields) -> SimpleNamespace:
    return SimpleNamespace(state=state, extension_date=None, rating=None, due_date=date(2022, 6, 30), **fields)


def view(state: str, record=None, owners=frozenset({10}), leads=frozenset({10, 11})) -> View:
    return View(1, state, owners, leads, record or measure(state), {"pending_evidence": (5, 6)})


# -- decisions


def test_who_may_act_follows_the_table_and_the_units():
    assert allowed_actions(DEFN, view("assigned"), CLERK, {}) == ["start"]
    assert allowed_actions(DEFN, view("assigned", owners=frozenset({11})), CLERK, {}) == []
    co_lead = Actor(3, "co", "unit_staff", frozenset({11}))
    assert allowed_actions(DEFN, view("in_progress"), co_lead, {}) == ["update_progress"]
    assert set(allowed_actions(DEFN, view("reported"), REVIEWER, {})) == {"approve", "return"}


def test_refusals_say_why_in_chinese():
    no_role = refusal(DEFN, DEFN.action("approve"), view("reported"), CLERK, {})
    assert isinstance(no_role, PermissionDenied) and "核验通过" in no_role.message
    wrong_state = refusal(DEFN, DEFN.action("start"), view("in_progress"), CLERK, {})
    assert isinstance(wrong_state, TransitionNotAllowed) and wrong_state.message == "“推进中”状态下不能办理“签收”"
    own_report = refusal(DEFN, DEFN.action("approve"), view("reported"), REVIEWER, {"report": REVIEWER.id})
    assert isinstance(own_report, PermissionDenied) and "报送完成情况" in own_report.message
    asked = measure("in_progress")
    asked.extension_date = date(2022, 9, 1)
    refused = refusal(DEFN, DEFN.action("report"), view("in_progress", asked), CLERK, {})
    assert refused.message == DEFN.conditions["no_pending_extension"].unmet


def test_fields_are_cleaned_with_their_bounds_and_rules():
    ctx = Context(record=measure("in_progress"), limits=Limits(text_max=10), extra={"pending_evidence": (5,)})
    with pytest.raises(InvalidFields) as bad:
        clean_fields(DEFN.action("request_extension"), {"proposed_due_date": "2022-06-01", "comment": "x" * 11}, ctx)
    fields = bad.value.fields
    assert fields["proposed_due_date"].code == "not_later" and "2022年6月30日" in fields["proposed_due_date"].message
    assert fields["comment"].code == "too_long" and "最多 10 个字" in fields["comment"].message
    with pytest.raises(InvalidFields) as files:
        clean_fields(DEFN.action("report"), {"comment": "完成", "evidence": [5, 7]}, ctx)
    assert files.value.fields["evidence"].code == "not_offered"
    with pytest.raises(InvalidFields) as typical:
        clean_fields(DEFN.action("evaluate"), {"rating": "好", "satisfaction": 90, "typical_case": "true"}, ctx)
    assert typical.value.fields["case_text"].message == "选为典型案例时须填写典型案例说明"
    with pytest.raises(InvalidFields) as far:
        clean_fields(DEFN.action("adjust"), {"comment": "调整", "new_due_date": "9999-12-31"}, ctx)
    assert far.value.fields["new_due_date"].code == "out_of_range"
    assert clean_fields(DEFN.action("update_progress"), {"comment": " 进展 ", "percent": "60"}, ctx) == {
        "comment": "进展", "percent": 60}


def test_check_returns_the_action_and_cleaned_fields():
    act, cleaned = check(DEFN, "return", view("reported"), REVIEWER, {}, {"comment": "请补充"})
    assert act.name == "return" and cleaned == {"comment": "请补充"}
    with pytest.raises(TransitionNotAllowed):
        check(DEFN, "fly", view("reported"), REVIEWER, {}, {})


# -- the ladder


def subject(**kw) -> LadderSubject:
    base = {"owes_work": True, "awaiting_review": False, "due_date": date(2022, 6, 10), "deadline_version": 1,
            "extension_pending": False, "reported_on": None}
    return LadderSubject(**(base | kw))


def test_rungs_fire_on_working_days_from_their_anchor():
    ladder = CONFIG.ladder
    codes = lambda day: [r.level.code for r in rungs(ladder, subject(), day, WEEKDAYS)]  # noqa: E731
    assert codes(date(2022, 6, 2)) == []  # 6 working days before
    assert codes(date(2022, 6, 3)) == ["L0"]  # 5 working days before the Friday deadline
    assert codes(date(2022, 6, 13)) == ["L0", "L1"]
    assert codes(date(2022, 6, 24)) == ["L0", "L1", "L2", "L3"]
    assert rungs(ladder, subject(extension_pending=True), date(2022, 6, 24), WEEKDAYS) == []
    review = rungs(ladder, subject(owes_work=False, awaiting_review=True, reported_on=date(2022, 6, 1)),
                   date(2022, 6, 8), WEEKDAYS)
    assert [r.level.code for r in review] == ["review"] and review[0].deadline == date(2022, 6, 8)


def test_after_downtime_only_the_highest_new_rung_is_sent():
    due = rungs(CONFIG.ladder, subject(), date(2022, 6, 24), WEEKDAYS)
    send, superseded = catch_up(due, set())
    assert send.level.code == "L3" and [r.level.code for r in superseded] == ["L0", "L1", "L2"]
    assert catch_up(due, {("L3", 1)})[0] is None  # already sent: nothing new
    earlier = rungs(CONFIG.ladder, subject(), date(2022, 6, 17), WEEKDAYS)  # L0, L1, L2 due
    send, superseded = catch_up(earlier, {("L2", 1)})  # something higher went out before
    assert send is None and [r.level.code for r in superseded] == ["L0", "L1"]


# -- the timeline and the monthly figures


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def fact(mid: int, due: date | None, unit: str = "区财政局") -> MeasureFact:
    return MeasureFact(id=mid, seq=mid, plan_id=1, category_seq=1, category="一、类", item_id=mid, item_no=str(mid),
                       item_title=f"事项{mid}", klass=None, text=f"举措{mid}", due_text="", due_date=due,
                       declared_done=False, plan_issued_on=date(2022, 5, 27), key=False, note="", state="assigned",
                       units=(unit,), unit_id=1, percent=None, last_progress="", reported_at=None, verified_at=None,
                       rating=None, satisfaction=None)


def ev(at: str, action: str, frm: str | None, to: str) -> Event:
    return Event(bj(at), action, frm, to, "某人", "")


def test_completion_is_on_time_when_reported_by_the_deadline_however_late_verified():
    events = [ev("2022-05-30 09:00", "import", None, "assigned"), ev("2022-06-01 09:00", "start", "assigned",
              "in_progress"), ev("2022-06-10 17:00", "report", "in_progress", "reported"),
              ev("2022-06-20 10:00", "approve", "reported", "verified")]
    m = fact(1, date(2022, 6, 8))
    done = tl.completion(m, events, bj("2022-06-30 23:00"))
    assert done is not None and done.on_time(date(2022, 6, 10)) and not done.on_time(date(2022, 6, 9))
    assert tl.completion(m, events, bj("2022-06-15 12:00")) is None  # not yet verified then
    waiting = tl.standing_report(m, events, bj("2022-06-15 12:00"))  # but reported, and so on time for the unit
    assert waiting is not None and waiting.on_time(date(2022, 6, 10)) and waiting.verified_at is None
    days = tl.overdue_workdays(m, events, bj("2022-06-30 23:00"), WEEKDAYS, date(2022, 6, 1))
    assert days == 1  # 6-9 ended unreported; 6-10 was reported before its end


def test_monthly_figures_count_what_the_history_says():
    a, b = fact(1, date(2022, 6, 10)), fact(2, date(2022, 6, 15), unit="区政务办")
    events = {1: [ev("2022-05-30 09:00", "import", None, "assigned"),
                  ev("2022-06-01 09:00", "start", "assigned", "in_progress"),
                  ev("2022-06-09 09:00", "report", "in_progress", "reported"),
                  ev("2022-06-13 09:00", "approve", "reported", "verified")],
              2: [ev("2022-05-30 09:00", "import", None, "assigned")]}
    period = parse_month("2022-06", bj("2022-07-05 09:00"))
    report = monthly.build(Facts([a, b], events, [], []), period, lagging_rate=0.8, calendar=WEEKDAYS,
                           levels=CONFIG.ladder.headings)
    fig = report.overall
    assert (fig.measures, fig.completed, fig.due, fig.on_time) == (2, 1, 2, 1)
    assert [r.measure_id for r in report.overdue] == [2] and report.overdue[0].workdays_overdue == 11
    assert report.lagging_units == ["区政务办"] and list(report.overall.escalations) == list(CONFIG.ladder.codes)
    assert report.overall.by_state["verified"] == 1 and report.overall.by_state["assigned"] == 1


def test_a_level_added_to_the_ladder_gets_its_own_column():
    from workflows.reports import monthly_xlsx

    levels = {**CONFIG.ladder.headings, "L4": "L4 约谈"}
    report = monthly.build(Facts([], {}, [], []), parse_month("2022-06", bj("2022-07-05 09:00")), lagging_rate=0.8,
                           calendar=WEEKDAYS, levels=levels)
    headers = [c.header for c in monthly_xlsx.state_cols(report)]
    assert "L4 约谈" in headers and report.overall.escalations == dict.fromkeys(levels, 0)


def test_the_weekday_calendar_of_these_tests_counts_only_weekdays():
    assert WEEKDAYS.add_workdays(date(2022, 6, 10), 1) == date(2022, 6, 13)
    assert WEEKDAYS.workdays_between(date(2022, 6, 10), date(2022, 6, 17)) == 5
    assert date(2022, 6, 10) + timedelta(days=7) == date(2022, 6, 17)
