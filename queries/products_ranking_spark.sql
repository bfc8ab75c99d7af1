-- products_ranking_spark: the paid amount per day of the range for some products (or their
-- SKUs) from the products dataset, one list per item: the sparkline of the rows the Products
-- table shows. Built only for those rows: a 30-day list for each of ~2,000 SKUs cost more
-- than the ranking itself.
-- params: $start, $end (date, inclusive), $level ('product' | 'sku'), $product_ids
--         (varchar[]: the products wanted), $cat (varchar[]; null = all), $plat (varchar[];
--         null = all platforms), $cur (varchar; rows without a currency count as 'CNY';
--         null = all)
-- grain: one row per product (sku_id null) or per (product, SKU) of $product_ids with a
-- one-day row in the range (the days products_ranking.sql counts); spark has one value per
-- day of the range, 0 on days without a row.
-- used by: views/products.py
with

from_products as (

    select
        date as day,
        product_id,
        case when $level = 'sku' then sku_id end as sku_key,
        paid_amount
    from products
    where list_contains($product_ids, product_id)
      and ss.day_inside(date, date_end, cast($start as date), cast($end as date))
      and ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

daily as (

    select product_id, sku_key, day, sum(paid_amount) as paid_amount
    from from_products
    group by all

),

days as (

    select cast(unnest(generate_series(
        cast($start as date), cast($end as date), interval 1 day
    )) as date) as day

)

select
    keys.product_id,
    keys.sku_key as sku_id,
    list(coalesce(daily.paid_amount, 0) order by days.day) as spark
from (select distinct product_id, sku_key from daily) as keys
cross join days
left join daily
    on daily.product_id = keys.product_id
   and daily.sku_key is not distinct from keys.sku_key
   and daily.day = days.day
group by all
order by keys.product_id, keys.sku_key
