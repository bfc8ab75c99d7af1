-- rollup_orders_daily_channel_product: order lines summed per day × product × SKU × platform
--   × currency × source × device: what the product queries read under a source or device
--   filter (rollup_orders_daily_product, built from this one, keeps neither).
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, product_id, sku_id, platform, currency, source, device); lines
-- without a product key are left out, as in rollup_orders_daily_product.
-- Only paid orders sell: paid_amount is the paid lines' own sales (line_amount). Orders are
-- counted per group; source and device are order-level fields (an order's lines share them,
-- as rollup_orders_buyer_orders assumes), so the orders of several sources or devices add
-- up. Province is kept by rollup_orders_daily_province_product instead (with all three a
-- row would stand for about two lines): under a province and a source or device filter
-- the product queries read the order lines (ss.product_days).
-- At 10M lines: 1.5M rows, read in about a third of the CPU of the lines a source filter
-- picks (0.30 -> 0.10 CPU-s for the SKU ranking).
-- The sums are ss.product_line_sums (queries/macros.sql): bigint and decimal(18, 2).
-- Sorted by day so a date range reads only its own row groups.
-- used by: rollup_orders_daily_product.sql, ss.product_days (queries/macros.sql)
create or replace table rollup_orders_daily_channel_product as

select * exclude (province)
from ss.product_line_sums(true, false)
order by day
