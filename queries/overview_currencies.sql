-- overview_currencies: money of orders and products inside a date range, per currency.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $cat, $plat
--         (varchar[]; null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per (kind, currency); currency is null where a row names none (CNY).
-- Period rows of products count when their whole period lies in the range, as in
-- overview_kpis_products. Run only when a load of the kind is not in CNY.
-- used by: views/overview.py (shopsight/ui/overview_page.py money)
with

orders_money as (

    select
        'orders' as kind,
        currency,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from orders
    where cast(order_time as date) between $start and $end
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by all

),

products_money as (

    select
        'products' as kind,
        currency,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from products
    where ss.inside(date, date_end, $start, $end)
      and ss.picked($cat, category)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)
    group by all

)

select * from orders_money
union all
select * from products_money
order by kind, currency
