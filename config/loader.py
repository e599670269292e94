"""The deployment's configuration, loaded once into one typed object that the composition root hands down."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.settings import ConfigError, Settings
from engine.definition import Limits
from notifications.robots import KINDS as ROBOT_KINDS
from workflows.calendar import WorkCalendar, overrides_from_data
from workflows.ladder import Ladder, parse_ladder
from workflows.models import REACH_LABELS
from workflows.reports.formula import ReportConfig, parse_config
from workflows.roles import UNIT_KIND_LABELS, UNIT_LEAD


@dataclass(frozen=True)
class WebhookSpec:
    """A group robot of a unit ([[unit.webhook]]): the secret given inline or named by `secret_env`."""

    url: str
    kind: str
    secret: str = ""
    name: str = ""


@dataclass(frozen=True)
class UnitSpec:
    """A unit named in units.toml: the two offices, heads of lead units, their robots and default channels."""

    name: str
    kind: str = UNIT_LEAD
    head_name: str = ""
    head_email: str = ""
    reach: str = ""  # email | robot | both; "" keeps what the unit has (both, unless 管理 changed it)
    webhooks: tuple[WebhookSpec, ...] = ()


@dataclass(frozen=True)
class Config:
    settings: Settings
    ladder: Ladder
    calendar: WorkCalendar
    reports: ReportConfig
    units: tuple[UnitSpec, ...]
    limits: Limits


def read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"配置文件不存在：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 格式有误：{exc}") from None


def parse_units(data: dict, source: str, environ: Mapping[str, str] | None = None) -> tuple[UnitSpec, ...]:
    units = []
    for n, entry in enumerate(data.get("unit", []), start=1):
        name, kind = str(entry.get("name", "")).strip(), entry.get("kind", UNIT_LEAD)
        if not name:
            raise ConfigError(f"{source} 第 {n} 个 [[unit]]：缺少 name")
        if kind not in UNIT_KIND_LABELS:
            raise ConfigError(f"{source} 单位“{name}”：未知类型 {kind!r}，可选：{'、'.join(UNIT_KIND_LABELS)}")
        reach = str(entry.get("reach", ""))
        if reach and reach not in REACH_LABELS:
            raise ConfigError(f"{source} 单位“{name}”：未知通知方式 reach = {reach!r}，可选：{'、'.join(REACH_LABELS)}")
        hooks = tuple(parse_webhook(h, f"{source} 单位“{name}”的第 {i} 个 [[unit.webhook]]", environ)
                      for i, h in enumerate(entry.get("webhook", []), start=1))
        units.append(UnitSpec(name, kind, str(entry.get("head_name", "")), str(entry.get("head_email", "")), reach,
                              hooks))
    return tuple(units)


def parse_webhook(entry: dict, where: str, environ: Mapping[str, str] | None = None) -> WebhookSpec:
    url, kind = str(entry.get("url", "")).strip(), str(entry.get("kind", "")).strip()
    if not re.match(r"^https?://[^\s/?#]+\S*$", url):
        raise ConfigError(f"{where}：url 应为 http(s) 地址，而不是 {url!r}")
    if kind not in ROBOT_KINDS:
        raise ConfigError(f"{where}：未知机器人类型 kind = {kind!r}，可选：{'、'.join(ROBOT_KINDS)}")
    secret = str(entry.get("secret", ""))
    if entry.get("secret_env"):
        env = os.environ if environ is None else environ
        secret = env.get(str(entry["secret_env"]), "")
        if not secret:
            raise ConfigError(f"{where}：环境变量 {entry['secret_env']} 未设置（机器人加签密钥）")
    return WebhookSpec(url, kind, secret.strip(), str(entry.get("name", "")).strip())


def read_overrides(path: Path) -> dict:
    """The working-day overrides of a calendar.toml; none when the file is absent."""
    return overrides_from_data(read_toml(path), str(path)) if path.exists() else {}


def load_config(settings: Settings) -> Config:
    """Every TOML file of the configuration directory, checked; a ConfigError names the file that is wrong."""
    folder = settings.config_dir
    ladder_file, calendar_file = folder / "escalation.toml", folder / "calendar.toml"
    assessment_file, units_file = folder / "assessment.toml", folder / "units.toml"
    overrides = read_overrides(calendar_file)
    return Config(
        settings=settings,
        ladder=parse_ladder(read_toml(ladder_file), str(ladder_file)),
        calendar=WorkCalendar(overrides),
        reports=parse_config(read_toml(assessment_file), str(assessment_file)),
        units=parse_units(read_toml(units_file), str(units_file)),
        limits=Limits(text_max=settings.text_max_chars),
    )
