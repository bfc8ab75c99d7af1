"""The router and the shared sidebar: pages run, the link carries the view, bad values
fall back to defaults with a notice, language switching; the sign-in gate, team links
that must not be guessable, and the workspace picker, rename and delete."""

import re
import shutil
from datetime import date

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from shopsight import access, teams, workspace
from shopsight.i18n import t
from tests.conftest import APP, APP_TIMEOUT_S, shown

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
        "ws": small_ws.path.name,
        "lang": "zh",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "cmp": "prev",
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
    at = app(
        "small",
        start="2026-13-45",
        end="yesterday",
        cmp="weekly",
        src=["直通车", "不存在的来源"],
        lang="klingon",
    )
    assert not at.exception
    notes = [shown(x.value) for x in at.toast]
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


def test_workspace_from_session_state_path(app, small_ws):
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    at.session_state["ws_path"] = str(small_ws.path)
    at.run()
    assert not at.exception
    assert at.metric[0].value == "32,290"
    assert "ws" not in at.query_params


@pytest.mark.parametrize(
    ("locale", "title"), [("en-US", "Overview"), ("zh-CN", "经营概况"), (None, "经营概况")]
)
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
    team_id = at.query_params["ws"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", team_id)  # 192 random bits
    team = teams.get_team(team_id)
    assert team.name == t("team.default_name", "zh", n=2)
    assert team.workspace.path == data_dir / "teams" / team_id and team.workspace.exists()
    assert at.info[0].value == t("overview.empty_body", "zh")
    assert at.button(key="ov_load_sample")
    assert at.selectbox(key="sb_ws_pick").value == team_id


@pytest.mark.slow
def test_load_sample_button_opens_the_sample_shop(app, empty_ws):
    at = app("empty")
    at.button(key="ov_load_sample").click()
    at.run(timeout=600)  # the first open builds the sample from sample_data/
    assert not at.exception
    assert "ws" not in at.query_params
    assert t("metric.visitors", "zh") in [m.label for m in at.metric]


# ---------------------------------------------------------------- sign-in, links, team workspaces

PASSWORD = "correct horse battery"
SECRETS = {"access": {"password_hash": access.hash_password(PASSWORD)}}
SMALL_VISITORS = "32,290"  # the small shop's 访客数 card in November


def shows_nothing(at) -> bool:
    """Nothing of any workspace: no page title, cards, tables, charts or sidebar widgets."""
    return not (
        at.title
        or at.metric
        or at.dataframe
        or at.selectbox
        or at.multiselect
        or at.date_input
        or at.get("arrow_vega_lite_chart")
        or at.sidebar.button
    )


def visitors(at) -> str:
    return next(m.value for m in at.metric if m.label == t("metric.visitors", "zh"))


@pytest.fixture
def built_sample(data_dir, small_template):
    """A sample shop already built (a copy of the small shop), so no test builds the real one."""
    shutil.copytree(small_template, data_dir / workspace.SAMPLE)
    return workspace.open_workspace(None)


def raw_link(value: str, secrets: dict | None = None) -> AppTest:
    """A browser opening `?ws=<value>` exactly as typed."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    for key, section in (secrets or {}).items():
        at.secrets[key] = section
    at.query_params["ws"] = value
    return at.run()


def test_no_page_before_the_password_and_the_page_after(app, small_ws):
    at = app("small", secrets=SECRETS)
    assert not at.exception
    assert shows_nothing(at)
    assert at.subheader[0].value == t("auth.title", "zh")
    assert at.query_params["ws"] == small_ws.path.name  # the link survives the form
    at.text_input(key="password").input("guess").run()
    assert shows_nothing(at)
    assert at.error[0].value == t("auth.wrong_password", "zh")
    at.text_input(key="password").input(PASSWORD).run()
    assert not at.exception
    assert at.title[0].value == t("overview.title", "zh")
    assert visitors(at) == SMALL_VISITORS
    assert "password" not in [w.key for w in at.text_input]  # the form is gone
    at.switch_page("views/data.py").run()  # signed in for the session, on every page
    assert at.title[0].value == t("data.title", "zh")
    at.button(key="auth_sign_out").click().run()
    assert shows_nothing(at)
    assert at.subheader[0].value == t("auth.title", "zh")


def test_the_linked_page_is_the_one_shown_after_signing_in(app, small_ws):
    at = app("small", "views/data.py", secrets=SECRETS)  # a link to /data
    assert shows_nothing(at)
    at.text_input(key="password").input(PASSWORD).run()
    assert at.title[0].value == t("data.title", "zh")


def test_sign_in_form_speaks_the_links_language(app, small_ws):
    at = app("small", secrets=SECRETS, lang="en", locale="zh-CN")
    assert at.subheader[0].value == "Sign in to ShopSight"
    assert at.text_input(key="password").label == t("auth.password_label", "en")


@pytest.mark.parametrize("guess", ["small", "sample", "../sample", "teams", "A" * 32, "x" * 80])
def test_a_guessed_link_shows_nothing_of_any_workspace(
    small_ws, built_sample, data_dir, small_template, guess
):
    shutil.copytree(small_template, data_dir / "small")  # a workspace named like the old links
    at = raw_link(guess)
    assert not at.exception
    assert shows_nothing(at)
    assert [e.value for e in at.error] == [t("auth.no_workspace", "zh")]
    at.button(key="auth_open_sample").click().run()
    assert not at.exception
    assert "ws" not in at.query_params
    assert at.selectbox(key="sb_ws_pick").value == ""  # the sample shop, read-only
    assert visitors(at) == SMALL_VISITORS


def test_a_near_miss_of_a_real_id_shows_nothing(small_ws):
    real = small_ws.path.name
    for guess in (
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        real[:-1],
        real + "A",
        real.lower() if real.lower() != real else real.upper(),
        f"teams/{real}",
    ):
        at = raw_link(guess)
        assert shows_nothing(at), guess
        assert [e.value for e in at.error] == [t("auth.no_workspace", "zh")]
    assert visitors(raw_link(real)) == SMALL_VISITORS


def test_a_guessed_link_says_nothing_before_sign_in(small_ws):
    at = raw_link("A" * 32, SECRETS)
    assert shows_nothing(at)
    assert not at.error  # not even whether the id exists
    at.text_input(key="password").input(PASSWORD).run()
    assert shows_nothing(at)
    assert [e.value for e in at.error] == [t("auth.no_workspace", "zh")]


def test_page_switch_keeps_the_workspace(app, small_ws):
    at = app("small", "views/data.py")
    assert at.query_params["ws"] == small_ws.path.name
    at.switch_page("views/overview.py").run()
    assert at.query_params["ws"] == small_ws.path.name
    assert visitors(at) == SMALL_VISITORS


def test_picker_lists_every_team_on_localhost_and_switches(app, small_ws, empty_ws, built_sample):
    at = app("small")
    pick = at.selectbox(key="sb_ws_pick")
    assert pick.options[0] == t("sidebar.workspace_sample", "zh")
    assert sorted(pick.options[1:]) == ["empty", "small"]  # oldest first; same second: by name
    assert pick.value == small_ws.path.name
    pick.set_value(empty_ws.path.name).run()
    assert not at.exception
    assert at.query_params["ws"] == empty_ws.path.name
    assert at.info[0].value == t("overview.empty_body", "zh")
    at.selectbox(key="sb_ws_pick").set_value("").run()
    assert "ws" not in at.query_params
    assert visitors(at) == SMALL_VISITORS  # the (small) sample


def test_signed_in_session_lists_only_the_teams_it_opened(app, small_ws, empty_ws):
    at = app("small", secrets=SECRETS)
    at.text_input(key="password").input(PASSWORD).run()
    options = at.selectbox(key="sb_ws_pick").options
    assert options == [t("sidebar.workspace_sample", "zh"), "small"]  # not "empty"
    at.button(key="sb_new_workspace").click().run()
    new = at.query_params["ws"]
    assert at.selectbox(key="sb_ws_pick").value == new
    assert at.selectbox(key="sb_ws_pick").options == [
        t("sidebar.workspace_sample", "zh"),
        "small",
        t("team.default_name", "zh", n=2),
    ]


def test_rename_the_workspace(app, small_ws):
    team_id = small_ws.path.name
    at = app("small")
    assert at.text_input(key="sb_ws_name").value == "small"
    at.text_input(key="sb_ws_name").set_value("  东区旗舰店\t*粗体*  ")
    at.button(key="sb_ws_rename").click().run()
    assert not at.exception
    assert teams.get_team(team_id).name == "东区旗舰店 *粗体*"
    assert at.text_input(key="sb_ws_name").value == "东区旗舰店 *粗体*"
    assert "东区旗舰店 *粗体*" in at.selectbox(key="sb_ws_pick").options
    assert [x.value for x in at.toast] == [
        t("sidebar.renamed", "zh", name=r"东区旗舰店 \*粗体\*")
    ]  # shown literally
    assert at.query_params["ws"] == team_id  # the name changes, the link does not
    at.text_input(key="sb_ws_name").set_value("   ")
    at.button(key="sb_ws_rename").click().run()
    assert [e.value for e in at.sidebar.error] == [
        t("sidebar.rename_invalid", "zh", max=teams.NAME_MAX)
    ]
    assert teams.get_team(team_id).name == "东区旗舰店 *粗体*"


def test_delete_the_workspace_after_confirming(app, small_ws, empty_ws, built_sample):
    from shopsight.ui import query_cache

    team_id = small_ws.path.name
    at = app("small")
    con = query_cache._database(str(small_ws.path.resolve()))  # the connection the app holds
    at.button(key="sb_ws_delete").click().run()
    assert [w.value for w in at.sidebar.warning] == [
        t("sidebar.delete_workspace_confirm", "zh", name="small")
    ]
    at.button(key="sb_ws_delete_no").click().run()
    assert not at.sidebar.warning
    assert teams.get_team(team_id) is not None
    at.button(key="sb_ws_delete").click().run()
    at.button(key="sb_ws_delete_yes").click().run()
    assert not at.exception
    assert teams.get_team(team_id) is None
    assert not small_ws.path.exists()
    assert [tm.id for tm in teams.list_teams()] == [empty_ws.path.name]
    with pytest.raises(duckdb.ConnectionException):  # the file was let go
        con.execute("select 1")
    assert "ws" not in at.query_params  # back on the sample shop
    assert at.selectbox(key="sb_ws_pick").options == [t("sidebar.workspace_sample", "zh"), "empty"]
    assert [x.value for x in at.toast] == [t("sidebar.workspace_deleted", "zh", name="small")]
    other = raw_link(team_id)  # a colleague opening the old link
    assert shows_nothing(other)
    assert [e.value for e in other.error] == [t("auth.no_workspace", "zh")]


def test_the_sample_shop_cannot_be_renamed_or_deleted(app, built_sample):
    at = app(None)
    assert not at.exception
    keys = {w.key for w in [*at.sidebar.button, *at.sidebar.text_input]}
    assert "sb_new_workspace" in keys
    assert not keys & {"sb_ws_name", "sb_ws_rename", "sb_ws_delete"}


def test_a_workspace_deleted_elsewhere_closes_and_the_sample_opens(app, small_ws, built_sample):
    from shopsight.ui import query_cache

    at = app("small")
    query_cache.release(str(small_ws.path))
    teams.delete_team(small_ws.path.name)  # a colleague deletes it
    del at.query_params["ws"]  # as after a page switch: the session still remembers the id
    at.run()
    assert not at.exception
    assert shows_nothing(at)
    assert [e.value for e in at.error] == [t("auth.no_workspace", "zh")]
    at.button(key="auth_open_sample").click().run()
    assert not at.exception
    assert "ws" not in at.query_params
    assert visitors(at) == SMALL_VISITORS
    at.run()  # and it stays there
    assert at.selectbox(key="sb_ws_pick").value == ""
