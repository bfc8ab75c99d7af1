-- inquiries_reasons: why 1688 询盘 did not close (未成交原因), for a Pareto chart.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all)
-- grain: one row per reason of the inquiries not closed; reason null = not given.
-- used by: views/inquiries.py, shopsight/period_report.py (inquiries section)
with

source as (

    select * from inquiries
    where date between $start and $end
      and ss.picked($prov, province)
      and not coalesce(closed, false)

),

reasons as (

    select
        nullif(trim(reason_not_closed), '') as reason,
        count(*) as count_inquiries
    from source
    group by all

)

select * from reasons order by count_inquiries desc, reason nulls last
