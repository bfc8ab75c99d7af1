-- regions_regions: 生意参谋 地域 rows per province (or per city of one province).
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all),
--         $province (varchar; null = one row per province, else one row per city of it),
--         $undated (boolean: include rows that carry no date at all)
-- grain: one row per province (city null), or per city within $province. A row counts
-- when its whole period (date..date_end) lies inside the range (the overview rule); rows
-- without any date count only when $undated (pages pass true for the current period and
-- false for the compare period). A file may hold province totals (city null) and city
-- rows: a province's totals are its city-null rows when it has any, else its city rows
-- summed. Buyers and visitors summed over several periods count a person once per period.
-- count_rows_left_out: rows overlapping the range that stick out of it (same on every row).
-- used by: views/regions.py
with

source as (

    select *
    from regions
    where ss.picked($prov, province)
      and ($province is null or province = $province)

),

placed as (

    select
        *,
        date is not null and ss.inside(date, date_end, $start, $end) as is_inside,
        date is not null and ss.overlaps(date, date_end, $start, $end) as is_overlapping
    from source

),

chosen as (

    select * from placed where is_inside or (date is null and $undated)

),

by_city as (

    select
        province,
        city,
        count(*) as count_rows,
        count(*) filter (where date is null) as count_undated_rows,
        sum(visitors) as visitors,
        sum(paying_buyers) as paying_buyers,
        sum(paid_amount) as paid_amount,
        sum(orders) as orders
    from chosen
    group by all

),

province_level as (

    select
        province,
        cast(null as varchar) as city,
        sum(count_rows) as count_rows,
        sum(count_undated_rows) as count_undated_rows,
        coalesce(sum(count_rows) filter (where city is not null), 0) as count_city_lines,
        case when bool_or(city is null)
            then sum(visitors) filter (where city is null) else sum(visitors) end as visitors,
        case when bool_or(city is null)
            then sum(paying_buyers) filter (where city is null) else sum(paying_buyers) end
            as paying_buyers,
        case when bool_or(city is null)
            then sum(paid_amount) filter (where city is null) else sum(paid_amount) end
            as paid_amount,
        case when bool_or(city is null)
            then sum(orders) filter (where city is null) else sum(orders) end as orders
    from by_city
    where $province is null
    group by province

),

city_level as (

    select
        province,
        city,
        count_rows,
        count_undated_rows,
        count_rows as count_city_lines,
        visitors,
        paying_buyers,
        paid_amount,
        orders
    from by_city
    where $province is not null
      and city is not null

),

regions_out as (

    select * from province_level
    union all
    select * from city_level

)

select
    *,
    (select count(*) from placed where is_overlapping and not is_inside) as count_rows_left_out
from regions_out
order by paid_amount desc nulls last, province, city
