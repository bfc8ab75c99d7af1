-- rollup_orders_buyer_orders_marks: paid orders of buyers counted by day and by the days of
-- the same buyer's previous two paid orders (or first paid day), so that buyers, repeat
-- buyers and new buyers of any date range are sums, not a group by buyer.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load
-- transaction, after rollup_orders_buyer_orders, which it reads: the paid-order rule stays
-- written once)
-- grain: part 'repeats': one row per (platform, currency, day, previous_day, previous2_day);
--        part 'firsts': one row per (platform, currency, day, previous_day, first_paid_day);
--        the other part's column is null. orders and paid_amount are summed over the paid
--        orders with a buyer id (both parts hold every such order once).
-- previous_day / previous2_day: the day of the buyer's previous / second previous paid
-- order (ordered by day, then order id; null when there is none), over all the buyer's
-- orders whatever their platform or currency. So for a range [a, b], among the orders in it:
--   the buyer's first order in the range has previous_day < a (or null): one per buyer;
--   the second has previous_day >= a and previous2_day < a (or null): one per repeat buyer;
--   the first order in the shop has previous_day null: one per new buyer.
-- Valid for the whole shop only: with a source, device, province, platform or currency
-- filter the previous order may be one the filter leaves out, so the customer queries read
-- rollup_orders_buyer_orders then. platform and currency are kept in the grain so the
-- rollup's totals can still be told apart by them.
-- Size: ~110k rows for 6.7M paid orders of 200k buyers over 90 days.
-- used by: queries/customers_summary.sql, customers_trend.sql
create or replace table rollup_orders_buyer_orders_marks as

with

marked as (

    -- previous_day / previous2_day come with each order (that rollup's buyer window)
    select platform, currency, day, first_paid_day, paid_amount, previous_day, previous2_day
    from rollup_orders_buyer_orders
    where buyer_id is not null

)

select
    case when grouping(first_paid_day) = 1 then 'repeats' else 'firsts' end as part,
    platform,
    currency,
    day,
    previous_day,
    previous2_day,
    first_paid_day,
    count(*) as orders,
    sum(paid_amount) as paid_amount
from marked
group by grouping sets (
    (platform, currency, day, previous_day, previous2_day),
    (platform, currency, day, previous_day, first_paid_day)
)
order by day
