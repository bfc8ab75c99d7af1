-- overview_kpis_orders: the shop's KPI sums from order lines paid inside a date range.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row. Sums from rollup_orders_daily, distinct paying buyers from
-- rollup_orders_buyers (unpaid orders carry 0 and are no buyers). Orders have no
-- visitors. used by: pages/overview.py
with

daily as (

    select *
    from rollup_orders_daily
    where day between $start and $end
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

),

buyers as (

    select count(distinct buyer_key) as paying_buyers
    from rollup_orders_buyers
    where day between $start and $end
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

),

sums as (

    select
        coalesce(sum(count_lines), 0) as count_rows,
        0 as count_rows_left_out,
        min(day) as first_day,
        max(day) as last_day,
        sum(units_sold) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from daily

)

select sums.*, buyers.paying_buyers
from sums, buyers
