-- products_ranking: per product (or SKU) sums from the products dataset, with what the
-- 热销/滞销 lists and stock cover need (the sparkline of the rows shown: products_ranking_spark).
-- params: $start, $end (date, inclusive), $cat, $plat (varchar[]; null = all), $cur
--         (varchar; rows without a currency count as 'CNY'; null = all),
--         $level (varchar: 'product' | 'sku'), $slow_days (int: the 滞销 window, the last
--         N days up to $end), $cover_days (int: the window for average daily units)
-- grain: one row per product (sku_id null) or per (product, SKU), for items with a row
-- inside the range or inside the 滞销 window. Sums are over rows whose whole period lies
-- inside the range (the overview rule); *_slow / units_cover over rows inside their
-- windows. gross_margin = paid - refunds - units × unit_cost per row; count_rows_no_cost
-- says how many rows lacked a cost (the page shows no margin then). stock: each SKU's
-- latest stock on or before $end, summed. days_listed: days in the range on which the
-- item had visitors, sales or stock. count_rows_left_out: period rows sticking out.
-- used by: views/products.py
with

bounds as (

    select
        cast($start as date) as range_start,
        cast($end as date) as range_end,
        cast($end as date) - (cast($slow_days as integer) - 1) as slow_start,
        cast($end as date) - (cast($cover_days as integer) - 1) as cover_start

),

source as (

    select
        products.*,
        coalesce(date_end, date) as last_day,
        case when $level = 'sku' then sku_id end as sku_key
    from products, bounds
    where ss.overlaps(date, date_end, least(range_start, slow_start, cover_start), range_end)
      and ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

placed as (

    select
        source.*,
        ss.inside(date, date_end, range_start, range_end) as is_inside,
        ss.inside(date, date_end, slow_start, range_end) as is_slow_window,
        ss.inside(date, date_end, cover_start, range_end) as is_cover_window,
        ss.overlaps(date, date_end, range_start, range_end) as is_overlapping,
        coalesce(visitors, 0) > 0 or coalesce(units_sold, 0) > 0 or coalesce(stock, 0) > 0
            as is_listed
    from source, bounds

),

items as (

    select
        product_id,
        sku_key as sku_id,
        arg_max(product_name, last_day) as product_name,
        arg_max(category, last_day) as category,
        bool_or(is_inside) as is_in_range,
        count(*) filter (where is_inside) as count_rows,
        count(*) filter (where is_overlapping and not is_inside) as count_rows_left_out,
        sum(visitors) filter (where is_inside) as visitors,
        sum(page_views) filter (where is_inside) as page_views,
        sum(add_to_cart_buyers) filter (where is_inside) as add_to_cart_buyers,
        sum(paying_buyers) filter (where is_inside) as paying_buyers,
        sum(units_sold) filter (where is_inside) as units_sold,
        sum(paid_amount) filter (where is_inside) as paid_amount,
        sum(refund_amount) filter (where is_inside) as refund_amount,
        cast(null as bigint) as orders,
        sum(
            paid_amount - coalesce(refund_amount, 0) - coalesce(units_sold, 0) * unit_cost
        ) filter (where is_inside) as gross_margin,
        count(*) filter (where is_inside and unit_cost is null) as count_rows_no_cost,
        coalesce(sum(units_sold) filter (where is_slow_window), 0) as units_slow,
        coalesce(sum(visitors) filter (where is_slow_window), 0) as visitors_slow,
        coalesce(sum(units_sold) filter (where is_cover_window), 0) as units_cover,
        cast(null as bigint) as units_before_slow,
        count(distinct date) filter (where is_inside and is_listed and date = last_day)
            + coalesce(sum(last_day - date + 1) filter (
                where is_inside and is_listed and date < last_day
            ), 0) as days_listed
    from placed
    group by product_id, sku_key

),

sku_stock as (

    select
        product_id,
        sku_key,
        sku_id,
        arg_max(stock, last_day) as stock
    from source
    where stock is not null
    group by all

),

stock as (

    select product_id, sku_key, sum(stock) as stock
    from sku_stock
    group by all

)

select
    items.*,
    stock.stock
from items
left join stock
    on stock.product_id = items.product_id
   and stock.sku_key is not distinct from items.sku_id
order by items.paid_amount desc nulls last, items.product_id, items.sku_id
