-- overview_daily_orders: order sums per day inside a date range, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row per day; buyers are distinct within the day.
-- used by: pages/overview.py
with

source as (

    select *
    from orders
    where order_time >= cast($start as timestamp)
      and order_time < cast(cast($end as date) + 1 as timestamp)
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

),

daily as (

    select
        cast(order_time as date) as day,
        count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers,
        count(distinct order_id) filter (where paid_amount > 0) as orders,
        sum(quantity) filter (where paid_amount > 0) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from source
    group by all

)

select * from daily order by day
