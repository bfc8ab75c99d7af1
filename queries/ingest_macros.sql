-- ingest_macros: the value parser every uploaded cell goes through (DESIGN §3).
-- params: none. Run once on the private in-memory connection that parses an upload.
-- Each macro takes the raw cell text and returns a typed value, or null when the
-- cell cannot be read; the loader reports a non-empty cell that came back null.
-- Plain values (1234.5, 2026-11-01 10:00:00, 123456) take a cheap cast first; only
-- what that cannot read goes through the folding and pattern matching below.

-- whitespace trimmed everywhere: space, tab, CR, LF, VT, FF, ideographic space, no-break
-- space, BOM, thin and narrow no-break spaces, and the zero-width characters text copied
-- from a web page brings along. The at-sign names are character constants that
-- parse._connect puts in as text (readers.WHITESPACE is the one list): built from chr()
-- they made every query that uses these macros slow to bind.
create or replace temp macro ss_ws() as '@WHITESPACE@';

-- trim(s, ss_ws()) is slow for a multi-byte set: most cells need no trimming at all (the
-- first and last characters' code points checked against the same set)
create or replace temp macro ss_trim(s) as
    case
        when ord(s) not in (@WHITESPACE_CODES@)
            and ord(right(s, 1)) not in (@WHITESPACE_CODES@)
            then s
        else trim(s, ss_ws())
    end;

-- full-width digits and punctuation folded, other spaces (no-break, thin, narrow no-break)
-- made plain (1 234 with a no-break space groups thousands as with a space), the minus
-- sign (U+2212) a hyphen, zero-width characters dropped (they come last: translate
-- deletes what has no pair), whitespace trimmed: for numbers, dates, ids
create or replace temp macro ss_fold(s) as
    nullif(
        trim(
            translate(
                s::varchar,
                '０１２３４５６７８９．，－＋％（）：／　＄@SPACES@@MINUS@@INVISIBLE@',
                '0123456789.,-+%():/ $   -'
            ),
            ss_ws()
        ),
        ''
    );

-- placeholders that mean "no value" (never zero), also in their full-width forms;
-- compared without folding, and only when the first character can start one
-- (- — / 暂 无 n N # * and full-width - / * n N; -1 is the empty string)
create or replace temp macro ss_is_null(s) as
    case
        when s is null then true
        when ord(ss_trim(s::varchar)) in (
            -1, 45, 8212, 47, 26242, 26080, 110, 78, 35, 42, 65293, 65295, 65290, 65358, 65326
        ) then lower(ss_trim(s::varchar)) in (
            '', '-', '--', '---', '—', '——', '/', '暂无', '无', 'null', 'none', 'nan', 'n/a', 'na',
            '#n/a', '无退款申请', '****', '***', '*', '－', '－－', '－－－', '／', '＊', '＊＊＊＊',
            'ｎｕｌｌ', 'ｎ／ａ'
        )
        else false
    end;

create or replace temp macro ss_finite(x) as case when isfinite(x) then x end;

-- commas group thousands only as 1,234,567.89 does: 1.234,56 and 1,5 are not read (a
-- decimal comma would silently become a thousands separator)
create or replace temp macro ss_ungroup(t) as
    case
        when not contains(t, ',') then t
        when regexp_full_match(t, '[(+-]?\d{1,3}(,\d{3})+(\.\d*)?[)%万亿]?') then replace(t, ',', '')
    end;

-- Excel guards around long ids: ="123", '123 (a leading tab is whitespace)
create or replace temp macro ss_unwrap(s) as
    nullif(regexp_replace(ss_fold(s), '^="(.*)"$|^''(.*)$', '\1\2'), '');

-- an export that guards every cell (="59.00", '12) is read as the ids' guards are; one
-- pattern, so the cell's expression is not repeated (the macros are expanded inline)
create or replace temp macro ss_numtext(s) as
    ss_ungroup(regexp_replace(lower(ss_fold(s)), '[¥￥$元\s]|rmb|cny|^="|"$|^''', '', 'g'));

-- t is ss_numtext of the cell: 12.34%, 1.2万 (1.2w), 3亿, 1.5千 (1.5k), (12.5) for a negative
-- amount
create or replace temp macro ss_num_text(t) as
    ss_finite(
        case
            when suffix(t, '%') then try_cast(rtrim(t, '%') as double) / 100
            when suffix(t, '万') then try_cast(rtrim(t, '万') as double) * 1e4
            when suffix(t, 'w') then try_cast(rtrim(t, 'w') as double) * 1e4
            when suffix(t, '千') then try_cast(rtrim(t, '千') as double) * 1e3
            when suffix(t, 'k') then try_cast(rtrim(t, 'k') as double) * 1e3
            when suffix(t, '亿') then try_cast(rtrim(t, '亿') as double) * 1e8
            when regexp_full_match(t, '\(\d+(\.\d+)?\)') then -try_cast(trim(t, '()') as double)
            else try_cast(t as double)
        end
    );

create or replace temp macro ss_num(s) as
    coalesce(
        ss_finite(try_cast(s as double)),
        case when not ss_is_null(s) then ss_num_text(ss_numtext(s)) end
    );

-- amounts and counts are never a percentage: 12% under 支付金额 is a shifted column
create or replace temp macro ss_quantity(s) as
    case when not (contains(s, '%') or contains(s, '％')) then ss_num(s) end;

-- a unit after a count (100人, 3件, 2笔, 100 人次) is the column's, not the number's; only
-- a count takes one (3件 under 支付金额 is a shifted column)
create or replace temp macro ss_unitless(s) as
    regexp_replace(
        s, '([0-9０-９万亿])[\s@SPACES@]*(人次|人|件|次|个|单|笔|位)\s*$', '\1'
    );

-- a count beyond bigint (1e19) is not a count: null, so its row is reported, not the file
create or replace temp macro ss_int(s) as try_cast(round(ss_quantity(ss_unitless(s))) as bigint);

-- the part of a cell before / after a range separator: 2026-11-01~2026-11-07
create or replace temp macro ss_range_start(s) as
    trim(regexp_split_to_array(ss_fold(s), '\s*(~|至|～|—|–|\s-\s)\s*')[1]);

create or replace temp macro ss_range_end(s) as
    trim(regexp_split_to_array(ss_fold(s), '\s*(~|至|～|—|–|\s-\s)\s*')[2]);

-- timestamps: ISO, slashes, 年月日 (时分秒), compact digits, offsets dropped, Excel serials;
-- a weekday after the date (2026-11-01(周日), 2026-11-01 星期日) is dropped
-- 上午 / 下午 before or after the time (a Chinese Excel's 2026/11/3 下午 3:00:00) as AM / PM
create or replace temp macro ss_noon(t) as
    case
        when contains(t, '午') then regexp_replace(
            regexp_replace(
                t, '\s*上午\s*(\d{1,2}:\d{2}(?::\d{2})?)|(\d{1,2}:\d{2}(?::\d{2})?)\s*上午', ' \1\2 AM'
            ),
            '\s*下午\s*(\d{1,2}:\d{2}(?::\d{2})?)|(\d{1,2}:\d{2}(?::\d{2})?)\s*下午', ' \1\2 PM'
        )
        else t
    end;

create or replace temp macro ss_ts_text(s) as
    trim(
        regexp_replace(
            regexp_replace(
                regexp_replace(ss_noon(ss_unwrap(s)), '(\s*(z|utc|[+-]\d{2}:?\d{2}))$', '', 'i'),
                '\s*[(（]?(周|星期|礼拜)[一二三四五六日天][)）]?\s*', ' '
            ),
            '(\d)t(\d)', '\1 \2', 'i'
        )
    );

-- Unix time (seconds or milliseconds, 2001-09 .. 2033-05) as China's wall clock (UTC+8,
-- no daylight saving since 1991): the logs that write it (Tianchi UserBehavior) are
-- Taobao's, and a shop's days are Beijing days
create or replace temp macro ss_epoch(s) as
    make_timestamp(
        cast(s as bigint) * (case when length(s) = 10 then 1000000 else 1000 end)
    ) + interval 8 hour;

create or replace temp macro ss_ts_slow(s) as
    case
        when ss_is_null(s) then null
        when regexp_full_match(ss_unwrap(s), '\d{5}(\.\d+)?')
            then timestamp '1899-12-30' + to_microseconds(
                cast(round(cast(ss_unwrap(s) as double) * 86400000000) as bigint)
            )
        when regexp_full_match(ss_unwrap(s), '1\d{9}|1\d{12}') then ss_epoch(ss_unwrap(s))
        -- a time written in UTC (…Z, … UTC) is read on Beijing's clock, as Unix times are;
        -- other offsets are dropped: an export writes its shop's own clock beside them
        when regexp_matches(ss_fold(s), '\d\s*(z|utc)$', 'i') then try_strptime(
            ss_ts_text(s),
            ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M:%S']
        ) + interval 8 hour
        else try_strptime(
            ss_ts_text(s),
            [
                '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y-%m-%d %H',
                '%Y-%m-%d',
                '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M:%S.%f', '%Y/%m/%d %H:%M', '%Y/%m/%d',
                '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日',
                '%Y年%m月%d日 %H时%M分%S秒', '%Y年%m月%d日 %H时%M分', '%Y年%m月%d日%H时%M分%S秒',
                '%Y-%m-%d %I:%M:%S %p', '%Y-%m-%d %I:%M %p', '%Y/%m/%d %I:%M:%S %p',
                '%Y/%m/%d %I:%M %p', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p',
                '%b %d, %Y %I:%M %p', '%b %d, %Y %H:%M', '%b %d, %Y', '%d %b %Y',
                '%Y.%m.%d %H:%M:%S', '%Y.%m.%d', '%Y%m%d %H:%M:%S', '%Y%m%d%H%M%S', '%Y%m%d',
                '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y'
            ]
        )
    end;

-- a shop's dates lie in 1970-2099: 26-11-01 read by %Y is the year 26, not a date to keep;
-- 1970-01-01 is Unix time 0, what a system writes for "never" (ss_no_time)
create or replace temp macro ss_in_era(t) as
    case when t >= date '1970-01-02' and t < date '2100-01-01' then t end;

-- a time that says "none": a placeholder, 0000-00-00 (00:00:00), 0, or Unix time 0
-- (1970-01-01 at 00:00, or 08:00 on a Beijing clock): no value, neither a bad cell nor a
-- payment (an order closed unpaid shows 1970-01-01 08:00:00 as its payment time)
create or replace temp macro ss_no_time(s) as
    case
        when ss_is_null(s) then true
        else regexp_full_match(
            ss_fold(s), '0+|0{4}-0{1,2}-0{1,2}( 0{1,2}:0{2}(:0{2})?)?|1970[-/.]0?1[-/.]0?1\b.*'
        )
    end;

-- 2026-11-01 and 2026-11-01 10:00:00 (19 characters, so never 'epoch' or 'infinity')
create or replace temp macro ss_ts(s) as
    ss_in_era(
        coalesce(
            case when length(s) in (10, 19) then try_cast(s as timestamp) end,
            ss_ts_slow(s)
        )
    );

create or replace temp macro ss_date(s) as
    ss_in_era(
        coalesce(
            case when length(s) in (10, 19) then try_cast(s as date) end,
            cast(ss_ts_slow(ss_range_start(s)) as date)
        )
    );

-- a column the loader found written day first (31/10/2026 somewhere in it, no month
-- above 12 in the first place): 05/11/2026 is 5 November there, rewritten as 2026-11-05
-- before the usual parse, which would read it month first
create or replace temp macro ss_dmy(s) as
    regexp_replace(ss_fold(s), '^(\d{1,2})/(\d{1,2})/(\d{4})', '\3-\2-\1');

create or replace temp macro ss_ts_dmy(s) as ss_ts(ss_dmy(s));

create or replace temp macro ss_date_dmy(s) as ss_date(ss_dmy(s));

-- ids stay exact text; scientific notation means Excel already lost the digits
create or replace temp macro ss_id_slow(s) as
    case
        when ss_is_null(s) then null
        when regexp_full_match(ss_unwrap(s), '[+-]?\d+(\.\d+)?[eE][+-]?\d+') then null
        when regexp_full_match(ss_unwrap(s), '\d+\.0+') then split_part(ss_unwrap(s), '.', 1)
        else ss_unwrap(s)
    end;

create or replace temp macro ss_id(s) as
    case
        when regexp_full_match(s, '[0-9A-Za-z_-]{1,64}')
            and not regexp_full_match(s, '(?i)[+-]?[0-9]+e[+-]?[0-9]+|nan|none|null|na|-+')
            then s
        else ss_id_slow(s)
    end;

create or replace temp macro ss_bool(s) as
    case
        when ss_is_null(s) then null
        when lower(ss_fold(s)) in (
            '是', '成交', '已成交', 'true', 'yes', 'y', '1', '对照', '对照组', 'control', '√', '✓', 'x'
        ) then true
        when lower(ss_fold(s)) in (
            '否', '未成交', '不成交', 'false', 'no', 'n', '0', '实验', '实验组', 'test', '×'
        ) then false
    end;

-- text is kept as written (no folding): only whitespace trimmed and placeholders nulled
create or replace temp macro ss_text(s) as
    case when ss_is_null(s) then null else ss_trim(s) end;

-- behaviours written as Taobao's logs write them, named as the Funnel page shows them
create or replace temp macro ss_event(s) as
    case lower(ss_trim(s))
        when 'pv' then '浏览'
        when 'cart' then '加购'
        when 'fav' then '收藏'
        when 'buy' then '购买'
        else ss_text(s)
    end;

-- Tianchi's behavior_type codes: 1 浏览, 2 收藏, 3 加购, 4 购买
create or replace temp macro ss_event_code(s) as
    case ss_trim(s)
        when '1' then '浏览'
        when '2' then '收藏'
        when '3' then '加购'
        when '4' then '购买'
        else ss_event(s)
    end;

-- extra columns: verbatim, only whitespace trimmed
create or replace temp macro ss_extra(s) as case when ss_trim(s) <> '' then ss_trim(s) end;

-- a variant named like the control arm, when the file has no control column
create or replace temp macro ss_is_control(v) as
    lower(trim(v)) in ('control', '对照', '对照组', '原图', '原版', '基准', 'baseline', 'original');

-- money is exact: DECIMAL(18,2); an amount too large for it is not read
create or replace temp macro ss_money(s) as try_cast(ss_quantity(s) as decimal(18, 2));
