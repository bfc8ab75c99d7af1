"""Canonical datasets: one table per kind, with typed columns (DESIGN §2).

Every workspace holds all seven tables, empty until a file is loaded, so every
query in queries/ can run on any workspace.
"""

from __future__ import annotations

from dataclasses import dataclass

# DuckDB types used by canonical columns.
DATE = "date"
TIMESTAMP = "timestamp"
TEXT = "varchar"
ID = "varchar"  # ids stay exact text
INT = "bigint"
NUM = "double"
MONEY = "decimal(18,2)"  # exact yuan/fen: sums never drift into 1902487.15000001
BOOL = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    default: str | None = None  # value used when the file has no such column


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    period: bool = False  # rows may cover date..date_end

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type_: str, required: bool = False, default: str | None = None) -> Column:
    return Column(name, type_, required, default)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "traffic",
            (
                _c("date", DATE, True),
                _c("date_end", DATE),
                _c("source", TEXT, default="全部"),
                _c("source_detail", TEXT),
                _c("device", TEXT, default="全部"),
                _c("visitors", INT, True),
                _c("page_views", INT),
                _c("add_to_cart_buyers", INT),
                _c("favorite_buyers", INT),
                _c("order_buyers", INT),
                _c("paying_buyers", INT, True),
                _c("paid_amount", MONEY),
                _c("orders", INT),
                _c("spend", MONEY),
                _c("new_visitors", INT),
                _c("bounce_visitors", INT),
            ),
            period=True,
        ),
        Kind(
            "products",
            (
                _c("date", DATE, True),
                _c("date_end", DATE),
                _c("product_id", ID, True),
                _c("product_name", TEXT),
                _c("sku_id", ID),
                _c("sku_name", TEXT),
                _c("category", TEXT),
                _c("visitors", INT),
                _c("page_views", INT),
                _c("add_to_cart_buyers", INT),
                _c("add_to_cart_units", INT),
                _c("favorite_buyers", INT),
                _c("order_buyers", INT),
                _c("paying_buyers", INT),
                _c("units_sold", INT),
                _c("paid_amount", MONEY, True),
                _c("refund_amount", MONEY),
                _c("unit_cost", MONEY),
                _c("stock", INT),
                _c("platform", TEXT),
                _c("currency", TEXT),
            ),
            period=True,
        ),
        Kind(
            "orders",
            (
                _c("order_id", ID, True),
                # payment time of a paid order, else creation time; local wall clock
                _c("order_time", TIMESTAMP, True),
                _c("buyer_id", ID),
                _c("product_id", ID),
                _c("product_name", TEXT),
                _c("sku_id", ID),
                _c("quantity", INT),
                _c("paid_amount", MONEY, True),  # order-level: never counted twice over lines
                _c("refund_amount", MONEY),
                _c("status", TEXT),
                _c("province", TEXT),
                _c("city", TEXT),
                _c("source", TEXT),
                _c("device", TEXT),
                # added after the first columns so positions of the older ones stay put
                _c("created_time", TIMESTAMP),
                _c("paid", BOOL),
                _c("line_amount", MONEY),  # the line's own sales: price x quantity - discount
                _c("platform", TEXT),
                _c("currency", TEXT),
            ),
        ),
        Kind(
            "regions",
            (
                _c("date", DATE),
                _c("date_end", DATE),
                _c("province", TEXT, True),
                _c("city", TEXT),
                _c("visitors", INT),
                _c("paying_buyers", INT),
                _c("paid_amount", MONEY, True),
                _c("orders", INT),
            ),
            period=True,
        ),
        Kind(
            "image_tests",
            (
                _c("test_id", TEXT, True),
                _c("variant", TEXT, True),
                _c("date", DATE, True),
                _c("impressions", INT, True),
                _c("clicks", INT, True),
                _c("product_id", ID),
                _c("spend", MONEY),
                _c("orders", INT),
                _c("paid_amount", MONEY),
                _c("is_control", BOOL),
                _c("variant_name", TEXT),  # 创意名称 / 创意标题 beside a 创意ID
            ),
        ),
        Kind(
            "inquiries",
            (
                _c("date", DATE, True),
                _c("customer_id", ID, True),
                _c("customer_type", TEXT),
                _c("channel", TEXT),
                _c("closed", BOOL),
                _c("transaction_type", TEXT),
                _c("reason_not_closed", TEXT),
                _c("follow_up", TEXT),
                _c("province", TEXT),
                _c("amount", MONEY),
            ),
        ),
        Kind(
            "events",
            (
                _c("user_id", ID, True),
                _c("event", TEXT, True),
                _c("event_time", TIMESTAMP, True),
                _c("source", TEXT),
                _c("device", TEXT),
                _c("province", TEXT),
                _c("product_id", ID),
            ),
        ),
    )
}


# Every table also carries the load that wrote each row (workspace._loads.load_id), so a
# load can be merged by coverage, listed with the days it still covers, and removed.
LOAD_ID = "_load_id"

# The kinds whose rows say which platform and currency they come from (set per load).
PLATFORM_KINDS = ("orders", "products")


def create_table_sql(kind: str) -> str:
    """DDL of the empty canonical table; names come from KINDS only."""
    k = KINDS[kind]
    cols = ",\n    ".join(f'"{c.name}" {c.type}' for c in k.columns)
    return f'create table if not exists "{k.name}" (\n    {cols},\n    "{LOAD_ID}" {INT}\n)'
