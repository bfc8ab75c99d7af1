"""Streamlit glue shared by every page: the only package that imports streamlit.

- data.py      cached connection and cached named queries (the only st.cache_* user)
- session.py   per-session state: workspace, language, data version, notices
- sidebar.py   the shared sidebar (workspace, language, global filters)
- filters.py   global filters <-> the link (st.query_params)
- url_state.py page settings kept in the link (e.g. ?ov_metric=)
- kpi.py       KPI cards with compare deltas and 同行平均
- charts.py    Altair helpers (trend with compare overlay, diverging bars)
- downloads.py CSV downloads escaped against formula injection
"""
