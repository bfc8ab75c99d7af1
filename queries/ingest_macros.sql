-- ingest_macros: the value parser every uploaded cell goes through (DESIGN §3).
-- params: none. Run once on the private in-memory connection that parses an upload.
-- Each macro takes the raw cell text and returns a typed value, or null when the
-- cell cannot be read; the loader reports a non-empty cell that came back null.

-- full-width digits and punctuation, stray whitespace and BOMs folded away
create or replace temp macro ss_fold(s) as
    nullif(
        trim(
            translate(
                replace(s::varchar, chr(65279), ''),
                '０１２３４５６７８９．，－＋％（）：／　＄',
                '0123456789.,-+%():/ $'
            ),
            ' ' || chr(9) || chr(10) || chr(13) || chr(160)
        ),
        ''
    );

-- Excel guards around long ids: ="123", '123, a leading tab
create or replace temp macro ss_unwrap(s) as
    nullif(regexp_replace(ss_fold(s), '^(="?|''|")|"$', '', 'g'), '');

create or replace temp macro ss_is_null(s) as
    ss_fold(s) is null
    or lower(ss_fold(s)) in (
        '-', '--', '---', '—', '——', '/', '暂无', '无', 'null', 'none', 'nan', 'n/a', 'na',
        '#n/a', '无退款申请', '****', '***', '*'
    );

create or replace temp macro ss_numtext(s) as
    regexp_replace(lower(ss_fold(s)), '[,¥￥$元\s]|rmb|cny', '', 'g');

create or replace temp macro ss_num(s) as
    case
        when ss_is_null(s) then null
        else coalesce(
            try_cast(s as double),
            case
                when suffix(ss_numtext(s), '%')
                    then try_cast(rtrim(ss_numtext(s), '%') as double) / 100
                when suffix(ss_numtext(s), '万')
                    then try_cast(rtrim(ss_numtext(s), '万') as double) * 1e4
                when suffix(ss_numtext(s), '亿')
                    then try_cast(rtrim(ss_numtext(s), '亿') as double) * 1e8
                when regexp_full_match(ss_numtext(s), '\(\d+(\.\d+)?\)')
                    then -try_cast(trim(ss_numtext(s), '()') as double)
                else try_cast(ss_numtext(s) as double)
            end
        )
    end;

create or replace temp macro ss_int(s) as cast(round(ss_num(s)) as bigint);

-- the part of a cell before a range separator: 2026-11-01~2026-11-07
create or replace temp macro ss_range_start(s) as
    trim(regexp_split_to_array(ss_fold(s), '\s*(~|至|～|—|–|\s-\s)\s*')[1]);

create or replace temp macro ss_range_end(s) as
    trim(regexp_split_to_array(ss_fold(s), '\s*(~|至|～|—|–|\s-\s)\s*')[2]);

-- timestamps: ISO, slashes, 年月日, compact digits, offsets dropped, Excel serials
create or replace temp macro ss_ts_text(s) as
    regexp_replace(
        regexp_replace(ss_unwrap(s), '(\s*(z|utc|[+-]\d{2}:?\d{2}))$', '', 'i'),
        't', ' ', 'i'
    );

create or replace temp macro ss_ts(s) as
    case
        when ss_is_null(s) then null
        when regexp_full_match(ss_unwrap(s), '\d{5}(\.\d+)?')
            then timestamp '1899-12-30' + to_microseconds(
                cast(round(cast(ss_unwrap(s) as double) * 86400000000) as bigint)
            )
        else try_strptime(
            ss_ts_text(s),
            [
                '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y-%m-%d',
                '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d',
                '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日',
                '%Y.%m.%d %H:%M:%S', '%Y.%m.%d', '%Y%m%d %H:%M:%S', '%Y%m%d%H%M%S', '%Y%m%d',
                '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y'
            ]
        )
    end;

create or replace temp macro ss_date(s) as cast(ss_ts(ss_range_start(s)) as date);

create or replace temp macro ss_id(s) as
    case
        when ss_is_null(s) then null
        when regexp_full_match(ss_unwrap(s), '[+-]?\d+(\.\d+)?[eE][+-]?\d+') then null
        when regexp_full_match(ss_unwrap(s), '\d+\.0+') then split_part(ss_unwrap(s), '.', 1)
        else ss_unwrap(s)
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

-- text keeps its own punctuation (卖家已发货，等待买家确认): only the edges are trimmed
create or replace temp macro ss_text(s) as
    case
        when ss_is_null(s) then null
        else trim(
            replace(s::varchar, chr(65279), ''),
            ' ' || chr(9) || chr(10) || chr(13) || chr(160) || chr(12288)
        )
    end;
