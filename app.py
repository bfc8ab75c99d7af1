"""ShopSight 店铺经营看板: the router.  Page config, the sign-in gate, navigation, the sidebar.

Pages live in views/: a folder named pages/ would also be served by Streamlit as its
legacy page list, so a shared link to /sources could open without this router.
"""

import streamlit as st

from shopsight.i18n import t
from shopsight.ui import auth, routes, session, sidebar

st.set_page_config(layout="wide", page_title="ShopSight 店铺经营看板")

# (file, title key, icon)
DATA_PAGES = [("views/data.py", "nav.data", ":material/upload_file:")]
ANALYSIS_PAGES = [
    ("views/overview.py", "nav.overview", ":material/dashboard:"),
    ("views/funnel.py", "nav.funnel", ":material/filter_alt:"),
    ("views/sources.py", "nav.sources", ":material/alt_route:"),
    ("views/regions.py", "nav.regions", ":material/map:"),
    ("views/products.py", "nav.products", ":material/inventory_2:"),
    ("views/customers.py", "nav.customers", ":material/group:"),
    ("views/abtest.py", "nav.abtest", ":material/compare:"),
    ("views/inquiries.py", "nav.inquiries", ":material/forum:"),
]
REPORT_PAGES: list[tuple[str, str, str]] = [
    ("views/report.py", "nav.report", ":material/summarize:"),
]
DEFAULT_PAGE = "views/overview.py"


def page_groups(lang: str) -> dict[str, list]:
    groups = {
        t("nav.group_data", lang): DATA_PAGES,
        t("nav.group_analysis", lang): ANALYSIS_PAGES,
        t("nav.group_reports", lang): REPORT_PAGES,
    }
    pages = {
        name: [
            st.Page(
                path,
                title=t(title, lang),
                icon=icon,
                default=path == DEFAULT_PAGE,
                url_path="" if path == DEFAULT_PAGE else None,
            )
            for path, title, icon in entries
        ]
        for name, entries in groups.items()
        if entries
    }
    files = [path for entries in groups.values() for path, _, _ in entries]
    hidden = routes.hidden_pages(DEFAULT_PAGE, files, t("nav.overview", lang))
    pages[next(iter(pages))] += hidden
    return pages


# The gate: until the visitor may see the workspace the link names (?ws=<team id>), the
# script stops inside workspace_from_link, with no page run and no workspace opened.  The
# page list is registered first, hidden until then, so the address's page (/sources)
# is still the one shown after signing in.
ws_id = session.link_id()
nav = st.navigation(
    page_groups(session.lang()), position="sidebar" if auth.lets_in(ws_id) else "hidden"
)
session.open_link(ws_id, auth.workspace_from_link(ws_id))

routes.say_if_lost(session.lang())
sidebar.render()
nav.run()
