-- inquiries_open: 1688 询盘 not closed and not given up, oldest first, with their age.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all),
--         $as_of (date: the age is counted up to this day), $lost (varchar[]: follow-up
--         values that mean the customer is gone, e.g. 已流失; such rows are left out;
--         null = none)
-- grain: one row per open inquiry. age_days = $as_of - date.
-- used by: views/inquiries.py, shopsight/period_report.py (inquiries section)
with

source as (

    select * from inquiries
    where date between $start and $end
      and ss.picked($prov, province)
      and not coalesce(closed, false)
      and (follow_up is null or $lost is null or not list_contains($lost, trim(follow_up)))

),

aged as (

    select
        date,
        date_diff('day', date, $as_of) as age_days,
        customer_id,
        customer_type,
        channel,
        province,
        follow_up,
        reason_not_closed
    from source

)

select * from aged order by date, customer_id
