"""The Data page speaks the user's language in everything an import shows: a good load, the
rejected-rows table, a header-only file, a file that matches no kind, a refused file.  On the
Chinese page no English word appears in a message apart from the file's name and its own
column headers and cells."""

import re

import pytest
from conftest import shown
from fixtures import hostile_files as hostile

from shopsight.i18n import t
from shopsight.ingest import messages, platforms
from shopsight.ui.upload import file_slug

PAGE = "views/data.py"
LOCALE = {"zh": "zh-CN", "en": "en-US"}
HEADER = "日期,流量来源,终端,访客数,支付买家数,支付金额\n"
GOOD = (HEADER + "2026-12-01,直通车,无线,100,5,500\n2026-12-02,手淘搜索,无线,120,6,700\n").encode()
BAD = (
    HEADER + "2026-12-01,直通车,无线,100,5,500\n2026-12-02,直通车,无线,abc,6,600\n"
    "2026-13-45,手淘搜索,无线,120,4,700\n"
).encode()
# technical words the Chinese page may write: formats, units, encodings, platform names
ALLOWED = {"csv", "xlsx", "xls", "mb", "utf", "gb", "id", "sku", "uv", "pc", "shopify"}


def open_page(app, lang):
    return app("empty", PAGE, locale=LOCALE[lang])


def upload(at, name, data, mime="text/csv"):
    at.file_uploader(key="data_upload").upload(name, data, mime).run()
    assert not at.exception
    return file_slug(name, len(data))


def page_messages(at) -> list[str]:
    return [
        shown(e.value)
        for kind in ("error", "warning", "info", "success", "caption")
        for e in getattr(at, kind)
    ]


def english_words(texts, *allowed_texts) -> set[str]:
    """ASCII words in `texts` that are neither technical nor from the file (its name, headers, cells)."""
    own = {w.lower() for a in allowed_texts for w in re.findall(r"[A-Za-z]+", a)}
    return {
        w
        for text in texts
        for w in re.findall(r"[A-Za-z]{2,}", text)
        if w.lower() not in ALLOWED | own
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_good_upload_loads_and_says_so(app, empty_ws, lang):
    at = open_page(app, lang)
    assert at.file_uploader(key="data_upload").label == t("data.upload", lang)
    assert t("data.upload_caption", lang, mb=200) in [c.value for c in at.caption]
    slug = upload(at, "traffic.csv", GOOD)
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == t("data.loaded", lang, rows=2, kind=t("kind.traffic", lang))
    if lang == "zh":
        assert not english_words(page_messages(at), "traffic.csv", HEADER)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rejected_rows_are_listed_in_the_users_language(app, empty_ws, lang):
    at = open_page(app, lang)
    slug = upload(at, "bad.csv", BAD)
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    assert t("data.rejected", lang, rows=2, file="bad.csv") in page_messages(at)
    cols = [t(f"data.rt_{c}", lang) for c in ("row", "column", "value", "message")]
    table = next(d.value for d in at.dataframe if cols[0] in d.value.columns)
    assert list(table.columns) == cols
    visitors = messages.field_name("visitors", lang)
    date = messages.field_name("date", lang)
    want = [
        (
            3,
            "访客数",
            "abc",
            t(
                "ingest.bad_count",
                lang,
                where="访客数"
                if lang == "zh"
                else t("ingest.header_field", lang, header="访客数", field=visitors),
                value="abc",
            ),
        ),
        (
            4,
            "日期",
            "2026-13-45",
            t(
                "ingest.bad_date",
                lang,
                where="日期"
                if lang == "zh"
                else t("ingest.header_field", lang, header="日期", field=date),
                value="2026-13-45",
            ),
        ),
    ]
    assert [tuple(r) for r in table.itertuples(index=False)] == want
    if lang == "zh":
        assert not english_words(
            [*page_messages(at), *table[cols[3]]], "bad.csv", HEADER, "2026-13-45 abc"
        )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_header_only_file_says_why_it_cannot_load(app, empty_ws, lang):
    at = open_page(app, lang)
    slug = upload(at, "header_only.csv", HEADER.encode())
    assert not at.error  # never an empty red box: a warning that says why
    assert shown(at.warning[0].value) == t(
        "ingest.in_file", lang, file="header_only.csv", message=t("ingest.header_only", lang, row=1)
    )
    assert not [b for b in at.button if b.key == f"data_load_{slug}"]
    if lang == "zh":
        assert not english_words(page_messages(at), "header_only.csv", HEADER)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_file_matching_no_kind_lists_what_each_kind_needs(app, empty_ws, lang):
    at = open_page(app, lang)
    body = "颜色,尺码,款式\n红,L,短袖\n".encode()
    slug = upload(at, "colours.csv", body)
    assert at.selectbox(key=f"data_kind_{slug}").value is None
    info = shown(at.info[0].value)
    assert info == t(
        "ingest.in_file",
        lang,
        file="colours.csv",
        message=messages.text("no_kind_match", {"headers": ["颜色", "尺码", "款式"]}, lang),
    )
    assert messages.kind_needs(lang) in info
    if lang == "zh":
        assert not english_words(page_messages(at), "colours.csv", "颜色,尺码,款式")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_file_without_a_platform_shows_not_set_in_the_users_language(app, empty_ws, lang):
    # None chosen shows the box's placeholder, Streamlit's "Choose an option" unless given
    at = open_page(app, lang)
    body = "测试名称,版本,日期,展现量,点击量\n主图,A,2026-11-01,100,5\n主图,B,2026-11-01,100,7\n"
    slug = upload(at, "主图测试记录.csv", body.encode())
    box = at.selectbox(key=f"data_platform_{slug}")
    assert box.value is None
    assert box.proto.placeholder == platforms.label(None, lang)
    assert at.selectbox(key=f"data_currency_{slug}").proto.placeholder == t(
        "data.currency_auto", lang
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_promotion_report_says_why_it_is_not_loaded(app, empty_ws, lang):
    at = open_page(app, lang)
    head = ["日期", "推广计划名称", "宝贝ID", "展现量", "点击量", "花费", "总成交金额"]
    body = ",".join(head) + "\n2026-11-05,双11计划,792697457121,12345,456,123.45,1200.00\n"
    slug = upload(at, "直通车_宝贝报表.csv", body.encode())
    assert at.selectbox(key=f"data_kind_{slug}").value is None
    assert shown(at.info[0].value) == t(
        "ingest.in_file",
        lang,
        file="直通车_宝贝报表.csv",
        message=messages.text("ad_report", {"headers": head}, lang),
    )
    assert not [b for b in at.button if b.key == f"data_load_{slug}"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_file_says_why_in_the_users_language(app, empty_ws, tmp_path, lang):
    path = hostile.spreadsheetml_index(tmp_path / "far.xls")  # an .xls that is XML, rows to 10^8
    at = open_page(app, lang)
    upload(at, "far.xls", path.read_bytes(), "application/vnd.ms-excel")
    assert [shown(e.value) for e in at.error] == [
        t(
            "ingest.in_file",
            lang,
            file="far.xls",
            message=t("ingest.sheet_rows", lang, rows=100_000_000, limit=1_048_576),
        )
    ]
    if lang == "zh":
        assert not english_words(page_messages(at), "far.xls")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_derived_fields_are_named_in_the_users_language(app, empty_ws, lang):
    at = open_page(app, lang)
    body = "日期,流量来源,访客数,支付转化率,支付金额\n2026-12-01,直通车,200,5.00%,500\n".encode()
    slug = upload(at, "rates.csv", body)
    at.button(key=f"data_load_{slug}").click().run()
    assert not at.exception and not at.error
    paying = messages.field_name("paying_buyers", lang)
    assert t("data.derived", lang, cols=paying) in [c.value for c in at.caption]
    datasets = next(d.value for d in at.dataframe if t("data.ds_derived", lang) in d.value.columns)
    assert datasets[t("data.ds_derived", lang)].tolist() == [paying]
