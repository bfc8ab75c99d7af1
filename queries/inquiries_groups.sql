-- inquiries_groups: 1688 询盘 and closed inquiries by channel, by customer type and by province.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all)
-- grain: one row per (dim, value); dim is channel | customer_type | province, value null =
-- not given (its own row). Close rate is count_closed / count_inquiries (shopsight.metrics).
-- used by: views/inquiries.py, shopsight/period_report.py (inquiries section)
with

source as (

    select * from inquiries
    where date between $start and $end
      and ss.picked($prov, province)

),

grouped as (

    select
        case
            when grouping(channel) = 0 then 'channel'
            when grouping(customer_type) = 0 then 'customer_type'
            else 'province'
        end as dim,
        coalesce(channel, customer_type, province) as value,
        count(*) as count_inquiries,
        count(*) filter (where closed) as count_closed,
        sum(amount) filter (where closed) as amount
    from source
    group by grouping sets ((channel), (customer_type), (province))

)

select * from grouped
order by dim, count_inquiries desc, value nulls last
