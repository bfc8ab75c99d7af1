-- overview_kpis_orders: the shop's KPI sums from order lines paid inside a date range.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[];
--         null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row. Sums from rollup_orders_daily_region; distinct paying buyers from
-- rollup_orders_region_buyers: with no filter a count of the rows marked as a buyer's
-- first paid day in the range (see that file), else a distinct count over the filtered
-- rows (unpaid orders carry 0 and are no buyers). Orders have no visitors.
-- used by: views/overview.py
with

daily as (

    select *
    from ss.order_rollup(
        'rollup_orders_daily_region', $start, $end, $src, $dev, $prov, $plat, $cur
    )

),

buyers_by_first_day as (

    select count(*) filter (where previous_shop_paid_day < $start) as paying_buyers
    from rollup_orders_region_buyers
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end

),

buyers_distinct as (

    select count(distinct buyer_key) as paying_buyers
    from ss.order_rollup(
        'rollup_orders_region_buyers', $start, $end, $src, $dev, $prov, $plat, $cur
    )
    where not ss.unfiltered($src, $dev, $prov, $plat, $cur)

),

buyers as (

    select
        case when ss.unfiltered($src, $dev, $prov, $plat, $cur)
            then buyers_by_first_day.paying_buyers
            else buyers_distinct.paying_buyers
        end as paying_buyers
    from buyers_by_first_day, buyers_distinct

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
