-- date_bounds: the first and last day each dataset covers, and its row count.
-- params: none
-- grain: one row per dataset kind (kinds with no rows have null days).
-- used by: the global date filter (its default range) and the Data page.
with

traffic_days as (

    select
        'traffic' as kind,
        min(date) as first_day,
        max(coalesce(date_end, date)) as last_day,
        count(*) as count_rows
    from traffic

),

products_days as (

    select
        'products' as kind,
        min(date) as first_day,
        max(coalesce(date_end, date)) as last_day,
        count(*) as count_rows
    from products

),

orders_days as (

    select
        'orders' as kind,
        cast(min(order_time) as date) as first_day,
        cast(max(order_time) as date) as last_day,
        count(*) as count_rows
    from orders

),

regions_days as (

    select
        'regions' as kind,
        min(date) as first_day,
        max(coalesce(date_end, date)) as last_day,
        count(*) as count_rows
    from regions

),

image_tests_days as (

    select
        'image_tests' as kind,
        min(date) as first_day,
        max(date) as last_day,
        count(*) as count_rows
    from image_tests

),

inquiries_days as (

    select
        'inquiries' as kind,
        min(date) as first_day,
        max(date) as last_day,
        count(*) as count_rows
    from inquiries

),

events_days as (

    select
        'events' as kind,
        cast(min(event_time) as date) as first_day,
        cast(max(event_time) as date) as last_day,
        count(*) as count_rows
    from events

)

select * from traffic_days
union all select * from products_days
union all select * from orders_days
union all select * from regions_days
union all select * from image_tests_days
union all select * from inquiries_days
union all select * from events_days
