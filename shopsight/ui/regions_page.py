"""Streamlit glue for the regions page: which dataset feeds it, the region tables for the
current and compare periods, the pydeck choropleth, its legend and the ranked bars.

The map is a GeoJsonLayer over the bundled boundaries with no basemap and no network
(`map_provider=None`, no `map_style`: see the README's deployment notes). Geometry is
parsed once per process (shopsight.geo.boundaries); the deck's JSON is built once per
distinct set of values (an LRU cache of plain values), because st.pydeck_chart
serialises the deck on every run and pydeck's own serialiser takes ~0.2 s for the
province shapes. Features carry only their name, fill and the few formatted values the
tooltip shows: the payload is one row per region, never order rows.
"""

from __future__ import annotations

import functools
import html
import json

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from shopsight import metrics, numbers, region_metrics
from shopsight.geo import boundaries
from shopsight.i18n import t
from shopsight.region_metrics import RegionTable
from shopsight.ui import charts, query_cache, tables
from shopsight.ui.filters import Filters

ORIGINS = ("orders", "regions")
LAYER_ID = "rg_regions"
MAP_HEIGHT = 520
MAP_WIDTH = 440  # the map column's narrow width: the whole region fits, wider gets margin
BARS_LIMIT = 20
UNMATCHED_LIMIT = 50


def origins() -> list[str]:
    """Datasets with region names, orders first (they can be filtered by source/device)."""
    df = query_cache.query("regions_sources")
    have = set(df.loc[df["count_named_rows"] > 0, "origin"])
    return [o for o in ORIGINS if o in have]


def table(
    origin: str,
    f: Filters,
    province: str | None = None,
    compare: bool = True,
    metric: str = "paid_amount",
) -> RegionTable:
    """The region rows for the filters (and the compare period, as cmp_*/change_*, unless
    `compare` is off), the share being of the metric shown (region_metrics.share_basis)."""
    compare_params = f.compare_params() if compare else None
    return region_metrics.region_table(
        query_cache.query, origin, f.params(), compare_params, province, metric
    )


# the share column's title and help per metric it is a share of (region_metrics.share_basis)
SHARE_TEXTS = {
    "paid_amount": ("regions.metric_share", "regions.metric_share_help"),
    "paying_buyers": ("regions.share_paying_buyers", "regions.share_paying_buyers_help"),
    "orders": ("regions.share_orders", "regions.share_orders_help"),
    "visitors": ("regions.share_visitors", "regions.share_visitors_help"),
}


def metric_label(metric: str, lang: str) -> str:
    """A map metric's name in the menu (the share: of the paid amount)."""
    if metric == region_metrics.SHARE:
        return t(SHARE_TEXTS["paid_amount"][0], lang)
    return metrics.label(metric, lang)


def column_label(rt: RegionTable, metric: str, lang: str) -> str:
    """A metric's column title in the table: the share named for what it is a share of
    (支付买家数占比 beside 支付买家数)."""
    if metric == region_metrics.SHARE:
        return t(SHARE_TEXTS[rt.share_of][0], lang)
    return metrics.label(metric, lang)


def fmt(metric: str, value: object, lang: str, currency: str | None = None) -> str:
    return numbers.fmt(value, region_metrics.fmt_of(metric), lang, currency=currency)


def currency_of(origin: str, f: Filters) -> str | None:
    """The currency the page's money is in: the one chosen for order rows; the 生意参谋
    region report is always CNY."""
    return f.currency if origin == "orders" else None


def display_name(row_name: object, status: str, lang: str) -> str:
    if status == region_metrics.UNKNOWN:
        return t("regions.unknown", lang)
    return str(row_name)


# ------------------------------------------------------------------------------ map


class PrerenderedDeck(pdk.Deck):
    """A pydeck Deck whose JSON is made already; st.pydeck_chart only calls to_json."""

    def __init__(self, spec: str, tooltip: dict):
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self._spec = spec

    def to_json(self) -> str:
        return self._spec


@functools.lru_cache(maxsize=64)
def _spec(level: str, province: str | None, features: tuple, view: tuple) -> str:
    """The deck JSON: pydeck's own format for the layer and view, with the annotated
    boundaries as the layer's data. Plain values in, a string out (cached)."""
    fc = boundaries.provinces() if level == "province" else boundaries.cities(province)
    values = {name: dict(props) for name, props in features}
    layer = pdk.Layer(
        "GeoJsonLayer",
        data=[],
        id=LAYER_ID,
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=0.7,
        auto_highlight=True,
        highlight_color=[255, 196, 0, 140],
    )
    deck = pdk.Deck(
        layers=[layer], map_provider=None, initial_view_state=pdk.ViewState(**dict(view))
    )
    spec = json.loads(deck.to_json())
    collection = boundaries.annotated(fc, values)
    collection.pop("metadata", None)
    for feat in collection["features"]:  # the tooltip and the fill need only these
        feat["properties"] = {
            k: feat["properties"][k] for k in ("name", *next(iter(values.values())).keys())
        }
    spec["layers"][0]["data"] = collection
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def province_deck(features: dict[str, dict], tooltip_html: str) -> PrerenderedDeck:
    """A province choropleth of other figures (e.g. inquiry counts) drawn like the regions
    map: features maps each province to its properties ("fill" as regions.rgba gives it,
    plus the texts the tooltip names)."""
    view = region_metrics.view_for_bbox(region_metrics.CHINA_BBOX, MAP_WIDTH, MAP_HEIGHT)
    frozen = tuple(
        (name, tuple((k, _hashable(v)) for k, v in props.items()))
        for name, props in sorted(features.items())
    )
    spec = _spec("province", None, frozen, tuple(sorted(view.items())))
    return PrerenderedDeck(spec, {"html": tooltip_html})


def map_features(
    rt: RegionTable,
    metric: str,
    scale: region_metrics.ColorScale | None,
    lang: str,
    currency: str | None = None,
) -> dict[str, dict]:
    """name -> the properties a feature carries: fill, formatted values for the tooltip
    (money in `currency`), and the raw paid amount (what tests add up). Regions without
    rows get "—"."""
    rows = rt.rows[rt.rows["status"] == region_metrics.MATCHED].set_index("name")
    names = region_metrics.known_names(rt.level, rt.province)
    out = {}
    for name in sorted(names):
        has = name in rows.index
        value = rows.at[name, metric] if has else None
        paid = rows.at[name, "paid_amount"] if has else None
        share = rows.at[name, region_metrics.SHARE] if has else None
        color = scale.color(value) if scale is not None else region_metrics.NO_DATA_COLOR
        out[name] = {
            "fill": region_metrics.rgba(color),
            "value_text": fmt(metric, value, lang, currency),
            "paid_text": fmt("paid_amount", paid, lang, currency),
            "share_text": fmt(region_metrics.SHARE, share, lang),
            "paid_amount": None if paid is None or pd.isna(paid) else float(paid),
        }
    return out


def deck(
    rt: RegionTable, metric: str, lang: str, currency: str | None = None
) -> tuple[PrerenderedDeck, region_metrics.ColorScale | None]:
    """The choropleth of the table's metric, and the colour scale its legend shows."""
    matched = rt.rows[rt.rows["status"] == region_metrics.MATCHED]
    scale = region_metrics.color_scale(matched[metric])
    props = map_features(rt, metric, scale, lang, currency)
    bbox = region_metrics.CHINA_BBOX if rt.level == "province" else boundaries.bbox(rt.province)
    view = region_metrics.view_for_bbox(bbox, MAP_WIDTH, MAP_HEIGHT)
    features = tuple(
        (name, tuple((k, _hashable(v)) for k, v in p.items())) for name, p in props.items()
    )
    spec = _spec(rt.level, rt.province, features, tuple(sorted(view.items())))
    lines = ["<b>{name}</b>", f"{html.escape(metric_label(metric, lang))}: {{value_text}}"]
    if metric != "paid_amount":
        lines.append(f"{html.escape(metrics.label('paid_amount', lang))}: {{paid_text}}")
    if metric != region_metrics.SHARE:
        share = column_label(rt, region_metrics.SHARE, lang)
        lines.append(f"{html.escape(share)}: {{share_text}}")
    tip = "<br/>".join(lines)
    return PrerenderedDeck(spec, {"html": tip}), scale


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def clicked_region(state) -> str | None:
    """The region name a map selection holds (st.pydeck_chart(on_select=...) state)."""
    try:
        objects = state["selection"]["objects"].get(LAYER_ID) or []
    except (KeyError, TypeError, AttributeError):
        return None
    for obj in objects:
        props = obj.get("properties") if isinstance(obj, dict) else None
        if props and props.get("name"):
            return props["name"]
    return None


def legend_labels(
    metric: str, values: list[float], lang: str, currency: str | None = None
) -> list[str]:
    """The class edges as the legend shows them: one unit and one decimal count for the
    whole legend (¥33.0万 – ¥120.5万, or ¥1,048 – ¥22,000; 12.5%), never mixed."""
    kind = region_metrics.fmt_of(metric)
    if kind == "pct":
        return numbers.fmt_column(values, "pct", lang, decimals=1)
    if kind == "money":  # whole yuan below 10万: class edges, not amounts to the cent
        compact = all(abs(v) >= numbers.COMPACT_FROM for v in values if v)
        return numbers.fmt_column(
            values, "money", lang, currency=currency, decimals=None if compact else 0
        )
    return numbers.fmt_column(values, kind, lang)


def legend(
    scale: region_metrics.ColorScale,
    metric: str,
    lang: str,
    title: str | None = None,
    currency: str | None = None,
) -> alt.Chart:
    """The colour classes, low to high, as swatches with their value ranges (`metric` gives
    the number format, money in `currency`; `title` replaces its label, e.g. for inquiry
    counts)."""
    rows = []
    stops = region_metrics.legend_stops(scale)
    edges = legend_labels(
        metric, [x for _, low, high in stops for x in (low, high)], lang, currency
    )
    for i, (color, low, high) in enumerate(stops):
        text = edges[2 * i]
        if low != high:
            text = f"{text} – {edges[2 * i + 1]}"
        rows.append({"color": color, "label": text})
    rows.append({"color": region_metrics.NO_DATA_COLOR, "label": t("regions.no_data", lang)})
    frame = pd.DataFrame(rows)
    frame["order"] = range(len(frame))
    base = alt.Chart(frame).encode(y=alt.Y("order:O", axis=None))
    swatch = base.mark_square(size=180).encode(
        x=alt.value(8), color=alt.Color("color:N", scale=None, legend=None)
    )
    label = base.mark_text(align="left", x=20, fontSize=11).encode(text="label:N")
    # "pad": the height is the rows'; Streamlit's default fits title and rows into it, which
    # squeezed a short legend (3 cities) into overlapping rows
    return (swatch + label).properties(
        height=24 * len(frame),
        width=140,
        autosize=alt.AutoSizeParams(type="pad"),
        title=alt.TitleParams(title or metric_label(metric, lang), fontSize=12, anchor="start"),
    )


# ------------------------------------------------------------------- table and bars


def display(rt: RegionTable, metric: str, lang: str, limit: int | None = None) -> pd.DataFrame:
    """The ranked table as shown (and downloaded): translated headers, unknown as 未知."""
    rows = region_metrics.ranked(rt.rows, metric)
    if limit is not None:
        rows = rows.head(limit)
    level_title = t(f"regions.level_{rt.level}", lang)
    out = pd.DataFrame(
        {
            t("regions.col_rank", lang): rows["rank"],
            level_title: [
                display_name(n, s, lang) for n, s in zip(rows["name"], rows["status"], strict=False)
            ],
        }
    )
    for m in _table_metrics(rt, metric):
        out[column_label(rt, m, lang)] = pd.to_numeric(rows[m], errors="coerce").astype("float64")
    out[_compare_title(rt, metric, lang)] = rows[f"cmp_{metric}"]
    out[t("regions.col_change", lang)] = rows[f"change_{metric}"]
    out[t("regions.col_on_map", lang)] = rows["status"] == region_metrics.MATCHED
    return out


def _table_metrics(rt: RegionTable, metric: str) -> list[str]:
    shown = [metric] + [
        m
        for m in (
            "paid_amount",
            region_metrics.SHARE,
            "paying_buyers",
            "orders",
            "visitors",
            "conversion",
            "aov",
        )
        if m != metric
    ]
    return [m for m in shown if m in rt.metrics]


def column_config(rt: RegionTable, metric: str, lang: str, currency: str | None = None) -> dict:
    """Fixed formats (numbers.column_format), the region pinned, every metric with its help."""
    level_title = t(f"regions.level_{rt.level}", lang)
    cfg: dict = {
        # px widths for the two narrow columns: the all-columns table fits 1440 px in English
        t("regions.col_rank", lang): tables.number("int", width=50, pinned=True),
        level_title: tables.key(),
    }
    for m in _table_metrics(rt, metric):
        cfg[column_label(rt, m, lang)] = tables.number(
            region_metrics.fmt_of(m), help=_help(rt, m, lang), currency=currency
        )
    cfg[_compare_title(rt, metric, lang)] = tables.number(
        region_metrics.fmt_of(metric), currency=currency
    )
    cfg[t("regions.col_change", lang)] = tables.number("change")
    cfg[t("regions.col_on_map", lang)] = st.column_config.CheckboxColumn(
        help=t("regions.col_on_map_help", lang), width=65
    )
    return cfg


def glance_config(rt: RegionTable, metric: str, lang: str, currency: str | None = None) -> dict:
    """column_config for the table beside the map: the share's header short ('占比'), its
    full name in the help."""
    cfg = column_config(rt, metric, lang, currency)
    share = column_label(rt, region_metrics.SHARE, lang)
    if share in cfg:
        about = _help(rt, region_metrics.SHARE, lang)
        cfg[share] = tables.number(
            "pct",
            t("regions.col_share_short", lang),
            help=f"{share}：{about}" if lang == "zh" else f"{share}: {about}",
        )
    return cfg


def glance_height(rows: int) -> int:
    """A few regions get a table as tall as they are, not one of empty grid rows as tall as
    the map."""
    return min(MAP_HEIGHT, tables.fit_height(rows))


def glance(rt: RegionTable, metric: str, lang: str) -> list[str]:
    """The columns of the table beside the map (the rest, rank included, are in the full
    table below it; the rows are in rank order): region, the chosen metric, its share or
    the paid amount, and the change."""
    second = region_metrics.SHARE if metric != region_metrics.SHARE else "paid_amount"
    cols = [t(f"regions.level_{rt.level}", lang), column_label(rt, metric, lang)]
    if second in rt.metrics:
        cols.append(column_label(rt, second, lang))
    return [*cols, t("regions.col_change", lang)]


def grid(table: pd.DataFrame, rt: RegionTable, metric: str, lang: str) -> pd.DataFrame:
    """The table as the grid shows it: rates rounded to the decimals shown."""
    kinds = {
        column_label(rt, m, lang): region_metrics.fmt_of(m) for m in _table_metrics(rt, metric)
    }
    kinds[_compare_title(rt, metric, lang)] = region_metrics.fmt_of(metric)
    kinds[t("regions.col_change", lang)] = "change"
    return tables.rounded(table, kinds)


def _compare_title(rt: RegionTable, metric: str, lang: str) -> str:
    return t("regions.col_compare", lang, metric=column_label(rt, metric, lang))


def _help(rt: RegionTable, metric: str, lang: str) -> str:
    if metric == region_metrics.SHARE:
        return t(SHARE_TEXTS[rt.share_of][1], lang)
    return metrics.help_text(metric, lang)


def bars(
    rt: RegionTable, metric: str, lang: str, compare_label: str | None, currency: str | None = None
) -> alt.Chart:
    """Ranked horizontal bars of the named regions (top BARS_LIMIT), the compare period's
    value as a tick on each bar; money tooltips in `currency`."""
    rows = region_metrics.ranked(rt.rows, metric)
    rows = rows[rows["status"] != region_metrics.UNKNOWN].head(BARS_LIMIT)
    f = region_metrics.fmt_of(metric)
    frame = pd.DataFrame(
        {
            "name": rows["name"].astype(str),
            "value": pd.to_numeric(rows[metric], errors="coerce").astype("float64"),
            "cmp": pd.to_numeric(rows[f"cmp_{metric}"], errors="coerce").astype("float64"),
            "on_map": rows["status"] == region_metrics.MATCHED,
        }
    )
    order = frame["name"].tolist()
    title = metric_label(metric, lang)
    level_title = t(f"regions.level_{rt.level}", lang)

    def tip(col: str, col_title: str) -> alt.Tooltip:
        if f != "money":
            return alt.Tooltip(f"{col}:Q", title=col_title, format=charts.TOOLTIP_FORMATS[f])
        # a d3 format has no currency symbol of its own: the tooltip shows the text
        frame[f"{col}_text"] = numbers.fmt_column(frame[col], "money", lang, currency=currency)
        return alt.Tooltip(f"{col}_text:N", title=col_title)

    tooltip = [alt.Tooltip("name:N", title=level_title), tip("value", title)]
    if compare_label:
        tooltip.append(tip("cmp", compare_label))
    # every region keeps its name: Vega drops overlapping names and cuts long ones at 180 px
    base = alt.Chart(frame).encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=0))
    )
    bar = base.mark_bar(color=charts.CURRENT_COLOR).encode(
        x=alt.X("value:Q", title=title, axis=alt.Axis(format=charts.AXIS_FORMATS[f])),
        opacity=alt.condition(alt.datum.on_map, alt.value(1.0), alt.value(0.55)),
        tooltip=tooltip,
    )
    chart = bar
    if compare_label and frame["cmp"].notna().any():
        chart = bar + base.mark_tick(color="#333333", thickness=2, size=16).encode(
            x="cmp:Q", tooltip=tooltip
        )
    # a height per row: a fixed total squeezed three cities into a strip with their names
    # printed over each other
    return chart.properties(height=alt.Step(24))
