-- event_names: distinct event names with their event counts, most frequent first (step pickers).
-- params: $start_date, $end_date (date, inclusive, null = open)
-- grain: one row per event name. No distinct-user count: it would cost ~40x the query at 10M
--   events, and the funnel itself reports users.
with

source as (

    select event
    from events
    where event is not null
      and ($start_date is null or event_time >= $start_date::date)
      and ($end_date is null or event_time < $end_date::date + 1)

),

counted as (

    select
        event,
        count(*) as count_events
    from source
    group by all

)

select * from counted order by count_events desc, event
