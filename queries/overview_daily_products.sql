-- overview_daily_products: product sums per day inside a date range, for the trend chart.
-- params: $start, $end (date, inclusive), $cat, $plat (varchar[]; null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day. Only one-day rows: a period total cannot be split by day.
-- used by: views/overview.py
with

source as (

    select *
    from products
    where ss.day_inside(date, date_end, $start, $end)
      and ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

daily as (

    select
        date as day,
        sum(visitors) as visitors,
        sum(page_views) as page_views,
        sum(add_to_cart_buyers) as add_to_cart_buyers,
        sum(paying_buyers) as paying_buyers,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from source
    group by all

)

select * from daily order by day
