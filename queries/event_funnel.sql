-- event_funnel: users reaching each of 2-6 ordered event steps within a conversion window, and
--   how long those who finished took; for a period and, in the same pass, a compare period.
-- params: $steps (varchar[], 2-6 event names in order), $window_seconds (bigint, longest time
--   from a user's anchor to a later step), $start_date, $end_date (date, inclusive, null =
--   open; applied to the anchor), $cmp_start_date, $cmp_end_date (date, inclusive; the compare
--   period, counted by the same rules; null = none), $by ('source' | 'device' | 'province' |
--   null = one segment; taken from the anchor), $source, $device, $province (varchar, null =
--   all; applied to the anchor)
-- grain: one row per (period, part, segment, step_index or bucket_index), ordered so. period:
--   'current', and 'compare' when both compare dates are given. segment: null when $by is
--   null. The columns of the other part are null.
--   part 'steps': step_index, step, users (reaching the step), conversion_from_first,
--     conversion_from_previous (null where the base is zero).
--   part 'times': time to convert = seconds from the anchor to the last step, for the users
--     who finished. Buckets start at fixed human steps (0, 1m, 5m, 15m, 1h, 3h, ... 90d)
--     below the window and hold [start_seconds, end_seconds); the last one ends at the window
--     and includes it. bucket_index, start_seconds, end_seconds, users, share (of the
--     segment's finishers; null when none finished).
-- rules (tests/test_event_funnel.py checks them against a row-by-row reference):
--   anchor = the user's earliest $steps[1] event among those inside the dates and filters.
--     Only this anchor is tried: a user whose chain fails from it is not retried from a later
--     step-1 event, so each user has exactly one chain and one segment per period.
--   step k = the user's earliest $steps[k] event at or after step k-1 (equal times count) that
--     no earlier step took; any event of the user qualifies (any source/device/province, also
--     after $end_date). Events with one name at one instant are interchangeable, so a repeated
--     step (view, view) takes a second event at the same instant if there is one, else the
--     next later one; no row id is needed.
--   a step counts only if it is at most $window_seconds after the anchor; a missed step ends
--     the chain.
--   segment = the $by value of the anchor; when several step-1 events tie at the anchor
--     instant, the smallest non-null value among them.
-- how: the anchors of both periods come from one group by (period, user); step 2 is a hash
--   join of them with the step-2 events inside their windows. The few chains that reach step 2
--   then gather, in one more join, the events of steps 3-6 inside their windows into a short
--   list each, and every later step is a lookup in that list. The steps are unrolled up to 6;
--   a step past len($steps) is null.

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
      and ($source is null or source = $source)
      and ($device is null or device = $device)
      and ($province is null or province = $province)

),

-- step-1 events inside each period, tagged with it (in both when the periods overlap)
anchor_candidates as not materialized (

    select 'current' as period, user_id, event_time, segment
    from anchor_events
    where ($start_date is null or event_time >= $start_date::date)
      and ($end_date is null or event_time < $end_date::date + 1)
    union all
    select 'compare', user_id, event_time, segment
    from anchor_events
    where event_time >= $cmp_start_date::date
      and event_time < $cmp_end_date::date + 1

),

anchors as (

    -- min over a struct is several times slower than min(event_time), so it only runs when a
    -- segment is asked for (struct order puts nulls last, hence "smallest non-null").
    select period, user_id, min(event_time) as t1, null as segment
    from anchor_candidates
    where $by is null
    group by period, user_id
    union all
    select period, user_id, anchor.t as t1, anchor.v as segment
    from (
        select period, user_id, min({'t': event_time, 'v': segment}) as anchor
        from anchor_candidates
        where $by is not null
        group by period, user_id
    )

),

-- the events that can be step 2 of some chain: up to the last anchor day plus the window
step2_events as not materialized (

    select user_id, event_time
    from events
    where event = $steps[2]
      and ($start_date is null
           or event_time >= least($start_date, $cmp_start_date)::date)
      and ($end_date is null
           or event_time < greatest($end_date, $cmp_end_date)::date + 1
                            + to_seconds($window_seconds::bigint))

),

-- at step k: if the instant of step k-1 holds more $steps[k] events than earlier steps of the
-- same name took there, step k stays at that instant; else it moves to the next later one
step2 as (

    select
        anchors.period,
        anchors.user_id,
        any_value(anchors.segment) as segment,
        any_value(anchors.t1) as t1,
        case
            when count(*) filter (where e.event_time = anchors.t1)
                > ($steps[1] = $steps[2])::int
                then any_value(anchors.t1)
            else min(e.event_time) filter (where e.event_time > anchors.t1)
        end as t2
    from anchors
    inner join step2_events as e
        on e.user_id = anchors.user_id
        and e.event_time between anchors.t1
                             and anchors.t1 + to_seconds($window_seconds::bigint)
    group by anchors.period, anchors.user_id
    having t2 is not null

),

-- the events that can be step 3-6 of some chain; c = the first position of their name in
-- $steps, which step k compares with the first position of $steps[k]
later_events as not materialized (

    select user_id, event_time, list_position($steps, event) as c
    from events
    where list_contains($steps[3:], event)
      and ($start_date is null
           or event_time >= least($start_date, $cmp_start_date)::date)
      and ($end_date is null
           or event_time < greatest($end_date, $cmp_end_date)::date + 1
                            + to_seconds($window_seconds::bigint))

),

-- one row per chain that reached step 2, with the events of steps 3-6 between its step 2 and
-- the end of its window as a list of (t, c): null when there are none
candidates as (

    select
        step2.period,
        step2.user_id,
        any_value(step2.segment) as segment,
        any_value(step2.t1) as t1,
        any_value(step2.t2) as t2,
        list({'t': later_events.event_time, 'c': later_events.c})
            filter (where later_events.c is not null) as later
    from step2
    left join later_events
        on later_events.user_id = step2.user_id
        and later_events.event_time between step2.t2
                                        and step2.t1 + to_seconds($window_seconds::bigint)
    group by step2.period, step2.user_id

),

step3 as (

    select
        *,
        case
            when len($steps) < 3 then null
            when len([e for e in later if e.c = list_position($steps, $steps[3])
                                           and e.t = t2])
                > ($steps[2] = $steps[3])::int
                  + ($steps[1] = $steps[3] and t1 = t2)::int
                then t2
            else list_min([e.t for e in later if e.c = list_position($steps, $steps[3])
                                                 and e.t > t2])
        end as t3
    from candidates

),

step4 as (

    select
        *,
        case
            when t3 is null or len($steps) < 4 then null
            when len([e for e in later if e.c = list_position($steps, $steps[4])
                                           and e.t = t3])
                > ($steps[3] = $steps[4])::int
                  + ($steps[2] = $steps[4] and t2 = t3)::int
                  + ($steps[1] = $steps[4] and t1 = t3)::int
                then t3
            else list_min([e.t for e in later if e.c = list_position($steps, $steps[4])
                                                 and e.t > t3])
        end as t4
    from step3

),

step5 as (

    select
        *,
        case
            when t4 is null or len($steps) < 5 then null
            when len([e for e in later if e.c = list_position($steps, $steps[5])
                                           and e.t = t4])
                > ($steps[4] = $steps[5])::int
                  + ($steps[3] = $steps[5] and t3 = t4)::int
                  + ($steps[2] = $steps[5] and t2 = t4)::int
                  + ($steps[1] = $steps[5] and t1 = t4)::int
                then t4
            else list_min([e.t for e in later if e.c = list_position($steps, $steps[5])
                                                 and e.t > t4])
        end as t5
    from step4

),

step6 as (

    select
        *,
        case
            when t5 is null or len($steps) < 6 then null
            when len([e for e in later if e.c = list_position($steps, $steps[6])
                                           and e.t = t5])
                > ($steps[5] = $steps[6])::int
                  + ($steps[4] = $steps[6] and t4 = t5)::int
                  + ($steps[3] = $steps[6] and t3 = t5)::int
                  + ($steps[2] = $steps[6] and t2 = t5)::int
                  + ($steps[1] = $steps[6] and t1 = t5)::int
                then t5
            else list_min([e.t for e in later if e.c = list_position($steps, $steps[6])
                                                 and e.t > t5])
        end as t6
    from step5

),

chains as (

    select
        period,
        segment,
        t1,
        t2,
        t3,
        t4,
        t5,
        t6,
        [t2, t3, t4, t5, t6][len($steps) - 1] as t_last
    from step6

),

reached as (

    select period, segment, 1 as step_index, count(*) as users from anchors group by all
    union all
    select period, segment, 2, count(t2) from chains group by all
    union all
    select period, segment, 3, count(t3) from chains group by all
    union all
    select period, segment, 4, count(t4) from chains group by all
    union all
    select period, segment, 5, count(t5) from chains group by all
    union all
    select period, segment, 6, count(t6) from chains group by all

),

periods as (

    select 'current' as period
    union all
    select 'compare' where $cmp_start_date is not null and $cmp_end_date is not null

),

segments as (

    select period, segment from reached where step_index = 1
    union
    select period, null from periods where $by is null

),

step_list as (

    select
        step_index,
        $steps[step_index] as step
    from unnest(generate_series(1, len($steps))) as t(step_index)

),

bounds as (

    -- bucket starts in seconds; those at or past the window could hold nobody
    select list_filter(
        [0, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
         3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 60 * 86400, 90 * 86400]::bigint[],
        lambda s: s < $window_seconds::bigint
    ) as starts

),

buckets as (

    select
        bucket_index,
        bounds.starts[bucket_index] as start_seconds,
        coalesce(bounds.starts[bucket_index + 1], $window_seconds::bigint) as end_seconds
    from bounds, unnest(generate_series(1, len(bounds.starts))) as t(bucket_index)

),

finished as (

    select
        chains.period,
        chains.segment,
        len(list_filter(bounds.starts, lambda s: s <= epoch(chains.t_last - chains.t1)))
            as bucket_index,
        count(*) as users
    from chains, bounds
    where chains.t_last is not null
    group by all

),

step_grid as (

    select
        segments.period,
        segments.segment,
        step_list.step_index,
        step_list.step,
        coalesce(reached.users, 0) as users
    from segments
    cross join step_list
    left join reached
        on reached.period = segments.period
        and reached.segment is not distinct from segments.segment
        and reached.step_index = step_list.step_index

),

time_grid as (

    select
        segments.period,
        segments.segment,
        buckets.bucket_index,
        buckets.start_seconds,
        buckets.end_seconds,
        coalesce(finished.users, 0) as users
    from segments
    cross join buckets
    left join finished
        on finished.period = segments.period
        and finished.segment is not distinct from segments.segment
        and finished.bucket_index = buckets.bucket_index

),

step_rows as (

    select
        period,
        'steps' as part,
        segment,
        step_index,
        step,
        null::bigint as bucket_index,
        null::bigint as start_seconds,
        null::bigint as end_seconds,
        users,
        users / nullif(first_value(users) over by_segment, 0) as conversion_from_first,
        users / nullif(lag(users) over by_segment, 0) as conversion_from_previous,
        null::double as share
    from step_grid
    window by_segment as (partition by period, segment order by step_index)

),

time_rows as (

    select
        period,
        'times' as part,
        segment,
        null::bigint as step_index,
        null::varchar as step,
        bucket_index,
        start_seconds,
        end_seconds,
        users,
        null::double as conversion_from_first,
        null::double as conversion_from_previous,
        users / nullif(sum(users) over (partition by period, segment), 0) as share
    from time_grid

)

select *
from (
    select * from step_rows
    union all
    select * from time_rows
)
order by period = 'compare', part, segment nulls last, step_index, bucket_index
