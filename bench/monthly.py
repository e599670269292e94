"""The 月调度 of the clock's month for everything (as 营商办 asks for it), made cold and then kept, against a plain
SELECT of the rows it reads: every measure with its item, category and units, and every measure's history.

Timed in a child process (`python -m bench.monthly URL`), which reads the database and the clock from the
benchmark's `reform` environment, so that start-up is left out and the report is made as a server makes it."""

from __future__ import annotations

import json
import statistics
import sys
import time

from sqlalchemy import text

from bench.ledgergen import Spec
from bench.proc import BIN, Deadline, reform_env, run
from bench.report import Figure, line, ms, secs
from engine.db import make_engine

_READS = (
    text("SELECT m.id, m.seq, m.plan_id, m.text, m.due_text, m.due_date, m.declared_done, m.key, m.note, m.state,"
         " m.percent, m.last_progress, m.reported_at, m.verified_at, m.rating, m.satisfaction, m.key_code, c.seq,"
         " c.title, i.id, i.item_no, i.title, i.klass, p.issued_on FROM measure m JOIN item i ON i.id = m.item_id"
         " JOIN category c ON c.id = i.category_id JOIN plan p ON p.id = m.plan_id ORDER BY m.plan_id, m.seq"),
    text("SELECT mu.measure_id, u.id, u.name, mu.part FROM measure_unit mu JOIN unit u ON u.id = mu.unit_id"
         " ORDER BY mu.measure_id, mu.position"),
    text("SELECT subject_id, at, action, from_state, to_state, actor_name, comment, data FROM history"
         " WHERE workflow = 'reform_measure' ORDER BY seq"),
    text("SELECT * FROM escalation ORDER BY fired_at, id"),
)


def plain_select(url: str, repeat: int = 3) -> tuple[float, int]:
    """Median seconds of reading those rows (after one unmeasured read), and how many there are."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = sum(len(conn.execute(q).all()) for q in _READS)
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                for q in _READS:
                    conn.execute(q).all()
                times.append(time.perf_counter() - start)
            return statistics.median(times), rows
    finally:
        engine.dispose()


def run_monthly(url: str, backend: str, size: int, spec: Spec, timeout: float, log) -> list[Figure]:
    base, rows = plain_select(url)
    month = spec.today.strftime("%Y-%m")
    done = run([str(BIN / "python"), "-m", "bench.monthly", month], reform_env(url, spec.now.isoformat()),
               Deadline(timeout).remaining())
    got = json.loads(done.stdout.strip().splitlines()[-1])
    base_text = f"SELECT {rows} rows {secs(base)}"
    cold = Figure(f"月调度 {month}, made (1 reader)", backend, size, "", value=got["cold"],
                  value_text=f"{secs(got['cold'])} · {got['overdue']} overdue listed", baseline=base,
                  baseline_text=base_text, ratio=got["cold"] / base if base else None, data={**got, "select": base},
                  note="the first after a change: reads every measure's history and counts it in Python")
    kept = Figure(f"月调度 {month}, kept (the same version)", backend, size, "", value=got["kept"],
                  value_text=ms(got["kept"] * 1000), baseline=got["cold"], baseline_text="made",
                  ratio=got["kept"] / got["cold"] if got["cold"] else None, data=got,
                  note="its .xlsx and Word 通报 after the page, or a second reader, until a change")
    for fig in (cold, kept):
        log(line(fig))
    return [cold, kept]


def main(month: str) -> int:
    from runtime import reports
    from runtime.core import build_runtime

    rt = build_runtime()
    times = []
    for _ in range(2):
        with rt.read() as session:
            start = time.perf_counter()
            report = reports.monthly(rt, session, None, month)
            times.append(time.perf_counter() - start)
    print(json.dumps({"cold": times[0], "kept": times[1], "overdue": len(report.overdue),
                      "measures": report.overall.measures}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
