-- rollup_orders_buyers: the paid order lines reduced to who paid on which day, at load time.
-- params: none. Run by workspace.write_dataset / delete_dataset in the load transaction.
-- grain: one row per paid order line: day, buyer_key, source, device, province.
-- Distinct buyers over a range are count(distinct buyer_key): a 64-bit hash of the buyer
-- id counts about twice as fast as the text ids (two of 10M buyers share a hash with a
-- chance of about 3 in a million). used by: overview_kpis_orders, overview_daily_buyers
create or replace table rollup_orders_buyers as

with

paid as (

    select
        cast(order_time as date) as day,
        hash(buyer_id) as buyer_key,
        source,
        device,
        province
    from orders
    where order_time is not null
      and buyer_id is not null
      and paid_amount > 0

)

select * from paid
