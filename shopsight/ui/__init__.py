"""Streamlit glue shared by every page: the only package that imports streamlit.

- query_cache.py  cached connection and cached named queries
- session.py   per-session state: workspace, language, data version, notices
- sidebar.py   the shared sidebar (workspace, language, global filters)
- filters.py   global filters <-> the link (st.query_params)
- url_state.py page settings kept in the link (e.g. ?ov_metric=)
- kpi_cards.py KPI cards with compare deltas and 同行平均
- charts.py    Altair helpers (trend with compare overlay, diverging bars)
- downloads.py CSV downloads escaped against formula injection
- upload.py    the Data page's upload flow (spooled temp files, inspect, load)
- data_page.py the Data page's lists: datasets, loads and their coverage, rates
- <page>_page.py  one per page: its cached queries, tables and charts
"""
