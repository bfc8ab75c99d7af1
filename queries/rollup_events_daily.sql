-- rollup_events_daily: events counted per day × source × device × province × load.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, source, device, province, load_id); NULLs are kept as their own
-- group (day is null for an event without a time).
-- Why: the sidebar's filter choices (the distinct sources, devices and provinces) and the
-- days each load covers were read from every event on every cold page view (three scans
-- of 5M events, ~0.15 CPU-s); here they are a few tens of thousands of rows.
-- used by: queries/filter_options.sql, queries/load_coverage.sql
create or replace table rollup_events_daily as

with

source as (

    select
        cast(event_time as date) as day,
        source,
        device,
        province,
        _load_id as load_id
    from events

),

daily as (

    select
        day,
        source,
        device,
        province,
        load_id,
        count(*) as count_events
    from source
    group by all

)

select * from daily order by day
