"""Run the migrations to head from code (reform init, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

HERE = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def revisions(conn: Connection) -> tuple[str, ...] | None:
    """The migrations this database is at (sorted), or None before `reform init` made alembic_version."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return tuple(sorted(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))))


def behind(bind: Engine | Connection) -> str | None:
    """Why this database cannot be used by this code (not initialised, or at another migration), in Chinese;
    None when it is at this code's head. Asked by `reform serve` before it starts and by a backup before it reads."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return behind(conn)
    found = revisions(bind)
    if found is None:
        return "数据库尚未初始化（没有迁移版本表）：请先运行 reform init"
    heads = tuple(sorted(current_heads()))
    if found != heads:
        return (f"数据库的迁移版本 {', '.join(found) or '（空）'} 不是本程序的 {', '.join(heads)}："
                "请先运行 reform init（升级数据库结构）")
    return None
