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
-- units_sold, paid_amount and refund_amount keep the 64-bit types of the lines (bigint,
-- decimal(18,2)) instead of sum()'s 128-bit ones: reading 128-bit columns back cost
-- 30x more than summing them (0.09 vs 0.003 CPU-s for a month at 10M lines), and one
-- group's day of sales cannot near 10^16.
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
        cast(sum(quantity) filter (where paid) as bigint) as units_sold,
        cast(sum(paid_amount) filter (where paid) as decimal(18, 2)) as paid_amount,
        cast(sum(refund_amount) filter (where paid) as decimal(18, 2)) as refund_amount,
        count(*) filter (where paid) as count_paid_lines,
        count(buyer_id) filter (where paid) as count_buyer_lines
    from source
    group by all

)

select * from daily order by day
