"""`cchc unmatched`: the unit and sector names no reference list knows, and how to fix them.

For each name of `dq_unmatched` (kind `unit` or `sector`) in the published warehouse: how many
loaded rows carry it, the three closest registry units (their names and aliases) or catalogue
sectors — closeness is difflib's ratio between the docs/spec.md §3.4 matching keys, so case,
accents, tone placement and abbreviations do not count as differences — and, for a unit, the
exact `Tên khác` cell that makes the name match the closest unit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.i18n import _, dec, num
from flows.ingest.text import name_key, sector_key
from flows.tools.query import connect

CLOSEST = 3
# Below this similarity the closest unit is more likely another unit than a misspelling.
CLOSE_ENOUGH = 0.9


@dataclass(frozen=True)
class Candidate:
    code: str | None  # unit code; None for a catalogue sector
    name: str  # registry name or catalogue sector
    matched_name: str  # the registry name or alias closest to the unmatched name
    score: float  # difflib ratio of the two keys, 0–1
    aliases: str | None = None  # the unit's current `Tên khác`


@dataclass(frozen=True)
class Unmatched:
    kind: str  # unit / sector
    name: str
    occurrences: int
    closest: list[Candidate] = field(default_factory=list)

    @property
    def alias_cell(self) -> str | None:
        """The closest unit's `Tên khác` with this name added: the cell to write."""
        if self.kind != "unit" or not self.closest:
            return None
        best = self.closest[0]
        aliases = [a.strip() for a in (best.aliases or "").split(";") if a.strip()]
        return "; ".join([*aliases, self.name])


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _closest_units(name: str, units: list[tuple[str, str, str | None]]) -> list[Candidate]:
    key = name_key(name) or ""
    best: dict[str, Candidate] = {}
    for code, unit_name, aliases in units:
        variants = [unit_name] + [a.strip() for a in (aliases or "").split(";") if a.strip()]
        for variant in variants:
            score = _ratio(key, name_key(variant) or "")
            if code not in best or score > best[code].score:
                best[code] = Candidate(code, unit_name, variant, score, aliases)
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.code or ""))
    return ranked[:CLOSEST]


def _closest_sectors(name: str, sectors: list[str]) -> list[Candidate]:
    key = sector_key(name) or ""
    scored = [Candidate(None, s, s, _ratio(key, sector_key(s) or "")) for s in sectors]
    return sorted(scored, key=lambda c: (-c.score, c.name))[:CLOSEST]


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchone()[0]
    )


def find_unmatched(con: duckdb.DuckDBPyConnection) -> list[Unmatched]:
    """The unmatched unit and sector names of the warehouse, each with its closest matches."""
    names = con.execute(
        "SELECT kind, name, occurrences FROM dq_unmatched WHERE kind IN ('unit', 'sector') "
        "ORDER BY kind DESC, occurrences DESC, name"
    ).fetchall()
    units: list[tuple[str, str, str | None]] = []
    if _table_exists(con, "stg_reference__units"):
        units = con.execute(
            "SELECT unit_code, unit_name, aliases FROM stg_reference__units ORDER BY unit_code"
        ).fetchall()
    sectors: list[str] = []
    if _table_exists(con, "stg_reference__procedures"):
        sectors = [
            s
            for (s,) in con.execute(
                "SELECT DISTINCT sector FROM stg_reference__procedures "
                "WHERE sector IS NOT NULL ORDER BY sector"
            ).fetchall()
        ]
    out = []
    for kind, name, occurrences in names:
        closest = _closest_units(name, units) if kind == "unit" else _closest_sectors(name, sectors)
        out.append(Unmatched(kind, name, int(occurrences), closest))
    return out


def format_unmatched(items: list[Unmatched]) -> str:
    if not items:
        return _(
            "Every unit and sector name of the exports matches the registry and the catalogue."
        )
    lines: list[str] = []
    for kind, heading in (
        ("unit", _("Unit names not in the units registry")),
        ("sector", _("Sector names not in the procedure catalogue")),
    ):
        chosen = [i for i in items if i.kind == kind]
        if not chosen:
            continue
        lines.append(_("{heading} ({n}):").format(heading=heading, n=num(len(chosen))))
        for item in chosen:
            lines.append("")
            lines.append(
                "  " + _('"{name}" — {n} row(s)').format(name=item.name, n=num(item.occurrences))
            )
            if not item.closest:
                lines.append("    " + _("(the reference list is empty: nothing to compare with)"))
                continue
            lines.append("    " + _("closest:"))
            for rank, c in enumerate(item.closest, start=1):
                code = f" ({c.code})" if c.code else ""
                via = (
                    _(', as "{name}"').format(name=c.matched_name)
                    if c.matched_name != c.name
                    else ""
                )
                similarity = _("similarity {score}").format(score=dec(c.score, 2))
                lines.append(f"      {rank}. {c.name}{code}{via} — {similarity}")
            if kind == "unit":
                best = item.closest[0]
                if best.score < CLOSE_ENOUGH:
                    lines.append(
                        "    "
                        + _(
                            "no registry name is close: if the unit is missing from the "
                            "registry, add it; if it is one of the units above, add the name to "
                            "its `Tên khác`"
                        )
                    )
                lines.append(
                    "    "
                    + _(
                        "to match it to {code} ({name}), set that unit's "
                        "`Tên khác` in the registry to:"
                    ).format(code=best.code, name=best.name)
                )
                lines.append(f"      {item.alias_cell}")
            else:
                lines.append(
                    "    "
                    + _(
                        "the catalogue has no other names for a sector: write it in the export "
                        'as the catalogue does ("{name}"), or give the catalogue\'s '
                        "procedures this sector"
                    ).format(name=item.closest[0].name)
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def unmatched_text(warehouse: Path) -> str:
    """The report `cchc unmatched` prints; NoWarehouse when nothing is published yet."""
    with connect(warehouse) as con:
        return format_unmatched(find_unmatched(con))
