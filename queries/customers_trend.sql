-- customers_trend: new and returning buyers, their paid amount and 复购 per week or month.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all),
--         $grain ('week' | 'month')
-- grain: one row per period (date_trunc($grain, day); the first and last may be cut by
-- the range). A buyer is new in a period when their first paid order in the shop falls
-- in it, else returning; repeat_buyers have >= 2 paid orders within the period.
-- From rollup_orders_buyer_orders (paid orders with a buyer id).
-- used by: views/customers.py
with

selected as (

    select buyer_id, day, first_paid_day, paid_amount
    from rollup_orders_buyer_orders
    where day between $start and $end
      and buyer_id is not null
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

),

per_buyer as (

    select
        date_trunc($grain, day) as period,
        buyer_id,
        count(*) as orders,
        sum(paid_amount) as paid_amount,
        date_trunc($grain, any_value(first_paid_day)) = date_trunc($grain, any_value(day))
            as is_new
    from selected
    group by all

)

select
    cast(period as date) as period,
    count(*) as buyers,
    count(*) filter (where orders >= 2) as repeat_buyers,
    count(*) filter (where is_new) as new_buyers,
    count(*) filter (where not is_new) as returning_buyers,
    sum(orders) as orders,
    sum(paid_amount) as paid_amount,
    coalesce(sum(paid_amount) filter (where is_new), 0) as new_paid_amount,
    coalesce(sum(paid_amount) filter (where not is_new), 0) as returning_paid_amount
from per_buyer
group by period
order by period
