"""The router and the shared sidebar: pages run, the link carries the view, bad links
fall back to defaults with a notice, language and workspace switching."""

import re
from datetime import date

import pytest

from shopsight import workspace
from shopsight.i18n import t

PAGES = ["views/overview.py", "views/data.py"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("ws_fixture", ["small_ws", "empty_ws"])
def test_every_page_runs(app, request, page, ws_fixture):
    ws = request.getfixturevalue(ws_fixture)
    at = app(ws.path.name, page)
    assert not at.exception
    assert not at.error
    assert at.title


def test_first_run_writes_the_whole_view_into_the_link(app, small_ws):
    at = app("small")
    assert dict(at.query_params) == {
        "ws": "small", "lang": "zh", "start": "2026-11-01", "end": "2026-11-30", "cmp": "prev",
    }
    assert at.date_input(key="sb_dates").value == (date(2026, 11, 1), date(2026, 11, 30))
    # a filter is shown only when some dataset has values for it
    assert at.multiselect(key="sb_src").options == ["手淘搜索", "淘宝客", "直接访问", "直通车"]
    assert at.multiselect(key="sb_cat").options == ["T恤", "卫衣"]


def test_empty_workspace_hides_the_dimension_filters(app, empty_ws):
    at = app("empty")
    assert not at.exception
    assert [w.key for w in at.multiselect] == []


def test_copied_link_reproduces_the_view(app, small_ws):
    at = app("small")
    at.date_input(key="sb_dates").set_value((date(2026, 11, 8), date(2026, 11, 21)))
    at.selectbox(key="sb_cmp").set_value("yoy")
    at.multiselect(key="sb_src").select("直通车").select("手淘搜索")
    at.multiselect(key="sb_dev").select("PC")
    at.segmented_control(key="sb_lang").set_value("en")
    at.run()
    assert not at.exception
    link = dict(at.query_params)
    assert at.query_params["start"] == "2026-11-08"
    assert at.query_params["cmp"] == "yoy"
    cards = [(m.label, m.value, m.delta) for m in at.metric]

    other = app(link.pop("ws"), **link)  # another browser opening the copied link
    assert not other.exception
    assert [(m.label, m.value, m.delta) for m in other.metric] == cards
    assert other.multiselect(key="sb_src").value == at.multiselect(key="sb_src").value
    assert other.multiselect(key="sb_dev").value == ["PC"]
    assert other.date_input(key="sb_dates").value == (date(2026, 11, 8), date(2026, 11, 21))
    assert other.title[0].value == "Overview"
    assert not other.toast


def test_bad_link_values_fall_back_with_notices(app, small_ws):
    at = app("small", start="2026-13-45", end="yesterday", cmp="weekly",
             src=["直通车", "不存在的来源"], lang="klingon")
    assert not at.exception
    notes = [x.value for x in at.toast]
    assert t("notice.bad_param", "zh", param="start/end", value="2026-13-45~yesterday") in notes
    assert t("notice.bad_param", "zh", param="cmp", value="weekly") in notes
    assert t("notice.unknown_values", "zh", name="流量来源", values="不存在的来源") in notes
    assert t("notice.bad_param", "zh", param="lang", value="klingon") in notes
    assert at.date_input(key="sb_dates").value == (date(2026, 11, 1), date(2026, 11, 30))
    assert at.selectbox(key="sb_cmp").value == "prev"
    assert at.multiselect(key="sb_src").value == ["直通车"]
    # the link now says what is shown
    assert at.query_params["start"] == "2026-11-01"
    assert at.query_params["cmp"] == "prev"
    assert at.query_params["src"] == "直通车"
    assert at.query_params["lang"] == "zh"


def test_reversed_range_and_half_range_fall_back(app, small_ws):
    at = app("small", start="2026-11-20", end="2026-11-01")
    assert at.date_input(key="sb_dates").value == (date(2026, 11, 1), date(2026, 11, 30))
    assert len(at.toast) == 1
    at = app("small", start="2026-11-20")
    assert at.date_input(key="sb_dates").value == (date(2026, 11, 1), date(2026, 11, 30))
    assert len(at.toast) == 1


def test_unknown_workspace_opens_the_default_with_a_notice(app, small_ws, empty_ws, monkeypatch):
    monkeypatch.setenv("SHOPSIGHT_WORKSPACE", str(empty_ws.path))
    for bad in ("../small", "nope", "a" * 80):
        at = app(bad)
        assert not at.exception
        assert [x.value for x in at.toast] == [t("notice.bad_workspace", "zh", value=bad)]
        assert at.query_params.get("ws") == "empty"  # the link names what is open
        assert at.info[0].value == t("overview.empty_body", "zh")  # the empty default, not small


def test_workspace_from_session_state_path(app, small_ws):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ws_path"] = str(small_ws.path)
    at.run()
    assert not at.exception
    assert at.metric[0].value == "32,290"
    assert "ws" not in at.query_params


@pytest.mark.parametrize(("locale", "title"), [("en-US", "Overview"), ("zh-CN", "经营概况"),
                                                (None, "经营概况")])
def test_language_defaults_to_the_browser_locale(app, small_ws, locale, title):
    at = app("small", locale=locale)
    assert at.title[0].value == title


def test_lang_in_link_beats_the_browser_locale(app, small_ws):
    at = app("small", locale="en-US", lang="zh")
    assert at.title[0].value == "经营概况"
    at.segmented_control(key="sb_lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"


def test_new_team_workspace_gets_an_unguessable_link(app, small_ws, data_dir):
    at = app("small")
    at.button(key="sb_new_workspace").click().run()
    assert not at.exception
    name = at.query_params["ws"]
    assert re.fullmatch(r"[0-9a-f]{32}", name)  # 128 random bits
    assert workspace.open_workspace(data_dir / name).exists()
    assert at.info[0].value == t("overview.empty_body", "zh")
    assert at.button(key="ov_load_sample")


@pytest.mark.slow
def test_load_sample_button_opens_the_sample_shop(app, empty_ws):
    at = app("empty")
    at.button(key="ov_load_sample").click()
    at.run(timeout=600)  # the first open builds the sample from sample_data/
    assert not at.exception
    assert "ws" not in at.query_params
    assert t("metric.visitors", "zh") in [m.label for m in at.metric]
