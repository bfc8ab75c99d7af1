-- customers_trend: new and returning buyers, their paid amount and 复购 per week or month.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; orders without a currency count as 'CNY'; null = all),
--         $grain ('week' | 'month')
-- grain: one row per period (date_trunc($grain, day); the first and last may be cut by
-- the range). A buyer is new in a period when their first paid order in the shop falls
-- in it, else returning; repeat_buyers have >= 2 paid orders within the period.
-- Paid orders with a buyer id. Without filters: sums over rollup_orders_buyer_orders_marks
-- (in a period cut to [a, b], a buyer's first order in it has previous_day < a, the second
-- previous_day >= a and previous2_day < a; new when first_paid_day is in the period); with
-- a filter: per buyer over rollup_orders_buyer_orders.
-- used by: views/customers.py
with

marks as (

    select
        *,
        date_trunc($grain, day) as period,
        greatest(date_trunc($grain, day), cast($start as date)) as period_start
    from rollup_orders_buyer_orders_marks
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end

),

from_marks as (

    select
        period,
        cast(coalesce(sum(orders) filter (
            where part = 'repeats' and (previous_day is null or previous_day < period_start)
        ), 0) as bigint) as buyers,
        cast(coalesce(sum(orders) filter (
            where part = 'repeats' and previous_day >= period_start
              and (previous2_day is null or previous2_day < period_start)
        ), 0) as bigint) as repeat_buyers,
        cast(coalesce(sum(orders) filter (
            where part = 'firsts' and (previous_day is null or previous_day < period_start)
              and first_paid_day >= period
        ), 0) as bigint) as new_buyers,
        cast(sum(orders) filter (where part = 'repeats') as bigint) as orders,
        sum(paid_amount) filter (where part = 'repeats') as paid_amount,
        coalesce(sum(paid_amount) filter (where part = 'firsts' and first_paid_day >= period),
                 0) as new_paid_amount,
        coalesce(sum(paid_amount) filter (where part = 'firsts' and first_paid_day < period),
                 0) as returning_paid_amount
    from marks
    group by period

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
        date_trunc($grain, day) as period,
        buyer_id,
        count(*) as orders,
        sum(paid_amount) as paid_amount,
        date_trunc($grain, any_value(first_paid_day)) = date_trunc($grain, any_value(day))
            as is_new
    from selected
    group by all

),

from_orders as (

    select
        period,
        count(*) as buyers,
        count(*) filter (where orders >= 2) as repeat_buyers,
        count(*) filter (where is_new) as new_buyers,
        sum(orders) as orders,
        sum(paid_amount) as paid_amount,
        coalesce(sum(paid_amount) filter (where is_new), 0) as new_paid_amount,
        coalesce(sum(paid_amount) filter (where not is_new), 0) as returning_paid_amount
    from per_buyer
    group by period

),

periods as (

    select * from from_marks
    union all
    select * from from_orders

)

select
    cast(period as date) as period,
    buyers,
    repeat_buyers,
    new_buyers,
    buyers - new_buyers as returning_buyers,
    orders,
    paid_amount,
    new_paid_amount,
    returning_paid_amount
from periods
order by period
