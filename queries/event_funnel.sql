-- event_funnel: users reaching each of 2-6 ordered event steps within a conversion window.
-- params: $steps (varchar[], 2-6 event names in order), $window_seconds (bigint, longest time
--   from a user's anchor to a later step), $start_date, $end_date (date, inclusive, null =
--   open; applied to the anchor), $by ('source' | 'device' | 'province' | null = one segment;
--   taken from the anchor), $source, $device, $province (varchar, null = all; applied to the
--   anchor)
-- grain: one row per (segment, step_index); segment is null when $by is null.
-- rules (tests/test_event_funnel.py checks them against a row-by-row reference):
--   anchor = the user's earliest $steps[1] event among those inside the dates and filters.
--     Only this anchor is tried: a user whose chain fails from it is not retried from a later
--     step-1 event, so each user has exactly one chain and one segment.
--   step k = the user's earliest $steps[k] event at or after step k-1 (equal times count) that
--     no earlier step took; any event of the user qualifies (any source/device/province, also
--     after $end_date). Events with one name at one instant are interchangeable, so a repeated
--     step (view, view) takes a second event at the same instant if there is one, else the
--     next later one; no row id is needed.
--   a step counts only if it is at most $window_seconds after the anchor; a missed step ends
--     the chain.
--   segment = the $by value of the anchor; when several step-1 events tie at the anchor
--     instant, the smallest non-null value among them.
-- how: one hash join per step against the users still in the chain, so repeated events never
--   multiply rows. The steps are unrolled up to 6; a step past len($steps) matches nothing.
with

anchor_events as not materialized (

    select
        user_id,
        event_time,
        case $by
            when 'source' then source
            when 'device' then device
            when 'province' then province
        end as segment
    from events
    where event = $steps[1]
      and user_id is not null
      and event_time is not null
      and ($start_date is null or event_time >= $start_date::date)
      and ($end_date is null or event_time < $end_date::date + 1)
      and ($source is null or source = $source)
      and ($device is null or device = $device)
      and ($province is null or province = $province)

),

anchors as (

    -- min over a struct is several times slower than min(event_time), so it only runs when a
    -- segment is asked for (struct order puts nulls last, hence "smallest non-null").
    select user_id, min(event_time) as t1, null as segment
    from anchor_events
    where $by is null
    group by user_id
    union all
    select user_id, anchor.t as t1, anchor.v as segment
    from (
        select user_id, min({'t': event_time, 'v': segment}) as anchor
        from anchor_events
        where $by is not null
        group by user_id
    )

),

-- chain: one row per user still in the funnel, with the time of every step reached so far.
-- At step k: if the instant of step k-1 holds more $steps[k] events than earlier steps of the
-- same name took there, step k stays at that instant; else it moves to the next later one.
step1 as (

    select
        user_id,
        segment,
        t1 + to_seconds($window_seconds::bigint) as deadline,
        t1
    from anchors

),

step2 as (

    select
        chain.user_id,
        any_value(chain.segment) as segment,
        any_value(chain.deadline) as deadline,
        any_value(chain.t1) as t1,
        case
            when count(*) filter (where e.event_time = chain.t1)
                > ($steps[1] = $steps[2])::int
                then any_value(chain.t1)
            else min(e.event_time) filter (where e.event_time > chain.t1)
        end as t2
    from step1 as chain
    inner join events as e
        on e.user_id = chain.user_id
        and e.event = $steps[2]
        and e.event_time between chain.t1 and chain.deadline
    group by chain.user_id
    having t2 is not null

),

step3 as (

    select
        chain.user_id,
        any_value(chain.segment) as segment,
        any_value(chain.deadline) as deadline,
        any_value(chain.t1) as t1,
        any_value(chain.t2) as t2,
        case
            when count(*) filter (where e.event_time = chain.t2)
                > any_value(
                    ($steps[2] = $steps[3])::int
                    + ($steps[1] = $steps[3] and chain.t1 = chain.t2)::int
                )
                then any_value(chain.t2)
            else min(e.event_time) filter (where e.event_time > chain.t2)
        end as t3
    from step2 as chain
    inner join events as e
        on e.user_id = chain.user_id
        and e.event = $steps[3]
        and e.event_time between chain.t2 and chain.deadline
    group by chain.user_id
    having t3 is not null

),

step4 as (

    select
        chain.user_id,
        any_value(chain.segment) as segment,
        any_value(chain.deadline) as deadline,
        any_value(chain.t1) as t1,
        any_value(chain.t2) as t2,
        any_value(chain.t3) as t3,
        case
            when count(*) filter (where e.event_time = chain.t3)
                > any_value(
                    ($steps[3] = $steps[4])::int
                    + ($steps[2] = $steps[4] and chain.t2 = chain.t3)::int
                    + ($steps[1] = $steps[4] and chain.t1 = chain.t3)::int
                )
                then any_value(chain.t3)
            else min(e.event_time) filter (where e.event_time > chain.t3)
        end as t4
    from step3 as chain
    inner join events as e
        on e.user_id = chain.user_id
        and e.event = $steps[4]
        and e.event_time between chain.t3 and chain.deadline
    group by chain.user_id
    having t4 is not null

),

step5 as (

    select
        chain.user_id,
        any_value(chain.segment) as segment,
        any_value(chain.deadline) as deadline,
        any_value(chain.t1) as t1,
        any_value(chain.t2) as t2,
        any_value(chain.t3) as t3,
        any_value(chain.t4) as t4,
        case
            when count(*) filter (where e.event_time = chain.t4)
                > any_value(
                    ($steps[4] = $steps[5])::int
                    + ($steps[3] = $steps[5] and chain.t3 = chain.t4)::int
                    + ($steps[2] = $steps[5] and chain.t2 = chain.t4)::int
                    + ($steps[1] = $steps[5] and chain.t1 = chain.t4)::int
                )
                then any_value(chain.t4)
            else min(e.event_time) filter (where e.event_time > chain.t4)
        end as t5
    from step4 as chain
    inner join events as e
        on e.user_id = chain.user_id
        and e.event = $steps[5]
        and e.event_time between chain.t4 and chain.deadline
    group by chain.user_id
    having t5 is not null

),

step6 as (

    select
        chain.user_id,
        any_value(chain.segment) as segment,
        any_value(chain.deadline) as deadline,
        any_value(chain.t1) as t1,
        any_value(chain.t2) as t2,
        any_value(chain.t3) as t3,
        any_value(chain.t4) as t4,
        any_value(chain.t5) as t5,
        case
            when count(*) filter (where e.event_time = chain.t5)
                > any_value(
                    ($steps[5] = $steps[6])::int
                    + ($steps[4] = $steps[6] and chain.t4 = chain.t5)::int
                    + ($steps[3] = $steps[6] and chain.t3 = chain.t5)::int
                    + ($steps[2] = $steps[6] and chain.t2 = chain.t5)::int
                    + ($steps[1] = $steps[6] and chain.t1 = chain.t5)::int
                )
                then any_value(chain.t5)
            else min(e.event_time) filter (where e.event_time > chain.t5)
        end as t6
    from step5 as chain
    inner join events as e
        on e.user_id = chain.user_id
        and e.event = $steps[6]
        and e.event_time between chain.t5 and chain.deadline
    group by chain.user_id
    having t6 is not null

),

reached as (

    select segment, 1 as step_index, count(*) as users from step1 group by all
    union all
    select segment, 2, count(*) from step2 group by all
    union all
    select segment, 3, count(*) from step3 group by all
    union all
    select segment, 4, count(*) from step4 group by all
    union all
    select segment, 5, count(*) from step5 group by all
    union all
    select segment, 6, count(*) from step6 group by all

),

segments as (

    select segment from step1
    union
    select null where $by is null

),

step_list as (

    select
        step_index,
        $steps[step_index] as step
    from unnest(generate_series(1, len($steps))) as t(step_index)

),

grid as (

    select
        segments.segment,
        step_list.step_index,
        step_list.step,
        coalesce(reached.users, 0) as users
    from segments
    cross join step_list
    left join reached
        on reached.segment is not distinct from segments.segment
        and reached.step_index = step_list.step_index

)

select
    segment,
    step_index,
    step,
    users,
    users / nullif(first_value(users) over by_segment, 0) as conversion_from_first,
    users / nullif(lag(users) over by_segment, 0) as conversion_from_previous
from grid
window by_segment as (partition by segment order by step_index)
order by segment nulls last, step_index
