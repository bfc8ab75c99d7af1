-- rollup_orders_daily_province_product: order lines summed per day × product × SKU ×
--   platform × currency × province: what the product queries read under a province filter
--   (without a source or device filter; with both they read the order lines).
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, product_id, sku_id, platform, currency, province); lines without
-- a product key are left out, as in rollup_orders_daily_product.
-- Only paid orders sell: paid_amount is the paid lines' own sales (line_amount). Orders are
-- counted per group; province is an order-level field (an order's lines share it), so the
-- orders of several provinces add up.
-- At 10M lines: 2.2M rows, against 3.3M lines in a 30-day range for the lines branch
-- (SKU ranking under a province filter 0.26-0.30 -> see bench/README).
-- The sums are ss.product_line_sums (queries/macros.sql): bigint and decimal(18, 2).
-- Sorted by day so a date range reads only its own row groups.
-- used by: ss.product_days (queries/macros.sql)
create or replace table rollup_orders_daily_province_product as

select * exclude (source, device)
from ss.product_line_sums(false, true)
order by day
