-- sources_daily: traffic sums per source and day inside a date range, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev (varchar[]; null = all)
-- grain: one row per (day, source). Only one-day rows: a 7-day total cannot be split by day.
-- Rows not broken down by source (source '全部') are left out. used by: views/sources.py
with

source as (

    select *
    from traffic
    where ss.day_inside(date, date_end, $start, $end)
      and source is not null
      and source <> '全部'
      and ss.picked($src, source)
      and ss.picked($dev, device)

),

daily as (

    select
        date as day,
        source,
        sum(visitors) as visitors,
        sum(add_to_cart_buyers) as add_to_cart_buyers,
        sum(paying_buyers) as paying_buyers,
        sum(paid_amount) as paid_amount,
        sum(spend) as spend
    from source
    group by all

)

select * from daily order by day, source
