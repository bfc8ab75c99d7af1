-- rollup_orders_buyer_orders_days: paid amount and paid orders per day × platform × currency,
-- the history a paid-amount forecast is fitted on, summed once at load time.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load
-- transaction, after rollup_orders_buyer_orders, which it reads: the paid-order rule stays
-- written once)
-- grain: one row per (day, platform, currency) with a paid order; orders without a buyer id
-- count too.
-- Why: customers_daily summed every paid order up to the range's end (6.7M at 10M lines) on
-- each first view of the Customers page; this is ~90 rows per platform and currency.
-- used by: queries/customers_daily.sql
create or replace table rollup_orders_buyer_orders_days as

select
    day,
    platform,
    currency,
    sum(paid_amount) as paid_amount,
    count(*) as orders
from rollup_orders_buyer_orders
group by day, platform, currency
order by day
