-- inquiries_customers: new and returning 1688 inquiry customers per week.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all)
-- grain: one row per week (week_start = its Monday) with inquiries in the range. A customer
-- is new in the week of their first inquiry in the whole dataset (whatever the range and
-- filter), returning in any later week; each is counted once per week.
-- used by: views/inquiries.py
with

first_seen as (

    select customer_id, min(date) as first_day
    from inquiries
    group by all

),

source as (

    select
        cast(date_trunc('week', i.date) as date) as week_start,
        i.customer_id,
        cast(date_trunc('week', f.first_day) as date) as first_week
    from inquiries as i
    inner join first_seen as f on i.customer_id = f.customer_id
    where i.date between $start and $end
      and ss.picked($prov, i.province)

),

weekly as (

    select
        week_start,
        count(distinct customer_id) filter (where first_week = week_start) as count_new,
        count(distinct customer_id) filter (where first_week < week_start) as count_returning
    from source
    group by all

)

select * from weekly order by week_start
