"""The registry of sources: what each one is, from the `[source]` table of its shipped profile.

Landing (which folder and file name is which source, how it is read), the build (the land_*
view of each source, which sources update a build incrementally) and `cchc status` (the
folders under raw/) all ask here; a new source is one new profile file.
"""

from __future__ import annotations

from functools import cache

from flows.ingest.profile import Profile, ProfileError, get_profile
from flows.ingest.text import strip_accents
from flows.paths import PROFILES_DIR


@cache
def registry() -> tuple[Profile, ...]:
    """Every shipped profile, in the order their `[source]` tables list them."""
    profiles = sorted(
        (get_profile(path.stem) for path in PROFILES_DIR.glob("*.toml")),
        key=lambda p: (p.spec.order, p.source),
    )
    _check(profiles)
    return tuple(profiles)


def _check(profiles: list[Profile]) -> None:
    views: dict[str, str] = {}
    for profile in profiles:
        if profile.spec.view in views:
            raise ProfileError(
                f"{profile.source}.toml: view '{profile.spec.view}' is also the view of "
                f"{views[profile.spec.view]}.toml"
            )
        views[profile.spec.view] = profile.source
    for folder in _folders(profiles):
        sharing = [p for p in profiles if p.spec.folder == folder]
        if len(sharing) > 1 and not all(p.spec.file_prefixes for p in sharing):
            # Without a name to tell them apart, a file of the folder would be read twice.
            names = ", ".join(f"{p.source}.toml" for p in sharing)
            raise ProfileError(f"{names} share raw/{folder}/: each needs file_prefixes")


def _folders(profiles: tuple[Profile, ...] | list[Profile]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.spec.folder for p in profiles))


def folders() -> tuple[str, ...]:
    """The source folders under raw/, each once, in the registry's order."""
    return _folders(registry())


def landed_views() -> dict[str, str]:
    """Profile name → the land_* view the SQL models read its rows from."""
    return {p.source: p.spec.view for p in registry()}


def incremental_profiles() -> frozenset[str]:
    """The profiles whose new files alone let a build update the published one in place."""
    return frozenset(p.source for p in registry() if p.spec.incremental)


def profile_for(folder: str, file_name: str) -> tuple[str | None, str | None]:
    """(profile name, None) of a readable file in a source folder, or (None, why not)."""
    sharing = [p for p in registry() if p.spec.folder == folder]
    if len(sharing) == 1 and not sharing[0].spec.file_prefixes:
        return sharing[0].source, None
    stem = strip_accents(file_name.lower())
    for profile in sharing:
        if any(stem.startswith(prefix) for prefix in profile.spec.file_prefixes):
            return profile.source, None
    choices = ["/".join(p.spec.file_prefixes) for p in sharing]
    listed = choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"
    return None, f"{folder} file name must start with {listed}"
