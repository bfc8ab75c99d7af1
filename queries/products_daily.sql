-- products_daily: one product's day-by-day sums, for its detail view (trend and funnel).
-- params: $origin (varchar: 'products' | 'orders', the dataset the ranking came from),
--         $product_id (varchar), $start, $end (date, inclusive), $cat, $src, $dev, $prov,
--         $plat (varchar[]; null = all; $cat applies to products, $plat to both, the
--         others to orders)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day with data. Products: daily rows only (a period row cannot be
-- placed on a day). Orders: from ss.product_days (a rollup, or the order lines under a
-- province and a source or device filter). used by: views/products.py
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

order_rows as (

    select
        day,
        cast(null as bigint) as visitors,
        cast(null as bigint) as add_to_cart_buyers,
        cast(null as bigint) as paying_buyers,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount,
        sum(orders) as orders
    from ss.product_days(
        cast($start as date), cast($end as date), $src, $dev, $prov, $plat, $cur
    )
    where $origin = 'orders'
      and product_id = $product_id
    group by day

)

select * from product_rows
union all
select * from order_rows
order by day
