-- products_ranking_orders: per product (or SKU) sums from order lines, with what the
-- 热销/滞销 lists and stock cover need (the sparkline of the rows shown: products_ranking_spark).
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; lines without a currency count as 'CNY'; null = all),
--         $level (varchar: 'product' | 'sku'), $slow_days (int: the 滞销 window, the last
--         N days up to $end), $cover_days (int: the window for average daily units)
-- grain: one row per product (sku_id null) or per (product, SKU), for items sold in the
-- range or in the N days before the 滞销 window (units_before_slow: orders carry no
-- visitors or stock, so an item counts as on sale when it sold just before the window).
-- With no source/device/province filter the days come from rollup_orders_daily_product
-- (which keeps platform and currency); with one, from the order lines (the rollup does not
-- keep those columns). Same columns
-- as products_ranking; those orders cannot give are NULL. days_listed: days from the
-- item's first sale in the range to $end.
-- paid_amount is the paid lines' own sales (line_amount), as in the rollup.
-- used by: views/products.py
with

from_rollup as (

    select day, product_id, sku_id, product_name, orders, units_sold, paid_amount, refund_amount
    from rollup_orders_daily_product
    where $src is null and $dev is null and $prov is null
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
      and day <= cast($end as date)
      and day >= least(
          cast($start as date),
          cast($end as date) - (2 * cast($slow_days as integer) - 1),
          cast($end as date) - (cast($cover_days as integer) - 1)
      )

),

from_lines as (

    select
        cast(order_time as date) as day,
        product_id,
        sku_id,
        max(product_name) as product_name,
        count(distinct order_id) filter (where paid) as orders,
        -- the rollup's types, so the union does not widen its rows to 128-bit sums
        cast(sum(quantity) filter (where paid) as bigint) as units_sold,
        cast(sum(line_amount) filter (where paid) as decimal(18, 2)) as paid_amount,
        cast(sum(refund_amount) filter (where paid) as decimal(18, 2)) as refund_amount
    from orders
    where not ($src is null and $dev is null and $prov is null)
      and product_id is not null
      and order_time < cast(cast($end as date) + 1 as timestamp)
      and order_time >= cast(least(
          cast($start as date),
          cast($end as date) - (2 * cast($slow_days as integer) - 1),
          cast($end as date) - (cast($cover_days as integer) - 1)
      ) as timestamp)
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by 1, 2, 3

),

placed as (

    select
        *,
        case when $level = 'sku' then sku_id end as sku_key,
        day >= cast($start as date) as is_inside,
        day >= cast($end as date) - (cast($slow_days as integer) - 1) as is_slow_window,
        day >= cast($end as date) - (cast($cover_days as integer) - 1) as is_cover_window,
        day < cast($end as date) - (cast($slow_days as integer) - 1)
            and day >= cast($end as date) - (2 * cast($slow_days as integer) - 1)
            as is_before_slow
    from (select * from from_rollup union all select * from from_lines)

),

items as (

    select
        product_id,
        sku_key as sku_id,
        arg_max(product_name, day) as product_name,
        cast(null as varchar) as category,
        bool_or(is_inside and paid_amount > 0) as is_in_range,
        count(*) filter (where is_inside) as count_rows,
        0 as count_rows_left_out,
        cast(null as bigint) as visitors,
        cast(null as bigint) as page_views,
        cast(null as bigint) as add_to_cart_buyers,
        cast(null as bigint) as paying_buyers,
        sum(units_sold) filter (where is_inside) as units_sold,
        sum(paid_amount) filter (where is_inside) as paid_amount,
        sum(refund_amount) filter (where is_inside) as refund_amount,
        sum(orders) filter (where is_inside) as orders,
        cast(null as double) as gross_margin,
        count(*) filter (where is_inside) as count_rows_no_cost,
        coalesce(sum(units_sold) filter (where is_slow_window), 0) as units_slow,
        cast(null as bigint) as visitors_slow,
        coalesce(sum(units_sold) filter (where is_cover_window), 0) as units_cover,
        coalesce(sum(units_sold) filter (where is_before_slow), 0) as units_before_slow,
        cast($end as date) - min(day) filter (where is_inside and paid_amount > 0) + 1
            as days_listed
    from placed
    group by product_id, sku_key
    having bool_or((is_inside or is_before_slow) and paid_amount > 0)

)

select
    items.*,
    cast(null as bigint) as stock
from items
order by items.paid_amount desc nulls last, items.product_id, items.sku_id
