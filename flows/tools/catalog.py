"""The output tables analysts query, each with its one-line meaning (docs/spec.md §5).

Kept as data in one place: `cchc query --tables`, the SQL-error hint and the notebook read it.
A table the warehouse has but this list does not know gets a line from its name's prefix.
"""

from __future__ import annotations

OUTPUT_PREFIXES = ("fct_", "rpt_", "ind_", "dq_", "dim_")

TABLES: dict[str, str] = {
    "fct_filings": "one row per received case: unit, sector, channel, dates, status, outcome",
    "rpt_bieu06": "Biểu số 06/VPCP/KSTT per period × unit × sector: received, carried over, "
    "resolved, pending",
    "ind_channels": "cases received per period × unit by channel; online and postal rates",
    "ind_late": "late and overdue counts and rates per period × unit × sector "
    "(late_rate, Decision 766 overdue_or_late_rate)",
    "ind_documents": "outgoing documents per period × issuing unit; e-signed and e-issued rates",
    "ind_documents_zero_esign": "units that issued non-secret documents in a period but "
    "digitally signed none",
    "ind_postal": "BCCI items per period × unit, matched to cases; postal cases without an item",
    "ind_igate_uptake": "per period × registry unit valid in it (zero rows included): files "
    "received, procedures assigned and with files",
    "ind_online_services": "per period × unit: procedures offered online (partly, fully) and "
    "those with online files; Decision 766 offer and use rates",
    "ind_one_stop": "per period × unit: procedures marked for the one-stop desk and those "
    "with files, and the rates",
    "ind_one_stop_missing": "per period × unit: each assigned procedure without any case in "
    "the period, with its one-stop flag",
    "ind_channels_current": "ind_channels by the unit that carries each unit on today "
    "(successors across the 2025 reorganisation)",
    "ind_late_reasons": "late and overdue cases per period × unit × sector split by the "
    "late-case lists' reason",
    "ind_apology": "late cases resolved per period × unit with an apology slip, and in time",
    "ind_reported_vs_igate": "units' own Biểu 06 reports against the iGate figures, per "
    "period × unit",
    "dim_as_of": "the as-of date of the data and the range of received dates (one row)",
    "dq_files": "every raw file × sheet: status (loaded/skipped/failed) and row accounting",
    "dq_rejects": "every rejected row (severity error) and doubtful value (warning), "
    "with file, sheet, row number, field, value and reason",
    "dq_unmatched": "unit and sector names not found in the registry or catalogue, "
    "with their occurrences",
}

_BY_PREFIX = {
    "fct_": "a fact table: one row per event (see docs/spec.md §5)",
    "rpt_": "a report table laid out like an official form (see docs/spec.md §5)",
    "ind_": "an indicator table per period (see docs/spec.md §5)",
    "dim_": "a dimension or reference table",
    "dq_": "a data-quality table",
}


def describe(table: str) -> str:
    """The one-line meaning of a table; from its prefix when the list does not know it."""
    if table in TABLES:
        return TABLES[table]
    for prefix, meaning in _BY_PREFIX.items():
        if table.startswith(prefix):
            return meaning
    return "a table of the warehouse"


def is_output_table(table: str) -> bool:
    return table.startswith(OUTPUT_PREFIXES)
