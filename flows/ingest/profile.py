"""Source profiles: what a source is, its accepted headers, required fields and vocabularies.

Each shipped `profiles/<name>.toml` holds one source: `[source]` (where its files lie, how they
are read, the view the models read; flows/ingest/sources.py lists them all), `[fields.*]`,
`[vocabularies.*]`, `[contains.*]` and `[[checks]]`. A data root may extend a shipped profile
with its own `<root>/profiles/<name>.toml`: more headers for a field, more spellings or
fragments for a vocabulary's values (get_profile).
"""

from __future__ import annotations

import copy
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from flows.ingest.text import header_key, vocab_key
from flows.paths import PROFILES_DIR, DataPaths

FIELD_TYPES = {"text", "datetime", "date", "integer", "vocabulary"}
# How a source's sheets are read: one row per record (flows/ingest/sheet_loader.py), or the
# official Biểu 06 form of units' own reports (flows/ingest/unit_reports.py).
READERS = ("rows", "unit_reports")
# What a data root's own profile may add to the shipped one: nothing it holds can remove a
# shipped header or spelling, or change what a field is.
LOCAL_TABLES = ("fields", "vocabularies", "contains")


class ProfileError(Exception):
    """A profile file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Field:
    name: str
    headers: tuple[str, ...]
    type: str = "text"
    required: bool = False
    personal: bool = False
    vocabulary: dict[str, str] | None = None  # vocab_key → output value
    # (vocab_key of a fragment, output value), tried in order when no exact spelling matches:
    # a value whose key contains the fragment maps to that output value.
    contains: tuple[tuple[str, str], ...] = ()
    output: str = "text"  # for vocabularies: text, integer or boolean
    when_empty: str | None = None
    when_missing: str | None = None
    when_unknown: str = "reject"


@dataclass(frozen=True)
class Check:
    rule: str
    fields: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class SourceSpec:
    """A profile's `[source]` table: what the source is to landing, the build and `status`."""

    folder: str  # the folder under raw/ its files are in
    view: str  # the land_* view the SQL models read its rows from
    order: int  # where it is listed: messages, `cchc status`
    # In a folder shared by several sources: the starts of the file names that are this one's
    # (accents and case ignored). Empty: every file of the folder.
    file_prefixes: tuple[str, ...] = ()
    reader: str = "rows"  # one of READERS
    # A night whose only new files are of this source updates the published build in place.
    incremental: bool = False


@dataclass(frozen=True)
class Profile:
    source: str  # the profile's name: igate, units, procedures, …
    description: str
    spec: SourceSpec
    fields: tuple[Field, ...]
    checks: tuple[Check, ...]
    digest: str
    header_index: dict[str, str] = field(default_factory=dict)  # header_key → field name

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def stored_fields(self) -> tuple[Field, ...]:
        """The fields that reach landing: every field but the personal ones."""
        return tuple(f for f in self.fields if not f.personal)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def primary_header(self, name: str) -> str:
        return self.field(name).headers[0]


def _load_vocabulary(label: str, data: dict, name: str) -> dict[str, str]:
    table = data.get("vocabularies", {}).get(name)
    if table is None:
        if name in data.get("contains", {}):
            return {}  # a vocabulary of fragments only
        raise ProfileError(f"{label}: vocabulary '{name}' is not defined")
    index: dict[str, str] = {}
    for value, spellings in table.items():
        for spelling in spellings:
            key = vocab_key(str(spelling))
            if key in index and index[key] != value:
                raise ProfileError(
                    f"{label}: '{spelling}' maps to both '{index[key]}' and '{value}' "
                    f"in vocabulary '{name}'"
                )
            index[key] = value
    return index


def _load_contains(label: str, data: dict, name: str) -> tuple[tuple[str, str], ...]:
    """`[contains.<name>]`: value = [fragments]; a cell containing a fragment maps to value.

    Fragments are matched on the vocabulary key (case, Unicode form and tone placement
    ignored), in the order the file lists them; an exact spelling of `[vocabularies.<name>]`
    is tried first.
    """
    table = data.get("contains", {}).get(name, {})
    out: list[tuple[str, str]] = []
    for value, fragments in table.items():
        for fragment in fragments:
            key = vocab_key(str(fragment))
            if not key:
                raise ProfileError(f"{label}: empty fragment in contains '{name}'")
            out.append((key, value))
    return tuple(out)


def _load_spec(label: str, data: dict) -> SourceSpec:
    table = data.get("source")
    if not isinstance(table, dict):
        raise ProfileError(f"{label}: no [source] table (folder, view, order)")
    known = {"folder", "view", "order", "file_prefixes", "reader", "incremental"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ProfileError(f"{label}: [source] has unknown key(s) {', '.join(unknown)}")
    missing = [key for key in ("folder", "view", "order") if key not in table]
    if missing:
        raise ProfileError(f"{label}: [source] lacks {', '.join(missing)}")
    reader = table.get("reader", "rows")
    if reader not in READERS:
        raise ProfileError(
            f"{label}: [source] reader '{reader}' is not one of {', '.join(READERS)}"
        )
    prefixes = table.get("file_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
        raise ProfileError(f"{label}: [source] file_prefixes must be a list of names")
    return SourceSpec(
        folder=str(table["folder"]),
        view=str(table["view"]),
        order=int(table["order"]),
        file_prefixes=tuple(p.lower() for p in prefixes),
        reader=reader,
        incremental=bool(table.get("incremental", False)),
    )


def _read_toml(raw: bytes, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{label}: not a valid TOML profile: {exc}") from exc


def load_profile(path: Path) -> Profile:
    """Read one profile file; any inconsistency is a ProfileError naming the file."""
    return _load(path)[0]


def _load(path: Path) -> tuple[Profile, dict[str, Any], bytes]:
    raw = path.read_bytes()
    data = _read_toml(raw, str(path))
    return _profile(path.stem, data, path.name, hashlib.sha256(raw).hexdigest()), data, raw


def _profile(name: str, data: dict[str, Any], label: str, digest: str) -> Profile:
    fields = []
    header_index: dict[str, str] = {}
    for field_name, spec in data.get("fields", {}).items():
        ftype = spec.get("type", "text")
        if ftype not in FIELD_TYPES:
            raise ProfileError(f"{label}: field '{field_name}' has unknown type '{ftype}'")
        vocabulary = (
            _load_vocabulary(label, data, spec["vocabulary"]) if ftype == "vocabulary" else None
        )
        contains = _load_contains(label, data, spec["vocabulary"]) if ftype == "vocabulary" else ()
        headers = tuple(spec.get("headers", ()))
        if not headers:
            raise ProfileError(f"{label}: field '{field_name}' lists no headers")
        for header in headers:
            key = header_key(header)
            if key in header_index and header_index[key] != field_name:
                raise ProfileError(
                    f"{label}: header '{header}' is accepted by both "
                    f"'{header_index[key]}' and '{field_name}'"
                )
            header_index[key] = field_name
        fields.append(
            Field(
                name=field_name,
                headers=headers,
                type=ftype,
                required=bool(spec.get("required", False)),
                personal=bool(spec.get("personal", False)),
                vocabulary=vocabulary,
                contains=contains,
                output=spec.get("output", "text"),
                when_empty=spec.get("when_empty"),
                when_missing=spec.get("when_missing"),
                when_unknown=spec.get("when_unknown", "reject"),
            )
        )
    names = {f.name for f in fields}
    checks = []
    for spec in data.get("checks", []):
        check = Check(spec["rule"], tuple(spec["fields"]), spec["reference"])
        unknown = (set(check.fields) | {check.reference}) - names
        if check.rule != "not_before" or unknown:
            raise ProfileError(f"{label}: check {spec} names unknown rule or fields")
        checks.append(check)
    return Profile(
        source=name,
        description=data.get("description", ""),
        spec=_load_spec(label, data),
        fields=tuple(fields),
        checks=tuple(checks),
        digest=digest,
        header_index=header_index,
    )


def _names(values: Any, what: str) -> list[Any]:
    # Spellings may be numbers, as in the shipped files (`4 = ["4", "Đang xử lý"]`).
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) or (isinstance(v, str) and v.strip()) for v in values
    ):
        raise ProfileError(f"{what} must be a list of non-empty texts")
    return values


def _extend(shipped: dict[str, Any], local: dict[str, Any], name: str, label: str) -> dict:
    """The shipped profile's data with a local profile's additions, appended after its own.

    Only additions are accepted: a field's headers, a vocabulary value's spellings and
    fragments. Anything else (a new field or value, a type, a check, `[source]`) is refused
    with a ProfileError naming the local file and the entry.
    """
    merged = copy.deepcopy(shipped)
    for key in local:
        if key not in LOCAL_TABLES:
            raise ProfileError(
                f"{label}: '{key}' cannot be set in a local profile; it may only add "
                "[fields.<field>] headers, [vocabularies.<name>] spellings and "
                "[contains.<name>] fragments"
            )
    fields = merged.get("fields", {})
    for field_name, spec in local.get("fields", {}).items():
        if field_name not in fields:
            raise ProfileError(
                f"{label}: [fields.{field_name}]: the {name} profile has no field "
                f"'{field_name}' (its fields: {', '.join(fields)})"
            )
        if not isinstance(spec, dict) or set(spec) - {"headers"}:
            keys = ", ".join(sorted(set(spec) - {"headers"})) if isinstance(spec, dict) else spec
            raise ProfileError(
                f"{label}: [fields.{field_name}]: a local profile may only add headers, not {keys}"
            )
        added = _names(spec.get("headers", []), f"{label}: [fields.{field_name}] headers")
        fields[field_name]["headers"] = [*fields[field_name]["headers"], *added]
    vocabularies = {
        spec["vocabulary"] for spec in fields.values() if spec.get("type") == "vocabulary"
    }
    for table in ("vocabularies", "contains"):
        for vocabulary, values in local.get(table, {}).items():
            entry = f"{label}: [{table}.{vocabulary}]"
            if vocabulary not in vocabularies:
                raise ProfileError(
                    f"{entry}: the {name} profile has no vocabulary '{vocabulary}' "
                    f"(its vocabularies: {', '.join(sorted(vocabularies)) or 'none'})"
                )
            known = {
                *shipped.get("vocabularies", {}).get(vocabulary, {}),
                *shipped.get("contains", {}).get(vocabulary, {}),
            }
            target = merged.setdefault(table, {}).setdefault(vocabulary, {})
            for value, spellings in values.items():
                if value not in known:
                    raise ProfileError(
                        f"{entry}: '{value}' is not a value of vocabulary '{vocabulary}' "
                        f"(its values: {', '.join(sorted(known))}); a local profile adds "
                        "spellings to the shipped values"
                    )
                added = _names(spellings, f"{entry} {value}")
                target[value] = [*target.get(value, []), *added]
    return merged


@cache
def _shipped(source: str) -> tuple[Profile, dict[str, Any], bytes]:
    path = PROFILES_DIR / f"{source}.toml"
    if not path.exists():
        raise ProfileError(f"no profile for source '{source}' ({path.name} is missing)")
    return _load(path)


@lru_cache(maxsize=64)
def _extended(source: str, local: bytes) -> Profile:
    profile, data, raw = _shipped(source)
    label = f"profiles/{source}.toml"
    merged = _extend(data, _read_toml(local, label), source, label)
    # The local file is part of the profile: a landing made without it (or with an older
    # version of it) is keyed differently, so the next run reads that source's files again.
    digest = hashlib.sha256(raw + b"\0" + local).hexdigest()
    return _profile(source, merged, label, digest)


def get_profile(source: str, paths: DataPaths | None = None) -> Profile:
    """The profile of a source (`igate`, `units`, `procedures`, `holidays`, …).

    With `paths`, the shipped profile extended by the data root's `profiles/<source>.toml`
    when there is one. The result depends on (source, data root) only through that file's
    bytes, so it is cached by them: a long-running `cchc serve` sees an edit at its next run.
    A local file that cannot be used raises ProfileError naming it (`profiles/igate.toml`)
    and the entry; landing then fails that source's files, not the run.
    """
    if paths is not None:
        local = paths.local_profiles / f"{source}.toml"
        try:
            added = local.read_bytes()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ProfileError(
                f"profiles/{source}.toml: cannot be read ({exc.strerror or exc})"
            ) from exc
        else:
            return _extended(source, added)
    return _shipped(source)[0]
