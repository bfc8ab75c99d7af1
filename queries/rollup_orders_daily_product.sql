-- rollup_orders_daily_product: order lines summed per day × product × SKU × platform
--   × currency.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, product_id, sku_id, platform, currency); lines without a product
-- key are left out (they cannot be ranked; a load gives every line one: product id, else
-- SKU, else name). An order's platform and currency are set per load, one per order.
-- Only paid orders sell: paid_amount is the paid lines' own sales (line_amount), never the
-- order's amount, which would count an order's shipping and discounts once per line.
-- day is the payment day (order_time). Orders are counted per group (an order is paid on
-- one day; an order with two lines of one SKU counts once). Built from
-- rollup_orders_daily_channel_product (the same sums per source and device too; an order
-- has one source and device, so its orders add up). Source, device and province are not
-- kept: with those filters the product queries read that rollup or the order lines
-- (ss.product_days).
-- Sums are stored as bigint and decimal(18, 2) (the orders table's own types), not as the
-- hugeint and decimal(38, 2) sum() gives: those are stored bit-packed as 128-bit values, and
-- unpacking them was most of the ranking's scan (0.05 of 0.06 CPU-s at 1M lines).
-- used by: queries/products_ranking_orders.sql, queries/products_daily.sql
create or replace table rollup_orders_daily_product as

select
    day,
    product_id,
    sku_id,
    platform,
    currency,
    max(product_name) as product_name,
    cast(sum(count_lines) as bigint) as count_lines,
    cast(sum(orders) as bigint) as orders,
    cast(sum(units_sold) as bigint) as units_sold,
    cast(sum(paid_amount) as decimal(18, 2)) as paid_amount,
    cast(sum(refund_amount) as decimal(18, 2)) as refund_amount
from rollup_orders_daily_channel_product
group by all
order by day
