-- date_bounds: the first and last day each dataset covers, and its row count.
-- params: none
-- grain: one row per dataset kind (kinds with no rows have null days). A period row
-- covers date..date_end; orders and events are placed by their time.
-- used by: the global date filter (its default range) and the Data page.
select * from ss.span('traffic', date, date_end)
union all select * from ss.span('products', date, date_end)
union all select * from ss.span('orders', order_time, null)
union all select * from ss.span('regions', date, date_end)
union all select * from ss.span('image_tests', date, null)
union all select * from ss.span('inquiries', date, null)
union all select * from ss.span('events', event_time, null)
