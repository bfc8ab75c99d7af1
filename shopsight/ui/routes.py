"""Page addresses: every page has a stable path, and a path that names no page opens Overview
with a notice in the user's language.

Streamlit serves the default page at / only, and answers any other unknown path with an
English "Page not found" dialog.  So the default page's own name (/overview) is a hidden page
that moves the session to /, link parameters and all; an unknown path gets such a hidden page
for that one run, which also leaves a notice.  Both are callables, not the page file again, so
st.switch_page("views/overview.py") still finds the one default page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlparse

import streamlit as st

from shopsight.i18n import t
from shopsight.ui import session

LOST_KEY = "route_lost"
# what Streamlit accepts as one page name; anything else is left to Streamlit itself
_PAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def path_of(page_file: str) -> str:
    """The URL path Streamlit gives a page file: views/overview.py -> overview."""
    return PurePosixPath(page_file).stem


def unknown_path(url: str | None, base_path: str | None, page_files: list[str]) -> str | None:
    """The requested page name when it matches no page, else None.

    `url` is st.context.url (None outside a browser session); `base_path` is the server's
    baseUrlPath, which is not part of the page name.
    """
    if not url:
        return None
    path = urlparse(url).path.strip("/")
    base = (base_path or "").strip("/")
    if base:
        if path != base and not path.startswith(base + "/"):
            return None
        path = path[len(base) :].strip("/")
    if not path or not _PAGE_NAME.match(path):
        return None
    known = {path_of(f) for f in page_files}
    return None if path in known else path


def to_default(default_page: str, *, lost: bool) -> Callable[[], None]:
    """A hidden page that opens the default page with the link's parameters (a page switch
    would drop them); `lost`: the path named no page, so say so there."""

    def move() -> None:
        if lost:
            st.session_state[LOST_KEY] = True
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        st.switch_page(default_page, query_params=params)

    return move


def say_if_lost(lang: str) -> None:
    """After the move to Overview: a short notice that the linked page does not exist."""
    if st.session_state.pop(LOST_KEY, False):
        session.notice(t("notice.unknown_page", lang))


def hidden_pages(default_page: str, page_files: list[str], title: str) -> list:
    """The hidden pages to add to the navigation: the default page's own name, and the
    requested path when it names no page."""
    pages = [
        st.Page(
            to_default(default_page, lost=False),
            title=title,
            url_path=path_of(default_page),
            visibility="hidden",
        )
    ]
    lost = unknown_path(st.context.url, st.get_option("server.baseUrlPath"), page_files)
    if lost:
        pages.append(
            st.Page(
                to_default(default_page, lost=True), title=title, url_path=lost, visibility="hidden"
            )
        )
    return pages
