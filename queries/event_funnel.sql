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
-- how: reads rollup_events_funnel (integer user keys, sorted by event and time). Both
--   periods' chains go through one pass: without filters or a split, each user's first
--   step-1 event in a period is the one whose previous_time is before the period (a
--   filter, no group by); else a group by user per period finds them. Then one hash join
--   per step against the chains still going (keyed by period and user), so repeated events
--   never multiply rows; the time buckets are counted from the finished chains. Inside, the period is a boolean (cmp): under the workspace's 1 GB memory
--   limit a (varchar, user) key made the whole query 1.3x slower (10M events split by
--   source). The steps are unrolled up to 6; a step past len($steps) matches nothing.

with

anchor_events as not materialized (

    select
        user_key,
        event_time,
        case $by
            when 'source' then source
            when 'device' then device
            when 'province' then province
        end as segment
    from rollup_events_funnel
    where event = $steps[1]
      and user_key is not null
      and event_time is not null
      and ($source is null or source = $source)
      and ($device is null or device = $device)
      and ($province is null or province = $province)

),

-- anchors: one row per period and user; each period grouped by user alone (cheaper than one
-- group by (cmp, user) over both). Min over a struct is several times slower than
-- min(event_time), so it only runs when a segment is asked for (struct order puts nulls last,
-- hence "smallest non-null").
anchors as (

    -- no filter and no split: a user's first step-1 event at or after the start is the one
    -- whose previous event of that name (previous_time) came before it; no group by
    select false as cmp, user_key, event_time as t1, null as segment
    from rollup_events_funnel
    where $by is null and $source is null and $device is null and $province is null
      and event = $steps[1]
      and ($start_date is null or event_time >= $start_date::date)
      and ($end_date is null or event_time < $end_date::date + 1)
      and (previous_time is null or previous_time < $start_date::date)
    union all
    select true, user_key, event_time, null
    from rollup_events_funnel
    where $by is null and $source is null and $device is null and $province is null
      and event = $steps[1]
      and event_time >= $cmp_start_date::date
      and event_time < $cmp_end_date::date + 1
      and (previous_time is null or previous_time < $cmp_start_date::date)
    union all
    select false as cmp, user_key, min(event_time) as t1, null as segment
    from anchor_events
    where $by is null and not ($source is null and $device is null and $province is null)
      and ($start_date is null or event_time >= $start_date::date)
      and ($end_date is null or event_time < $end_date::date + 1)
    group by user_key
    union all
    select true, user_key, min(event_time), null
    from anchor_events
    where $by is null and not ($source is null and $device is null and $province is null)
      and event_time >= $cmp_start_date::date
      and event_time < $cmp_end_date::date + 1
    group by user_key
    union all
    select false, user_key, anchor.t, anchor.v
    from (
        select user_key, min({'t': event_time, 'v': segment}) as anchor
        from anchor_events
        where $by is not null
          and ($start_date is null or event_time >= $start_date::date)
          and ($end_date is null or event_time < $end_date::date + 1)
        group by user_key
    )
    union all
    select true, user_key, anchor.t, anchor.v
    from (
        select user_key, min({'t': event_time, 'v': segment}) as anchor
        from anchor_events
        where $by is not null
          and event_time >= $cmp_start_date::date
          and event_time < $cmp_end_date::date + 1
        group by user_key
    )

),

-- events that can be a later step of some chain: from the first anchor day to the last one's
-- end plus the window (each step adds its name)
step_events as not materialized (

    select user_key, event, event_time
    from rollup_events_funnel
    where ($start_date is null
           or event_time >= least($start_date, $cmp_start_date)::date)
      and ($end_date is null
           or event_time < greatest($end_date, $cmp_end_date)::date + 1
                            + to_seconds($window_seconds::bigint))

),

-- chain: one row per period and user still in the funnel, with the time of every step reached
-- so far. At step k: if the instant of step k-1 holds more $steps[k] events than earlier steps
-- of the same name took there, step k stays at that instant; else it moves to the next later
-- one.
step1 as (

    select
        cmp,
        user_key,
        segment,
        t1 + to_seconds($window_seconds::bigint) as deadline,
        t1
    from anchors

),

step2 as (

    select
        chain.cmp,
        chain.user_key,
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
    inner join step_events as e
        on e.user_key = chain.user_key
        and e.event = $steps[2]
        and e.event_time between chain.t1 and chain.deadline
    group by chain.cmp, chain.user_key
    having t2 is not null

),

step3 as (

    select
        chain.cmp,
        chain.user_key,
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
    inner join step_events as e
        on e.user_key = chain.user_key
        and e.event = $steps[3]
        and e.event_time between chain.t2 and chain.deadline
    group by chain.cmp, chain.user_key
    having t3 is not null

),

step4 as (

    select
        chain.cmp,
        chain.user_key,
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
    inner join step_events as e
        on e.user_key = chain.user_key
        and e.event = $steps[4]
        and e.event_time between chain.t3 and chain.deadline
    group by chain.cmp, chain.user_key
    having t4 is not null

),

step5 as (

    select
        chain.cmp,
        chain.user_key,
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
    inner join step_events as e
        on e.user_key = chain.user_key
        and e.event = $steps[5]
        and e.event_time between chain.t4 and chain.deadline
    group by chain.cmp, chain.user_key
    having t5 is not null

),

step6 as (

    select
        chain.cmp,
        chain.user_key,
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
    inner join step_events as e
        on e.user_key = chain.user_key
        and e.event = $steps[6]
        and e.event_time between chain.t5 and chain.deadline
    group by chain.cmp, chain.user_key
    having t6 is not null

),

finishers as (

    select cmp, segment, epoch(t2 - t1) as seconds from step2 where len($steps) = 2
    union all
    select cmp, segment, epoch(t3 - t1) from step3 where len($steps) = 3
    union all
    select cmp, segment, epoch(t4 - t1) from step4 where len($steps) = 4
    union all
    select cmp, segment, epoch(t5 - t1) from step5 where len($steps) = 5
    union all
    select cmp, segment, epoch(t6 - t1) from step6 where len($steps) = 6

),

reached as (

    select cmp, segment, 1 as step_index, count(*) as users from step1 group by all
    union all
    select cmp, segment, 2, count(*) from step2 group by all
    union all
    select cmp, segment, 3, count(*) from step3 group by all
    union all
    select cmp, segment, 4, count(*) from step4 group by all
    union all
    select cmp, segment, 5, count(*) from step5 group by all
    union all
    select cmp, segment, 6, count(*) from step6 group by all

),

periods as (

    select false as cmp
    union all
    select true where $cmp_start_date is not null and $cmp_end_date is not null

),

segments as (

    select cmp, segment from reached where step_index = 1
    union
    select cmp, null from periods where $by is null

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
        finishers.cmp,
        finishers.segment,
        len(list_filter(bounds.starts, lambda s: s <= finishers.seconds)) as bucket_index,
        count(*) as users
    from finishers, bounds
    group by all

),

step_grid as (

    select
        segments.cmp,
        segments.segment,
        step_list.step_index,
        step_list.step,
        coalesce(reached.users, 0) as users
    from segments
    cross join step_list
    left join reached
        on reached.cmp = segments.cmp
        and reached.segment is not distinct from segments.segment
        and reached.step_index = step_list.step_index

),

time_grid as (

    select
        segments.cmp,
        segments.segment,
        buckets.bucket_index,
        buckets.start_seconds,
        buckets.end_seconds,
        coalesce(finished.users, 0) as users
    from segments
    cross join buckets
    left join finished
        on finished.cmp = segments.cmp
        and finished.segment is not distinct from segments.segment
        and finished.bucket_index = buckets.bucket_index

),

step_rows as (

    select
        cmp,
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
    window by_segment as (partition by cmp, segment order by step_index)

),

time_rows as (

    select
        cmp,
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
        users / nullif(sum(users) over (partition by cmp, segment), 0) as share
    from time_grid

),

result as (

    select * from step_rows
    union all
    select * from time_rows

)

select
    case when cmp then 'compare' else 'current' end as period,
    * exclude (cmp)
from result
order by cmp, part, segment nulls last, step_index, bucket_index
