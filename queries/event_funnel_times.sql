-- event_funnel_times: time to convert, as histogram buckets, for users who finished the funnel.
-- params: the same as event_funnel ($steps, $window_seconds, $start_date, $end_date, $by,
--   $source, $device, $province); seconds are measured from the anchor to the last step.
-- grain: one row per (segment, bucket_index). Buckets start at fixed human steps (0, 1m, 5m,
--   15m, 1h, 3h, ... 90d) below the window and hold [start_seconds, end_seconds); the last one
--   ends at the window and includes it. share = the bucket's users / the segment's converted
--   users (null when none converted).
-- rules: exactly those of event_funnel.sql; the chain CTEs (anchor_events .. step6) are a copy
--   of that file's and a test keeps them identical.
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

converted as (

    select segment, epoch(t2 - t1) as seconds from step2 where len($steps) = 2
    union all
    select segment, epoch(t3 - t1) from step3 where len($steps) = 3
    union all
    select segment, epoch(t4 - t1) from step4 where len($steps) = 4
    union all
    select segment, epoch(t5 - t1) from step5 where len($steps) = 5
    union all
    select segment, epoch(t6 - t1) from step6 where len($steps) = 6

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

counted as (

    select
        converted.segment,
        len(list_filter(bounds.starts, lambda s: s <= converted.seconds)) as bucket_index,
        count(*) as users
    from converted, bounds
    group by all

),

segments as (

    select segment from step1
    union
    select null where $by is null

),

grid as (

    select
        segments.segment,
        buckets.bucket_index,
        buckets.start_seconds,
        buckets.end_seconds,
        coalesce(counted.users, 0) as users
    from segments
    cross join buckets
    left join counted
        on counted.segment is not distinct from segments.segment
        and counted.bucket_index = buckets.bucket_index

)

select
    segment,
    bucket_index,
    start_seconds,
    end_seconds,
    users,
    users / nullif(sum(users) over (partition by segment), 0) as share
from grid
order by segment nulls last, bucket_index
