-- ingest_orders_again: orders a file writes twice, in two separate runs of the same lines
--   (two overlapping exports pasted into one); the last run counts.
-- params: none; reads _runs (registered by parse._orders_again): the lines of the orders
--   that have several runs (lines of one order next to each other) in the file: _pos (the
--   line's place in the file), order_id, _line (what the line is apart from its order:
--   product, SKU, name, quantity and the file's sub-order id, as one text), _run.
-- grain: one row per line of an earlier run: _pos, and _kept = the first line of the run
--   that counts.
-- An order's runs that hold different lines (a file sorted by product) are not the order
-- written twice.
with

per_run as (

    select order_id, _run, min(_pos) as _first, list(_line order by _line) as _run_lines
    from _runs
    group by order_id, _run

),

twice as (

    select order_id, max(_run) as _last
    from per_run
    group by order_id
    having count(*) > 1 and count(distinct _run_lines) = 1

)

select _runs._pos, kept._first as _kept
from _runs
join twice using (order_id)
join per_run as kept on kept.order_id = twice.order_id and kept._run = twice._last
where _runs._run < twice._last
order by _runs._pos
