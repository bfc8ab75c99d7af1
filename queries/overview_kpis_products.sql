-- overview_kpis_products: the shop's KPI sums from product rows inside a date range.
-- params: $start, $end (date, inclusive), $cat, $plat (varchar[]; null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row. A row counts only when its whole period (date..date_end) lies inside
-- the range; rows that overlap it but stick out are counted in count_rows_left_out.
-- Visitors and buyers summed over products count a person once per product and day.
-- used by: views/overview.py
with

source as (

    select *
    from ss.period_rows('products', $start, $end, null, null)
    where ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

inside as (

    select * from source where is_current

),

sums as (

    select
        count(*) as count_rows,
        min(date) as first_day,
        max(last_day) as last_day,
        sum(visitors) as visitors,
        sum(page_views) as page_views,
        sum(add_to_cart_buyers) as add_to_cart_buyers,
        sum(paying_buyers) as paying_buyers,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from inside

)

select
    sums.*,
    (select count(*) from source) - sums.count_rows as count_rows_left_out
from sums
