"""Shared fixtures: a data root and one Prefect server (helpers live in tests/support)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.paths import DataPaths

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@pytest.fixture
def data_root(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    (paths.raw / "igate").mkdir(parents=True)
    return paths


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every test that runs the real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
