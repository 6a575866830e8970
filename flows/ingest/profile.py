"""Source profiles: accepted headers, required fields and value vocabularies, read from TOML."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flows.ingest.text import header_key, vocab_key
from flows.paths import PROFILES_DIR

FIELD_TYPES = {"text", "datetime", "date", "integer", "vocabulary"}


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
class Profile:
    source: str
    description: str
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


def _load_vocabulary(path: Path, data: dict, name: str) -> dict[str, str]:
    table = data.get("vocabularies", {}).get(name)
    if table is None:
        if name in data.get("contains", {}):
            return {}  # a vocabulary of fragments only
        raise ProfileError(f"{path.name}: vocabulary '{name}' is not defined")
    index: dict[str, str] = {}
    for value, spellings in table.items():
        for spelling in spellings:
            key = vocab_key(str(spelling))
            if key in index and index[key] != value:
                raise ProfileError(
                    f"{path.name}: '{spelling}' maps to both '{index[key]}' and '{value}' "
                    f"in vocabulary '{name}'"
                )
            index[key] = value
    return index


def _load_contains(path: Path, data: dict, name: str) -> tuple[tuple[str, str], ...]:
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
                raise ProfileError(f"{path.name}: empty fragment in contains '{name}'")
            out.append((key, value))
    return tuple(out)


def load_profile(path: Path) -> Profile:
    """Read one profile file; any inconsistency is a ProfileError naming the file."""
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not a valid TOML profile: {exc}") from exc
    fields = []
    header_index: dict[str, str] = {}
    for name, spec in data.get("fields", {}).items():
        ftype = spec.get("type", "text")
        if ftype not in FIELD_TYPES:
            raise ProfileError(f"{path.name}: field '{name}' has unknown type '{ftype}'")
        vocabulary = (
            _load_vocabulary(path, data, spec["vocabulary"]) if ftype == "vocabulary" else None
        )
        contains = _load_contains(path, data, spec["vocabulary"]) if ftype == "vocabulary" else ()
        headers = tuple(spec.get("headers", ()))
        if not headers:
            raise ProfileError(f"{path.name}: field '{name}' lists no headers")
        for header in headers:
            key = header_key(header)
            if key in header_index and header_index[key] != name:
                raise ProfileError(
                    f"{path.name}: header '{header}' is accepted by both "
                    f"'{header_index[key]}' and '{name}'"
                )
            header_index[key] = name
        fields.append(
            Field(
                name=name,
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
            raise ProfileError(f"{path.name}: check {spec} names unknown rule or fields")
        checks.append(check)
    return Profile(
        source=data.get("source", path.stem),
        description=data.get("description", ""),
        fields=tuple(fields),
        checks=tuple(checks),
        digest=hashlib.sha256(raw).hexdigest(),
        header_index=header_index,
    )


@cache
def get_profile(source: str) -> Profile:
    """The profile of a source (`igate`, `units`, `procedures`, `holidays`, …)."""
    path = PROFILES_DIR / f"{source}.toml"
    if not path.exists():
        raise ProfileError(f"no profile for source '{source}' ({path.name} is missing)")
    return load_profile(path)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))
