-- One row per outgoing document (the winning row of int_documents__ranked), with its
-- publication measured against Decree 30/2020: a signed document is issued the same or the
-- next working day. is_published_late: published_on later than the first working day after
-- issued_on (int_calendar: weekends, public holidays and reference/ overrides). Secret
-- documents are never counted as e-signed, e-issued or published late (docs/spec.md §3.2, §5).
with

ranked as (

    select * from int_documents__ranked
    where document_rank = 1

),

calendar as (

    select * from int_calendar

),

with_next_working_day as (

    select
        ranked.*,
        next_day.day as next_working_day
    from ranked
    left join calendar as issued_day
        on issued_day.day = ranked.issued_on
    left join calendar as next_day
        on next_day.is_working_day
        and next_day.working_day_number = issued_day.working_day_number + 1

),

final as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        unit_code,
        unit_name,
        issuing_unit as export_unit_name,
        unit_code is null as is_unit_unmatched,
        doc_number,
        doc_type,
        summary,
        signer,
        issued_on,
        issued_year,
        published_on,
        next_working_day,
        is_secret,
        e_signed,
        issue_form,
        not is_secret and coalesce(e_signed, false) as counts_e_signed,
        not is_secret and coalesce(is_e_issued, false) as counts_e_issued,
        not is_secret and published_on is not null as counts_publication,
        not is_secret
            and published_on is not null
            and published_on > next_working_day as is_published_late
    from with_next_working_day

)

select * from final
