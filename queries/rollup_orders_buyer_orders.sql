-- rollup_orders_buyer_orders: one row per paid order: its buyer, payment day, order-level
-- dimensions and amount, with the buyer's first paid day in the shop.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per (order_id, buyer_id) among paid lines; buyer_id may be NULL (the
-- order still counts in daily amounts, never as a buyer).
--
-- The paid-order rule lives here and only here: every customer and forecast query reads
-- this table, never `orders`. A line is paid when the platform says its order was paid
-- (orders.paid, as rollup_orders_daily_region counts 支付); an order's paid_amount is
-- spread over its lines so that their sum is the order's amount, counted once.
-- first_paid_day is the buyer's first paid day over all their orders (whatever the
-- filters), so "new" means new to the shop. province / source / device / platform /
-- currency are order-level fields (an order's lines share them).
-- Sorted by day so a date range reads only its own row groups.
-- used by: queries/customers_*.sql, rollup_orders_buyer_orders_marks.sql,
-- shopsight/forecast.py (via customers_daily.sql)
create or replace table rollup_orders_buyer_orders as

with

paid_lines as (

    select * from orders
    where paid

),

paid_orders as (

    select
        order_id,
        buyer_id,
        cast(min(order_time) as date) as day,
        any_value(province) as province,
        any_value(source) as source,
        any_value(device) as device,
        any_value(platform) as platform,
        any_value(currency) as currency,
        sum(paid_amount) as paid_amount
    from paid_lines
    group by order_id, buyer_id

)

select
    *,
    case
        when buyer_id is not null then min(day) over (partition by buyer_id)
    end as first_paid_day
from paid_orders
order by day
