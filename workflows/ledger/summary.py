"""How an import's result reads for people: counts, the measures that change, what the source lacks."""

from __future__ import annotations

from workflows.ledger.diff import CREATED, FIELD_LABELS, Change, Counts, ImportResult

_SHOWN = 60  # a value longer than this is cut in the listing


def summary(result: ImportResult) -> list[str]:
    head = "试运行（未写入任何数据）" if result.dry_run else "已导入"
    lines = [f"{head}：{result.source} → 方案 {result.plan_code}（{_ACTIONS[result.plan]}）",
             _count("类别", result.categories), _count("事项", result.items),
             _count("举措", result.measures) + (f"（其中 {len(result.held)} 条已在办理中，需 --force）"
                                                if result.held else ""),
             _count("单位", result.units),
             f"重点改革事项 {result.key} 条，方案印发时已完成 {result.done} 条，多家牵头 {result.joint} 条"]
    if result.new_units:
        confirm = "" if result.create_units else "（需确认：加 --create-units 才会新建）"
        lines.append(f"新单位 {len(result.new_units)} 个{confirm}：{'、'.join(result.new_units)}")
    if result.dry_run or result.measures.updated:
        lines += [_describe(c, result) for c in result.changes if c.kind == "measure" and
                  (result.dry_run or c.action != CREATED)]
    if result.missing:
        missing, codes = result.missing, "、".join(c for c in result.missing_codes if c)
        lines.append(f"数据库中有、来源中没有的举措 {len(missing)} 条（未删除，其他举措不受影响）："
                     f"第 {_ranges(missing)} 条" + (f"（{codes}）" if codes else ""))
    if result.held:
        lines.append(f"有 {len(result.held)} 条已在办理中的举措的变更未应用：核对无误后加 --force 再导入")
    if not result.changed:
        lines.append("没有变化。")
    return lines


_ACTIONS = {"created": "新建", "updated": "更新", "unchanged": "未变"}


def _count(label: str, c: Counts) -> str:
    return f"{label} {c.total}：新建 {c.created}，更新 {c.updated}，未变 {c.unchanged}"


def _describe(change: Change, result: ImportResult) -> str:
    code = f"（编号 {change.code}）" if change.code else ""
    if change.action == CREATED:
        return f"  + 第 {change.key} 条举措 新建：{_cut(change.fields['text'][1])}{code}"
    parts = "；".join(f"{FIELD_LABELS[k]} “{a}” → “{b}”" for k, (old, new) in change.fields.items()
                     for a, b in [_cut_pair(old, new)])
    if not change.guarded:
        return f"  ~ 第 {change.key} 条举措 变更：{parts}{code}"
    outcome = "已按 --force 应用，记入办理记录" if result.force else "未应用：确认后加 --force"
    why = "，".join(change.activity)
    return f"  ! 警告：第 {change.key} 条举措{code}已在办理中（{why}），变更：{parts}——{outcome}"


def _ranges(seqs: list[int]) -> str:
    """[2, 3, 4, 9] -> 2-4、9"""
    spans: list[list[int]] = []
    for n in seqs:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return "、".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _cut_pair(old: object, new: object) -> tuple[str, str]:
    """Both values cut alike, around where they start to differ, so a long text's change shows."""
    a, b = _plain(old), _plain(new)
    same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, same - 10) if same > _SHOWN - 10 else 0
    return _window(a, start), _window(b, start)


def _window(text: str, start: int) -> str:
    head = "…" if start else ""
    return head + text[start:start + _SHOWN] + ("…" if len(text) > start + _SHOWN else "")


def _plain(value: object) -> str:
    return {True: "是", False: "否"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def _cut(value: object) -> str:
    text = _plain(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
