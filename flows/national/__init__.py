"""Many provinces: every province's run on one task runner, and the national comparison.

A root folder holds one data root per province (`<root>/<province>/raw/`, the folder name is
the province's key) and the province crosswalk (`<root>/reference/provinces*`). `cchc national
--root DIR` runs them all and builds `<root>/national.duckdb`; `cchc report --national` draws it.

- `flow.py`: the Prefect flow, one `province` task per province (`run_pipeline` under the
  province's run lock) on threads or Dask workers, then the roll-up;
- `warehouse.py`: the national warehouse from the provinces' published exports, built and
  audited like a province's (flows/warehouse/runner.py), models in `sql/`;
- `crosswalk.py`: the crosswalk file, read as written;
- `report.py`: the national run's summary and exit status;
- `bench.py`: N provinces × M cases through `cchc national`, timed.
"""
