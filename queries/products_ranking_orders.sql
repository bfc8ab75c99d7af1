-- products_ranking_orders: per product (or SKU) sums from order lines, with what the
-- 热销/滞销 lists and stock cover need (the sparkline of the rows shown: products_ranking_spark).
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; lines without a currency count as 'CNY'; null = all),
--         $level (varchar: 'product' | 'sku'), $slow_days (int: the 滞销 window, the last
--         N days up to $end), $cover_days (int: the window for average daily units)
-- grain: one row per product (sku_id null) or per (product, SKU), for items sold in the
-- range or in the N days before the 滞销 window (units_before_slow: orders carry no
-- visitors or stock, so an item counts as on sale when it sold just before the window).
-- The days come from ss.product_days: a rollup, or the order lines under a province
-- and a source or device filter. Same columns as products_ranking; those orders cannot
-- give are NULL.
-- days_listed: days from the item's first sale in the range to $end.
-- paid_amount is the paid lines' own sales (line_amount), as in the rollups.
-- used by: views/products.py
with

product_days as (

    select *
    from ss.product_days(
        least(
            cast($start as date),
            cast($end as date) - (2 * cast($slow_days as integer) - 1),
            cast($end as date) - (cast($cover_days as integer) - 1)
        ),
        cast($end as date),
        $src, $dev, $prov, $plat, $cur
    )

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
    from product_days

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
