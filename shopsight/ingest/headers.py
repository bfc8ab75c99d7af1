"""Find the header row below title rows, clean header names, and read the period.

Exports put 店铺名称 / 统计时间 / 下载时间 lines above the header; the header
row is the one whose cells best match known header names (never assumed to be
row 1).  The period of a file without a date column comes from those title
lines or from the file name.
"""

from __future__ import annotations

import datetime as dt
import re

from shopsight.ingest import synonyms

SCAN_ROWS = 30


def _is_numberish(cell: str) -> bool:
    return bool(re.fullmatch(r"[-+¥￥$]?[\d,.]+%?", cell.strip()))


def header_score(row: list[str | None]) -> float:
    cells = [c for c in row if c and c.strip()]
    if len(cells) < 2:
        return -1.0
    keys = [synonyms.header_key(c) for c in cells]
    known = sum(1 for k in keys if k in synonyms.KNOWN_KEYS or synonyms.is_comparison(k))
    numeric = sum(1 for c in cells if _is_numberish(c))
    distinct = len(set(keys))
    return known * 3 + min(distinct, 30) * 0.2 - numeric * 1.0


def find_header_row(rows: list[list[str | None]]) -> int:
    """0-based index of the header row among the first rows of a sheet."""
    best, best_score = None, -1.0
    for i, row in enumerate(rows[:SCAN_ROWS]):
        score = header_score(row)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return 0
    return best


# Logs published without a header row, known by the shape of their first lines:
# (layout, its columns, a pattern each cell matches).  Values like pv/cart or 1-4 in the
# behaviour column make a data line unmistakable for a header.
HEADERLESS = (
    (
        "Tianchi UserBehavior",
        ("user_id", "item_id", "category_id", "behavior_type", "timestamp"),
        (r"\d+", r"\d+", r"\d+", r"(?i)pv|cart|fav|buy", r"-?\d+"),
    ),
    (
        "Tianchi mobile recommendation",
        ("user_id", "item_id", "behavior_type", "user_geohash", "item_category", "time"),
        (r"\d+", r"\d+", r"[1-4]", r"[0-9a-z]*", r"\d+", r"\d{4}-\d{2}-\d{2} \d{1,2}"),
    ),
)
SHAPE_ROWS = 50


def headerless_layout(rows: list[list[str | None]]) -> tuple[str, list[str]] | None:
    """(layout, column names) when the first lines are data of a known headerless log."""
    sample = [r for r in rows[:SHAPE_ROWS] if any(c is not None and c.strip() for c in r)]
    if not sample:
        return None
    for name, columns, patterns in HEADERLESS:
        if all(
            len(r) == len(columns)
            and all(re.fullmatch(p, (c or "").strip()) for p, c in zip(patterns, r, strict=True))
            for r in sample
        ):
            return name, list(columns)
    return None


def clean_headers(row: list[str | None], width: int) -> list[str]:
    """Stripped, non-empty, unique header names (duplicates get `__2`, `__3`)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i in range(width):
        raw = row[i] if i < len(row) else None
        name = re.sub(r"\s+", " ", str(raw or "")).strip().lstrip("\ufeff").strip()
        if not name:
            name = f"column_{i + 1}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name}__{n}")
    return out


_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
# 2026-11-01 00:00:00 至 2026-11-07 23:59:59: the times of a range's ends are not its days
_CLOCK = r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_RANGE = re.compile(_DATE + _CLOCK + r"\s*(?:~|至|～|到|—|–|-|_)\s*" + _DATE)
_COMPACT_RANGE = re.compile(r"(?<!\d)(20\d{6})\s*(?:~|至|～|-|_)\s*(20\d{6})(?!\d)")
_SINGLE_DAY = re.compile(
    r"(?:统计日期|统计时间|日期)[:：\s]*" + _DATE + r"(?!\s*(?:~|至|～|到|-|_)\s*\d)"
)
_NOT_PERIOD = (
    "对比", "上一周期", "上期", "同比", "环比", "下载", "导出", "更新", "生成", "创建", "打印", "说明",
)  # fmt: skip
# a title row may hold several labelled values (统计时间：… 下载时间：…, 统计时间：…（对比周期：…）):
# each label starts a part of its own
_LABELS = re.compile("(?=" + "|".join((*_NOT_PERIOD, "统计")) + ")")
# a month alone after a label (统计月份：2026-11, 统计时间：2026年11月): the whole month
_MONTH = re.compile(r"(?:统计|月份)[^\d]{0,6}(20\d{2})[-/.年](\d{1,2})月?(?![-/.\d日])")


def _ymd(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _range_in(text: str) -> tuple[dt.date, dt.date] | None:
    m = _RANGE.search(text)
    if m:
        a, b = _ymd(*m.groups()[:3]), _ymd(*m.groups()[3:])
        if a and b and a <= b:
            return a, b
    m = _COMPACT_RANGE.search(text)
    if m:
        a = _ymd(m.group(1)[:4], m.group(1)[4:6], m.group(1)[6:])
        b = _ymd(m.group(2)[:4], m.group(2)[4:6], m.group(2)[6:])
        if a and b and a <= b:
            return a, b
    return None


def find_period(title_lines: list[str], filename: str) -> tuple[dt.date, dt.date] | None:
    """The data period from title rows (统计时间：2026-11-01~2026-11-07) or the file name.

    Lines about a comparison period or the download time are skipped; a file
    name like 商品报表_20260619_110309.csv is an export stamp, not a period.
    """
    for part in (p for line in title_lines for p in _LABELS.split(line)):
        if any(w in part for w in _NOT_PERIOD):
            continue
        found = _range_in(part)
        if found:
            return found
        m = _SINGLE_DAY.search(part)
        if m:
            day = _ymd(*m.groups())
            if day:
                return day, day
        m = _MONTH.search(part)
        if m and 1 <= int(m[2]) <= 12:
            first = dt.date(int(m[1]), int(m[2]), 1)
            after = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, after - dt.timedelta(days=1)
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename or "")
    return _range_in(stem)


def title_lines(rows: list[list[str | None]], header_index: int) -> list[str]:
    return [" ".join(c for c in row if c) for row in rows[:header_index] if any(row)]


def device_from_name(name: str | None) -> str | None:
    """PC流量来源 / 无线流量来源: the channel a sheet or file name carries."""
    if not name:
        return None
    low = name.lower()
    if "无线" in name or "移动" in name or "手机" in name or "app" in low or "wireless" in low:
        return "无线"
    if re.search(r"pc", low) or "电脑" in name:
        return "PC"
    return None
