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
-- Per buyer, over all their paid orders ordered by day then order id (null without a
-- buyer id): previous_day / previous2_day / next_day = the day of their previous, second
-- previous and next paid order (null when there is none; rollup_orders_buyer_orders_marks
-- counts by the first two);
-- orders_to_date / paid_to_date = their paid orders and amount up to and including this
-- one. So a buyer's orders and amount in [a, b] are the difference of two rows found by a
-- filter: their last order in the range (next_day after b) and their last before it
-- (next_day in the range), with no group by over the range's orders (customers_rfm
-- without filters).
-- Amounts are kept in the orders' money type, decimal(18, 2) (a sum widens to 38 digits,
-- stored as 128-bit integers that DuckDB scans 30-50x slower); ingest reads no amount of
-- 10^16 or more, and an order or a buyer's total that large fails the load's cast.
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
        cast(sum(paid_amount) as decimal(18, 2)) as paid_amount
    from paid_lines
    group by order_id, buyer_id

)

select
    *,
    -- one window (one sort) for all: ordered by day, its first day is the earliest
    case when buyer_id is not null then first_value(day) over by_buyer end as first_paid_day,
    case when buyer_id is not null then lag(day) over by_buyer end as previous_day,
    case when buyer_id is not null then lag(day, 2) over by_buyer end as previous2_day,
    case when buyer_id is not null then lead(day) over by_buyer end as next_day,
    case when buyer_id is not null then count(*) over by_buyer end as orders_to_date,
    case
        when buyer_id is not null
            then cast(sum(paid_amount) over by_buyer as decimal(18, 2))
    end as paid_to_date
from paid_orders
window by_buyer as (
    partition by buyer_id order by day, order_id
    rows between unbounded preceding and current row
)
order by day
