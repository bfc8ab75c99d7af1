-- ingest_orders_again: orders a file writes twice, in two separate runs of the same lines
--   (two overlapping exports pasted into one); the last run counts.
-- params: none; reads _lines (registered by parse._orders_again): _pos (the line's place
--   in the file), order_id, _line (what the line is apart from its order: product, SKU,
--   name and quantity, as one text), for the lines that are data.
-- grain: one row per line of an earlier run: _pos, and _kept = the first line of the run
--   that counts.
-- Lines of one order next to each other are one run, however alike; an order's runs that
-- hold different lines (a file sorted by product) are not the order written twice.
with

marked as (

    select
        _pos,
        order_id,
        _line,
        case when order_id is distinct from lag(order_id) over (order by _pos) then 1 else 0 end
            as _start
    from _lines

),

runs as (

    select *, sum(_start) over (order by _pos rows unbounded preceding) as _run
    from marked

),

per_run as (

    select order_id, _run, min(_pos) as _first, list(_line order by _line) as _run_lines
    from runs
    where order_id is not null
    group by order_id, _run

),

twice as (

    select order_id, max(_run) as _last
    from per_run
    group by order_id
    having count(*) > 1 and count(distinct _run_lines) = 1

)

select runs._pos, kept._first as _kept
from runs
join twice using (order_id)
join per_run as kept on kept.order_id = twice.order_id and kept._run = twice._last
where runs._run < twice._last
order by runs._pos
