-- overview_kpis_orders: the shop's KPI sums from order lines paid inside a date range.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row. Buyers and orders count only lines with a paid amount (unpaid orders
-- carry 0). Orders have no visitors. used by: pages/overview.py
with

source as (

    select *
    from orders
    where order_time >= cast($start as timestamp)
      and order_time < cast(cast($end as date) + 1 as timestamp)
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

)

select
    count(*) as count_rows,
    0 as count_rows_left_out,
    cast(min(order_time) as date) as first_day,
    cast(max(order_time) as date) as last_day,
    count(distinct buyer_id) filter (where paid_amount > 0) as paying_buyers,
    count(distinct order_id) filter (where paid_amount > 0) as orders,
    sum(quantity) filter (where paid_amount > 0) as units_sold,
    sum(paid_amount) as paid_amount,
    sum(refund_amount) as refund_amount
from source
