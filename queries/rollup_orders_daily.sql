-- rollup_orders_daily: order lines summed per day x source x device x province, at load time.
-- params: none. Run by workspace.write_dataset / delete_dataset in the load transaction.
-- grain: one row per (day, source, device, province); sums add up across rows. Distinct
-- counts do not, so buyers come from rollup_orders_buyers. Unpaid lines (paid_amount 0)
-- count in count_lines only. used by: overview_kpis_orders, overview_daily_orders,
-- overview_movers_source, overview_movers_province, filter_options
create or replace table rollup_orders_daily as

with

source as (

    select
        cast(order_time as date) as day,
        source,
        device,
        province,
        quantity,
        paid_amount,
        refund_amount
    from orders
    where order_time is not null

),

daily as (

    select
        day,
        source,
        device,
        province,
        count(*) as count_lines,
        sum(quantity) filter (where paid_amount > 0) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from source
    group by all

)

select * from daily order by day
