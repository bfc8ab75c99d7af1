-- customers_summary: paying buyers of a date range, repeat buyers (复购), new and returning.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row. buyers = distinct buyers with a paid order in the range; repeat_buyers
-- = those with >= 2 distinct paid orders in it (DESIGN §4 复购率 = repeat_buyers / buyers);
-- new_buyers = those whose first paid order in the shop is in the range, the others are
-- returning. From rollup_orders_buyer_orders (paid orders only; orders without a buyer
-- id are left out). used by: views/customers.py, `python -m shopsight customers`
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
        buyer_id,
        count(*) as orders,
        sum(paid_amount) as paid_amount,
        any_value(first_paid_day) >= $start as is_new
    from selected
    group by buyer_id

)

select
    count(*) as buyers,
    count(*) filter (where orders >= 2) as repeat_buyers,
    count(*) filter (where is_new) as new_buyers,
    count(*) filter (where not is_new) as returning_buyers,
    coalesce(sum(orders), 0) as orders,
    sum(paid_amount) as paid_amount,
    sum(paid_amount) filter (where is_new) as new_paid_amount,
    sum(paid_amount) filter (where not is_new) as returning_paid_amount
from per_buyer
