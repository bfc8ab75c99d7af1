-- sources_by_source: traffic sums per source in the range and in the compare range.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev (varchar[]; null =
--   all)
-- grain: one row per source with rows in either range (or left out of the current one). Rows
-- not broken down by source (source '全部') are left out. A row counts in a range only when
-- its whole period (date..date_end) lies inside it; rows that overlap the current range but
-- stick out are counted in count_rows_left_out. spend is null where no row has a value.
-- used by: views/sources.py (table, quadrant, insights, what-if baseline)
with

source as (

    select
        source,
        is_current,
        is_compare,
        overlaps_current,
        visitors,
        add_to_cart_buyers,
        paying_buyers,
        paid_amount,
        spend
    from ss.period_rows('traffic', $start, $end, $cmp_start, $cmp_end)
    where source is not null
      and source <> '全部'
      and ss.picked($src, source)
      and ss.picked($dev, device)

),

sums as (

    select
        source,
        count(*) filter (where is_current) as count_rows,
        count(*) filter (where overlaps_current and not is_current) as count_rows_left_out,
        sum(visitors) filter (where is_current) as visitors,
        sum(add_to_cart_buyers) filter (where is_current) as add_to_cart_buyers,
        sum(paying_buyers) filter (where is_current) as paying_buyers,
        sum(paid_amount) filter (where is_current) as paid_amount,
        sum(spend) filter (where is_current) as spend,
        sum(visitors) filter (where is_compare) as cmp_visitors,
        sum(add_to_cart_buyers) filter (where is_compare) as cmp_add_to_cart_buyers,
        sum(paying_buyers) filter (where is_compare) as cmp_paying_buyers,
        sum(paid_amount) filter (where is_compare) as cmp_paid_amount,
        sum(spend) filter (where is_compare) as cmp_spend
    from source
    group by all

)

select * from sums
where count_rows > 0 or count_rows_left_out > 0 or cmp_visitors is not null
order by visitors desc nulls last, source
