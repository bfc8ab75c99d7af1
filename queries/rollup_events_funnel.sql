-- rollup_events_funnel: the event log as the event funnel reads it: users as small integer
-- keys, sorted by event name and time, with each event's previous time of the same name
-- for the same user.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per event with a user and a time (the funnel ignores the others).
--
-- Why: the funnel joins a user's chain step by step; on 5M events, grouping and joining by
-- an integer key instead of the text user id, and reading only one event name's row groups
-- (sorted by event, then time), costs about two thirds as much. previous_time lets the
-- unfiltered funnel find each user's first step-1 event in a range with a filter
-- (previous_time before the range's start) instead of a group by user over the range.
-- Events of one user at one instant with one name tie: the second one's previous_time is
-- the same instant, so exactly one of them passes that filter.
-- user_key: the user's key in rollup_events_user_keys (exact; stable across refreshes).
-- used by: queries/event_funnel.sql
create or replace table rollup_events_funnel as

with

keyed as (

    select
        events.event,
        events.event_time,
        users.user_key,
        events.source,
        events.device,
        events.province
    from events
    inner join rollup_events_user_keys as users using (user_id)
    where events.event_time is not null

)

select
    *,
    lag(event_time) over (partition by user_key, event order by event_time) as previous_time
from keyed
order by event, event_time
