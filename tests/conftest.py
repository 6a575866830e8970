"""Shared fixtures: a data root and one Prefect server (helpers live in tests/support)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.ops.prefect_env import apply_prefect_defaults
from flows.paths import DataPaths

# Before any test imports Prefect, which reads its settings at import: the settings of a
# `cchc` process (flows/ops/prefect_env.py).
apply_prefect_defaults()

# The suite asserts the English messages, whatever the developer's locale (flows/i18n.py reads
# LANGUAGE first); tests/tools/test_i18n.py gives its `cchc` processes their own locale.
os.environ["LANGUAGE"] = "en"


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
