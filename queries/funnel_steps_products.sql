-- funnel_steps_products: 访客 -> 加购 -> 支付 sums from product rows, for the shop or per
--   category, in the range and in the compare range (product exports have no 下单买家数).
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $cat, $plat (varchar[]; null =
--   all),
--   $by ('category' | null = the whole shop)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per segment (segment is null when $by is null); no rows when nothing matches.
-- Visitors and buyers summed over products count a person once per product and day. A row
-- counts in a range only when its whole period (date..date_end) lies inside it; rows that
-- overlap the current range but stick out are counted in count_rows_left_out.
-- used by: views/funnel.py
with

source as (

    select
        case $by
            when 'category' then category
        end as segment,
        is_current,
        is_compare,
        overlaps_current,
        visitors,
        add_to_cart_buyers,
        paying_buyers,
        paid_amount
    from ss.period_rows('products', $start, $end, $cmp_start, $cmp_end)
    where ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

sums as (

    select
        segment,
        count(*) filter (where is_current) as count_rows,
        count(*) filter (where overlaps_current and not is_current) as count_rows_left_out,
        sum(visitors) filter (where is_current) as visitors,
        sum(add_to_cart_buyers) filter (where is_current) as add_to_cart_buyers,
        cast(null as hugeint) as order_buyers,
        sum(paying_buyers) filter (where is_current) as paying_buyers,
        sum(paid_amount) filter (where is_current) as paid_amount,
        sum(visitors) filter (where is_compare) as cmp_visitors,
        sum(add_to_cart_buyers) filter (where is_compare) as cmp_add_to_cart_buyers,
        cast(null as hugeint) as cmp_order_buyers,
        sum(paying_buyers) filter (where is_compare) as cmp_paying_buyers,
        sum(paid_amount) filter (where is_compare) as cmp_paid_amount
    from source
    group by all

)

select * from sums
order by visitors desc nulls last, segment
