-- rollup_orders_daily_product: order lines summed per day × product × SKU × platform
--   × currency.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (day, product_id, sku_id, platform, currency); lines without a product
-- key are left out (they cannot be ranked; a load gives every line one: product id, else
-- SKU, else name). An order's platform and currency are set per load, one per order.
-- Only paid orders sell: paid_amount is the paid lines' own sales (line_amount), never the
-- order's amount, which would count an order's shipping and discounts once per line.
-- day is the payment day (order_time). Orders are counted per group (an order is paid on
-- one day; an order with two lines of one SKU counts once). Source, device and province are
-- not kept: with those filters the products page reads the order lines instead.
-- Sums are stored as bigint and decimal(18, 2) (the orders table's own types), not as the
-- hugeint and decimal(38, 2) sum() gives: those are stored bit-packed as 128-bit values, and
-- unpacking them was most of the ranking's scan (0.05 of 0.06 CPU-s at 1M lines).
-- used by: queries/products_ranking_orders.sql, queries/products_daily.sql
create or replace table rollup_orders_daily_product as

with

source as (

    select
        cast(order_time as date) as day,
        product_id,
        sku_id,
        platform,
        currency,
        product_name,
        order_id,
        paid,
        quantity,
        line_amount,
        refund_amount
    from orders
    where product_id is not null

),

daily as (

    select
        day,
        product_id,
        sku_id,
        platform,
        currency,
        max(product_name) as product_name,
        count(*) as count_lines,
        count(distinct order_id) filter (where paid) as orders,
        cast(sum(quantity) filter (where paid) as bigint) as units_sold,
        cast(sum(line_amount) filter (where paid) as decimal(18, 2)) as paid_amount,
        cast(sum(refund_amount) filter (where paid) as decimal(18, 2)) as refund_amount
    from source
    group by day, product_id, sku_id, platform, currency

)

select * from daily order by day
