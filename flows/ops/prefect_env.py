"""The Prefect settings every cchc process starts with, in one place.

Prefect reads its settings at import: `apply_prefect_defaults` must run before Prefect is
imported (`cchc run`, `serve` and `bench` call it first; so does the test suite's conftest).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# They make a run without a server quiet and patient on a slow machine. A user's own settings
# (environment or profile) still win: these are only defaults.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
    # The temporary server of a run without PREFECT_API_URL logs harmless tracebacks while
    # it shuts down; a real server (`prefect server start`) keeps its own logging.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
}


def apply_prefect_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Set each default that `environ` (the process environment) does not set already."""
    target = os.environ if environ is None else environ
    for name, value in PREFECT_DEFAULTS.items():
        target.setdefault(name, value)
