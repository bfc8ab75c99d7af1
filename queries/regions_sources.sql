-- regions_sources: which datasets can feed the regions page, and how much they place.
-- params: none
-- grain: one row per origin (orders, regions) that has rows. count_named_rows: rows with
-- a province (orders: lines); count_city_rows: rows with a city. Orders are read from
-- rollup_orders_daily_region, so this stays instant at 10M lines.
-- used by: views/regions.py
with

order_rows as (

    select
        'orders' as origin,
        cast(sum(count_lines) as bigint) as count_rows,
        cast(coalesce(sum(count_lines) filter (where province is not null), 0) as bigint)
            as count_named_rows,
        cast(coalesce(sum(count_lines) filter (where city is not null), 0) as bigint)
            as count_city_rows,
        min(day) as first_day,
        max(day) as last_day
    from rollup_orders_daily_region

),

region_rows as (

    select
        'regions' as origin,
        count(*) as count_rows,
        count(province) as count_named_rows,
        count(city) as count_city_rows,
        min(date) as first_day,
        max(coalesce(date_end, date)) as last_day
    from regions

),

origins as (

    select * from order_rows
    union all
    select * from region_rows

)

select * from origins where count_rows > 0 order by origin
