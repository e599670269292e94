"""Shared fixtures: every database test runs on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

os.environ.setdefault("REFORM_FAST_HASH", "1")

from config.loader import Config, load_config  # noqa: E402
from config.settings import SHANGHAI, Settings  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.db import make_engine  # noqa: E402
from migrations.runner import upgrade  # noqa: E402
from runtime.core import Runtime  # noqa: E402
from runtime.provision import apply_units  # noqa: E402
from workflows import accounts  # noqa: E402
from workflows.accounts_models import User  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("REFORM_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_START = datetime(2022, 6, 20, 9, 0, tzinfo=SHANGHAI)
BACKENDS = ["sqlite", "postgresql"]


def need_service(name: str, reason: str) -> None:
    """Skip with a message naming the service, or fail under CI where every service must be there."""
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


@contextmanager
def fresh_pg_database(prefix: str = "reform_t") -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; skips (or fails under CI) without the server."""
    try:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        need_service("PostgreSQL at 127.0.0.1:5432", str(exc).splitlines()[0])
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session."""
    with fresh_pg_database() as url:
        yield url


def backend_url(backend: str, request, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'reform.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture(scope="session", params=BACKENDS)
def migrated(request, tmp_path_factory) -> Iterator[Engine]:
    """One migrated database per backend for the whole session."""
    url = backend_url(request.param, request, tmp_path_factory)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None


def _has_sqlite_sequence(conn) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first())


CONFIG = load_config(Settings(demo=True))  # the shipped config/ files, read once for the suite


@pytest.fixture
def db(migrated: Engine) -> Engine:
    """The backend's database, emptied, with the configured units."""
    wipe(migrated)
    with Session(migrated) as session:
        apply_units(session, CONFIG.units)
        session.commit()
    return migrated


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEMO_START)


@pytest.fixture
def settings(db: Engine, tmp_path) -> Settings:
    return Settings(database_url=db.url.render_as_string(hide_password=False), data_dir=tmp_path / "var",
                    demo=True, now=None, secret_key="test-secret-key-test-secret-key!")


@pytest.fixture
def config(settings: Settings) -> Config:
    """The shipped configuration with this test's settings."""
    return replace(CONFIG, settings=settings)


@pytest.fixture
def rt(db: Engine, clock: FrozenClock, config: Config) -> Runtime:
    return Runtime(config=config, engine=db, clock=clock)


@pytest.fixture
def make_user(rt: Runtime):
    """Create a user: make_user("clerk", "unit_staff", "区市场监管局")."""

    def make(username: str, role: str, unit: str | None = None, password: str = "correct-horse-1") -> User:
        with Session(rt.engine, expire_on_commit=False) as session:
            user = accounts.add_user(session, username, role, password, rt.clock.now(), unit_name=unit,
                                     email=f"{username}@wulong.example", display_name=username)
            session.commit()
            return user

    return make


@pytest.fixture
def ledger(rt: Runtime):
    """The built-in Wulong 2022 ledger imported into the test database; returns the ImportResult."""
    from workflows.ledger.importer import import_ledger

    with rt.write() as session:
        return import_ledger(session, "builtin:wulong-2022", clock=rt.clock, service=rt.workflows["reform_measure"],
                             create_units=True)


@pytest.fixture
def cli(db, tmp_path, monkeypatch):
    """`reform` as a function, pointed at the test database: cli(["init"]) -> exit status."""
    from cli.main import main

    monkeypatch.setenv("REFORM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REFORM_NOW", "2022-06-20T09:00:00+08:00")
    yield main


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their session-scoped parameters
def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread until the
    session ends, and code that calls asyncio.run() (mail delivery, the scheduler) must not meet it."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
