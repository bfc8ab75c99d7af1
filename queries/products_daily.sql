-- products_daily: one product's day-by-day sums, for its detail view (trend and funnel).
-- params: $origin (varchar: 'products' | 'orders', the dataset the ranking came from),
--         $product_id (varchar), $start, $end (date, inclusive), $cat, $src, $dev, $prov,
--         $plat (varchar[]; null = all; $cat applies to products, $plat to both, the
--         others to orders)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day of the range, $start..$end, when the product has a row in it (no
-- row at all otherwise): a day without one is 0 (0 units, ¥0), so the chart's line drops
-- to 0 on days without sales and its axis covers the whole range. Columns the dataset
-- does not have stay null (visitors and buyers from orders, orders from products).
-- Products: daily rows only (a period row cannot be placed on a day). Orders: from
-- ss.product_days (a rollup, or the order lines under a province and a source or device
-- filter). used by: views/products.py
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

),

by_day as (

    select * from product_rows
    union all
    select * from order_rows

),

days as (

    select cast(generate_series as date) as day
    from generate_series(cast($start as date), cast($end as date), interval 1 day)
    where exists (select 1 from by_day)

)

select
    days.day,
    case when $origin = 'products' then coalesce(by_day.visitors, 0) end as visitors,
    case when $origin = 'products' then coalesce(by_day.add_to_cart_buyers, 0) end
        as add_to_cart_buyers,
    case when $origin = 'products' then coalesce(by_day.paying_buyers, 0) end as paying_buyers,
    coalesce(by_day.units_sold, 0) as units_sold,
    coalesce(by_day.paid_amount, 0) as paid_amount,
    coalesce(by_day.refund_amount, 0) as refund_amount,
    case when $origin = 'orders' then coalesce(by_day.orders, 0) end as orders
from days
left join by_day on by_day.day = days.day
order by days.day
