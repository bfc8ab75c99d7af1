-- load_coverage: the days each load's rows cover now (after later loads replaced some),
-- with the load's platform.
-- params: none
-- grain: one row per (kind, load_id, day); day is null for rows with no day (a region
-- table without dates). Period rows (date .. date_end) count on every day of their period.
-- used by: workspace.loads (the Data page's coverage strip, `datasets --json`), the
-- default date range and the compare-period check (shopsight/coverage.py).
-- Orders and events are counted from their daily rollups (rollup_orders_daily_region,
-- rollup_events_daily), which keep the load of each row: a pass over 10M order lines
-- and 5M events cost ~0.13 CPU-s on every cold Overview.
with

period_rows as (

    select 'traffic' as kind, _load_id, date, coalesce(date_end, date) as date_end,
        count(*) as count_rows
    from traffic group by all
    union all
    select 'products', _load_id, date, coalesce(date_end, date), count(*)
    from products group by all
    union all
    select 'regions', _load_id, date, coalesce(date_end, date), count(*)
    from regions group by all

),

period_days as (

    select
        kind,
        _load_id,
        cast(unnest(generate_series(
            cast(date as timestamp), cast(date_end as timestamp), interval 1 day
        )) as date) as day,
        count_rows
    from period_rows
    where date is not null
    union all
    select kind, _load_id, null as day, count_rows
    from period_rows
    where date is null

),

dated_rows as (

    select
        'orders' as kind, load_id as _load_id, day, cast(sum(count_lines) as bigint) as count_rows
    from rollup_orders_daily_region group by all
    union all
    select 'image_tests', _load_id, date, count(*) from image_tests group by all
    union all
    select 'inquiries', _load_id, date, count(*) from inquiries group by all
    union all
    select 'events', load_id, day, cast(sum(count_events) as bigint)
    from rollup_events_daily group by all

),

coverage as (

    select kind, _load_id as load_id, day, sum(count_rows) as count_rows
    from (select * from period_days union all select * from dated_rows)
    group by all

),

with_platform as (

    select coverage.*, _loads.platform
    from coverage
    left join _loads on _loads.load_id = coverage.load_id

)

select * from with_platform order by kind, load_id, day
