-- funnel_steps_traffic: 访客 -> 加购 -> 下单 -> 支付 sums from traffic, for the shop or per
--   source / device, in the range and in the compare range.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev (varchar[]; null =
--   all), $by ('source' | 'device' | null = the whole shop)
-- grain: one row per segment (segment is null when $by is null); no rows when nothing matches.
-- A row counts in a range only when its whole period (date..date_end) lies inside it; rows
-- that overlap the current range but stick out are counted in count_rows_left_out. A step
-- whose column has no values in the range is null (e.g. exports without 下单买家数).
-- used by: views/funnel.py
with

source as (

    select
        case $by
            when 'source' then source
            when 'device' then device
        end as segment,
        is_current,
        is_compare,
        overlaps_current,
        visitors,
        add_to_cart_buyers,
        order_buyers,
        paying_buyers,
        paid_amount
    from ss.period_rows('traffic', $start, $end, $cmp_start, $cmp_end)
    where ss.picked($src, source)
      and ss.picked($dev, device)

),

sums as (

    select
        segment,
        count(*) filter (where is_current) as count_rows,
        count(*) filter (where overlaps_current and not is_current) as count_rows_left_out,
        sum(visitors) filter (where is_current) as visitors,
        sum(add_to_cart_buyers) filter (where is_current) as add_to_cart_buyers,
        sum(order_buyers) filter (where is_current) as order_buyers,
        sum(paying_buyers) filter (where is_current) as paying_buyers,
        sum(paid_amount) filter (where is_current) as paid_amount,
        sum(visitors) filter (where is_compare) as cmp_visitors,
        sum(add_to_cart_buyers) filter (where is_compare) as cmp_add_to_cart_buyers,
        sum(order_buyers) filter (where is_compare) as cmp_order_buyers,
        sum(paying_buyers) filter (where is_compare) as cmp_paying_buyers,
        sum(paid_amount) filter (where is_compare) as cmp_paid_amount
    from source
    group by all

)

select * from sums
order by visitors desc nulls last, segment
