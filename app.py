"""ShopSight 店铺经营看板: the router.  Page config, the sign-in gate, navigation, the shared sidebar.

Pages live in views/: a folder named pages/ would also be served by Streamlit as its
legacy page list, so a shared link to /sources could open without this router.
"""

import streamlit as st

from shopsight.i18n import t
from shopsight.ui import auth, session, sidebar

st.set_page_config(layout="wide", page_title="ShopSight 店铺经营看板")

# The gate: before the visitor may see the workspace the link names (?ws=<team id>), the
# script stops here, with no page drawn and no workspace opened.
ws_id = session.link_id()
session.open_link(ws_id, auth.workspace_from_link(ws_id))

# (file, title key, icon)
DATA_PAGES = [("views/data.py", "nav.data", ":material/upload_file:")]
ANALYSIS_PAGES = [
    ("views/overview.py", "nav.overview", ":material/dashboard:"),
    ("views/funnel.py", "nav.funnel", ":material/filter_alt:"),
    ("views/sources.py", "nav.sources", ":material/alt_route:"),
    ("views/regions.py", "nav.regions", ":material/map:"),
    ("views/products.py", "nav.products", ":material/inventory_2:"),
    ("views/abtest.py", "nav.abtest", ":material/compare:"),
]
REPORT_PAGES: list[tuple[str, str, str]] = []
DEFAULT_PAGE = "views/overview.py"

lang, _ = sidebar.render()


def _pages(entries):
    return [
        st.Page(path, title=t(title, lang), icon=icon, default=path == DEFAULT_PAGE)
        for path, title, icon in entries
    ]


groups = {
    t("nav.group_data", lang): _pages(DATA_PAGES),
    t("nav.group_analysis", lang): _pages(ANALYSIS_PAGES),
    t("nav.group_reports", lang): _pages(REPORT_PAGES),
}
st.navigation({name: pages for name, pages in groups.items() if pages}).run()
