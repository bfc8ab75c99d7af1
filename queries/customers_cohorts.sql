-- customers_cohorts: buyers of each first-purchase month still buying 1, 2, … months later.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; orders without a currency count as 'CNY'; null = all)
-- grain: one row per (cohort, month_offset) with buyers > 0; month_offset 0 is the cohort's
-- size. A cohort is the buyers whose first paid order in the shop is in the range, by its
-- month; with source / device / province filters, those with a selected order in that
-- month. Later months count selected orders up to $end; months with no buyer are absent
-- (shopsight.customer_analysis fills them with 0 up to $end's month).
-- From rollup_orders_buyer_orders (paid orders with a buyer id).
-- used by: views/customers.py, `python -m shopsight customers`
with

selected as (

    select
        buyer_id,
        date_trunc('month', first_paid_day) as cohort,
        date_trunc('month', day) as month
    from rollup_orders_buyer_orders
    where day between $start and $end
      and first_paid_day between $start and $end
      and buyer_id is not null
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

active as (

    -- group by, then count: faster than count(distinct) per group on 2 cores
    select buyer_id, cohort, month
    from selected
    group by all

),

members as (

    select buyer_id from active where month = cohort

)

select
    cast(cohort as date) as cohort,
    cast(datediff('month', cohort, month) as integer) as month_offset,
    count(*) as buyers
from active
semi join members using (buyer_id)
group by all
order by cohort, month_offset
