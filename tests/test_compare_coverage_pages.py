"""对比期数据不全 on the Sources, Regions, Products, Customers and Funnel pages: a compare period the data hardly covers
shows no change, and the page names the missing days (the Overview's rule)."""

from __future__ import annotations

import pytest

from shopsight import mdtext
from shopsight.i18n import t


def _columns(at) -> list[str]:
    return list(at.dataframe[0].value.columns)


@pytest.mark.parametrize(
    "page, kind",
    [
        ("views/sources.py", "traffic"),
        ("views/regions.py", None),
        ("views/products.py", None),
        ("views/customers.py", "orders"),
        ("views/funnel.py", None),
    ],
)
def test_a_thin_compare_period_shows_no_change_and_names_the_days(app, small_ws, page, kind):
    full = app("small", page, cmp="prev")  # October is loaded: changes are shown
    plain = app("small", page, cmp="none")
    thin = app("small", page, cmp="yoy")  # nothing a year earlier
    for at in (full, plain, thin):
        assert not at.exception
    assert not [w for w in full.warning if "对比期数据不全" in w.value]
    # the page's note names the compare range only while it compares (the sidebar still
    # shows the range chosen)
    assert any("对比 2026-10-02 ~ 2026-10-31" in c.value for c in full.main.caption)
    assert not any("对比 2025-11-01" in c.value for c in thin.main.caption)
    if page == "views/sources.py":  # its table drops the change columns
        assert _columns(full) != _columns(plain)
        assert _columns(thin) == _columns(plain)
    warned = [w.value for w in thin.warning if w.value.startswith("对比期数据不全")]
    assert warned and "2025-11-01" in warned[0]
    if kind:
        assert warned[0] == t(
            "overview.compare_incomplete_days",
            "zh",
            start="2025-11-01",
            end="2025-11-30",
            count=30,
            kind=t(f"kind.{kind}", "zh"),
            days=mdtext.plain("11-01~11-30"),
        )
    assert thin.query_params["cmp"] == "yoy"  # the link keeps what the owner chose
