-- Rejected rows and doubtful values (docs/spec.md §2): those found while landing, plus the
-- warnings only the warehouse can raise, about the winning row of a case, and the rows of the
-- required-documents list only the warehouse can reject (§9).
with

landed as (

    select * from land_rejects

),

required_documents as (

    select * from int_required_documents__rejects

),

cases as (

    select * from int_cases__outcomes

),

build_warnings as (

    select
        source_file as file,
        sheet,
        row_number,
        'due_at' as field,
        cast(null as varchar) as raw_value,
        'no due date and no time limit for the procedure: outcome taken as on time' as reason
    from cases
    where is_resolved and deadline_source is null

    union all

    select
        source_file as file,
        sheet,
        row_number,
        'finished_at' as field,
        cast(null as varchar) as raw_value,
        'resolved status without finished or returned date: ended at the received date'
            as reason
    from cases
    where is_resolved_without_end

),

final as (

    select
        cast(file as varchar) as file,
        cast(sheet as varchar) as sheet,
        cast(row_number as bigint) as row_number,
        cast(field as varchar) as field,
        cast(raw_value as varchar) as raw_value,
        cast(reason as varchar) as reason,
        cast(severity as varchar) as severity
    from landed

    union all

    select
        file,
        sheet,
        cast(row_number as bigint) as row_number,
        field,
        raw_value,
        reason,
        'warning' as severity
    from build_warnings

    union all

    select
        source_file as file,
        sheet,
        row_number,
        field,
        raw_value,
        reason,
        'error' as severity
    from required_documents

)

select * from final
order by file, sheet, row_number, field
