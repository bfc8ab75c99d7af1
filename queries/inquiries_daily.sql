-- inquiries_daily: 1688 询盘 per day and channel.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all)
-- grain: one row per (day, channel); channel null = not given. amount: deal amount of the
-- closed inquiries. used by: views/inquiries.py
with

source as (

    select * from inquiries
    where date between $start and $end
      and ss.picked($prov, province)

),

daily as (

    select
        date as day,
        channel,
        count(*) as count_inquiries,
        count(*) filter (where closed) as count_closed,
        sum(amount) filter (where closed) as amount
    from source
    group by all

)

select * from daily order by day, channel nulls last
