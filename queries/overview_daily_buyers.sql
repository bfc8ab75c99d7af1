-- overview_daily_buyers: distinct paying buyers per day from orders, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[];
--         null = all)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per day with paying buyers (buyers are distinct within the day, so they
-- do not add up over days). From rollup_orders_region_buyers: with no filter the rows
-- marked once per buyer and day are counted, else buyers are deduplicated per day.
-- used by: views/overview.py
with

marked as (

    select day, count(previous_shop_paid_day) as paying_buyers
    from rollup_orders_region_buyers
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end
    group by day

),

filtered as (

    -- group by, then count: faster than count(distinct) per group on 2 cores
    select day, count(*) as paying_buyers
    from (
        select day, buyer_key
        from ss.order_rollup(
            'rollup_orders_region_buyers', $start, $end, $src, $dev, $prov, $plat, $cur
        )
        where not ss.unfiltered($src, $dev, $prov, $plat, $cur)
        group by all
    )
    group by day

),

daily as (

    select * from marked
    union all
    select * from filtered

)

select * from daily order by day
