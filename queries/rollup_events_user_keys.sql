-- rollup_events_user_keys: a small integer key for every user id of the event log, the key
--   rollup_events_funnel stores instead of the text id.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per distinct non-null user_id.
--
-- Why a table of its own: a key must stay the user's when a later load refreshes the
-- funnel rollup for some users only (workspace/rollup_refresh.py); a refresh gives new
-- users the next keys and keeps the others. Integer keys, not hash(user_id): splitting the
-- event funnel by source joined 25% slower on 64-bit hashes.
-- used by: rollup_events_funnel.sql
create or replace table rollup_events_user_keys as

select
    user_id,
    cast(row_number() over () as integer) as user_key
from (select distinct user_id from events where user_id is not null)
