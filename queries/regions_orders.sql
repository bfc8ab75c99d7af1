-- regions_orders: order sums and paying buyers per province (or per city of one province).
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[];
--         null = all),
--         $province (varchar; null = one row per province, else one row per city of it)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per province (city null), or per city within $province. Names are as
-- stored (ingest normalises them; NULL = unknown or masked, kept as its own row).
-- Sums come from rollup_orders_daily_region. Buyers are exact distinct counts from
-- rollup_orders_region_buyers: per province with no source/device/platform/currency
-- filter, a count of marked rows (see that file); otherwise, and per city, a distinct
-- count over the filtered rows. paying_buyers
-- is NULL when the lines carry no buyer ids. count_city_lines: lines with a city (a
-- province can be drilled into when > 0). used by: views/regions.py
with

sums as (

    select
        province,
        case when $province is null then null else city end as city,
        cast(sum(count_lines) as bigint) as count_lines,
        cast(sum(count_lines) filter (where city is not null) as bigint) as count_city_lines,
        cast(sum(orders) as bigint) as orders,
        cast(sum(units_sold) as bigint) as units_sold,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount,
        cast(sum(count_paid_lines) as bigint) as count_paid_lines,
        cast(sum(count_buyer_lines) as bigint) as count_buyer_lines
    from ss.order_rollup(
        'rollup_orders_daily_region', $start, $end, $src, $dev, $prov, $plat, $cur
    )
    where $province is null or province = $province
    group by all

),

buyers_by_first_day as (

    -- the mark in the where clause rather than in a count filter: the scan drops the
    -- unmarked rows itself (a province left without rows gets 0 from the join below)
    select
        province,
        cast(null as varchar) as city,
        count(*) as paying_buyers
    from rollup_orders_region_buyers
    where $src is null and $dev is null and $province is null and $plat is null and $cur is null
      and day between $start and $end
      and previous_paid_day < $start
      and ss.picked($prov, province)
    group by province

),

buyers_distinct as (

    -- per province under a source/device/platform/currency filter; group by, then count:
    -- faster than count(distinct) per group on 2 cores
    select province, cast(null as varchar) as city, count(*) as paying_buyers
    from (
        select province, buyer_key
        from ss.order_rollup(
            'rollup_orders_region_buyers', $start, $end, $src, $dev, $prov, $plat, $cur
        )
        where not ($src is null and $dev is null and $plat is null and $cur is null)
          and $province is null
        group by all
    )
    group by province

),

buyers_city as (

    -- per city of the drilled province, under any filter
    select $province as province, city, count(*) as paying_buyers
    from (
        select city, buyer_key
        from ss.order_rollup(
            'rollup_orders_region_buyers', $start, $end, $src, $dev, $prov, $plat, $cur
        )
        where province = $province
        group by all
    )
    group by city

),

buyers as (

    select * from buyers_by_first_day
    union all
    select * from buyers_distinct
    union all
    select * from buyers_city

)

select
    sums.province,
    sums.city,
    sums.count_lines,
    coalesce(sums.count_city_lines, 0) as count_city_lines,
    sums.orders,
    sums.units_sold,
    sums.paid_amount,
    sums.refund_amount,
    case
        when sums.count_paid_lines > 0 and sums.count_buyer_lines = 0 then null
        else coalesce(buyers.paying_buyers, 0)
    end as paying_buyers
from sums
left join buyers
    on sums.province is not distinct from buyers.province
   and sums.city is not distinct from buyers.city
order by sums.paid_amount desc nulls last, sums.province, sums.city
