-- products_daily: one product's day-by-day sums, for its detail view (trend and funnel).
-- params: $origin (varchar: 'products' | 'orders', the dataset the ranking came from),
--         $product_id (varchar), $start, $end (date, inclusive), $cat, $src, $dev, $prov,
--         $plat (varchar[]; null = all; $cat applies to products, $plat to both, the
--         others to orders)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day with data. Products: daily rows only (a period row cannot be
-- placed on a day). Orders: from rollup_orders_daily_product, or from the order lines
-- when a source/device/province filter is set. used by: views/products.py
with

product_rows as (

    select
        date as day,
        sum(visitors) as visitors,
        sum(add_to_cart_buyers) as add_to_cart_buyers,
        sum(paying_buyers) as paying_buyers,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount,
        cast(null as bigint) as orders
    from products
    where $origin = 'products'
      and product_id = $product_id
      and ss.day_inside(date, date_end, cast($start as date), cast($end as date))
      and ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by date

),

rollup_rows as (

    select
        day,
        cast(null as bigint) as visitors,
        cast(null as bigint) as add_to_cart_buyers,
        cast(null as bigint) as paying_buyers,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount,
        sum(orders) as orders
    from rollup_orders_daily_product
    where $origin = 'orders'
      and $src is null and $dev is null and $prov is null
      and day between $start and $end
      and product_id = $product_id
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by day

),

line_rows as (

    select
        cast(order_time as date) as day,
        cast(null as bigint) as visitors,
        cast(null as bigint) as add_to_cart_buyers,
        cast(null as bigint) as paying_buyers,
        sum(quantity) filter (where paid) as units_sold,
        sum(line_amount) filter (where paid) as paid_amount,
        sum(refund_amount) filter (where paid) as refund_amount,
        count(distinct order_id) filter (where paid) as orders
    from orders
    where $origin = 'orders'
      and not ($src is null and $dev is null and $prov is null)
      and product_id = $product_id
      and order_time >= cast($start as timestamp)
      and order_time < cast(cast($end as date) + 1 as timestamp)
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by 1

)

select * from product_rows
union all
select * from rollup_rows
union all
select * from line_rows
order by day
