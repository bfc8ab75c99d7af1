-- products_sources: which datasets can feed the products page, and whether they have SKUs.
-- params: none
-- grain: one row per origin (products, orders) that has rows. count_sku_rows: rows with
-- a SKU id (the page offers the SKU level when > 0 and SKUs are finer than products).
-- Orders are read from rollup_orders_daily_product. used by: views/products.py
with

product_rows as (

    select
        'products' as origin,
        count(*) as count_rows,
        count(sku_id) as count_sku_rows,
        count(distinct product_id) as count_products,
        count(distinct (product_id, sku_id)) as count_items
    from products

),

order_rows as (

    select
        'orders' as origin,
        cast(coalesce(sum(count_lines), 0) as bigint) as count_rows,
        cast(coalesce(sum(count_lines) filter (where sku_id is not null), 0) as bigint)
            as count_sku_rows,
        count(distinct product_id) as count_products,
        count(distinct (product_id, sku_id)) as count_items
    from rollup_orders_daily_product

),

origins as (

    select * from product_rows
    union all
    select * from order_rows

)

select * from origins where count_rows > 0 order by origin desc
