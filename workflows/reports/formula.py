"""The 督查考核 formula and 月调度 thresholds, read from a TOML file the composition root names."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULE_KEYS = ("overdue_workdays", "returns", "on_time_shortfall", "rating_good", "rating_fair", "rating_poor",
             "typical_cases", "replications")


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    unit: str
    per: float
    cap: float | None

    def points(self, quantity: float) -> tuple[float, float]:
        """(uncapped, capped) points for a quantity; the cap bounds the absolute value."""
        raw = round(quantity * self.per, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
        if self.cap and abs(raw) > self.cap:
            return raw, self.cap if raw > 0 else -self.cap
        return raw, raw

    def describe(self) -> str:
        sign = "加" if self.per > 0 else "扣"
        cap = f"，最多{sign} {self.cap:g} 分" if self.cap else ""
        return f"每{self.unit}{sign} {abs(self.per):g} 分{cap}"


@dataclass(frozen=True)
class Formula:
    base: float
    floor: float
    ceiling: float
    rules: tuple[Rule, ...]
    key_weight: float = 1.0  # a 重点改革事项 counts this many times in every rule's quantity
    co_lead_share: float = 1.0  # a 共同牵头单位 (not the first lead unit) counts a measure's quantities at this share

    def clamp(self, score: float) -> float:
        return round(min(max(score, self.floor), self.ceiling), 2)


@dataclass(frozen=True)
class PrintConfig:
    """What every printed report carries: who made it, and how the district names itself in titles."""

    issuer: str = "武隆区优化营商环境工作领导小组办公室"  # 制表单位
    district: str = "武隆区"  # titles read 武隆区营商环境创新试点……


@dataclass(frozen=True)
class ReportConfig:
    lagging_on_time_rate: float
    formula: Formula
    printing: PrintConfig = PrintConfig()


@lru_cache(maxsize=8)
def load_config(path: Path) -> ReportConfig:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"考核配置文件 {path} 无法读取：{exc}") from exc
    return parse_config(data, str(path))


def parse_config(data: dict, source: str = "assessment.toml") -> ReportConfig:
    monthly, assess = data.get("monthly", {}), data.get("assessment", {})
    rate = float(monthly.get("lagging_on_time_rate", 0.8))
    if not 0 <= rate <= 1:
        raise ValueError(f"{source}: monthly.lagging_on_time_rate 应在 0 到 1 之间，现为 {rate}")
    rules = tuple(_rule(entry, source) for entry in assess.get("rule", []))
    seen = [r.key for r in rules]
    if len(seen) != len(set(seen)):
        raise ValueError(f"{source}: 计分项重复：{seen}")
    formula = Formula(float(assess.get("base", 100)), float(assess.get("floor", 0)),
                      float(assess.get("ceiling", 120)), tuple(r for r in rules if r.per),
                      _number(assess, "key_weight", 1.0, source), _number(assess, "co_lead_share", 1.0, source))
    if formula.floor > formula.ceiling:
        raise ValueError(f"{source}: assessment.floor 不能大于 ceiling")
    if not 1 <= formula.key_weight <= 10:
        raise ValueError(f"{source}: assessment.key_weight 应在 1 到 10 之间，现为 {formula.key_weight:g}")
    if not 0 < formula.co_lead_share <= 1:
        raise ValueError(f"{source}: assessment.co_lead_share 应大于 0、不超过 1，现为 {formula.co_lead_share:g}")
    return ReportConfig(rate, formula, _printing(data.get("print", {}), source))


def _number(table: dict, key: str, default: float, source: str) -> float:
    try:
        return float(table.get(key, default))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: {key} 必须是数字") from exc


def _printing(table: dict, source: str) -> PrintConfig:
    values = {k: str(table[k]).strip() for k in ("issuer", "district") if k in table}
    if any(not v for v in values.values()):
        raise ValueError(f"{source}: [print] 的 issuer、district 不能为空")
    return PrintConfig(**values)


def _rule(entry: dict, source: str) -> Rule:
    key = entry.get("key")
    if key not in RULE_KEYS:
        raise ValueError(f"{source}: 未知的计分项 {key!r}，可选：{', '.join(RULE_KEYS)}")
    try:
        per, cap = float(entry.get("per", 0)), float(entry.get("cap", 0)) or None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: 计分项 {key} 的 per/cap 必须是数字") from exc
    return Rule(key, str(entry.get("label", key)), str(entry.get("unit", "项")), per, cap)
