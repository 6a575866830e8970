-- The province crosswalk as read (docs/spec.md §8): one row per data row of
-- <root>/reference/provinces*|tinh* (and one per file or sheet that could not be read), its
-- keys matched to the province folders, and why the row is rejected (NULL: accepted). A key
-- names a folder when it equals the folder's name ignoring case and surrounding spaces;
-- another key is kept lower-cased (a successor need not have a data root of its own). A
-- province listed twice keeps its row of the file path sorting last, then the later row, as
-- the units registry does (§3.4); the others are rejected naming the row used.
with

rows as (

    select * from src_crosswalk

),

folders as (

    select lower(province) as folder_key, min(province) as province
    from src_provinces
    group by all

),

keyed as (

    select
        rows.row_id,
        rows.file,
        rows.sheet,
        rows.row_number,
        rows.province_key,
        rows.successor_key,
        rows.from_text,
        coalesce(own.province, nullif(lower(trim(rows.province_key)), '')) as province,
        nullif(trim(rows.province_name), '') as province_name,
        coalesce(heir.province, nullif(lower(trim(rows.successor_key)), '')) as successor,
        nullif(trim(rows.successor_name), '') as successor_name,
        rows.from_date,
        rows.read_error
    from rows
    left join folders as own on own.folder_key = lower(trim(rows.province_key))
    left join folders as heir on heir.folder_key = lower(trim(rows.successor_key))

),

checked as (

    select
        *,
        case
            when read_error is not null then read_error
            when province is null then 'no province key (Mã tỉnh)'
            when successor is null and nullif(trim(from_text), '') is not null
                then 'a date (Từ ngày) without a successor (Tỉnh kế thừa)'
            when successor is not null and from_date is null
                then 'a successor (Tỉnh kế thừa) without a date (Từ ngày)'
            when successor = province then 'the province is its own successor'
        end as row_problem
    from keyed

),

ranked as (

    select
        row_id,
        row_number() over latest as rank_in_key,
        first_value(file) over latest as used_file,
        first_value(row_number) over latest as used_row
    from checked
    where row_problem is null
    window latest as (partition by province order by file desc, sheet desc, row_number desc)

),

final as (

    select
        checked.row_id,
        checked.file,
        checked.sheet,
        checked.row_number,
        checked.province_key,
        checked.successor_key,
        checked.from_text,
        checked.province,
        checked.province_name,
        checked.successor,
        checked.successor_name,
        checked.from_date,
        coalesce(
            checked.row_problem,
            case
                when ranked.rank_in_key > 1
                    then 'listed again: row ' || ranked.used_row || ' of ' || ranked.used_file
                        || ' is used'
            end
        ) as reject_reason
    from checked
    left join ranked on ranked.row_id = checked.row_id

)

select * from final
