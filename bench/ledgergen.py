"""A synthetic reform ledger in memory: 9 categories, N/1.2 items, ~200 units, N measures, states and deadlines."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DUE, LAST_DUE = date(2022, 1, 1), date(2024, 12, 31)
IMPORTED_AT = datetime(2022, 1, 10, 9, 0, tzinfo=SHANGHAI)
OPEN_STATES = ("assigned", "in_progress")
CATEGORIES = ("优化市场准入环境", "优化政务服务环境", "优化投资建设环境", "优化跨境贸易环境", "优化法治保障环境",
              "优化要素配置环境", "优化信用监管环境", "优化创新创业环境", "优化惠企服务环境")
AGENCIES = ("市场监管局", "发展改革委", "经济信息委", "财政局", "税务局", "人力社保局",
            "规划自然资源局", "住房城乡建委", "交通局", "水利局", "农业农村委", "商务委",
            "文化旅游委", "卫生健康委", "生态环境局", "应急局", "司法局", "公安局", "政务服务办",
            "大数据发展局", "科技局", "教委", "民政局", "城市管理局", "供电公司", "人行支行",
            "金融办", "统计局", "医保局", "退役军人事务局")
VERBS = ("推行", "深化", "优化", "建立", "完善", "推进", "实施", "健全", "探索", "落实", "拓展", "规范")
OBJECTS = ("企业开办全程网办", "工程建设项目审批制度", "不动产登记与交易", "跨境贸易便利化", "政务服务一网通办",
           "市场主体退出机制", "信用分级分类监管", "惠企政策直达快享", "水电气讯联合报装", "智慧税务服务",
           "知识产权快速保护", "招标投标全流程电子化", "中小投资者保护", "包容审慎监管", "要素市场化配置",
           "证照分离改革", "一业一证改革", "涉企经营许可", "用地用林审批", "融资信用服务平台")
GOALS = ("将办理时限压缩至3个工作日以内", "实现企业群众办事最多跑一次", "确保市场主体满意度达到95%以上",
         "形成一批可复制可推广的经验做法", "申报材料精简30%以上", "全面实现全程电子化办理",
         "建立常态化督查评估机制", "做到无事不扰、有求必应")
# share of each state, by where the deadline lies from the clock: done work is mostly in the past
STATE_MIX = {
    "past": (("assigned", 5), ("in_progress", 15), ("reported", 15), ("verified", 30), ("evaluated", 20),
             ("replicated", 15)),
    "near": (("assigned", 15), ("in_progress", 55), ("reported", 20), ("verified", 10)),
    "future": (("assigned", 55), ("in_progress", 40), ("reported", 5)),
}


class Measure(NamedTuple):
    id: int
    seq: int
    item: int  # 1-based index into Ledger.items
    text: str
    units: tuple[int, ...]  # 1-based indexes into Ledger.units, primary first
    due: date
    due_text: str
    key: bool
    state: str
    reported_at: datetime | None


class Item(NamedTuple):
    seq: int
    item_no: str
    title: str
    category: int  # 1-based


@dataclass
class Ledger:
    categories: list[str]
    items: list[Item]
    units: list[str]
    measures: list[Measure]


@dataclass(frozen=True)
class Spec:
    n: int
    seed: int = 1
    now: datetime = datetime(2023, 6, 20, 9, 0, tzinfo=SHANGHAI)
    units: int = 200

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()

    @property
    def tag(self) -> str:
        return f"n{self.n}_s{self.seed}_c{self.today:%Y%m%d}"


def unit_names(count: int) -> list[str]:
    return [f"区{AGENCIES[i % len(AGENCIES)]}" + (f"第{i // len(AGENCIES) + 1}分局" if i >= len(AGENCIES) else "")
            for i in range(count)]


def measure_text(rng: random.Random, seq: int) -> str:
    a, b = rng.sample(OBJECTS, 2)
    return f"{rng.choice(VERBS)}{a}，{rng.choice(VERBS)}{b}，{rng.choice(GOALS)}（第{seq}项）。"


def deadline(rng: random.Random) -> tuple[date, str]:
    """Most deadlines name a day; some a month, which means its last day (as the plan writes 2022年6月)."""
    day = FIRST_DUE + timedelta(days=rng.randrange((LAST_DUE - FIRST_DUE).days + 1))
    if rng.random() < 0.4:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=last), f"{day.year}年{day.month}月"
    return day, f"{day.year}年{day.month}月{day.day}日"


def pick_state(rng: random.Random, due: date, today: date) -> str:
    where = "past" if due < today - timedelta(days=30) else "near" if due < today + timedelta(days=60) else "future"
    states, weights = zip(*STATE_MIX[where], strict=True)
    return rng.choices(states, weights)[0]


def reported_at(rng: random.Random, due: date, today: date) -> datetime:
    """Reported before the deadline and at least 9 days before the clock: the reviewer's rung was recorded."""
    day = min(due, today - timedelta(days=9)) - timedelta(days=rng.randrange(60))
    return datetime.combine(max(day, IMPORTED_AT.date() + timedelta(days=1)), time(10, 0), SHANGHAI)


def lead_units(rng: random.Random, count: int) -> tuple[int, ...]:
    k = rng.choices((1, 2, 3), (70, 22, 8))[0]
    return tuple(rng.sample(range(1, count + 1), k))


def items_for(rng: random.Random, n: int) -> tuple[list[Item], list[int]]:
    """N/1.2 items in category blocks, and for each measure (in seq order) its item: every item has one or more."""
    count = max(1, round(n / 1.2))
    items = [Item(i, str(i), f"{OBJECTS[i % len(OBJECTS)]}改革第{i}项", (i - 1) * len(CATEGORIES) // count + 1)
             for i in range(1, count + 1)]
    per_measure = list(range(1, count + 1)) + [rng.randrange(1, count + 1) for _ in range(n - count)]
    per_measure.sort()
    return items, per_measure


def generate(spec: Spec) -> Ledger:
    rng = random.Random(spec.seed)
    items, item_of = items_for(rng, spec.n)
    measures = []
    for seq in range(1, spec.n + 1):
        due, due_text = deadline(rng)
        state = pick_state(rng, due, spec.today)
        rep = reported_at(rng, due, spec.today) if state not in OPEN_STATES else None
        measures.append(Measure(seq, seq, item_of[seq - 1], measure_text(rng, seq), lead_units(rng, spec.units),
                                due, due_text, rng.random() < 0.1, state, rep))
    return Ledger(list(CATEGORIES), items, unit_names(spec.units), measures)
