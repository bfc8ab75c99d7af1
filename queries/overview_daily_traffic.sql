-- overview_daily_traffic: traffic sums per day inside a date range, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev (varchar[]; null = all)
-- grain: one row per day. Only one-day rows: a 7-day total cannot be split by day.
-- used by: views/overview.py
with

source as (

    select *
    from traffic
    where ss.day_inside(date, date_end, $start, $end)
      and ss.picked($src, source)
      and ss.picked($dev, device)

),

daily as (

    select
        date as day,
        sum(visitors) as visitors,
        sum(page_views) as page_views,
        sum(add_to_cart_buyers) as add_to_cart_buyers,
        sum(paying_buyers) as paying_buyers,
        sum(paid_amount) as paid_amount,
        sum(orders) as orders,
        sum(spend) as spend
    from source
    group by all

)

select * from daily order by day
