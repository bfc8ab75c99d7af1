-- overview_movers_product: products whose paid amount changed most vs the compare period.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev, $prov, $cat,
--         $plat (varchar[]; null = all), $limit (int)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per product. From the products dataset when it has rows, else from
-- orders (origin says which): ss.product_days (a rollup, or the order lines under a
-- province and a source or device filter). A period row counts only when its whole period
-- lies inside the range.
-- used by: views/overview.py
with

product_rows as (

    select
        product_id,
        product_name,
        first_day,
        last_day,
        paid_amount
    from ss.period_rows('products', $start, $end, $cmp_start, $cmp_end)
    where ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

order_rows as (

    select
        product_id,
        product_name,
        day as first_day,
        day as last_day,
        paid_amount
    from ss.product_days(
        least($start, $cmp_start), greatest($end, $cmp_end), $src, $dev, $prov, $plat, $cur
    )

),

has_products as (

    select count(*) > 0 as yes from products

),

chosen as (

    select 'products' as origin, * from product_rows
    where (select yes from has_products)
    union all
    select 'orders' as origin, * from order_rows
    where not (select yes from has_products)

),

by_item as (

    select
        origin,
        product_id,
        coalesce(max(product_name), product_id) as item,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $start, $end)
        ) as paid_amount,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $cmp_start, $cmp_end)
        ) as cmp_paid_amount
    from chosen
    group by origin, product_id

)

select
    origin,
    item,
    coalesce(paid_amount, 0) as paid_amount,
    coalesce(cmp_paid_amount, 0) as cmp_paid_amount,
    coalesce(paid_amount, 0) - coalesce(cmp_paid_amount, 0) as change_paid_amount
from by_item
where paid_amount is not null or cmp_paid_amount is not null
order by abs(change_paid_amount) desc, item
limit $limit
