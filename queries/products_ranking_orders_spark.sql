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
-- rollup_orders_daily_product when no source / device / province filter is set (it keeps
-- platform and currency, not those), else from the order lines.
-- used by: views/products.py
with

from_rollup as (

    select
        day,
        product_id,
        case when $level = 'sku' then sku_id end as sku_key,
        paid_amount
    from rollup_orders_daily_product
    where $src is null and $dev is null and $prov is null
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
      and list_contains($product_ids, product_id)
      and day between cast($start as date) and cast($end as date)

),

from_lines as (

    select
        cast(order_time as date) as day,
        product_id,
        case when $level = 'sku' then sku_id end as sku_key,
        line_amount as paid_amount
    from orders
    where not ($src is null and $dev is null and $prov is null)
      and paid
      and list_contains($product_ids, product_id)
      and order_time >= cast(cast($start as date) as timestamp)
      and order_time < cast(cast($end as date) + 1 as timestamp)
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

daily as (

    select product_id, sku_key, day, sum(paid_amount) as paid_amount
    from (
        select * from from_rollup
        union all
        select * from from_lines
    )
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
