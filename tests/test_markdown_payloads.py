"""Nothing from the data or the link becomes a live link or image.

A workspace whose every name (sources, products, categories, provinces, events, A/B
variants, test ids, file names) is a Markdown payload, opened by a link whose parameters
are payloads too.  Every page runs under AppTest; the text of every element Streamlit
renders as Markdown is parsed with a CommonMark parser (markdown-it-py), which must find
no link and no image in it — while the payload's words are still shown.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute below
import pytest
from conftest import SOURCES, small_tables
from markdown_it import MarkdownIt

from shopsight import teams, workspace

IMAGE = "![t](https://evil.example/track.png)"
LINK = "[点此领取优惠](https://evil.example/phish)"
AUTOLINK = "<https://evil.example/a>"
PAYLOADS = [IMAGE, LINK, f"{AUTOLINK} *x*", f"手淘{IMAGE}", f"{LINK}直通车"]

PAGES = [
    None,
    "views/overview.py",
    "views/funnel.py",
    "views/sources.py",
    "views/regions.py",
    "views/products.py",
    "views/abtest.py",
    "views/data.py",
]
LINK_PARAMS = {
    "cmp": LINK,
    "lang": IMAGE,
    "start": LINK,
    "ov_metric": IMAGE,
    "sr_source": LINK,
    "province": IMAGE,
    "source": LINK,
    "fn_view": "events",
}
# element types whose text Streamlit renders as Markdown, and the attribute holding it
MARKDOWN_ELEMENTS = {
    "markdown": "value",
    "caption": "value",
    "info": "value",
    "warning": "value",
    "error": "value",
    "success": "value",
    "toast": "value",
    "title": "value",
    "header": "value",
    "subheader": "value",
    "metric": "label",
    "expander": "label",
    "tabs": "label",
    "status": "label",
}
_md = MarkdownIt("commonmark")


def live_links(text: str) -> list[str]:
    """Every link or image a CommonMark renderer would make of `text`."""
    found = []
    for token in _md.parse(text):
        for t in [token, *(token.children or [])]:
            if t.type in ("link_open", "image"):
                found.append(t.attrs.get("href") or t.attrs.get("src") or t.type)
    return found


def bodies(at) -> list[str]:
    out = []
    for kind, attr in MARKDOWN_ELEMENTS.items():
        try:
            elements = getattr(at, kind)
        except AttributeError:
            elements = at.get(kind)
        for el in elements:
            value = getattr(el, attr, None)
            if isinstance(value, str):
                out.append(value)
    return out


def test_the_scanner_finds_live_payloads():
    assert live_links(f"来源 {IMAGE} 转化率下降") == ["https://evil.example/track.png"]
    assert live_links(LINK) == ["https://evil.example/phish"]
    assert live_links(AUTOLINK) == ["https://evil.example/a"]
    from shopsight.mdtext import plain

    assert all(live_links(plain(p)) == [] for p in PAYLOADS)
    assert _md.render(plain(IMAGE)).strip() == f"<p>{IMAGE}</p>"


def _payload_tables() -> dict[str, pa.Table]:
    tables = small_tables()
    names = dict(zip(SOURCES, PAYLOADS, strict=False))

    def swap(table: pa.Table, column: str, mapping) -> pa.Table:
        values = [mapping(v) if v is not None else None for v in table[column].to_pylist()]
        i = table.schema.get_field_index(column)
        return table.set_column(i, column, pa.array(values, table.schema.field(column).type))

    tables["traffic"] = swap(tables["traffic"], "source", lambda v: names.get(v, PAYLOADS[2]))
    tables["orders"] = swap(tables["orders"], "source", lambda v: names.get(v, v))
    for col in ("product_name", "category"):
        tables["products"] = swap(tables["products"], col, lambda v: f"{PAYLOADS[1]}{v}")
    tables["orders"] = swap(tables["orders"], "product_name", lambda v: f"{PAYLOADS[1]}{v}")
    # provinces no map knows: the Regions page lists them as unmatched
    tables["orders"] = swap(tables["orders"], "province", lambda v: f"{PAYLOADS[0]}{v[:2]}")
    tables["regions"] = swap(tables["regions"], "province", lambda v: f"{PAYLOADS[3]}{v[:2]}")
    # two steps for the event funnel's cards: every visit is followed by a payload event
    visits = swap(tables["events"], "event", lambda v: PAYLOADS[4])
    later = pa.compute.add(visits["event_time"], pa.scalar(3600 * 10**6, pa.duration("us")))
    carts = swap(visits, "event", lambda v: IMAGE).set_column(
        visits.schema.get_field_index("event_time"),
        "event_time",
        later.cast(visits.schema.field("event_time").type),
    )
    tables["events"] = pa.concat_tables([visits, carts])
    tables["image_tests"] = swap(
        tables["image_tests"], "variant", lambda v: v if v == "control" else IMAGE
    )
    tables["image_tests"] = swap(tables["image_tests"], "test_id", lambda v: LINK)
    return tables


@pytest.fixture
def payload_ws(data_dir):
    team = teams.create_team(LINK)
    con = team.workspace.connect()
    try:
        for kind, table in _payload_tables().items():
            workspace.write_dataset(team.workspace, kind, table, file=f"{IMAGE}.csv", con=con)
    finally:
        con.close()
    return team


@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_a_live_link_from_data_or_link(app, payload_ws, page):
    """page None: the first run of a link, where bad link parameters are echoed in toasts."""
    at = app(payload_ws.id, page, **LINK_PARAMS)
    assert not at.exception, [e.value for e in at.exception]
    texts = bodies(at)
    if page is None:
        assert any("evil.example/phish" in _md.render(x) for x in (t.value for t in at.toast))
    if page == "views/funnel.py":
        assert any("evil.example/track.png" in _md.render(m.label) for m in at.metric)
    assert texts
    leaked = {text: live_links(text) for text in texts if live_links(text)}
    assert not leaked


def test_payload_names_are_still_shown_as_text(app, payload_ws):
    """Escaped, not dropped: the Regions page names the unmatched provinces literally."""
    at = app(payload_ws.id, "views/regions.py")
    warnings = [w.value for w in at.warning]
    assert any("evil.example/track.png" in _md.render(w) for w in warnings), warnings
