-- rollup_orders_daily_region: order lines summed per day × province × city × source × device
--   × platform × currency × load.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, province, city, source, device, platform, currency, load_id);
-- NULLs are kept as their own group
-- (an unknown province is still counted). Orders are counted per group: an order's lines
-- share its province, city, source, device, platform and currency (order-level fields, the
-- last two set per load), so these counts add up
-- across groups and days. Distinct buyers do not add up: see rollup_orders_region_buyers.
-- Only paid orders (paid) count as 支付: their orders, units and paid_amount (the order's
-- amount, on its lines so that it adds up once per order); unpaid orders are only lines.
-- day is the payment day of a paid order (order_time).
-- count_paid_lines / count_buyer_lines: paid lines, and those with a buyer id (paid lines
-- without any buyer id -> buyers are unknown, not 0).
-- load_id: the load the lines came from (an order's lines come from one load), so the
-- days each load covers are sums here (load_coverage.sql), not a pass over every line.
-- Sums are stored as bigint and decimal(18, 2), the orders table's own types: the hugeint
-- and decimal(38, 2) that sum() gives are stored as bit-packed 128-bit values, slow to
-- read back on every page view.
-- Sorted by day so a date range reads only its own row groups.
-- used by: queries/regions_orders.sql, regions_sources.sql, overview_kpis_orders.sql,
-- overview_daily_orders.sql, overview_movers_source.sql, overview_movers_province.sql,
-- filter_options.sql, load_coverage.sql
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
        refund_amount,
        _load_id as load_id
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
        load_id,
        count(*) as count_lines,
        ss.paid_orders(order_id, paid) as orders,
        ss.paid_units(quantity, paid) as units_sold,
        ss.paid_money(paid_amount, paid) as paid_amount,
        ss.paid_money(refund_amount, paid) as refund_amount,
        count(*) filter (where paid) as count_paid_lines,
        count(buyer_id) filter (where paid) as count_buyer_lines
    from source
    group by all

)

select * from daily order by day
