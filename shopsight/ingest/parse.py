"""Type a sheet's cells into a canonical table with DuckDB, reporting every bad cell.

The cells reach SQL as text under positional names (c0, c1, …), so no header
text from a file ever becomes SQL.  One query types every mapped cell with the
macros in queries/ingest_macros.sql, on a private in-memory connection; a
non-empty cell that comes back null is an error for its row, and that row is
not loaded.  Row numbers are the file's own (title and header rows counted).

Where the cells come from (readers.py): a big CSV is read by DuckDB's own CSV
reader from a UTF-8 copy; that is used only when it provably yields one record
per physical line (otherwise, and on any reader error, the Python reader does
the work), so row numbers stay exact.  Excel values are converted to text
column by column.  Both give the same result as the plain Python readers.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopsight import queries, schema
from shopsight.geo import names as geo_names
from shopsight.ingest import detect, messages, readers, synonyms
from shopsight.ingest.errors import IngestError
from shopsight.ingest.readers import MAX_CELL_CHARS, WHITESPACE, CellsBody, CsvBody, Sheet

# Tests switch these off to compare the fast readers with the reference ones.
FAST_PATHS = True

MAX_REPORTED_ERRORS = 10_000
SUMMARY_WORDS = (
    "合计",
    "总计",
    "汇总",
    "总和",
    "小计",
    "共计",
    "合計",
    "總計",
    "小計",
    "total",
    "grand total",
    "totals",
    "sum",
    "全国",  # a region report's nationwide row
)
# Columns whose value names what a row counts: 合计 there makes a summary row even when a
# date or a test's name fills the row's first cell (2026-11-01, 合计, 150 …; T恤主图, 小计 …).
SUMMARY_LABELS = ("source", "source_detail", "province", "city", "channel", "device", "variant")
# A summary row's first filled cell: one of the words, spaced out or not (合 计 is padded
# with an ASCII or a full-width space), after 本页 / 全部, and followed by nothing, by a
# colon, slash or bracket and anything, or by a number (合计：152条, 总计（7天）, Total: 10,
# 合计 2条). RE2 syntax, matched against the lower-cased cell. A row with an id (order,
# product, SKU …) is data whatever its first cell says (Total(150g)牙膏).
# (spaces of every width, and the zero-width characters a web page leaves: 合​计)
_GAP = (
    r"[\s\x{3000}"
    + "".join(f"\\x{{{ord(c):x}}}" for c in readers.SPACES + readers.INVISIBLE)
    + "]*"
)
SUMMARY_PREFIXES = ("本页", "全部")
# A note under the table (its only filled cell): it says what it is, or labels a value
# with a colon (注：以上数据来源于生意参谋, 导出时间：2026-12-01, Source: …). RE2, partial match.
NOTE_PATTERN = (
    r"(?i)^[\s*※#]*(注|说明|备注|提示|数据|导出|统计|来源|以上|本表|本报表|报表|下载"
    r"|notes?\b|source|generated|exported?\b|report|data\b|downloaded"
    # the count of records: 共 60 条记录, 共计60行, 60 records
    r"|共\s*计?\s*[0-9,]+\s*(条|行|笔|项|个|单)|[0-9,]+\s*(records?|rows?|lines?)\b)|[:：]"
)
# ＴＯＴＡＬ typed with a Chinese input method: full-width Latin letters, lower-cased
_FULL_WIDTH_LOWER = (
    "'" + "".join(chr(c + 0xFEE0) for c in range(ord("a"), ord("z") + 1)) + "', "
    "'abcdefghijklmnopqrstuvwxyz'"
)


def _full_width(c: str) -> tuple[str, ...]:
    """The full-width forms of an ASCII letter (Ｔ, ｔ for t); none for other characters."""
    if not (c.isascii() and c.isalpha()):
        return ()
    return chr(ord(c.upper()) + 0xFEE0), chr(ord(c.lower()) + 0xFEE0)


SUMMARY_PATTERN = (
    f"(?:{'|'.join(SUMMARY_PREFIXES)})?{_GAP}"
    f"(?:{'|'.join(w.replace(' ', _GAP) if w.isascii() else _GAP.join(w) for w in SUMMARY_WORDS)})"
    + _GAP
    + r"(?:[:：(（\[【/].*|\s+\d.*)?"
)

_PARSER = {
    schema.DATE: "ss_date",
    schema.TIMESTAMP: "ss_ts",
    schema.INT: "ss_int",
    schema.NUM: "ss_num",
    schema.MONEY: "ss_money",
    schema.BOOL: "ss_bool",
    schema.TEXT: "ss_text",
}
_PROBLEM = {
    "ss_date": "is not a date (e.g. 2026-11-01, 2026/11/1, 20261101, 2026年11月1日)",
    "ss_ts": "is not a date/time (e.g. 2026-11-01 10:30:00)",
    "ss_int": "is not a count",
    "ss_num": "is not a number",
    "ss_money": "is not an amount of money",
    "ss_bool": "is not a yes/no value (是/否, 成交/未成交, true/false)",
    "ss_id": "is an id in scientific notation: its digits were lost in Excel; export the column as text",
}
# schema.ID and schema.TEXT are both varchar: ids are told apart by name
_ID_COLUMNS = {"order_id", "buyer_id", "product_id", "sku_id", "customer_id", "user_id"}
# DuckDB's own cast of a cell: the first thing the parser's macro tries (ingest_macros.sql).
# It runs once over the whole column; the macro runs only for cells it cannot read
# (empty, placeholders, 1.2万, ¥1,234.50, 2026年11月1日 …), so a clean column costs one cast.
_CAST = {
    "ss_num": "try_cast({c} as double)",
    "ss_int": "try_cast({c} as double)",
    "ss_money": "try_cast({c} as double)",
    "ss_ts": "case when length({c}) in (10, 19) then try_cast({c} as timestamp) end",
    "ss_date": "case when length({c}) in (10, 19) then try_cast({c} as date) end",
}
_DAY_FIRST = {"ss_ts": "ss_ts_dmy", "ss_date": "ss_date_dmy"}
_CAST.update({dmy: _CAST[fn] for fn, dmy in _DAY_FIRST.items()})
# (the cast read the cell, the typed value from the cast d): the macro would give the same
_FROM_CAST = {
    "ss_num": ("isfinite({d})", "{d}"),
    "ss_int": ("isfinite({d})", "try_cast(round({d}) as bigint)"),
    "ss_money": ("isfinite({d})", "try_cast({d} as decimal(18, 2))"),
    "ss_ts": ("{d} is not null", "ss_in_era({d})"),
    "ss_date": ("{d} is not null", "ss_in_era({d})"),
}
_FROM_CAST.update({dmy: _FROM_CAST[fn] for fn, dmy in _DAY_FIRST.items()})
# a date written with slashes, its first two numbers as written: 05/11/2026, 5/11/2026 9:30,
# both ends of 01/11/2026~07/11/2026 (RE2 in DuckDB, on the folded cell)
_SLASH_DATE = r"(\d{1,2})/(\d{1,2})/\d{4}"
# the same in a raw cell, as Python sees it: full-width digits and slash, anything around
_SLASH_DATE_RAW = re.compile(r"\d{1,2}[/／]\d{1,2}[/／]\d{4}")
# parsers that read any text (a placeholder is no value, never a bad cell)
_TEXT_PARSERS = ("ss_text", "ss_event_code")
# the behaviour column of the Tianchi logs: codes 1-4 or pv/cart/fav/buy; elsewhere an
# event is kept as the log names it
_TIANCHI_EVENT_HEADERS = ("behavior_type", "behavior")
# Order-level fields that Shopify-style exports fill only on an order's first line.
_ORDER_LEVEL = (
    "order_time",
    "created_time",
    "paid",
    "_paid_time",
    "buyer_id",
    "status",
    "province",
    "city",
    "source",
    "device",
    "currency",
)
# Blank on every line of an unpaid order, so their gaps alone do not mean continuation lines.
_UNPAID_BLANKS = ("_paid_time", "order_time", "paid")
# Inputs that feed a canonical column without being stored themselves, and their parsers.
_INPUT_PARSER = {
    "paid_time": "ss_ts",
    "unit_price": "ss_num",
    "line_discount": "ss_num",
    "after_sale": "ss_text",
    "inquiry_status": "ss_text",
}
# an after-sale status that refunded the line (退款成功, 退货退款成功, 已退款 …); RE2
_REFUNDED = "退款成功|退款完成|已退款|退货退款成功|^refunded$"
# Payment as the platforms write it (DESIGN §2): Shopify's Financial Status, and the
# Chinese platforms' 订单状态 for orders not paid (yet).  Other statuses are decided by
# the payment time when the file has one.
PAID_STATUSES = ("paid", "partially_refunded", "refunded")
UNPAID_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "voided",
    "expired",
    "unpaid",
    "等待买家付款",
    "待付款",
    "待支付",
    "未付款",
    "未支付",
    "等待付款",
    "待买家付款",
)
_PERIOD_KINDS = ("traffic", "products", "regions")
# Numbers that are a level or a price, not a count or amount of the row: a placeholder
# (-, --, 暂无, empty) there means unknown, never 0.
_PLACEHOLDER_IS_UNKNOWN = ("unit_cost", "stock")
# (count, the count it cannot exceed): 支付买家数 > 访客数 and the like cannot happen
_AT_MOST = (
    ("paying_buyers", "visitors"),
    ("order_buyers", "visitors"),
    ("add_to_cart_buyers", "visitors"),
    ("favorite_buyers", "visitors"),
    ("clicks", "impressions"),
    ("refund_amount", "paid_amount"),  # a refund returns at most what was paid
)
# rates that are a share of their base (客单价 is a rate: input too, but money)
_SHARES = ("rate:conversion", "rate:order", "rate:add_to_cart", "rate:ctr")


def _is_number(type_: str) -> bool:
    return type_ in (schema.INT, schema.NUM) or type_.startswith("decimal")


def placeholder_reads_as(canonical: str, kind: str) -> str | None:
    """How a placeholder cell of this column reads: "zero" for a count or amount of a
    row that exists, "empty" for a rate, AOV, price or level, None for other columns."""
    if canonical.startswith("rate:"):
        return "empty"
    names = schema.KINDS[kind].column_names
    if canonical not in names or not _is_number(schema.KINDS[kind].column(canonical).type):
        return None
    return "empty" if canonical in _PLACEHOLDER_IS_UNKNOWN else "zero"


@dataclass
class ParseResult:
    table: pa.Table
    errors: list[dict] = field(default_factory=list)
    rows_rejected: int = 0
    derived: list[str] = field(default_factory=list)
    summary_rows_dropped: int = 0
    blank_rows: int = 0
    reader: str = "python"  # python | duckdb_csv | excel_columns: which reader gave the cells
    # placeholder cells (-, --, 暂无, empty) of loaded rows read as 0 / as no value, per header
    cells_as_zero: dict[str, int] = field(default_factory=dict)
    cells_as_empty: dict[str, int] = field(default_factory=dict)
    # rows loaded with values that cannot happen (negative counts, buyers > visitors, …)
    warnings: list[dict] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # kept column -> why it was not stored
    # rows that are not data: the header repeated below the first, notes under the table
    other_rows_dropped: int = 0


def _sql_text(s: str) -> str:
    """A constant of ours (never file text) as a SQL string literal.

    The typing query binds no parameter: with one bound value (any, even unused by the
    rows) DuckDB ran it three times slower (13.8 against 4.6-4.9 CPU-s on the bench's
    1M-line order export), so its few values of our own (a default, the device a sheet
    name gives, the period's days) are written in as constants."""
    return "'" + s.replace("'", "''") + "'"


def _date_literal(day: dt.date) -> str:
    return f"date '{day.isoformat()}'"


def paid_sql(
    status: str | None, paid_time: str | None, amount: str | None = None, low: str | None = None
) -> str:
    """Whether an order was paid, from its status and payment time (SQL over our names).

    A status that says paid or unpaid decides; else the payment time does when the file
    has one (交易关闭 after a payment is a refunded order, before one a cancelled order);
    else a closed or cancelled order is unpaid and any other counts as paid.  A file with
    neither says it only by the amount: an order of 0.00 was not paid.  `low`: the
    status already as lower(trim(status)), when the caller has worked it out once.
    """
    if not status and not paid_time:
        return f"coalesce({amount} > 0, true)" if amount else "true"
    parts = []
    if status:
        low = low or f"lower(trim({status}))"
        parts += [
            f"when {low} in ({', '.join(map(_sql_text, PAID_STATUSES))}) then true",
            f"when {low} in ({', '.join(map(_sql_text, UNPAID_STATUSES))}) then false",
        ]
    if paid_time:
        parts.append(f"when true then {paid_time} is not null")
    elif status:
        parts.append(f"when lower({status}) similar to '.*(关闭|取消|cancel|void).*' then false")
    return f"(case {' '.join(parts)} else true end)"


def order_time_sql(paid: str, paid_time: str | None, created: str | None) -> str | None:
    """order_time: the payment time of a paid order, else the creation time."""
    if paid_time and created:
        return f"(case when {paid} and {paid_time} is not null then {paid_time} else {created} end)"
    if paid_time:
        return f"(case when {paid} then {paid_time} end)"
    return created


def _parser_for(canonical: str, kind: str) -> str:
    if canonical.startswith("rate:"):
        return "ss_num"
    if canonical in _INPUT_PARSER:
        return _INPUT_PARSER[canonical]
    if canonical in _ID_COLUMNS:
        return "ss_id"
    return _PARSER[schema.KINDS[kind].column(canonical).type]


class _Plan:
    """The one typing query for a sheet, built from its mapping (identifiers are ours only)."""

    def __init__(
        self,
        headers: list[str],
        mapping: dict[str, str],
        kind: str,
        period: tuple[dt.date, dt.date] | None,
        device: str | None,
        keep_inputs: bool = False,
    ) -> None:
        self.kind = kind
        self.keep_inputs = keep_inputs
        self.k = schema.KINDS[kind]
        self.headers = headers
        self.width = len(headers)
        col_of = {h: j for j, h in enumerate(headers)}
        self.mapped = {
            canon: col_of[h]
            for h, canon in mapping.items()
            if canon and canon != detect.KEEP and h in col_of
        }
        self.address = next((col_of[h] for h in headers if synonyms.is_address(h)), None)
        # an order line's own key in the file, read only to tell alike lines apart
        self.line_keys = [
            j
            for j, h in enumerate(headers)
            if kind == "orders"
            and synonyms.header_key(h) in synonyms.LINE_KEYS
            and mapping.get(h) in (None, "", detect.KEEP)
        ]
        skipped = {
            h
            for h in headers
            if synonyms.is_personal(h)
            or synonyms.is_address(h)
            or synonyms.is_free_text(h)
            or synonyms.is_comparison(h)
        }
        # personal data is denied by default: a column that maps to no canonical field is
        # stored only when the owner keeps it on purpose, and never when it is free text
        self.extras = [
            (j, h)
            for j, h in enumerate(headers)
            if mapping.get(h) == detect.KEEP and h not in skipped
        ]
        self.hidden: dict[str, str] = {}  # our own helper columns: name -> SQL over v_*
        self.line_from_paid = False
        self.paid: str | None = None  # orders: whether paid, as SQL over v_* and _low
        self.parsers = {canon: _parser_for(canon, kind) for canon in self.mapped}
        if (
            "event" in self.mapped
            and synonyms.header_key(headers[self.mapped["event"]]) in _TIANCHI_EVENT_HEADERS
        ):
            # Taobao's logged behaviours, named as the funnel shows them (pv, 1 → 浏览 …)
            self.parsers["event"] = "ss_event_code"
        self._derive_checks()
        self.placeholders = {
            canon: (j, how)
            for canon, j in self.mapped.items()
            if (how := placeholder_reads_as(canon, kind))
        }
        self.derived: list[str] = []
        self.out = self._outputs(period, device)
        missing = [c for c in self.k.required if not self.out.get(c) and not self._from_geo(c)]
        if missing:
            raise ValueError(f"required column(s) not mapped: {', '.join(missing)}")

    def _derive_checks(self) -> None:
        self.checks = [
            (canon, j, self.parsers[canon])
            for canon, j in self.mapped.items()
            if self.parsers[canon] not in _TEXT_PARSERS
        ]
        # columns read by DuckDB's cast first (FAST_PATHS off: every cell by its macro)
        self.casts = {
            j: self.parsers[canon]
            for canon, j in self.mapped.items()
            if FAST_PATHS and self.parsers[canon] in _CAST
        }

    def slash_dates(self, rows: list[list[str | None]]) -> list[str]:
        """The date and time columns whose cells in `rows` include a date written with
        slashes and a year last (05/11/2026): they may be day first."""
        out = []
        for canon, j in self.mapped.items():
            if self.parsers[canon] in _DAY_FIRST and any(
                j < len(r) and r[j] and _SLASH_DATE_RAW.search(r[j]) for r in rows
            ):
                out.append(canon)
        return out

    def read_day_first(self, columns: list[str]) -> None:
        for canon in columns:
            self.parsers[canon] = _DAY_FIRST[self.parsers[canon]]
        self._derive_checks()

    def _from_geo(self, col: str) -> bool:
        return col in ("province", "city") and col in self.geo_columns

    @property
    def geo_columns(self) -> tuple[str, ...]:
        names = self.k.column_names
        if "province" not in names:
            return ()
        if "province" in self.mapped:
            return ("province", "city") if "city" in self.mapped else ("province",)
        if self.address is not None:
            return (
                ("province", "city")
                if "city" in names and "city" not in self.mapped
                else ("province",)
            )
        return ()

    def _outputs(self, period, device) -> dict[str, str | None]:
        """SQL expression of every canonical column over the typed cells (v_*)."""
        present = {c.replace(":", "__") for c in self.mapped}
        out: dict[str, str | None] = {}
        for col in self.k.columns:
            name = col.name
            expr = f"v_{name}" if name in present else None
            if expr and self.placeholders.get(name, (0, None))[1] == "zero":
                expr = f"coalesce({expr}, 0)"  # a count or amount the row has: - is none
            if name == "date" and self.k.period and expr is None and period:
                expr = _date_literal(period[0])
                self.derived.append("date")
            if name == "date_end" and self.k.period:
                parts = ["v_date_end"] if "date_end" in present else []
                if "date" in present:
                    parts += ["_range_end", "v_date"]
                elif period:
                    parts.append(_date_literal(period[1]))
                expr = f"coalesce({', '.join(parts)})" if parts else None
            if name == "device" and device and expr is None:
                expr = _sql_text(device)
                self.derived.append("device")
            if expr is None and col.default is not None:
                expr = _sql_text(col.default)
            out[name] = expr

        def derive(target: str, expr: str) -> None:
            if out.get(target) is None:
                out[target] = expr
                self.derived.append(target)

        if "rate__conversion" in present and "visitors" in present:
            derive("paying_buyers", "cast(round(v_visitors * v_rate__conversion) as bigint)")
        if "rate__order" in present and "visitors" in present:
            derive("order_buyers", "cast(round(v_visitors * v_rate__order) as bigint)")
        if "rate__add_to_cart" in present and "visitors" in present:
            derive("add_to_cart_buyers", "cast(round(v_visitors * v_rate__add_to_cart) as bigint)")
        if self.kind == "image_tests":
            if "rate__ctr" in present and "impressions" in present:
                derive("clicks", "cast(round(v_impressions * v_rate__ctr) as bigint)")
            if "product_id" in present:
                derive("test_id", "v_product_id")
            if "variant" in present:
                # (a 直通车 creative is its id: 原图 is in its 创意标题)
                name = (
                    " or coalesce(ss_is_control(v_variant_name), false)"
                    if "variant_name" in present
                    else ""
                )
                derive("is_control", f"(ss_is_control(v_variant){name})")
        if "rate__aov" in present and out.get("paying_buyers"):
            derive("paid_amount", f"round(({out['paying_buyers']}) * v_rate__aov, 2)")
        if "province" in self.geo_columns and "province" not in self.mapped:
            for col in self.geo_columns:
                out[col] = None  # filled from the 收货地址 lookup after the query
                self.derived.append(col)
        if self.kind == "orders":
            self._order_outputs(out, present, derive)
        if self.kind == "inquiries":
            self._inquiry_outputs(out, present, derive)
        return out

    def _inquiry_outputs(self, out: dict, present: set[str], derive) -> None:
        """Whether an inquiry closed: from 询盘状态 when the file has no 是否成交, and a blank
        是否成交 beside a deal's amount is a deal (成交金额 2000, 是否成交 empty)."""
        if "inquiry_status" in present:
            derive(
                "closed",
                "case when v_inquiry_status is null then null "
                "else regexp_matches(v_inquiry_status, '已成交|^成交|已下单|已付款|(?i)^won$') "
                "and not regexp_matches(v_inquiry_status, '未|不|没') end",
            )
        if "closed" in present and "amount" in present:
            out["closed"] = "coalesce(v_closed, case when v_amount > 0 then true end)"

    def _order_outputs(self, out: dict, present: set[str], derive) -> None:
        """Payment, the day that counts, the line's own sales and its product key (DESIGN §2)."""
        paid_time = "v_paid_time" if "paid_time" in present else None
        created = next((f"v_{c}" for c in ("created_time", "order_time") if c in present), None)
        status = "v_status" if "status" in present else None
        if paid_time:
            self.hidden["_paid_time"] = paid_time
        if self.keep_inputs:  # a preview shows what was read from every mapped header
            for name in _INPUT_PARSER:
                if name in present:
                    self.hidden.setdefault(f"_{name}", f"v_{name}")
        out["created_time"] = created
        # payment is worked out once per row (order_time needs it too) in a step of its
        # own, from the status lowered once (_low): see sql()
        self.paid = paid_sql(
            status,
            paid_time,
            "v_paid_amount" if "paid_amount" in present else None,
            "_low" if status else None,
        )
        out["paid"] = "_paid"
        out["order_time"] = order_time_sql(out["paid"], paid_time, created)
        if "unit_price" in present and "quantity" in present:
            discount = " - coalesce(v_line_discount, 0)" if "line_discount" in present else ""
            derive("line_amount", f"round(v_unit_price * v_quantity{discount}, 2)")
        elif "paid_amount" in present:
            # a line's paid amount is its sales, unless it is the order's (see _fill_down_orders)
            self.line_from_paid = out.get("line_amount") is None
            derive("line_amount", "v_paid_amount")
        if "after_sale" in present and "paid_amount" in present:
            # (the status too: 拼多多 writes 未发货，退款成功 there)
            said = "concat_ws(' ', v_after_sale, " + (status or "null") + ")"
            derive(
                "refund_amount",
                f"case when regexp_matches(lower({said}), '{_REFUNDED}') "
                "then v_paid_amount else 0 end",
            )
        keys = [f"v_{c}" for c in ("product_id", "sku_id", "product_name") if c in present]
        if "product_id" not in present and keys:
            derive("product_id", f"coalesce({', '.join(keys)})")

    def sql(self, source: str) -> str:
        w = self.width
        used = sorted(
            {j for j in self.mapped.values()}
            | {j for j, _ in self.extras}
            | set(self.line_keys)
            | ({self.address} if self.address is not None else set())
        )
        # a cell longer than Excel allows is refused for its row (checked on byte length
        # first: strlen is free, length counts characters)
        long_note = " ".join(
            f"when strlen(c{j}) > {MAX_CELL_CHARS} and length(c{j}) > {MAX_CELL_CHARS} then "
            f"'column {j + 1}: a cell of ' || format('{{:,}}', length(c{j})) || "
            f"' characters (the limit is {MAX_CELL_CHARS:,})'"
            for j in range(w)
        )
        first = "coalesce(" + ", ".join(f"nullif(ss_trim(c{j}), '')" for j in range(w)) + ")"
        firsts = [s[0] for s in SUMMARY_WORDS + SUMMARY_PREFIXES]
        starts = ", ".join(sorted({str(ord(c)) for s in firsts for c in (s, s.upper())}))
        wide_starts = ", ".join(sorted({str(ord(c)) for s in firsts for c in _full_width(s)}))
        pattern = _sql_text(SUMMARY_PATTERN)
        raw_select = [
            f"{first} as _first",
            "_extra",
            f"case {long_note} else _extra end as _problem" if w else "_extra as _problem",
            *(f"c{j}" for j in used),
        ]

        def summary(cell: str) -> str:
            # the first character decides cheaply for almost every cell: the pattern is not
            # (a case, not an and: the pattern then runs only on the cells that get there);
            # full-width letters are folded only for a cell that starts with one
            return (
                f"(case when ord({cell}) in ({starts}) "
                f"then regexp_full_match(lower({cell}), {pattern}) "
                f"when ord({cell}) in ({wide_starts}) then regexp_full_match("
                f"translate(lower({cell}), {_FULL_WIDTH_LOWER}), {pattern}) "
                "else false end)"
            )

        said = " or ".join(
            [summary("_first")]
            + [summary(f"ss_trim(c{j})") for c, j in self.mapped.items() if c in SUMMARY_LABELS]
        )
        # (an id cell holding a placeholder or the summary word itself is no id: 合计 or -
        # under 订单编号)
        no_id = " and ".join(
            f"coalesce(ss_is_null(c{j}) or {summary(f'ss_trim(c{j})')}, true)"
            for c, j in self.mapped.items()
            if c in _ID_COLUMNS
        )
        # how many of the cells read a row fills
        cells = (
            "(" + (" + ".join(f"(coalesce(strlen(c{j}), 0) > 0)::int" for j in used) or "0") + ")"
        )
        typed = [
            f"case when _first is null and _extra is null then 1 "
            f"when ({said}) and {no_id or 'true'} then 2 "
            "else 0 end as _skip",
            "_problem",
            f"{cells} as _cells",
            # a note fills one cell and reads as one (a case: the pattern only meets those)
            f"case when {cells} <= 1 and _first is not null "
            f"then regexp_matches(_first, {_sql_text(NOTE_PATTERN)}) else false end as _note",
        ]
        read = [f"{_CAST[fn].format(c=f'c{j}')} as d{j}" for j, fn in self.casts.items()]
        for canon, j in self.mapped.items():
            alias = canon.replace(":", "__")
            typed.append(f"{self._typed(canon, j)} as v_{alias}")
            if canon == "date" and self.kind in _PERIOD_KINDS:
                # the end of 01/11/2026~07/11/2026 is written the way the start is
                typed.append(f"{self.parsers['date']}(ss_range_end(c{j})) as _range_end")
        typed += [f"c{j}" for j in sorted({j for _, j, _ in self.checks})]
        typed += [f"ss_extra(c{j}) as x{j}" for j, _ in self.extras]
        # a cell the cast read is never a placeholder
        typed += [
            f"case when {self._cast_read(j)} then false else ss_is_null(c{j}) end as n{j}"
            if j in self.casts
            else f"ss_is_null(c{j}) as n{j}"
            for j, _ in self.placeholders.values()
        ]
        address_key = False
        if self.line_keys:
            keys = ", ".join(f"coalesce(ss_trim(c{j}), '')" for j in self.line_keys)
            typed.append(f"concat_ws(chr(31), {keys}) as _line_key")
            self.hidden["_line_key"] = "_line_key"
        if (
            self.address is not None
            and "province" in self.geo_columns
            and "province" not in self.mapped
        ):
            a = self.address
            typed += [f"regexp_extract(c{a}, '^ *[^ ]+ +[^ ]+ +[^ ]+') as _k", f"c{a} as _a"]
            address_key = True
        final = [
            f"try_cast({self.out[c.name] or 'null'} as {c.type}) as {c.name}"
            if c.type == schema.MONEY
            else f"{self.out[c.name] or 'null'}::{c.type} as {c.name}"
            for c in self.k.columns
        ]
        final += [f"{expr} as {name}" for name, expr in self.hidden.items()]
        final += [f"x{j}" for j, _ in self.extras]
        final += [f"n{j}" for j, _ in self.placeholders.values()]
        final += [
            f"v_{c.replace(':', '__')} as _{c.replace(':', '__')}"
            for c in self.mapped
            if c.startswith("rate:")
        ]
        final += ["_skip", "_problem", "_cells", "_note"]
        # the raw text of every cell that did not parse, for the rows that have one
        failed = [
            f"(v_{canon.replace(':', '__')} is null and not {_no_value(fn)}(c{j}))"
            for canon, j, fn in self.checks
        ]
        if failed:
            texts = ", ".join(
                f"case when {f} then c{j} end"
                for f, (_, j, _) in zip(failed, self.checks, strict=True)
            )
            final.append(f"case when {' or '.join(failed)} then [{texts}] end as _failed")
        else:
            final.append("null::varchar[] as _failed")
        if address_key:
            # 收货地址 is looked up by its first three space-separated parts (省 市 区) when
            # they lie within its first 40 characters, else by those 40 (ADDRESS_HEAD)
            final.append(
                "case when length(_k) between 1 and 40 then _k else left(_a, 40) end as _addr"
            )
        return (
            f"with cells as (select {', '.join(raw_select)} from {source}), "
            f"cast_cells as (select *{''.join(', ' + r for r in read)} from cells), "
            f"typed as (select {', '.join(typed)} from cast_cells) "
            f"select {', '.join(final)} from {self._paid_step()}"
        )

    def _paid_step(self) -> str:
        if self.paid is None:
            return "typed"
        low = "lower(trim(v_status))" if "status" in self.mapped else "null::varchar"
        return f"(select *, {self.paid} as _paid from (select *, {low} as _low from typed))"

    def _cast_read(self, j: int) -> str:
        return _FROM_CAST[self.casts[j]][0].format(d=f"d{j}")

    def _typed(self, canon: str, j: int) -> str:
        """The typed value of column j: from DuckDB's cast where it read the cell, else
        from the parser's macro (the same value where both read it).  A rate under a header
        that gives its unit as % (点击率(%) 3.20) is 3.20%, not 320%."""
        fn = self.parsers[canon]
        if j not in self.casts:
            value = f"{fn}(c{j})"
        else:
            cast = _FROM_CAST[fn][1].format(d=f"d{j}")
            value = f"case when {self._cast_read(j)} then {cast} else {fn}(c{j}) end"
        if canon.startswith("rate:") and synonyms.unit(self.headers[j]) == "%":
            return f"case when contains(c{j}, '%') then {value} else {value} / 100 end"
        return value


def _no_value(parser: str) -> str:
    """The macro that tells a cell meaning "none" for this parser (0000-00-00 is a time's)."""
    return "ss_no_time" if parser.startswith(("ss_ts", "ss_date")) else "ss_is_null"


def _rows_table(
    rows: list[list[str | None]], first: int, width: int, problems: list[str | None] | None = None
) -> pa.Table:
    """Text columns c0.. of rows[first:], and each row's problem (the reference reader).

    `problems` is given for CSV lines: a line that is not well-formed (a quote that never
    closes, fewer cells than the header) is refused for its row; a spreadsheet's short
    rows are only its empty cells left out.
    """
    body = rows[first:]
    cols = [
        pa.array([r[j] if j < len(r) else None for r in body], pa.string()) for j in range(width)
    ]
    extra = []
    for i, r in enumerate(body):
        note = problems[first + i] if problems is not None else None
        if note is None and problems is not None and 0 < len(r) < width:
            note = readers.short_line(len(r), width)
        if (
            note is None
            and len(r) > width
            and any(c is not None and c.strip(WHITESPACE) for c in r[width:])
        ):
            note = readers.too_many_cells(width)
        extra.append(note)
    return _raw(cols, pa.array(extra, pa.string()), len(body))


def _raw(cols: list[pa.Array], extra: pa.Array | None, n: int) -> pa.Table:
    arrays = {f"c{j}": c for j, c in enumerate(cols)}
    arrays["_extra"] = extra if extra is not None else pa.nulls(n, pa.string())
    return pa.table(arrays)


def _reference_rows(
    sheet: Sheet, header_index: int
) -> tuple[list[list[str | None]], list[str | None] | None]:
    """Every row of the sheet, and for a CSV each line's problem (None for a workbook)."""
    body = sheet.body
    if body is None:
        return sheet.rows, None
    if isinstance(body, CellsBody):
        return body.rows(), None
    rows, problems = body.python_rows()
    if rows[: header_index + 1] != sheet.rows[: header_index + 1]:
        raise IngestError(
            "the file mixes text encodings (its start reads differently from the "
            "rest); save it again as UTF-8",
            code="mixed_encodings",
        )
    return rows, problems


@dataclass
class _Source:
    """Where the query reads cells from: a FROM item and its parameters."""

    sql: str
    params: dict
    reader: str


def _csv_source(
    body: CsvBody, header_index: int, plan: _Plan, tmp: str, read_width: int
) -> tuple[_Source, int] | None:
    """DuckDB's CSV reader over a UTF-8 copy, and the records it must yield; None if unusable.

    It reads as many columns as the widest head row; a filled cell beyond the header's
    columns is noted for its row, as the reference reader does.
    """
    path, lines = body.utf8_copy(tmp)
    if lines < 0:
        return None
    w = plan.width
    columns = "{" + ", ".join(f"'c{j}': 'varchar'" for j in range(read_width)) + "}"
    beyond = " or ".join(f"ss_trim(c{j}) <> ''" for j in range(w, read_width))
    # empty cells read as '' (nullstr is a control character no export writes), so a
    # null is a cell the line does not have: fewer cells than the header
    short = " ".join(
        f"when c{j} is null then {_sql_text(readers.short_line(j, w))}" for j in range(1, w)
    )
    extra = " ".join(
        filter(
            None,
            [short, f"when {beyond} then {_sql_text(readers.too_many_cells(w))}" if beyond else ""],
        )
    )
    extra = f"case {extra} end" if extra else "null::varchar"
    keep = ", ".join(f"c{j}" for j in range(w)) or "null as _none"
    sql = (
        f"(select {keep}, {extra} as _extra from read_csv({_sql_text(path)}, header = false, "
        f"auto_detect = false, delim = {_sql_text(body.delimiter)}, quote = '\"', escape = '\"', "
        f"skip = {header_index + 1}, columns = {columns}, null_padding = true, "
        f"strict_mode = true, nullstr = '\x01'))"
    )
    # The path (chosen here, under a private temp directory) and the delimiter (one of
    # four) are written into the SQL: bound as $parameters, DuckDB reads the file with
    # one thread only, three to four times slower.
    source = _Source(sql, {}, "duckdb_csv")
    return source, lines - (body.head_lines[header_index] if header_index >= 0 else 0)


def _run(con, plan: _Plan, source: _Source) -> pa.Table:
    return con.sql(plan.sql(source.sql), params=source.params).to_arrow_table()


def _day_first(con, plan: _Plan, source: _Source, candidates: list[str]) -> list[str]:
    """Of the columns with slash dates, those written day first: some cell's first number
    is above 12 and no cell's second is (31/10/2026 and 05/11/2026).  A column where no
    first number is above 12 stays month first, as US exports write it (11/05/2026)."""
    if not candidates:
        return []
    pattern = _sql_text(_SLASH_DATE)
    tests = []
    for canon in candidates:
        c = f"ss_fold(c{plan.mapped[canon]})"  # as the parser will read it
        first, second = (
            f"list_max(list_transform(regexp_extract_all({c}, {pattern}, {k}), x -> x::int))"
            for k in (1, 2)
        )
        tests.append(f"coalesce(bool_or({first} > 12) and not bool_or({second} > 12), false)")
    row = con.execute(f"select {', '.join(tests)} from {source.sql}", source.params).fetchone()
    return [canon for canon, day_first in zip(candidates, row, strict=True) if day_first]


def parse_sheet(
    sheet: Sheet,
    header_index: int,
    headers: list[str],
    mapping: dict[str, str],
    kind: str,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    device: str | None = None,
    keep_inputs: bool = False,
) -> ParseResult:
    """The sheet's rows typed as `kind`'s columns.  keep_inputs: also the headers that only
    feed other columns (an order's payment time, unit price, discount), under their own
    names, for a preview."""
    plan = _Plan(headers, mapping, kind, period, device, keep_inputs)
    body = sheet.body
    top = max(header_index, 0)  # -1: a headerless log, data from the first line
    slashed = plan.slash_dates(sheet.rows[header_index + 1 : header_index + 1 + 200])
    con = _connect()
    try:
        with readers.TempDir() as tmp:
            table = source = None
            if FAST_PATHS and isinstance(body, CsvBody) and body.size >= readers.FAST_CSV_MIN_BYTES:
                read_width = max([plan.width, *map(len, sheet.rows[top : top + 201])])
                found = _csv_source(body, header_index, plan, tmp, read_width)
                if found is not None:
                    source, expected = found
                    try:
                        plan.read_day_first(_day_first(con, plan, source, slashed))
                        slashed = []  # decided
                        table = _run(con, plan, source)
                    except (duckdb.Error, UnicodeDecodeError):
                        # too many fields, a stray quote, a bad byte, a huge line (DuckDB's
                        # message about a huge line may cut a character: UnicodeDecodeError)
                        table = None
                    # one record per physical line proves the rows are numbered as the file's
                    if table is not None and table.num_rows != expected:
                        table = None
            if table is None:
                if FAST_PATHS and isinstance(body, CellsBody):
                    cols, extra = body.columns(header_index + 1, plan.width)
                    raw = _raw(cols, extra, max(body.num_rows - header_index - 1, 0))
                    source = _Source("raw", {}, "excel_columns")
                else:
                    rows, problems = _reference_rows(sheet, header_index)
                    raw = _rows_table(rows, header_index + 1, plan.width, problems)
                    source = _Source("raw", {}, "python")
                con.register("raw", raw)
                plan.read_day_first(_day_first(con, plan, source, slashed))
                table = _run(con, plan, source)
            return _finish(con, table, plan, header_index + 2, source)
    finally:
        con.close()


@functools.cache
def _macros() -> str:
    """ingest_macros.sql with its character constants put in (none is a quote)."""
    text = queries.sql("ingest_macros")
    for name, chars in {
        "@WHITESPACE_CODES@": ", ".join(str(ord(c)) for c in WHITESPACE),
        "@WHITESPACE@": WHITESPACE,
        "@SPACES@": readers.SPACES,
        "@MINUS@": "\u2212",
        "@INVISIBLE@": readers.INVISIBLE,
    }.items():
        assert "'" not in chars
        text = text.replace(name, chars)
    return text


def _connect() -> duckdb.DuckDBPyConnection:
    """The private connection that reads and types an upload.

    Macros expand inline, so the same cell expression appears several times; common
    subexpression elimination would hoist those copies out of their CASE branches and
    run the slow paths on every cell, and a long IN list would become a join per cell
    check.  Without those two rewrites each branch runs only where it is reached.
    """
    con = duckdb.connect(":memory:", config={"threads": 2})
    con.execute("set disabled_optimizers = 'common_subexpressions,in_clause'")
    con.execute(_macros())
    return con


def _lookup(table: pa.Table, key: str, fn) -> dict[str, tuple]:
    values = pc.unique(table[key]).drop_null().to_pylist()
    return {v: fn(v) for v in values}


def _map_column(keys: pa.ChunkedArray, found: dict, pos: int) -> pa.Array:
    if not found:
        return pa.nulls(len(keys), pa.string())
    ks = list(found)
    idx = pc.index_in(keys, value_set=pa.array(ks, pa.string()))
    return pc.take(pa.array([found[k][pos] for k in ks], pa.string()), idx)


def _regions(con, table: pa.Table, plan: _Plan, source: _Source) -> pa.Table:
    """Province (full official name) and city from their columns or from 收货地址."""
    cols = plan.geo_columns
    if not cols:
        return table
    if "province" in plan.mapped:
        values = pc.unique(table["province"]).drop_null().to_pylist()
        found = {k: (v,) for k, v in geo_names.normalize_province_column(values).items()}
        prov = _map_column(table["province"], found, 0)
        table = table.set_column(table.schema.get_field_index("province"), "province", prov)
        if "city" in cols:
            key = pc.binary_join_element_wise(pc.fill_null(prov, ""), table["city"], "\x1f")
            pairs = _lookup(pa.table({"k": key}), "k", lambda v: v.split("\x1f", 1))
            found = {k: (geo_names.normalize_city(p or None, c),) for k, (p, c) in pairs.items()}
            table = table.set_column(
                table.schema.get_field_index("city"), "city", _map_column(key, found, 0)
            )
        return table
    # from the address, by its 省 市 区 key; where that names no city, by its first 40
    # characters (read again from the source: rare, and only then worth the pass)
    found = _lookup(table, "_addr", geo_names.split_address)
    prov = _map_column(table["_addr"], found, 0)
    city = _map_column(table["_addr"], found, 1)
    unsure = [k for k, (p, c) in found.items() if p is None or c is None]
    if unsure:
        mask = pc.is_in(table["_addr"], value_set=pa.array(unsure, pa.string()))
        full = con.sql(
            f"select left(c{plan.address}, 40) as f from {source.sql}", params=source.params
        ).to_arrow_table()["f"]
        full = pc.if_else(mask, full, pa.scalar(None, pa.string()))
        again = _lookup(pa.table({"f": full}), "f", geo_names.split_address)
        prov = pc.if_else(mask, _map_column(full, again, 0), prov)
        city = pc.if_else(mask, _map_column(full, again, 1), city)
    table = table.set_column(table.schema.get_field_index("province"), "province", prov)
    if "city" in cols:
        table = table.set_column(table.schema.get_field_index("city"), "city", city)
    return table


# An order-level amount written again on each of the order's lines (JD's 应付金额, ERP
# exports that join orders to their items) is counted once. Decided from the file's own
# rows (rejected and summary rows left out), order by order over the orders of several
# lines with an amount:
# - alike: one amount, on two lines or more, and (with a per-line price) not every such
#   line's own price × quantity;
# - unlike (line amounts): two amounts, or two lines or more each at its own price ×
#   quantity (lines at 0.00, a gift or a blank, say nothing).
# No order may be unlike; with a per-line price one alike order decides, without one it
# takes this many (a file of line amounts can have orders whose items cost the same).
# Orders with no amount (unpaid, 0.00) or with it on one line only say nothing.
REPEATED_AMOUNT_ORDERS = 3
# the first lines of a large file can show it holds line amounts without reading the rest
_REPEAT_SAMPLE = 100_000
# a row the load rejects or drops does not count, nor keep its order's amount
_ROW_LEFT_OUT = "(_problem is not null or _failed is not null or _skip <> 0)"


def _amount_evidence(
    con, rows: pa.Table, col: str, priced: bool, first: int | None = None
) -> tuple[int, int]:
    """(alike, unlike) orders of `rows` (its `first` rows only, if given) for the amount
    column `col` (see above)."""
    own = "abs(amount - line_amount) < 0.005" if priced else "false"
    con.register("_part", rows if first is None else rows.slice(0, first))
    return con.execute(
        f"""
        with lines as (
            select order_id, {col} as amount, line_amount from _part
            where order_id is not null and not {_ROW_LEFT_OUT}
        ),
        orders as (
            select
                count(*) as n,
                count(*) filter (where amount <> 0) as filled,
                count(distinct amount) filter (where amount <> 0) as amounts,
                count(*) filter (where amount <> 0 and {own}) as own
            from lines group by order_id having count(*) > 1
        )
        select
            count(*) filter (where amounts = 1 and filled > 1 and own < filled),
            count(*) filter (where amounts > 1 or (filled > 1 and own = filled))
        from orders
        """
    ).fetchone()


def _ids_repeat(con, table: pa.Table) -> bool:
    """Whether some order id is on several lines."""
    con.register("_ids", table.select(["order_id"]))
    return bool(
        con.execute(
            "select count(*) from (select order_id from _ids where order_id is not null "
            "group by order_id having count(*) > 1)"
        ).fetchone()[0]
    )


def _repeated_amounts(con, table: pa.Table, plan: _Plan, ids_repeat: bool) -> list[str]:
    """The amounts (paid_amount, then refund_amount) that repeat the order's on its lines
    (`ids_repeat`: whether an order id is on several lines)."""
    if plan.mapped.get("paid_amount") is None:
        return []
    priced = not plan.line_from_paid and "line_amount" in table.column_names
    cols = [c for c in ("paid_amount", "refund_amount") if plan.mapped.get(c) is not None]
    keep = ("order_id", *cols, "line_amount", "_problem", "_failed", "_skip")
    rows = table.select([c for c in keep if c in table.column_names])
    if "line_amount" not in rows.column_names:
        rows = rows.append_column("line_amount", pa.nulls(rows.num_rows, pa.decimal128(18, 2)))
    if rows.num_rows > _REPEAT_SAMPLE:
        _, unlike = _amount_evidence(con, rows, "paid_amount", priced, _REPEAT_SAMPLE)
        if unlike:
            return []
    # one line per order (an order export): nothing to weigh, found by the ids alone
    if not ids_repeat:
        return []
    alike, unlike = _amount_evidence(con, rows, "paid_amount", priced)
    if unlike or alike < (1 if priced else REPEATED_AMOUNT_ORDERS):
        return []
    found = ["paid_amount"]
    if "refund_amount" in cols:
        # refunds follow the paid amounts' evidence; one order refunding alike is enough
        alike, unlike = _amount_evidence(con, rows, "refund_amount", False)
        if alike and not unlike:
            found.append("refund_amount")
    return found


# What a line is, apart from its order: two runs of an order's lines with the same
# lines are the order written twice; its status, times and amounts may have moved on.
# (_line_key: the file's own sub-order id or SKU text, read but not stored, when it has one)
_LINE_IDENTITY = ("product_id", "sku_id", "product_name", "quantity", "_line_key")


def _orders_again(
    con, table: pa.Table, plan: _Plan, skip: np.ndarray, first_row: int, source: _Source
) -> tuple[pa.Table, np.ndarray, list[dict]]:
    """An order whose lines come twice, in two separate runs of the file with the same
    lines (two overlapping exports pasted into one, the order paid in the first and shipped
    in the second), or in one run that is the same rows twice over (the seam of the two
    exports): the last run (half) counts, the earlier lines are marked 3 in skip and in
    the table's _skip, so neither the amounts nor the fill-down count them, each with a
    warning naming the row that counts.  Lines of one order next to each other all count,
    even alike (Shopify writes two lines of one variant when their properties differ), and
    so do an order's lines apart in the file when they are different lines (a file sorted
    by product).  Called only when some order id is on several lines.

    The runs are found with Arrow over the whole file; SQL compares the lines of only the
    orders that have several runs (a file of contiguous orders has none)."""
    live = np.flatnonzero(skip == 0)
    if len(live) < 2:
        return table, skip, []
    ids = table["order_id"].combine_chunks()
    if len(live) < table.num_rows:
        ids = ids.take(pa.array(live))
    ident = [c for c in _LINE_IDENTITY if c in table.column_names]

    def line_at(rows: np.ndarray) -> pa.Array:
        """The lines' identity as one text, at these places of the file."""
        some = table.select(ident).take(pa.array(rows))
        texts = [pc.fill_null(pc.cast(some[c], pa.string()), "") for c in ident]
        joined = pc.binary_join_element_wise(*texts, "\x1f") if texts else pa.nulls(len(rows))
        return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined

    same = pc.fill_null(pc.equal(ids[1:], ids[:-1]), False).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    sizes = np.diff(np.append(starts, len(live)))
    named = ids.take(pa.array(starts)).is_valid().to_numpy(zero_copy_only=False)
    kept_at = _runs_doubled(con, live, line_at, starts[named], sizes[named], plan, source)
    codes = pc.dictionary_encode(ids.take(pa.array(starts[named]))).indices.to_numpy()
    several = np.bincount(codes)[codes] > 1
    if several.any():
        run = np.repeat(np.arange(len(starts)), sizes)
        pick = np.isin(run, np.flatnonzero(named)[several]) & ~np.isin(live, list(kept_at))
        con.register(
            "_runs",
            pa.table(
                {
                    "_pos": live[pick],
                    "order_id": ids.filter(pa.array(pick)),
                    "_line": line_at(live[pick]),
                    "_run": run[pick],
                }
            ),
        )
        kept_at.update(con.execute(queries.sql("ingest_orders_again")).fetchall())
    if not kept_at:
        return table, skip, []
    skip = skip.copy()
    skip[list(kept_at)] = 3
    i = table.schema.get_field_index("_skip")
    table = table.set_column(i, "_skip", pa.array(skip, table.schema.field("_skip").type))
    warnings = [
        {
            "row": int(pos) + first_row,
            "column": None,
            "value": None,
            "message": f"the order is written again from row {int(kept) + first_row}, "
            "which counts instead",
            "code": "order_again",
            "args": {"kept": int(kept) + first_row},
        }
        for pos, kept in sorted(kept_at.items())[:MAX_REPORTED_ERRORS]
    ]
    return table, skip, warnings


def _per_order(
    table: pa.Table, plan: _Plan, repeated: list[str], keep: np.ndarray, first_row: int
) -> list[dict]:
    """The amounts read as the order's, written again on each of its lines, said once at
    the first line that repeats one: the choice is the file's evidence, and an export whose
    lines of one order happen to cost the same could mislead it."""
    if not repeated:
        return []
    ids = pc.fill_null(table["order_id"].combine_chunks().dictionary_encode().indices, -1)
    codes = np.where(keep, ids.to_numpy(zero_copy_only=False), -1)
    seen = np.bincount(codes[codes >= 0]) if (codes >= 0).any() else np.zeros(0, int)
    _, firsts = np.unique(codes, return_index=True)
    again = np.setdiff1d(np.flatnonzero(codes >= 0), firsts)
    if not len(again):
        return []
    orders = int((seen > 1).sum())
    out = []
    for name in repeated:
        header = plan.headers[plan.mapped[name]]
        out.append(
            {
                "row": int(again[0]) + first_row,
                "column": header,
                "value": None,
                "message": f"{header} is the order's amount, written again on each of its "
                f"lines: counted once per order ({orders:,} orders of several lines)",
                "code": "amount_per_order",
                "args": {"header": header, "orders": orders},
            }
        )
    return out


def _runs_doubled(
    con,
    live: np.ndarray,
    line_at,
    starts: np.ndarray,
    sizes: np.ndarray,
    plan: _Plan,
    source: _Source,
) -> dict[int, int]:
    """Runs that are their first half twice over, in every cell of the file: {line of the
    first half: the second half's first line}.  Shopify writes alike lines of one order,
    but never all of an order's rows twice (its first carries the order's totals)."""
    even = sizes % 2 == 0
    s, h = starts[even], sizes[even] // 2
    first = pc.fill_null(pc.equal(line_at(live[s]), line_at(live[s + h])), False)
    ok = first.to_numpy(zero_copy_only=False)
    s, h = s[ok], h[ok]
    if not len(s):
        return {}
    # every place of each candidate's first half, beside its twin in the second
    a = np.repeat(s, h) + np.arange(h.sum()) - np.repeat(np.cumsum(h) - h, h)
    b = a + np.repeat(h, h)
    cells = ", ".join(f"c{j}" for j in range(plan.width))
    row = (
        con.sql(f"select hash({cells}) as h from {source.sql}", params=source.params)
        .to_arrow_table()["h"]
        .to_numpy()
    )
    alike = pc.fill_null(pc.equal(line_at(live[a]), line_at(live[b])), False)
    alike = alike.to_numpy(zero_copy_only=False) & (row[live[a]] == row[live[b]])
    whole = np.logical_and.reduceat(alike, np.cumsum(h) - h)
    take = np.repeat(whole, h)
    return dict(zip(live[a[take]].tolist(), np.repeat(live[s + h], h)[take].tolist(), strict=True))


def _fill_down_orders(table: pa.Table, plan: _Plan, ids_repeat: bool) -> tuple[pa.Table, list[str]]:
    """Line items whose order-level fields are on the first line only (Shopify), or whose
    order amount is written again on every line (_repeated_amounts, returned)."""
    if plan.kind != "orders" or "order_id" not in plan.mapped:
        return table, []
    # continuation lines leave order-level fields empty
    # (an unpaid order's blank payment time is no such gap: it is blank on all its lines)
    gaps = [
        c
        for c in (*_ORDER_LEVEL, "paid_amount")
        if c in table.column_names
        and c not in _UNPAID_BLANKS
        and plan.out.get(c)
        and table[c].null_count > 0
    ]
    con = duckdb.connect(":memory:", config={"threads": 2})
    try:
        # gaps without repeated ids change nothing
        if gaps and not ids_repeat:
            return table, []
        # (also beside Shopify-style gaps: a file may mix orders with the amount on their
        # first line only and orders repeating it)
        repeated = _repeated_amounts(con, table, plan, ids_repeat)
        if not gaps and not repeated:
            return table, []
        con.register("t", table.append_column("_pos", pa.array(np.arange(table.num_rows))))
        w = "over (partition by order_id order by _pos rows between unbounded preceding and current row)"
        first = "row_number() over (partition by order_id order by _pos) = 1"
        # a repeated amount stays on the order's first line that loads, and is paid if any is
        keeper = (
            f"row_number() over (partition by order_id order by {_ROW_LEFT_OUT}, "
            "not coalesce(paid, false), _pos) = 1"
        )
        select = []
        for q in table.column_names:  # canonical names and our own x0, r0, _skip …
            name = q
            if name in _ORDER_LEVEL and name != "order_id" and gaps:
                select.append(
                    f"case when order_id is null then {q} "
                    f"else last_value({q} ignore nulls) {w} end as {q}"
                )
            elif name in repeated:
                select.append(f"case when order_id is null or {keeper} then {q} else 0 end as {q}")
            elif name in ("paid_amount", "refund_amount") and gaps:
                select.append(
                    f"case when order_id is null or {first} then {q} "
                    f"else coalesce({q}, 0) end as {q}"
                )
            elif (
                name == "line_amount"
                and plan.line_from_paid
                and ("paid_amount" in gaps or "paid_amount" in repeated)
            ):
                # the amount is the order's, on its first line: no line has sales of its own
                select.append(
                    f"case when order_id is null or count(*) over (partition by "
                    f"order_id) = 1 then {q} end as {q}"
                )
            else:
                select.append(q)
        filled = con.sql(f"select {', '.join(select)} from t order by _pos")
        if not gaps:
            return filled.to_arrow_table(), repeated
        # payment and order time again, from the order's filled-down status and times
        paid_time = "_paid_time" if "_paid_time" in plan.hidden else None
        status = "status" if "status" in plan.mapped else None
        created = "created_time" if plan.out.get("created_time") else None
        paid = paid_sql(status, paid_time) if status or paid_time else "paid"
        again = {
            "paid": paid,
            "order_time": order_time_sql(paid, paid_time, created) or "order_time",
        }
        cols = [f"{again[c]} as {c}" if c in again else c for c in filled.columns]
        return filled.select(", ".join(cols)).to_arrow_table(), repeated
    finally:
        con.close()


def _fill_down_sources(
    table: pa.Table, plan: _Plan, skip: np.ndarray
) -> tuple[pa.Table, np.ndarray]:
    """生意参谋's traffic sources are two levels (来源 > 来源明细) and the first is merged
    down its group, or left blank below its first row: a row with a 来源明细 and no 来源 is
    in the group of the last source above it (summary rows carry none).

    When the group's own row has no 来源明细 and its details follow, with no 来源 or with
    the same, that row is the group's total (淘内免费, blank, 5000 above 手淘搜索 3000 and
    手淘推荐 2500): it is dropped as a summary row, or the group would count twice."""
    if plan.kind != "traffic" or not {"source", "source_detail"} <= plan.mapped.keys():
        return table, skip
    src, detail = table["source"], table["source_detail"]
    # the group's total row still names the group for the rows below it
    carried = pc.if_else(pa.array(skip == 0), src, pa.scalar(None, pa.string()))
    kept = np.flatnonzero(skip == 0)
    names = np.array(src.to_pylist(), dtype=object)[kept]
    has_src = src.is_valid().to_numpy(zero_copy_only=False)[kept]
    has_detail = detail.is_valid().to_numpy(zero_copy_only=False)[kept]
    heads = (
        has_src[:-1]
        & ~has_detail[:-1]
        & has_detail[1:]
        & (~has_src[1:] | (names[1:] == names[:-1]))
    )
    if heads.any():
        skip = skip.copy()
        skip[kept[:-1][heads]] = 2
    gaps = pc.and_(pc.is_null(src), pc.is_valid(detail))
    if not pc.any(gaps).as_py():
        return table, skip
    filled = pc.if_else(gaps, pc.fill_null_forward(carried), src)
    return table.set_column(table.schema.get_field_index("source"), "source", filled), skip


def _notes_below(skip: np.ndarray, cells: np.ndarray, note: np.ndarray) -> np.ndarray:
    """skip with the notes under the table marked 3: after the last row that fills two
    cells or more, the rows that fill one with a note (NOTE_PATTERN).  A lone number, date
    or name there (a line cut short) is still reported."""
    filled = np.flatnonzero((cells > 1) & (skip == 0))
    if not len(filled):
        return skip
    tail = np.arange(filled[-1] + 1, len(skip))
    notes = tail[(skip[tail] == 0) & note[tail]]
    if len(notes):
        skip = skip.copy()
        skip[notes] = 3
    return skip


def _headers_again(table: pa.Table, plan: _Plan, skip: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """skip with the header repeated below the first marked 3 (exports put one after the
    other): a row whose cells that failed to parse, two at least, each hold their own
    column's header (an id or text column's header reads as a value and does not fail).
    Only rows that failed are looked at, in Python: a test in the typing query would bind
    the headers as parameters, and the query then runs three times slower."""
    if len(plan.checks) < 2:
        return skip
    idx = np.flatnonzero(bad & (skip == 0))
    if not len(idx):
        return skip
    want = [synonyms.header_key(plan.headers[j]) for _, j, _ in plan.checks]

    def repeats_header(texts: list[str | None]) -> bool:
        pairs = [(t, h) for t, h in zip(texts, want, strict=True) if t is not None]
        return len(pairs) >= 2 and all(synonyms.header_key(t) == h for t, h in pairs)

    failed = table["_failed"].take(pa.array(idx)).to_pylist()
    again = [i for i, texts in zip(idx, failed, strict=True) if texts and repeats_header(texts)]
    if again:
        skip = skip.copy()
        skip[again] = 3
    return skip


def _finish(con, table: pa.Table, plan: _Plan, first_row: int, source: _Source) -> ParseResult:
    k = plan.k
    skip = _notes_below(
        table["_skip"].to_numpy(),
        table["_cells"].to_numpy(),
        table["_note"].to_numpy(zero_copy_only=False),
    )
    # a region report's 其他 / 未知 / -- row names no place (its province reads as none, the
    # unknown bucket of the pages) but is filled: its visitors count.  The file's own cell
    # says so (a placeholder is none once typed); region reports are a few dozen rows.
    named = None
    if "province" in k.required and "province" in plan.mapped:
        j = plan.mapped["province"]
        cells = con.sql(
            f"select coalesce(ss_trim(c{j}), '') <> '' as f from {source.sql}", params=source.params
        ).to_arrow_table()["f"]
        named = cells.to_numpy(zero_copy_only=False)
    table = _regions(con, table, plan, source)
    ids_repeat = plan.kind == "orders" and "order_id" in plan.mapped and _ids_repeat(con, table)
    again: list[dict] = []
    if ids_repeat:
        table, skip, again = _orders_again(con, table, plan, skip, first_row, source)
    table, repeated = _fill_down_orders(table, plan, ids_repeat)
    table, skip = _fill_down_sources(table, plan, skip)
    if "is_control" in plan.derived and not pc.any(table["is_control"]).as_py():
        # no variant is named like a control arm: say nothing rather than "none is"
        i = table.schema.get_field_index("is_control")
        table = table.set_column(i, "is_control", pa.nulls(table.num_rows, pa.bool_()))
        plan.derived.remove("is_control")
    dropped = _personal_extras(table, plan)
    table, dropped_ids = _personal_buyers(table, plan)
    dropped |= dropped_ids
    bad = _valid(table["_problem"]) | _valid(table["_failed"])
    skip = _headers_again(table, plan, skip, bad)
    # only what identifies a row is required of every row; a count or amount left as a
    # placeholder has been read as 0, a rate as no value
    required = {c: ~_valid(table[c]) for c in k.required if not _is_number(k.column(c).type)}
    if named is not None:
        required["province"] = ~named
    for missing in required.values():
        bad |= missing
    cut = _cut_ids(table, plan)
    for rows_cut in cut.values():
        bad |= rows_cut
    bad &= skip == 0
    keep = (skip == 0) & ~bad
    errors = _errors(table, plan, np.flatnonzero(bad), first_row, required, cut)
    as_zero, as_empty = {}, {}
    for j, how in plan.placeholders.values():
        n = int((table[f"n{j}"].to_numpy(zero_copy_only=False) & keep).sum())
        if n:
            (as_zero if how == "zero" else as_empty)[plan.headers[j]] = n
    warnings = _warnings(table, plan, keep, first_row) + again
    warnings += _per_order(table, plan, repeated, keep, first_row)
    extras = [(j, h) for j, h in plan.extras if h not in dropped]
    inputs = [c for c in _INPUT_PARSER if plan.keep_inputs and f"_{c}" in plan.hidden]
    out = table.select(
        [c.name for c in k.columns] + [f"x{j}" for j, _ in extras] + [f"_{c}" for c in inputs]
    )
    if not keep.all():
        out = out.filter(pa.array(keep))
    out = out.rename_columns(
        [c.name for c in k.columns] + _extra_names([h for _, h in extras], k.column_names) + inputs
    )
    return ParseResult(
        out,
        errors,
        int(bad.sum()),
        sorted(set(plan.derived)),
        int((skip == 2).sum()),
        int((skip == 1).sum()),
        source.reader,
        as_zero,
        as_empty,
        warnings,
        dropped,
        int((skip == 3).sum()),
    )


def _label(plan: _Plan, canonical: str) -> str:
    j = plan.mapped.get(canonical)
    return f"{plan.headers[j]} ({canonical})" if j is not None else canonical


def _warnings(table: pa.Table, plan: _Plan, keep: np.ndarray, first_row: int) -> list[dict]:
    """Loaded rows whose values cannot happen, so the owner can check them in the file:
    a negative count or amount, a count above the count it is part of, a refund above the
    amount paid, a rate over 100%."""
    names = set(table.column_names)
    checks: list[tuple[str | None, pa.ChunkedArray, pa.ChunkedArray, str, str, dict]] = []
    for c in plan.k.columns:
        if c.type in (schema.INT, schema.MONEY) and c.name in plan.mapped:
            checks.append(
                (
                    c.name,
                    table[c.name],
                    pc.less(table[c.name], 0),
                    f"{_label(plan, c.name)} is negative",
                    "negative",
                    {"field": c.name},
                )
            )
    for part, whole in _AT_MOST:
        if part in names and whole in names and (part in plan.mapped or whole in plan.mapped):
            checks.append(
                (
                    part,
                    table[part],
                    # (nothing of a negative whole: 0 refunded of -10 paid is said as the negative)
                    pc.and_(pc.greater(table[part], table[whole]), pc.greater(table[part], 0)),
                    f"{_label(plan, part)} is more than {_label(plan, whole)}",
                    "more_than",
                    {"field": part, "whole": whole},
                )
            )
    for canon in plan.mapped:
        if canon in _SHARES:
            rate = table["_" + canon.replace(":", "__")]
            checks.append(
                (
                    canon,
                    rate,
                    pc.greater(rate, 1.0),
                    f"{_label(plan, canon)} is over 100%",
                    "over_100",
                    {"field": canon},
                )
            )
    out: list[dict] = []
    for canon, values, hit, text, code, args in checks:
        mask = pc.fill_null(hit, False).to_numpy(zero_copy_only=False) & keep
        for i in np.flatnonzero(mask)[:MAX_REPORTED_ERRORS]:
            j = plan.mapped.get(canon)
            v = values[int(i)].as_py()
            out.append(
                {
                    "row": int(i) + first_row,
                    "column": plan.headers[j] if j is not None else None,
                    "value": None
                    if v is None
                    else (f"{v:.2%}" if canon.startswith("rate:") else str(v)),
                    "message": f"{text}; loaded as written, check the file",
                    "code": code,
                    "args": args,
                }
            )
    out.sort(key=lambda w: w["row"])
    return out[:MAX_REPORTED_ERRORS]


def _personal_extras(table: pa.Table, plan: _Plan) -> dict[str, str]:
    """Kept columns whose values look like phone numbers, e-mails, ID-card numbers, street
    or IP addresses: not stored whatever the mapping says (header -> what was seen)."""
    found = {}
    for j, h in plan.extras:
        col = table[f"x{j}"]
        for what, pattern in synonyms.PERSONAL_VALUE_PATTERNS.items():
            if pc.any(pc.match_substring_regex(col, pattern)).as_py():
                found[h] = what
                break
    return found


def _personal_buyers(table: pa.Table, plan: _Plan) -> tuple[pa.Table, dict[str, str]]:
    """Buyer ids that are a phone number, an e-mail or an ID-card number as a whole (JD's
    下单帐号 is often the buyer's mobile) are not stored: those orders load without a buyer.
    The whole value must be one (a Taobao nickname like t_8613900203522 holds digits that
    look like a mobile number inside it)."""
    if "buyer_id" not in plan.mapped or "buyer_id" not in table.column_names:
        return table, {}
    col, seen = table["buyer_id"], {}
    for what in ("phone", "email", "id_card"):
        whole = f"^(?:{synonyms.PERSONAL_VALUE_PATTERNS[what]})$"
        hit = pc.fill_null(pc.match_substring_regex(col, whole), False)
        if pc.any(hit).as_py():
            col = pc.if_else(hit, pa.scalar(None, col.type), col)
            seen.setdefault(plan.headers[plan.mapped["buyer_id"]], what)
    if seen:
        table = table.set_column(table.schema.get_field_index("buyer_id"), "buyer_id", col)
    return table, seen


def _valid(col: pa.ChunkedArray) -> np.ndarray:
    if col.null_count == 0:
        return np.ones(len(col), dtype=bool)
    if col.null_count == len(col):
        return np.zeros(len(col), dtype=bool)
    return pc.is_valid(col).to_numpy(zero_copy_only=False)


def _extra_names(headers: list[str], taken: tuple[str, ...]) -> list[str]:
    """Extra columns keep their header; unique case-insensitively, never `_…` (internal)."""
    seen = {t.casefold() for t in taken}
    out = []
    for h in headers:
        base = f"column{h}" if h.startswith("_") else h
        name, i = base, 2
        while name.casefold() in seen:
            name = f"{base}__{i}"
            i += 1
        seen.add(name.casefold())
        out.append(name)
    return out


def _cut_ids(table: pa.Table, plan: _Plan) -> dict[str, np.ndarray]:
    """Id columns that went through Excel as numbers: it keeps 15 significant digits, so
    6925431234567890123 comes back as 6925431234567890000 and two orders become one.  A
    column is cut when every id of 16 digits or more ends in zeros from the 16th digit on,
    three such digits at least (one real id in a thousand ends so); {column: its rows with
    a long id}, which are refused."""
    cut = {}
    for canon in sorted(_ID_COLUMNS & set(plan.mapped) & set(table.column_names)):
        ids = table[canon]
        long = pc.fill_null(pc.match_substring_regex(ids, r"^[0-9]{16,}$"), False)
        if not pc.any(long).as_py():
            continue
        tails = pc.utf8_slice_codeunits(ids.filter(long), 15)
        if pc.all(pc.match_substring_regex(tails, r"^0+$")).as_py() and (
            pc.sum(pc.utf8_length(tails)).as_py() >= 3
        ):
            cut[canon] = long.to_numpy(zero_copy_only=False)
    return cut


def _errors(
    table, plan: _Plan, bad_idx: np.ndarray, first_row: int, required, cut: dict
) -> list[dict]:
    errors: list[dict] = []
    if not len(bad_idx):
        return errors
    header_of = dict(enumerate(plan.headers))
    rows = bad_idx[:MAX_REPORTED_ERRORS]
    sub = table.take(pa.array(rows))
    problems = sub["_problem"].to_pylist()
    failed = sub["_failed"].to_pylist()
    for n, i in enumerate(rows):
        row_no = int(i) + first_row
        problem = problems[n]
        if problem:
            code, args = messages.line_problem(problem)
            errors.append(
                {
                    "row": row_no,
                    "column": None,
                    "value": None,
                    "message": problem,
                    "code": code,
                    "args": args,
                }
            )
        flagged = set()
        for (canon, j, fn), text in zip(plan.checks, failed[n] or (), strict=False):
            if text is None or (problem and problem.startswith(f"column {j + 1}: a cell of")):
                continue  # parsed, or already reported as too long
            value = _short(text)
            flagged.add(canon)
            if canon in ("created_time", "paid_time"):
                flagged.add("order_time")  # derived from them: one message is enough
            errors.append(
                {
                    "row": row_no,
                    "column": header_of[j],
                    "value": value,
                    "message": f"{header_of[j]} ({canon}): {value!r} {_PROBLEM[fn]}",
                    "code": messages.VALUE_CODES[fn],
                    "args": {"header": header_of[j], "field": canon, "value": value},
                }
            )
        for canon, rows_cut in cut.items():
            if rows_cut[i] and canon not in flagged:
                flagged.add(canon)
                header = header_of[plan.mapped[canon]]
                value = _short(sub[canon][n].as_py())
                errors.append(
                    {
                        "row": row_no,
                        "column": header,
                        "value": value,
                        "message": f"{header} ({canon}): {value!r} was cut to 15 digits by "
                        "Excel (the digits after them became 0); export the column as text",
                        "code": "cut_id",
                        "args": {"header": header, "field": canon, "value": value},
                    }
                )
        for col, missing in required.items():
            if missing[i] and col not in flagged:
                # a column read from others (order_time from the creation or payment time)
                # names the first of them the file has
                j = next(
                    (
                        plan.mapped[c]
                        for c in (col, *detect.derived_from(plan.kind, col))
                        if c in plan.mapped
                    ),
                    None,
                )
                src = header_of[j] if j is not None else None
                errors.append(
                    {
                        "row": row_no,
                        "column": src,
                        "value": None,
                        "message": f"{src or col} ({col}): a required value is empty",
                        "code": "required_empty",
                        "args": {"header": src, "field": col},
                    }
                )
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    return errors[:MAX_REPORTED_ERRORS]


def _short(value: str | None, limit: int = 80) -> str | None:
    if value is None:
        return None
    return value if len(value) <= limit else value[:limit] + "…"
