"""Streamlit glue for the products page (SKU ranking): which dataset feeds it, the ranking
for the current and compare periods, the table's columns, the Pareto chart, and one
product's detail (daily trend, funnel, main-image tests)."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from shopsight import metrics, numbers, sku_ranking
from shopsight.i18n import t
from shopsight.ui import charts, query_cache, tables
from shopsight.ui.filters import Filters

TABLE_LIMIT = 200
PARETO_LIMIT = 60
CLASS_COLORS = {"A": "#e4393c", "B": "#f5a623", "C": "#bfbfbf"}


@dataclass(frozen=True)
class Source:
    origin: str  # "products" | "orders"
    has_sku: bool  # SKUs finer than products exist


def sources() -> list[Source]:
    """Datasets that can feed the ranking: the products report first (it has visitors)."""
    df = query_cache.query("products_sources")
    out = []
    for _, r in df.iterrows():
        out.append(
            Source(
                r["origin"],
                bool(r["count_sku_rows"] > 0 and r["count_items"] > r["count_products"]),
            )
        )
    return sorted(out, key=lambda s: sku_ranking.ORIGINS.index(s.origin))


def _params(f: Filters, level: str, slow_days: int, compare: bool) -> dict | None:
    params = f.compare_params() if compare else f.params()
    if params is None:
        return None
    return {
        **params,
        "level": level,
        "slow_days": int(slow_days),
        "cover_days": sku_ranking.COVER_DAYS,
    }


def ranking(
    origin: str, f: Filters, level: str, slow_days: int, compare: bool = False
) -> pd.DataFrame | None:
    """products.prepare(rows of the ranking query); None for the compare period when the
    filters have none."""
    params = _params(f, level, slow_days, compare)
    if params is None:
        return None
    name = "products_ranking" if origin == "products" else "products_ranking_orders"
    return sku_ranking.prepare(query_cache.query(name, **params))


def daily(origin: str, f: Filters, product_id: str) -> pd.DataFrame:
    return query_cache.query("products_daily", **f.params(), origin=origin, product_id=product_id)


def image_tests(product_id: str) -> pd.DataFrame:
    return query_cache.query("products_image_tests", product_id=product_id)


def metric_fmt(name: str) -> str:
    return metrics.get(name).fmt


# ------------------------------------------------------------------------------ table


def table(
    ranked: pd.DataFrame,
    classes: pd.DataFrame,
    previous: pd.DataFrame | None,
    metric: str,
    shown: list[str],
    level: str,
    lang: str,
) -> pd.DataFrame:
    """The ranking as shown and downloaded: translated headers, one row per item."""
    abc = dict(zip(classes["key"], classes["abc_class"], strict=False))
    out = pd.DataFrame(
        {
            t("products.col_rank", lang): ranked["rank"],
            t("products.col_item", lang): ranked["label"],
            t("col.product_id", lang): ranked["product_id"],
        }
    )
    if level == "sku":
        out[t("col.sku_id", lang)] = ranked["sku_id"]
    out[t("products.col_abc", lang)] = [abc.get(k, "C") for k in ranked["key"]]
    for m in [metric, *[m for m in shown if m != metric]]:
        out[metrics.label(m, lang)] = pd.to_numeric(ranked[m], errors="coerce").astype("float64")
    if "orders" in ranked and ranked["orders"].notna().any():
        out[metrics.label("orders", lang)] = pd.to_numeric(ranked["orders"], errors="coerce")
    out[t("products.col_velocity", lang)] = sku_ranking.velocity(ranked).astype("float64")
    if ranked["stock"].notna().any():
        out[t("col.stock", lang)] = pd.to_numeric(ranked["stock"], errors="coerce")
        out[t("products.col_cover", lang)] = sku_ranking.stock_cover(ranked).astype("float64")
    if previous is not None:
        before = dict(
            zip(previous["key"], pd.to_numeric(previous[metric], errors="coerce"), strict=False)
        )
        cmp_ = pd.Series([before.get(k) for k in ranked["key"]], dtype="float64")
        now = pd.to_numeric(ranked[metric], errors="coerce").astype("float64")
        out[t("products.col_compare", lang, metric=metrics.label(metric, lang))] = cmp_.to_numpy()
        out[t("products.col_change", lang)] = (now / cmp_.where(cmp_ != 0) - 1).to_numpy()
    return out


def sparks(origin: str, f: Filters, level: str, shown: pd.DataFrame) -> pd.Series:
    """The sparkline of each ranked row in `shown` (the rows the table shows: building one
    for every item cost more than the ranking)."""
    ids = sorted(shown["product_id"].dropna().astype(str).unique())
    name = "products_ranking_spark" if origin == "products" else "products_ranking_orders_spark"
    rows = query_cache.query(name, **f.params(), level=level, product_ids=ids)
    return sku_ranking.sparks(shown, rows)


def with_trend(table_frame: pd.DataFrame, spark: pd.Series, lang: str) -> pd.DataFrame:
    """The table's rows with their sparkline as the last column (`spark` in row order)."""
    return table_frame.assign(**{t("products.col_trend", lang): spark.to_numpy()})


# what an owner reads at a glance besides the ranked metric; the toggle above the table
# shows the rest (ids, other metrics, orders, velocity, stock, the compare value)
GLANCE_METRICS = ("paid_amount", "units_sold", "conversion")


def glance(table: pd.DataFrame, metric: str, lang: str, everything: bool) -> list[str]:
    """The column order the grid shows: every column, or the ones read at a glance."""
    if everything:
        return list(table.columns)
    keep = {
        t("products.col_rank", lang),
        t("products.col_item", lang),
        t("products.col_abc", lang),
        metrics.label(metric, lang),
        t("products.col_change", lang),
        t("products.col_trend", lang),
        *(metrics.label(m, lang) for m in GLANCE_METRICS),
    }
    return [c for c in table.columns if c in keep]


def _kinds(metric: str, shown: list[str], lang: str) -> dict[str, str]:
    """Column label -> number kind of the ranking's metric columns."""
    out = {metrics.label(m, lang): metric_fmt(m) for m in [metric, *shown, "orders"]}
    out[t("products.col_compare", lang, metric=metrics.label(metric, lang))] = metric_fmt(metric)
    out[t("products.col_change", lang)] = "change"
    return out


def grid(table: pd.DataFrame, metric: str, shown: list[str], lang: str) -> pd.DataFrame:
    """The ranking as the grid shows it: rates rounded to the decimals shown."""
    return tables.rounded(table, _kinds(metric, shown, lang))


ITEM_PX = 260  # the ranking's item column at 1440 px, its numbers still in view


def column_config(metric: str, shown: list[str], lang: str, currency: str | None = None) -> dict:
    """Short, fixed formats (numbers.column_format); the item pinned, ids narrow."""
    cfg: dict = {
        t("products.col_rank", lang): tables.number("int", width="small", pinned=True),
        # wider than medium: names differ at their end (…男士连帽加厚 / …女士短款)
        t("products.col_item", lang): tables.key(width=ITEM_PX),
        t("col.product_id", lang): tables.text(width="small"),
        t("col.sku_id", lang): tables.text(width="small"),
    }
    helps = {metrics.label(m, lang): metrics.help_text(m, lang) for m in [metric, *shown, "orders"]}
    for label, kind in _kinds(metric, shown, lang).items():
        cfg[label] = tables.number(kind, help=helps.get(label), currency=currency)
    cfg[t("products.col_velocity", lang)] = tables.number(
        "ratio", help=t("products.col_velocity_help", lang)
    )
    cfg[t("col.stock", lang)] = tables.number("int")
    cfg[t("products.col_cover", lang)] = st.column_config.NumberColumn(
        format="%,.1f " + t("products.days_unit", lang),
        help=t("products.col_cover_help", lang, days=sku_ranking.COVER_DAYS),
    )
    cfg[t("products.col_abc", lang)] = tables.text(
        width="small", help=t("products.col_abc_help", lang)
    )
    cfg[t("products.col_trend", lang)] = st.column_config.LineChartColumn(
        width="small", y_min=0, help=t("products.col_trend_help", lang)
    )
    return cfg


def short_list(
    rows: pd.DataFrame, columns: dict[str, str], lang: str, currency: str | None = None
) -> pd.DataFrame:
    """A small list (热销/滞销) with values formatted for the language: column -> metric or
    "velocity"/"stock"/"days"; money with `currency`'s symbol."""
    out = pd.DataFrame({t("products.col_item", lang): rows["label"]})
    for col, kind in columns.items():
        values = rows[col] if col in rows else pd.Series([None] * len(rows))
        if kind == "velocity":
            text = numbers.fmt_column(values, "ratio", lang)
        elif kind in ("int", "money", "pct", "ratio"):
            text = numbers.fmt_column(values, kind, lang, currency=currency)
        else:
            text = numbers.fmt_column(values, metric_fmt(kind), lang, currency=currency)
        out[_short_title(col, lang)] = text
    return out


def short_config(lang: str, frame: pd.DataFrame | None = None) -> dict:
    """short_list's grid: the item pinned and of medium width (a long name is cut, its
    numbers stay in view); the numbers (written as text in the user's language) to the
    right, as in every other table."""
    item = t("products.col_item", lang)
    cfg = {item: tables.key(width="medium")}
    for col in [] if frame is None else frame.columns:
        if col != item:
            cfg[col] = tables.text(alignment="right")
    return cfg


def _short_title(col: str, lang: str) -> str:
    titles = {
        "velocity": "products.col_velocity",
        "stock": "col.stock",
        "units_slow": "products.col_units_slow",
        "visitors_slow": "products.col_visitors_slow",
        "units_before_slow": "products.col_units_before_slow",
    }
    if col in titles:
        return t(titles[col], lang)
    return metrics.label(col, lang)


# ----------------------------------------------------------------------------- charts


def pareto(classes: pd.DataFrame, lang: str) -> alt.Chart:
    """Bars of each item's share of the paid amount (largest first, the top PARETO_LIMIT),
    coloured by class, with the cumulative share as a line and the 80% / 95% marks."""
    rows = classes.head(PARETO_LIMIT)
    frame = pd.DataFrame(
        {
            "rank": range(1, len(rows) + 1),
            "item": rows["label"].astype(str),
            "share": rows["share"].astype("float64"),
            "cum_share": rows["cum_share"].astype("float64"),
            "abc": rows["abc_class"],
        }
    )
    item_title = t("products.col_item", lang)
    x = alt.X(
        "rank:O",
        title=t("products.pareto_x", lang),
        axis=alt.Axis(labels=len(frame) <= 30, ticks=len(frame) <= 30),
    )
    tooltip = [
        alt.Tooltip("item:N", title=item_title),
        alt.Tooltip("abc:N", title=t("products.col_abc", lang)),
        alt.Tooltip("share:Q", title=t("products.pareto_share", lang), format=".1%"),
        alt.Tooltip("cum_share:Q", title=t("products.pareto_cum", lang), format=".1%"),
    ]
    base = alt.Chart(frame).encode(x=x)
    bars = base.mark_bar().encode(
        y=alt.Y("share:Q", title=t("products.pareto_share", lang), axis=alt.Axis(format=".0%")),
        color=alt.Color(
            "abc:N",
            title=t("products.col_abc", lang),
            scale=alt.Scale(domain=list(CLASS_COLORS), range=list(CLASS_COLORS.values())),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=tooltip,
    )
    line = base.mark_line(color="#333333", point=alt.OverlayMarkDef(size=12)).encode(
        y=alt.Y(
            "cum_share:Q",
            title=t("products.pareto_cum", lang),
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=tooltip,
    )
    marks = (
        alt.Chart(pd.DataFrame({"y": [sku_ranking.A_SHARE, sku_ranking.B_SHARE]}))
        .mark_rule(strokeDash=[4, 4], color="#8c8c8c")
        .encode(y="y:Q")
    )
    return (
        alt.layer(bars, alt.layer(line, marks))
        .resolve_scale(y="independent")
        .properties(height=280)
    )


def daily_chart(frame: pd.DataFrame, lang: str, currency: str | None = None) -> alt.Chart:
    """The product's paid amount (bars) and units sold (line) per day; the tooltip's amount
    in `currency` (a d3 format has no currency symbol, so it shows the text)."""
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(frame["day"]),
            "paid_amount": pd.to_numeric(frame["paid_amount"], errors="coerce").astype("float64"),
            "units_sold": pd.to_numeric(frame["units_sold"], errors="coerce").astype("float64"),
        }
    )
    df["paid_text"] = numbers.fmt_column(df["paid_amount"], "money", lang, currency=currency)
    day_title = t("col.date", lang)
    paid_title, units_title = metrics.label("paid_amount", lang), metrics.label("units_sold", lang)
    tooltip = [
        alt.Tooltip("day:T", title=day_title, format="%Y-%m-%d"),
        alt.Tooltip("paid_text:N", title=paid_title),
        alt.Tooltip("units_sold:Q", title=units_title, format=",.0f"),
    ]
    base = alt.Chart(df).encode(x=alt.X("day:T", title=day_title, axis=charts.day_axis()))
    bars = base.mark_bar(color=charts.CURRENT_COLOR, opacity=0.8).encode(
        y=alt.Y("paid_amount:Q", title=paid_title, axis=alt.Axis(format=",.0f")), tooltip=tooltip
    )
    line = base.mark_line(color="#333333").encode(
        y=alt.Y("units_sold:Q", title=units_title), tooltip=tooltip
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=260)


def movers_chart(moved: pd.DataFrame, lang: str, currency: str | None = None) -> alt.Chart:
    """The items whose paid amount moved most against the compare period (products.movers
    rows), the change in `currency` in the tooltip."""
    frame = moved.assign(
        change_text=numbers.fmt_column(moved["change"], "money_change", lang, currency=currency)
    )
    item_title, value_title = t("products.col_item", lang), t("overview.movers_change", lang)
    return charts.diverging_bars(
        frame,
        item="label",
        value="change",
        fmt="money",
        item_title=item_title,
        value_title=value_title,
        tooltip=[
            alt.Tooltip("label:N", title=item_title),
            alt.Tooltip("change_text:N", title=value_title),
        ],
    )


def funnel_chart(steps: list[tuple[str, float]], lang: str) -> alt.Chart:
    """Visitors → add-to-cart buyers → paying buyers as bars, each with its rate from the
    first step."""
    first = steps[0][1] or None
    frame = pd.DataFrame(
        {
            "step": [t(f"col.{name}", lang) for name, _ in steps],
            "count": [v for _, v in steps],
            "rate": [v / first if first else None for _, v in steps],
        }
    )
    order = frame["step"].tolist()
    base = alt.Chart(frame).encode(y=alt.Y("step:N", sort=order, title=None))
    bars = base.mark_bar(color=charts.CURRENT_COLOR).encode(
        x=alt.X("count:Q", title=None, axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip("step:N", title=" "),
            alt.Tooltip("count:Q", title=t("funnel.col_users", lang), format=",.0f"),
            alt.Tooltip("rate:Q", title=t("funnel.col_from_first", lang), format=".2%"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        x="count:Q", text=alt.Text("rate:Q", format=".1%")
    )
    return (bars + text).properties(height=36 * len(frame) + 20)


def download_frame(table_frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table without the sparkline column (a list does not fit in a CSV/XLSX cell)."""
    return table_frame.drop(columns=[t("products.col_trend", lang)], errors="ignore")


def slow_columns(origin: str) -> dict[str, str]:
    """What the 滞销 list shows: the window's units and why the item counts as on sale."""
    if origin == "products":
        return {"units_slow": "int", "visitors_slow": "int", "stock": "int"}
    return {"units_slow": "int", "units_before_slow": "int"}


def _product_rows(
    origin: str, f: Filters, level: str, slow_days: int, rows: pd.DataFrame
) -> pd.DataFrame:
    if level == "product":
        return rows
    return ranking(origin, f, "product", slow_days)


def product_choices(
    origin: str, f: Filters, level: str, slow_days: int, rows: pd.DataFrame
) -> dict[str, str]:
    """product_id -> label of the products in the range, largest paid amount first."""
    by_product = sku_ranking.ranked(_product_rows(origin, f, level, slow_days, rows), "paid_amount")
    return dict(zip(by_product["product_id"].astype(str), by_product["label"], strict=False))


@dataclass
class Detail:
    sums: dict  # metric name -> value over the range
    daily: pd.DataFrame
    funnel: list[tuple[str, float]]
    image_tests: pd.DataFrame


def detail(
    origin: str, f: Filters, level: str, slow_days: int, rows: pd.DataFrame, product_id: str
) -> Detail:
    by_product = _product_rows(origin, f, level, slow_days, rows)
    row = by_product[by_product["product_id"].astype(str) == product_id]
    sums = row.iloc[0].to_dict() if len(row) else {}
    values = {m: sums.get(m) for m in ("paid_amount", "units_sold", "conversion", "refund_rate")}
    return Detail(
        values, daily(origin, f, product_id), sku_ranking.funnel(sums), image_tests(product_id)
    )


def image_tests_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The product's main-image tests, one row per test and variant (the A/B page has the
    statistics)."""
    return pd.DataFrame(
        {
            t("col.test_id", lang): frame["test_id"],
            t("col.variant", lang): frame["variant"],
            t("col.is_control", lang): frame["is_control"],
            t("products.col_days", lang): [
                f"{a} ~ {b}"
                for a, b in zip(
                    pd.to_datetime(frame["first_day"]).dt.strftime("%Y-%m-%d"),
                    pd.to_datetime(frame["last_day"]).dt.strftime("%Y-%m-%d"),
                    strict=False,
                )
            ],
            t("col.impressions", lang): numbers.fmt_column(frame["impressions"], "int", lang),
            t("col.clicks", lang): numbers.fmt_column(frame["clicks"], "int", lang),
            metrics.label("ctr", lang): numbers.fmt_column(frame["ctr"], "pct", lang),
        }
    )
