-- customers_daily: paid amount, paying buyers and paid orders per day, the history a
-- forecast is fitted on.
-- params: $end (date, inclusive; history up to it), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row per day with a paid order (days without are absent: shopsight.forecast
-- fills them with 0). paying_buyers are distinct per day; orders without a buyer id count
-- in paid_amount and orders. From rollup_orders_buyer_orders (paid orders only).
-- used by: views/customers.py, `python -m shopsight forecast`
with

selected as (

    select day, buyer_id, paid_amount
    from rollup_orders_buyer_orders
    where day <= $end
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

)

select
    day,
    sum(paid_amount) as paid_amount,
    count(distinct buyer_id) as paying_buyers,
    count(*) as orders
from selected
group by day
order by day
