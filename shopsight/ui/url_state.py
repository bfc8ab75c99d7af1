"""Page settings kept in the link, next to the global filters.

A page widget whose key is also its link key (prefixed by the page: ov_metric,
funnel_steps, ...) is seeded from ?key= the first time it is shown in a session and
written back on every run; a value that is not valid falls back to the default with a
notice.  Defaults are left out of the link to keep it short.

    metric = url_state.selectbox(t("overview.trend_metric", lang), names,
                                 key="ov_metric", default="paid_amount",
                                 format_func=lambda m: metrics.label(m, lang))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from shopsight.i18n import t
from shopsight.ui import session


def seed(
    key: str,
    *,
    default,
    parse: Callable[[str], object] = str,
    valid: Callable[[object], bool] = lambda v: True,
) -> None:
    """Initialise st.session_state[key] from ?key= once (invalid -> default + notice)."""
    if key in st.session_state:
        return
    raw = st.query_params.get(key)
    value = default
    if raw is not None:
        try:
            parsed = parse(raw)
            ok = valid(parsed)
        except (TypeError, ValueError):
            ok = False
        if ok:
            value = parsed
        else:
            session.notice(t("notice.bad_param", session.lang(), param=key, value=raw))
    st.session_state[key] = value


def store(key: str, *, default, dump: Callable[[object], str] = str) -> None:
    """Write st.session_state[key] to the link (removed when it is the default)."""
    value = st.session_state.get(key)
    if value == default or value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != dump(value):
        st.query_params[key] = dump(value)


def selectbox(
    label: str, options: Sequence[str], *, key: str, default: str, container=None, **kwargs
) -> str:
    """st.selectbox bound to ?key=; options are strings (they go in the link as is)."""
    box = container or st
    seed(key, default=default, valid=lambda v: v in options)
    if st.session_state[key] not in options:  # the data changed under the setting
        st.session_state[key] = default if default in options else options[0]
    value = box.selectbox(label, options, key=key, **kwargs)
    store(key, default=default)
    return value


def segmented(
    label: str, options: Sequence[str], *, key: str, default: str, container=None, **kwargs
) -> str:
    """st.segmented_control bound to ?key= (one choice always selected)."""
    box = container or st
    seed(key, default=default, valid=lambda v: v in options)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    value = box.segmented_control(label, options, key=key, **kwargs)
    if value is None:  # clicking the selected option clears it; keep a choice
        value = default
    store(key, default=default)
    return value
