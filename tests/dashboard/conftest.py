"""One small sample warehouse for the dashboard tests, built once per session without Prefect."""

from __future__ import annotations

import pytest

from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from flows.sample import write_sample

CASES = 1200
SEED = 11


@pytest.fixture(scope="session")
def sample_paths(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    paths = DataPaths(tmp_path_factory.mktemp("dashboard") / "data")
    write_sample(paths.root, cases=CASES, seed=SEED)
    build_warehouse(paths, land(paths))
    return paths
