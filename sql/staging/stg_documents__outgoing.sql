-- One row per loaded row of the outgoing-document registers (superseded rows included),
-- typed (docs/spec.md §3.2). No filtering here.
with

source as (

    select * from land_documents

),

renamed as (

    select
        -- lineage
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number,

        -- ids
        cast(doc_number as varchar) as doc_number,

        -- text
        cast(doc_type as varchar) as doc_type,
        cast(summary as varchar) as summary,
        cast(issuing_unit as varchar) as issuing_unit,
        cast(signer as varchar) as signer,
        cast(issue_form as varchar) as issue_form,

        -- flags
        coalesce(cast(is_secret as boolean), false) as is_secret,
        cast(e_signed as boolean) as e_signed,

        -- dates
        cast(issued_on as date) as issued_on,
        cast(published_on as date) as published_on

    from source

),

final as (

    select
        *,
        issue_form = 'electronic' as is_e_issued,
        cast(year(issued_on) as integer) as issued_year
    from renamed

)

select * from final
