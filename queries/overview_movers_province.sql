-- overview_movers_province: provinces whose paid amount changed most vs the compare period.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev, $prov, $plat
--         (varchar[]; null = all), $limit (int)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per province. From orders (rollup_orders_daily_region) when they have
-- dated lines with provinces, else from the regions dataset (origin says which); region
-- rows without dates are not placed in any period. used by: views/overview.py
with

order_rows as (

    select
        province as item,
        day as first_day,
        day as last_day,
        paid_amount
    from ss.order_rollup(
        'rollup_orders_daily_region',
        least($start, $cmp_start), greatest($end, $cmp_end), $src, $dev, $prov, $plat, $cur
    )
    where province is not null

),

has_order_provinces as (

    select count(*) > 0 as yes
    from rollup_orders_daily_region
    where province is not null and day is not null

),

region_rows as (

    select
        province as item,
        date as first_day,
        date_end as last_day,
        paid_amount
    from regions
    where date is not null
      and ss.picked($prov, province)

),

chosen as (

    select 'orders' as origin, * from order_rows
    union all
    select 'regions' as origin, * from region_rows
    where not (select yes from has_order_provinces)

),

by_item as (

    select
        origin,
        item,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $start, $end)
        ) as paid_amount,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $cmp_start, $cmp_end)
        ) as cmp_paid_amount
    from chosen
    group by all

)

select
    origin,
    item,
    coalesce(paid_amount, 0) as paid_amount,
    coalesce(cmp_paid_amount, 0) as cmp_paid_amount,
    coalesce(paid_amount, 0) - coalesce(cmp_paid_amount, 0) as change_paid_amount
from by_item
where paid_amount is not null or cmp_paid_amount is not null
order by abs(change_paid_amount) desc, item
limit $limit
