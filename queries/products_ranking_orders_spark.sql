-- products_ranking_orders_spark: the paid amount per day of the range for some products (or
-- their SKUs) from order lines, one list per item: the sparkline of the rows the Products
-- table shows. Built only for those rows: a 30-day list for each of ~2,000 SKUs cost more
-- than the ranking itself.
-- params: $start, $end (date, inclusive), $level ('product' | 'sku'), $product_ids
--         (varchar[]: the products wanted), $src, $dev, $prov, $plat (varchar[]; null =
--         all), $cur (varchar; lines without a currency count as 'CNY'; null = all)
-- grain: one row per product (sku_id null) or per (product, SKU) of $product_ids with a
-- line paid in the range; spark has one value per day of the range, 0 on days without
-- one. Same amounts as products_ranking_orders.sql: the paid lines' own sales, from
-- ss.product_days (a rollup, or the order lines under a province and a source or device
-- filter).
-- how: each item's days go into a map (day -> amount) and the range's days are read from it;
--   a list aggregate ordered by day over a days x items grid cost half as much again.
-- used by: views/products.py
with

daily as (

    select
        product_id,
        case when $level = 'sku' then sku_id end as sku_key,
        day,
        sum(paid_amount) as paid_amount
    from ss.product_days(
        cast($start as date), cast($end as date), $src, $dev, $prov, $plat, $cur
    )
    where list_contains($product_ids, product_id)
    group by all

)

select
    product_id,
    sku_key as sku_id,
    list_transform(
        generate_series(cast($start as date), cast($end as date), interval 1 day),
        d -> coalesce(amounts[cast(d as date)], 0)
    ) as spark
from (
    select product_id, sku_key, map_from_entries(list({'k': day, 'v': paid_amount})) as amounts
    from daily
    group by all
)
order by product_id, sku_key
