-- overview_kpis_traffic: the shop's KPI sums from traffic rows inside a date range.
-- params: $start, $end (date, inclusive), $src, $dev (varchar[]; null = all)
-- grain: one row. A row counts only when its whole period (date..date_end) lies inside
-- the range; rows that overlap the range but stick out are counted in
-- count_rows_left_out. spend_* sum only the rows with spend (paid sources), for
-- 投入产出比 and 访客成本. used by: views/overview.py
with

source as (

    select *
    from ss.period_rows('traffic', $start, $end, null, null)
    where ss.picked($src, source)
      and ss.picked($dev, device)

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
        sum(paid_amount) as paid_amount,
        sum(orders) as orders,
        sum(spend) as spend,
        sum(visitors) filter (where spend > 0) as spend_visitors,
        sum(paid_amount) filter (where spend > 0) as spend_paid_amount
    from inside

)

select
    sums.*,
    (select count(*) from source) - sums.count_rows as count_rows_left_out
from sums
