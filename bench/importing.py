"""`reform ledger import` of a 10^4-row CSV into an empty database, against a raw bulk insert of the same rows."""

from __future__ import annotations

import csv
import re
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench import dbs
from bench.bulk import BulkWriter
from bench.ledgergen import Item, Ledger, Measure, Spec, generate
from bench.proc import VAR, Deadline, help_text, reform
from bench.report import Figure, secs
from bench.synthetic import (
    HISTORY_COLUMNS,
    MEASURE_COLUMNS,
    Ids,
    history_rows,
    link_rows,
    measure_rows,
    write_structure,
)
from engine.db import make_engine

HEADER = ("类别", "序号", "改革事项", "具体举措", "牵头单位", "时间节点", "备注")
PLAN_CODE = "wulong-2022"  # what the importer calls a .csv ledger's plan when no --plan is given
_DAY = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")


def write_csv(rows: int, path: Path) -> Path:
    """The ledger's own columns plus 类别, UTF-8 with a BOM as Excel saves it; every row names its item."""
    ledger = generate(Spec(rows, seed=7))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for m in ledger.measures:
            item = ledger.items[m.item - 1]
            out.writerow((ledger.categories[item.category - 1], item.item_no, item.title, m.text,
                          "、".join(ledger.units[u - 1] for u in m.units), m.due_text,
                          "重点改革事项" if m.key else ""))
    return path


def _due(due_text: str) -> date:
    year, month, day = _DAY.fullmatch(due_text).groups()
    if day:
        return date(int(year), int(month), int(day))
    nxt = date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def read_csv(path: Path) -> Ledger:
    """The rows as a ledger, with no more checking than a bulk insert needs."""
    categories: dict[str, int] = {}
    items: dict[tuple[str, str], Item] = {}
    units: dict[str, int] = {}
    measures = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for seq, row in enumerate(csv.DictReader(fh), 1):
            cat = categories.setdefault(row["类别"], len(categories) + 1)
            key = (row["序号"], row["改革事项"])
            item = items.setdefault(key, Item(len(items) + 1, key[0], key[1], cat))
            lead = tuple(units.setdefault(u, len(units) + 1) for u in row["牵头单位"].split("、"))
            measures.append(Measure(seq, seq, item.seq, row["具体举措"], lead, _due(row["时间节点"]), row["时间节点"],
                                    "重点改革事项" in row["备注"], "assigned", None))
    return Ledger(list(categories), list(items.values()), list(units), measures)


def raw_insert(url: str, path: Path) -> float:
    """Read the CSV and write plan, categories, items, units, measures, links and the chained history: one txn."""
    start = time.perf_counter()
    ledger = read_csv(path)
    with BulkWriter(url) as w:
        ids = Ids(w)
        write_structure(w, ledger, ids, PLAN_CODE)
        w.insert("measure", MEASURE_COLUMNS, measure_rows(ledger))
        w.insert("measure_unit", ("measure_id", "unit_id", "position"), link_rows(ledger, ids))
        w.insert("history", HISTORY_COLUMNS, history_rows(ledger, path.name, ids.history + 1))
        w.reset_sequences(("plan", "category", "item", "unit", "measure", "history"))
        w.commit()
    return time.perf_counter() - start


def measure_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM measure")).scalar())
    finally:
        engine.dispose()


def run_import(backend: str, rows: int, timeout: float) -> Figure:
    path = VAR / f"import-{rows}.csv"
    if not path.exists():
        write_csv(rows, path)
    flags = ["--create-units"] if "--create-units" in help_text("ledger", "import") else []
    name = f"reform ledger import {rows} rows (empty db)"
    deadline = Deadline(timeout)
    with dbs.fresh(backend, "import") as url:
        reform(["init"], url, deadline)
        done = reform(["ledger", "import", str(path), *flags], url, deadline)
        if measure_count(url) != rows:
            raise RuntimeError(f"import wrote {measure_count(url)} measures, expected {rows}")
    with dbs.fresh(backend, "rawimport") as url:
        reform(["init"], url, deadline)
        raw = raw_insert(url, path)
    return Figure(name, backend, rows, "import", value=done.seconds, value_text=secs(done.seconds), baseline=raw,
                  baseline_text=f"raw bulk insert {secs(raw)}", ratio=done.seconds / raw,
                  data={"import_s": done.seconds, "raw_s": raw}, note="import: wall time, start-up included")
