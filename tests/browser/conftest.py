"""A real server (uvicorn in a thread) on a real SQLite database with the Wulong ledger, and Debian's Chromium.

The server is started once for the browser suite; every test works on its own measures, so tests do not
depend on each other's order. Each person signs in in their own browser context (own cookies).
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlmodel import select

from config.settings import Settings
from engine.clock import OffsetClock
from engine.db import make_engine, read_session, write_session
from migrations.runner import upgrade
from runtime.core import Runtime
from runtime.provision import apply_units
from tests.conftest import CONFIG, DEMO_START, IN_CI, fresh_pg_database
from workflows import accounts
from workflows.ledger.importer import import_ledger
from workflows.models import Measure, MeasureUnit, Unit
from workflows.reform.table import REFORM_MEASURE

STARTS, DECLARED_DONE = REFORM_MEASURE.initial[0], REFORM_MEASURE.initial_tagged("awaiting_review")

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync"]
PASSWORD = "correct-horse-1"
# README screenshots are refreshed with REFORM_UPDATE_SCREENSHOTS=1; otherwise a test run leaves the tree clean.
_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = (_ROOT / "docs" / "screenshots" if os.environ.get("REFORM_UPDATE_SCREENSHOTS")
               else _ROOT / "tests" / "artifacts" / "screenshots")
MARKET, GOV = "区市场监管局", "区政务办"
PEOPLE = (("clerk", "unit_staff", MARKET, "市场监管局经办人"), ("head", "unit_head", MARKET, "市场监管局负责人"),
          ("clerk2", "unit_staff", GOV, "政务办经办人"), ("reviewer", "supervisor", None, "督查办核验员"),
          ("reviewer2", "supervisor", None, "督查办核验员二"), ("office", "office", None, "营商办评估员"),
          ("admin", "admin", None, "系统管理员"))


def need_chromium() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium fonts-wqy-microhei)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            reason = f"playwright is not installed: {exc}"
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests need Chromium: {reason} (CI=true requires it)")
        pytest.skip(f"browser tests skipped: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    url: str
    rt: Runtime
    sink: object
    ids: dict[str, int] = field(default_factory=dict)

    def measure(self, measure_id: int) -> Measure:
        with read_session(self.rt.engine) as session:
            return session.get(Measure, measure_id)


def pick_measures(rt: Runtime) -> dict[str, int]:
    """Distinct measures for each test: single-lead 区市场监管局 ones still assigned, and declared-done ones."""
    with read_session(rt.engine) as session:
        market = session.exec(select(Unit.id).where(Unit.name == MARKET)).one()
        links = session.exec(select(MeasureUnit)).all()
        lead_count: dict[int, int] = {}
        for link in links:
            lead_count[link.measure_id] = lead_count.get(link.measure_id, 0) + 1
        mine = sorted(link.measure_id for link in links if link.unit_id == market and link.position == 0
                      and lead_count[link.measure_id] == 1)
        assigned = [mid for mid in mine if session.get(Measure, mid).state == STARTS]
        reported = sorted(session.exec(select(Measure.id).where(Measure.state == DECLARED_DONE)))
        gov = session.exec(select(Unit.id).where(Unit.name == GOV)).one()
        gov_only = sorted(link.measure_id for link in links if link.unit_id == gov and link.position == 0)
    return {"lifecycle": assigned[0], "stale_progress": assigned[1], "csrf": assigned[2], "other_unit": assigned[3],
            "extension": assigned[4], "adjust": assigned[5], "desk": assigned[6], "desk_phone": assigned[7],
            "stale_review": reported[0], "gov": gov_only[0]}


def build_runtime(tmp: Path, smtp_port: int, url: str) -> Runtime:
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, data_dir=tmp / "var", demo=True, mail_sink=True, now=None,
                        smtp_host="127.0.0.1", smtp_port=smtp_port, secret_key="browser-test-secret-key-0123456789")
    rt = Runtime(config=replace(CONFIG, settings=settings), engine=engine, clock=OffsetClock(DEMO_START))
    with write_session(engine) as session:
        apply_units(session, rt.config.units)
        import_ledger(session, "builtin:wulong-2022", clock=rt.clock, service=rt.workflows["reform_measure"],
                      create_units=True)
        for username, role, unit, name in PEOPLE:
            accounts.add_user(session, username, role, PASSWORD, rt.clock.now(), unit_name=unit,
                              email=f"{username}@wulong.example", display_name=name)
    return rt


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory) -> Iterator[Site]:
    """The app served by uvicorn on a loopback port, on a fresh SQLite or PostgreSQL database."""
    need_chromium()
    tmp = tmp_path_factory.mktemp("browser")
    if request.param == "sqlite":
        yield from serve_site(tmp, f"sqlite:///{tmp / 'reform.db'}")
    else:
        with fresh_pg_database("reform_browser") as url:
            yield from serve_site(tmp, url)


def serve_site(tmp: Path, url: str) -> Iterator[Site]:
    import uvicorn

    from notifications.sink import start_sink
    from web.app import create_app

    smtp_port = free_port()
    rt = build_runtime(tmp, smtp_port, url)
    sink = start_sink(rt.settings, host="127.0.0.1", port=smtp_port)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", rt, sink, pick_measures(rt))
    server.should_exit = True
    thread.join(timeout=10)
    sink.stop()
    rt.engine.dispose()


@pytest.fixture(scope="session")
def browser(site: Site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Person:
    """One signed-in person in their own browser context."""

    def __init__(self, browser, site: Site, username: str, width: int = 1366, scripts: bool = True) -> None:
        self.site, self.username = site, username
        height = 900 if width > 600 else 844  # a desktop 1366×900, a phone 390×844
        self.context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height},
                                           timezone_id="Asia/Shanghai", java_script_enabled=scripts)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.goto(f"{site.url}/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{site.url}/")

    def open(self, path: str):
        response = self.page.goto(self.site.url + path)
        return response

    def measure(self, measure_id: int):
        return self.open(f"/measures/{measure_id}")

    def form(self, action: str):
        """An action's form; the secondary ones sit behind a disclosure, opened as a person would."""
        more = self.page.locator(f"details#more-{action}:not([open]) > summary")
        if more.count():
            more.click()
        return self.page.locator(f"#act-{action}")

    def shot(self, name: str, full_page: bool = True) -> None:
        """A picture of the page, for the README and for a person reading a failed run; it asserts nothing.

        Headless Chromium now and then refuses a capture ("Unable to capture screenshot", most often on a tall
        full page): the capture is tried again, then as the viewport only. Only when the README's pictures are
        being refreshed does a capture that never succeeds fail the test; otherwise it is a warning."""
        from playwright.sync_api import Error as PlaywrightError

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = str(SCREENSHOTS / f"{name}.png")
        failure = None
        for whole in (full_page, full_page, False):
            try:
                self.page.screenshot(path=path, full_page=whole)
                return
            except PlaywrightError as exc:  # the capture failed, not the page under test
                failure = exc
                time.sleep(0.2)
        if os.environ.get("REFORM_UPDATE_SCREENSHOTS"):
            raise failure
        warnings.warn(f"screenshot {name} was not captured: {failure}", stacklevel=2)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def person(browser, site):
    """person("clerk") signs clerk in (scripts=False: a browser with JavaScript off); contexts are closed after
    the test."""
    opened: list[Person] = []

    def sign_in(username: str, width: int = 1366, scripts: bool = True) -> Person:
        who = Person(browser, site, username, width, scripts)
        opened.append(who)
        return who

    yield sign_in
    for who in opened:
        who.close()


# -- small real evidence files


def pdf_bytes(title: str = "evidence") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    stream = f"BT /F1 18 Tf 20 70 Td ({title}) Tj ET".encode()
    objects[3] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes(size: int = 24) -> bytes:
    """A small green square."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x2e\x7d\x32" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="session")
def evidence_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("evidence")
    files = {"pdf": folder / "完成情况报告.pdf", "png": folder / "现场照片.png", "pdf2": folder / "补充说明.pdf"}
    files["pdf"].write_bytes(pdf_bytes("report"))
    files["png"].write_bytes(png_bytes())
    files["pdf2"].write_bytes(pdf_bytes("supplement"))
    return files
