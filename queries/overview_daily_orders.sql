-- overview_daily_orders: order sums per day inside a date range, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[];
--         null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day, from rollup_orders_daily_region. Buyers per day come from
-- overview_daily_buyers (asked only when the chosen metric needs them).
-- used by: views/overview.py
with

source as (

    select *
    from ss.order_rollup(
        'rollup_orders_daily_region', $start, $end, $src, $dev, $prov, $plat, $cur
    )

),

daily as (

    select
        day,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from source
    group by all

)

select * from daily order by day
