-- customers_summary: paying buyers of a date range, repeat buyers (复购), new and returning.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; orders without a currency count as 'CNY'; null = all)
-- grain: one row. buyers = distinct buyers with a paid order in the range; repeat_buyers
-- = those with >= 2 distinct paid orders in it (DESIGN §4 复购率 = repeat_buyers / buyers);
-- new_buyers = those whose first paid order in the shop is in the range, the others are
-- returning. Paid orders only; orders without a buyer id are left out.
-- Without filters: sums over rollup_orders_buyer_orders_marks (a buyer's first and second
-- order in the range are marked by the days of their previous orders); with a filter: per
-- buyer over rollup_orders_buyer_orders.
-- used by: views/customers.py, `python -m shopsight customers`
with

marks as (

    select *
    from rollup_orders_buyer_orders_marks
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end

),

from_marks as (

    select
        -- sums of counts are hugeint: cast back to the per-buyer path's bigint
        cast(coalesce(sum(orders) filter (
            where part = 'repeats' and (previous_day is null or previous_day < $start)
        ), 0) as bigint) as buyers,
        cast(coalesce(sum(orders) filter (
            where part = 'repeats' and previous_day >= $start
              and (previous2_day is null or previous2_day < $start)
        ), 0) as bigint) as repeat_buyers,
        cast(coalesce(sum(orders) filter (
            where part = 'repeats' and previous_day is null
        ), 0) as bigint) as new_buyers,
        cast(coalesce(sum(orders) filter (where part = 'repeats'), 0) as bigint) as orders,
        sum(paid_amount) filter (where part = 'repeats') as paid_amount,
        sum(paid_amount) filter (where part = 'firsts' and first_paid_day >= $start)
            as new_paid_amount,
        sum(paid_amount) filter (where part = 'firsts' and first_paid_day < $start)
            as returning_paid_amount
    from marks

),

selected as (

    select buyer_id, day, first_paid_day, paid_amount
    from rollup_orders_buyer_orders
    where not ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end
      and buyer_id is not null
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

per_buyer as (

    select
        buyer_id,
        count(*) as orders,
        sum(paid_amount) as paid_amount,
        any_value(first_paid_day) >= $start as is_new
    from selected
    group by buyer_id

),

from_orders as (

    select
        count(*) as buyers,
        count(*) filter (where orders >= 2) as repeat_buyers,
        count(*) filter (where is_new) as new_buyers,
        coalesce(sum(orders), 0) as orders,
        sum(paid_amount) as paid_amount,
        sum(paid_amount) filter (where is_new) as new_paid_amount,
        sum(paid_amount) filter (where not is_new) as returning_paid_amount
    from per_buyer

)

select
    buyers,
    repeat_buyers,
    new_buyers,
    buyers - new_buyers as returning_buyers,
    orders,
    paid_amount,
    new_paid_amount,
    returning_paid_amount
from from_marks
where ss.unfiltered($src, $dev, $prov, $plat, $cur)
union all
select
    buyers,
    repeat_buyers,
    new_buyers,
    buyers - new_buyers,
    orders,
    paid_amount,
    new_paid_amount,
    returning_paid_amount
from from_orders
where not ss.unfiltered($src, $dev, $prov, $plat, $cur)
