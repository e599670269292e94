"""Settings grouped by concern, read from the environment (REFORM_*) and an optional .env file."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CONFIG_DIR.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ConfigError(ValueError):
    """A setting that is missing or unusable; the CLI prints it as one line."""


def parse_instant(text: str) -> datetime:
    """ISO 8601 instant; Asia/Shanghai when no offset is given."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"无法识别的时间 {text!r}：应为 ISO 8601，例如 2022-06-20T09:00:00+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def parse_month_day(text: str) -> tuple[int, int]:
    """"11-01" -> (11, 1): REFORM_CALENDAR_WARN_FROM."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        datetime(2024, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise ConfigError(f"无法识别的日期 {text!r}：应为 MM-DD，例如 11-01") from None
    return month, day


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFORM_", env_file=".env", extra="ignore")

    # persistence and configuration files
    config_dir: Path = CONFIG_DIR
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'reform.db'}"
    data_dir: Path = PROJECT_DIR / "var"

    # clock and demo mode
    now: str | None = None
    demo: bool = False

    # web
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 16  # threads per process serving requests; the database pool holds as many connections
    https: bool = False

    # evidence and input bounds
    max_upload_bytes: int = 20 * 1024 * 1024
    text_max_chars: int = 5000
    date_span_years: int = 5  # deadlines and dates within the plans' years (and this year) ± this many

    # exports: a 任务台账 of more measures than this is made in the background and fetched from its own page
    export_inline_max: int = 5000
    export_keep_hours: int = 24  # a made export is kept this long for its requester, then removed

    # tokens
    token_ttl_hours: int = 12

    # mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = "reform@wulong.example"
    mail_sink: bool = False
    mail_max_attempts: int = 6
    mail_retry_seconds: int = 60

    # workflow
    signoff: bool = True  # a clerk's completion report waits for the unit head's 审签 (主要领导负责制)
    duban_number_format: str = "武隆督办〔{year}〕{n}号"  # 文号 of the 督办通知单
    tongbao_number_format: str = "武隆督查通报〔{year}〕{n}号"  # 文号 of the 情况通报
    reply_workdays: int = 5  # working days a unit has to answer a 督办通知单 in writing
    # group robots (钉钉/渝快政, 企业微信, generic webhooks); the local receiver runs with the mail sink
    robot_per_minute: int = 20  # messages a minute per robot, the limit 钉钉 and 企业微信 both document
    robot_timeout_seconds: float = 10.0
    robot_sink_port: int = 8099
    robot_sink_secret: str = "SECreform-demo-robot-secret"  # the demo robot's 加签 secret, checked by the receiver

    # scheduler
    sweep_interval_seconds: int = 300
    outbox_interval_seconds: int = 60

    # calendar: from when next year's missing notice is warned about (MM-DD); how often a process looks for imports
    calendar_warn_from: str = "11-01"
    calendar_check_seconds: int = 60

    # /metrics: a bearer token for the scraper, besides an admin's API token
    metrics_token: str | None = None

    @field_validator("now")
    @classmethod
    def _valid_now(cls, value: str | None) -> str | None:
        if value:
            parse_instant(value)
        return value or None

    @field_validator("calendar_warn_from")
    @classmethod
    def _valid_warn_from(cls, value: str) -> str:
        parse_month_day(value)
        return value

    @property
    def warn_from(self) -> tuple[int, int]:
        return parse_month_day(self.calendar_warn_from)

    @property
    def start_instant(self) -> datetime | None:
        return parse_instant(self.now) if self.now else None

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def sink_dir(self) -> Path:
        return self.data_dir / "mailsink"

    @property
    def robot_sink_dir(self) -> Path:
        return self.data_dir / "robotsink"

    def session_secret(self) -> bytes:
        """32 bytes for signing sessions and CSRF tokens, derived from REFORM_SECRET_KEY."""
        if self.secret_key:
            if len(self.secret_key) < 16:
                raise ConfigError("REFORM_SECRET_KEY 太短：至少 16 个字符（建议 64 个十六进制字符）")
            return hashlib.sha256(self.secret_key.encode()).digest()
        if not self.demo:
            raise ConfigError("未设置 REFORM_SECRET_KEY：非演示模式必须设置（演示请设置 REFORM_DEMO=1）")
        return secrets.token_bytes(32)

    def sealing_key(self) -> bytes:
        """32 bytes under which group robots' URLs and secrets are sealed in the database (engine.sealing):
        derived from REFORM_SECRET_KEY, apart from the sessions' key. In demo mode without one, a key kept in
        the data directory (`sealing.key`, made on first use), so robots stay readable across restarts."""
        if self.secret_key:
            self.session_secret()  # the same checks of the key
            return hashlib.sha256(b"reform sealing key\n" + self.secret_key.encode()).digest()
        if not self.demo:
            raise ConfigError("未设置 REFORM_SECRET_KEY：工作群机器人的地址和加签密钥须用它加密保存"
                              "（演示请设置 REFORM_DEMO=1）")
        return _demo_key(self.data_dir / "sealing.key")


def _demo_key(path: Path) -> bytes:
    """The key in `path`, written once (atomically, readable by its owner only) by whichever process is first."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    try:
        os.link(draft, path)  # fails if another process was first: its key is the one
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return bytes.fromhex(path.read_text().strip())


def get_settings() -> Settings:
    """Read afresh each time: the composition root calls it once and hands the result down."""
    return Settings()
