-- rollup_orders_daily_region: order lines summed per day × province × city × source × device
--   × platform × currency.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, province, city, source, device, platform, currency); NULLs are
-- kept as their own group
-- (an unknown province is still counted). Orders are counted per group: an order's lines
-- share its province, city, source, device, platform and currency (order-level fields, the
-- last two set per load), so these counts add up
-- across groups and days. Distinct buyers do not add up: see rollup_orders_region_buyers.
-- Only paid orders (paid) count as 支付: their orders, units and paid_amount (the order's
-- amount, on its lines so that it adds up once per order); unpaid orders are only lines.
-- day is the payment day of a paid order (order_time).
-- count_paid_lines / count_buyer_lines: paid lines, and those with a buyer id (paid lines
-- without any buyer id -> buyers are unknown, not 0).
-- Sorted by day so a date range reads only its own row groups.
-- used by: queries/regions_orders.sql, regions_sources.sql, overview_kpis_orders.sql,
-- overview_daily_orders.sql, overview_movers_source.sql, overview_movers_province.sql,
-- filter_options.sql
create or replace table rollup_orders_daily_region as

with

source as (

    select
        cast(order_time as date) as day,
        province,
        city,
        source,
        device,
        platform,
        currency,
        order_id,
        buyer_id,
        paid,
        quantity,
        paid_amount,
        refund_amount
    from orders

),

daily as (

    select
        day,
        province,
        city,
        source,
        device,
        platform,
        currency,
        count(*) as count_lines,
        count(distinct order_id) filter (where paid) as orders,
        sum(quantity) filter (where paid) as units_sold,
        sum(paid_amount) filter (where paid) as paid_amount,
        sum(refund_amount) filter (where paid) as refund_amount,
        count(*) filter (where paid) as count_paid_lines,
        count(buyer_id) filter (where paid) as count_buyer_lines
    from source
    group by all

)

select * from daily order by day
