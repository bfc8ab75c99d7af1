"""ShopSight 店铺经营看板: the router.  Page config, navigation, the shared sidebar.

Pages live in pages/; analysis pages that are not written yet are simply not listed.
"""

from pathlib import Path

import streamlit as st

from shopsight.i18n import t
from shopsight.ui import sidebar

st.set_page_config(layout="wide", page_title="ShopSight 店铺经营看板")

ROOT = Path(__file__).resolve().parent
# (file, title key, icon); a page is listed once its file exists
DATA_PAGES = [("pages/data.py", "nav.data", ":material/upload_file:")]
ANALYSIS_PAGES = [
    ("pages/overview.py", "nav.overview", ":material/dashboard:"),
    ("pages/funnel.py", "nav.funnel", ":material/filter_alt:"),
    ("pages/sources.py", "nav.sources", ":material/alt_route:"),
    ("pages/regions.py", "nav.regions", ":material/map:"),
    ("pages/products.py", "nav.products", ":material/inventory_2:"),
    ("pages/abtest.py", "nav.abtest", ":material/compare:"),
]
REPORT_PAGES: list[tuple[str, str, str]] = []
DEFAULT_PAGE = "pages/overview.py"

lang, _ = sidebar.render()


def _pages(entries):
    return [
        st.Page(path, title=t(title, lang), icon=icon, default=path == DEFAULT_PAGE)
        for path, title, icon in entries
        if (ROOT / path).exists()
    ]


groups = {
    t("nav.group_data", lang): _pages(DATA_PAGES),
    t("nav.group_analysis", lang): _pages(ANALYSIS_PAGES),
    t("nav.group_reports", lang): _pages(REPORT_PAGES),
}
st.navigation({name: pages for name, pages in groups.items() if pages}).run()
