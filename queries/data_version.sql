-- data_version: a value that changes whenever a dataset is loaded, appended or deleted,
-- or a load's platform or currency is corrected.
-- params: none
-- grain: one row. Part of every cached query's key (shopsight/ui/query_cache.py), so a load in
-- any session shows up on the next rerun of every other session.
with

loads as (

    select * from _loads

)

select
    coalesce(max(load_id), 0) as max_load_id,
    count(*) filter (where active) as count_active_loads,
    coalesce(hash(string_agg(
        concat_ws('|', load_id, platform, currency), ',' order by load_id
    ) filter (where active)), 0) as platforms_hash
from loads
