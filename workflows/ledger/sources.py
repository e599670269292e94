"""Where a ledger comes from: a packaged builtin, a plan .txt, an .xlsx or a .csv, checked by content."""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

from workflows.ledger import plan_text, tabular
from workflows.ledger.errors import LedgerError
from workflows.ledger.rows import ParsedLedger, PlanMeta, build

BUILTIN_PREFIX = "builtin:"
BUILTINS = {"wulong-2022": "wulong-pilot-plan-2022.txt"}
DEFAULT_PLAN = "wulong-2022"
TABULAR = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv"}
_MAGIC = ((b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
          (b"%PDF", "PDF 文档"), (b"\xd0\xcf\x11\xe0", "旧版 Office 文件（.xls/.doc，请另存为 .xlsx）"),
          (b"BM", "BMP 图片"))


def builtin_text(name: str) -> str:
    if name not in BUILTINS:
        known = "、".join(BUILTIN_PREFIX + n for n in BUILTINS)
        raise LedgerError(f"未知的内置台账“{BUILTIN_PREFIX}{name}”，可用：{known}")
    return resources.files("workflows").joinpath("data", BUILTINS[name]).read_text(encoding="utf-8")


def content_kind(data: bytes) -> str:
    """What the bytes are, whatever the file is called."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return "损坏的压缩文件"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "Word 文档（.docx）"
        return "压缩文件（不是 Excel 工作簿）"
    for magic, label in _MAGIC:
        if data.startswith(magic):
            return label
    return "binary" if b"\x00" in data[:8192] else "text"


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030, as Chinese offices save CSV both ways."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerError(f"无法识别“{name}”的文字编码（支持 UTF-8 与 GB18030）")


def load(source: str | Path, plan_code: str | None = None) -> ParsedLedger:
    """Read and check a whole ledger; raises LedgerError before anything is written."""
    text_source = str(source)
    if text_source.startswith(BUILTIN_PREFIX):
        name = text_source[len(BUILTIN_PREFIX):]
        meta, rows = plan_text.parse(builtin_text(name))
        return build(rows, plan_code or name, text_source, meta, meta_from_plan=True)
    path = Path(source)
    if not path.is_file():
        raise LedgerError(f"找不到台账文件“{path}”")
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise LedgerError(f"文件为空：“{path.name}”")
    suffix, kind = path.suffix.lower(), content_kind(data)
    code = plan_code or DEFAULT_PLAN
    if suffix == ".txt":
        if kind != "text":
            raise LedgerError(f"“{path.name}”不是有效的方案文本文件（内容为：{_label(kind)}）")
        meta, rows = plan_text.parse(decode(data, path.name))
        return build(rows, code, path.name, meta, meta_from_plan=True)
    wanted = TABULAR.get(suffix)
    if wanted is None:
        raise LedgerError(f"不支持的文件类型“{suffix or path.name}”（内容为：{_label(kind)}）；"
                          "请提供 .xlsx、.csv 台账或方案 .txt")
    if (wanted == "xlsx") != (kind == "xlsx") or kind not in ("xlsx", "text"):
        raise LedgerError(f"“{path.name}”不是有效的 {'Excel 工作簿' if wanted == 'xlsx' else 'CSV 文本文件'}"
                          f"（内容为：{_label(kind)}）")
    table = tabular.read_xlsx(path) if wanted == "xlsx" else tabular.read_csv(decode(data, path.name))
    rows, title = tabular.to_rows(table)
    return build(rows, code, path.name, PlanMeta(title=title))


def _label(kind: str) -> str:
    return {"xlsx": "Excel 工作簿", "text": "文本", "binary": "二进制数据"}.get(kind, kind)
