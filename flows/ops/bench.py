"""`cchc bench`: the pipeline against the bare reader (the floor) and an analyst's pandas script.

Every stage runs in a child process of this one, so its wall time and peak memory (the child's
maximum resident set) are measured alike; the table prints seconds, rows/s, peak RSS and the
ratios the performance issue names.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flows.ops.prefect_env import apply_prefect_defaults

HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Lĩnh vực",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
]
SECTORS = ["Đất đai", "Tư pháp", "Hộ tịch", "Xây dựng", "Đăng ký kinh doanh", "Giao thông vận tải"]
UNITS = [f"UBND xã Bench {i:02d}" for i in range(40)]
CHANNELS = ["Trực tiếp"] * 90 + ["Trực tuyến"] * 8 + ["Bưu chính công ích"] * 2
FIRST_YEAR = 2021
YEARS = 4


@dataclass
class Stage:
    name: str
    seconds: float
    rows: int
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system time of the stage's processes


def _workers() -> int:
    from flows.ops.nightly import LANDING_WORKERS

    return LANDING_WORKERS


def _month_starts() -> list[date]:
    return [date(FIRST_YEAR + m // 12, m % 12 + 1, 1) for m in range(YEARS * 12)]


def _month_rows(rng: random.Random, start: date, count: int, serial: int) -> list[list[str]]:
    rows = []
    days = 28
    for n in range(count):
        received = datetime.combine(start, datetime.min.time()) + timedelta(
            days=rng.randrange(days), hours=rng.randrange(7, 17), minutes=rng.randrange(60)
        )
        due = received + timedelta(days=rng.choice((5, 10, 15, 30)))
        roll = rng.random()
        finished = returned = None
        if roll < 0.9:
            finished = received + timedelta(days=rng.randrange(1, 40), hours=1)
            returned = finished + timedelta(days=1) if roll < 0.8 else None
        status = "10" if returned else ("9" if finished else "4")
        rows.append(
            [
                f"H48-{start:%y%m}-{serial + n:07d}",
                f"1.{rng.randrange(1000, 1060):06d}",
                rng.choice(SECTORS),
                rng.choice(UNITS),
                rng.choice(CHANNELS),
                f"{received:%d/%m/%Y %H:%M}",
                f"{due:%d/%m/%Y %H:%M}",
                f"{finished:%d/%m/%Y %H:%M}" if finished else "",
                f"{returned:%d/%m/%Y %H:%M}" if returned else "",
                status,
            ]
        )
    return rows


def _write(path: Path, rows: list[list[str]], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Hồ sơ")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()


def generate(root: Path, cases: int, fmt: str, seed: int = 8) -> tuple[list[Path], Path]:
    """Monthly exports over several years; returns them and one more month held back."""
    rng = random.Random(seed)
    months = _month_starts()
    per_month = max(1, cases // len(months))
    files = []
    for i, start in enumerate(months):
        path = root / "raw" / "igate" / f"{start:%Y}" / f"thang_{start:%m}.{fmt}"
        _write(path, _month_rows(rng, start, per_month, i * per_month), fmt)
        files.append(path)
    extra_start = date(FIRST_YEAR + YEARS, 1, 1)
    extra = root / "held_back" / f"thang_{extra_start:%Y_%m}.{fmt}"
    _write(extra, _month_rows(rng, extra_start, per_month, len(months) * per_month), fmt)
    return files, extra


# --- stages, each run in a child process ---------------------------------------------------


def _stage_floor(root: Path, fmt: str) -> int:
    import duckdb

    files = sorted((root / "raw" / "igate").rglob(f"*.{fmt}"))
    con = duckdb.connect(str(root / "floor.duckdb"))
    if fmt == "csv":
        listing = ", ".join(f"'{f}'" for f in files)
        con.execute(f"CREATE OR REPLACE TABLE cases AS SELECT * FROM read_csv([{listing}])")
    else:
        import fastexcel

        def read(path: Path):
            return fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_arrow()

        # As many files at a time as landing reads: the same two cores for both.
        with ThreadPoolExecutor(_workers()) as pool:
            for i, batch in enumerate(pool.map(read, files)):
                con.register("batch", batch)
                verb = "CREATE OR REPLACE TABLE cases AS" if i == 0 else "INSERT INTO cases"
                con.execute(f"{verb} SELECT * FROM batch")
                con.unregister("batch")
    return con.execute("SELECT count(*) FROM cases").fetchone()[0]


def _stage_landing(root: Path) -> int:
    from flows.paths import DataPaths
    from flows.pipeline import land, land_in_threads

    # The nightly flow's own parallelism (its thread pool task runner), without Prefect.
    results = land(DataPaths(root), land_in_threads(_workers()))
    return sum(s.rows_read for r in results for s in r.sheets)


def _stage_build(root: Path) -> int:
    import duckdb

    from flows.paths import DataPaths
    from flows.pipeline import build_warehouse, land

    paths = DataPaths(root)
    results = land(paths)  # all reused: landed already
    build_warehouse(paths, results)  # in full: no published build to start from
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("SELECT count(*) FROM fct_filings").fetchone()[0]


def _stage_publish(root: Path) -> int:
    from flows.paths import DataPaths
    from flows.warehouse.publish import export_marts

    return len(export_marts(DataPaths(root)))


def _stage_peer(root: Path, fmt: str) -> int:
    import pandas as pd

    files = sorted((root / "raw" / "igate").rglob(f"*.{fmt}"))
    if fmt == "csv":
        frames = [pd.read_csv(f, dtype=str, encoding="utf-8-sig") for f in files]
    else:
        frames = [pd.read_excel(f, dtype=str, engine="openpyxl") for f in files]
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(subset="Mã hồ sơ", keep="last")
    for column in ("Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả"):
        df[column] = pd.to_datetime(df[column], format="%d/%m/%Y %H:%M", errors="coerce")
    ended = df["Ngày có kết quả"].fillna(df["Ngày trả kết quả"])
    df["year"] = df["Ngày tiếp nhận"].dt.year
    df["online"] = df["Hình thức nộp"].eq("Trực tuyến")
    df["resolved"] = ended.notna()
    df["late"] = df["resolved"] & (ended.dt.normalize() > df["Ngày hẹn trả"].dt.normalize())
    df["early"] = df["resolved"] & (ended.dt.normalize() < df["Ngày hẹn trả"].dt.normalize())
    df["pending"] = ~df["resolved"]
    table = df.groupby(["year", "Đơn vị tiếp nhận", "Lĩnh vực"]).agg(
        received_total=("Mã hồ sơ", "size"),
        received_online=("online", "sum"),
        resolved_total=("resolved", "sum"),
        resolved_early=("early", "sum"),
        resolved_late=("late", "sum"),
        pending_total=("pending", "sum"),
    )
    table.to_csv(root / "peer_bieu06.csv")
    return len(df)


def _run_cli(root: Path) -> int:
    command = [sys.executable, "-m", "flows.cli", "run", "--data-dir", str(root)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 3):
        raise RuntimeError(
            f"cchc run failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        )
    return 0


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A real `prefect server start` on a free loopback port; yields its API URL.

    The nightly runs against the server of its deployment (`cchc serve`), so the run stages are
    measured so too: a run without one starts a temporary server, seconds of every run.
    """
    home.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # None of the caller's Prefect settings: a database URL or profile of theirs would have
    # this throwaway server write into their real one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # A real server: its warnings go to server.log, unlike a run's temporary server.
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    apply_prefect_defaults(env)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    with (home / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited: see {home / 'server.log'}")
            try:
                with urllib.request.urlopen(api + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not answer /api/health within 180 s")
            time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


STAGES = {
    "floor": lambda root, fmt: _stage_floor(root, fmt),
    "landing": lambda root, fmt: _stage_landing(root),
    "build": lambda root, fmt: _stage_build(root),
    "publish": lambda root, fmt: _stage_publish(root),
    "peer": lambda root, fmt: _stage_peer(root, fmt),
    "run": lambda root, fmt: _run_cli(root),
}


def _child(stage: str, root: str, fmt: str) -> None:
    rows = STAGES[stage](Path(root), fmt)
    print(rows)


def measure(stage: str, root: Path, fmt: str, api: str | None = None) -> Stage:
    """Run one stage in a child process: its wall time and its peak resident memory."""
    command = [sys.executable, "-m", "flows.ops.bench", "_child", stage, str(root), fmt]
    out_path = root / f".bench_{stage}.out"
    err_path = root / f".bench_{stage}.err"
    env = os.environ | ({"PREFECT_API_URL": api} if api else {})
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        # wait4 reports this child's own peak RSS (ru_maxrss, KiB), not the session's.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(
            f"bench stage {stage} ({fmt}, {root}) failed with status {process.returncode}:\n{tail}"
        )
    lines = out_path.read_text(encoding="utf-8").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return Stage(stage, seconds, int(lines[-1]) if lines else 0, usage.ru_maxrss / 1024, cpu)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def run_bench(workdir: Path, cases: int, formats: tuple[str, ...] = ("xlsx", "csv")) -> str:
    # Absolute: the data roots are handed to child processes, and a data root is always
    # resolved (DataPaths.resolve) before its files are named relative to it.
    workdir = Path(workdir).resolve()
    lines = [
        f"cchc bench: {cases:,} cases as {YEARS * 12} monthly exports, {len(UNITS)} units, "
        f"{_workers()} landing workers",
        "",
        "| format | stage | seconds | CPU s | rows | rows/s | peak RSS MB | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    with prefect_server(workdir / "prefect") as api:
        for fmt in formats:
            lines += _bench_format(workdir / fmt, cases, fmt, api)
    return "\n".join(lines)


def _bench_format(root: Path, cases: int, fmt: str, api: str) -> list[str]:
    if root.exists():
        shutil.rmtree(root)
    files, extra = generate(root, cases, fmt)
    rows = (cases // len(files)) * len(files)  # what generate wrote: whole months
    floor = measure("floor", root, fmt)
    landing = measure("landing", root, fmt)
    build_stage = measure("build", root, fmt)
    publish_stage = measure("publish", root, fmt)
    shutil.rmtree(root / "processed")
    cold = measure("run", root, fmt, api)
    shutil.copy(extra, root / "raw" / "igate" / extra.name)
    nightly = measure("run", root, fmt, api)
    peer = measure("peer", root, fmt)
    table = [
        (floor, "floor (bare reader → DuckDB)", ""),
        (landing, "landing", f"{_ratio(landing.seconds, floor.seconds)} of floor"),
        (build_stage, "build + audits", ""),
        (publish_stage, "publish", ""),
        (cold, "cchc run, cold", ""),
        (nightly, "cchc run, one new month", f"{_ratio(nightly.seconds, cold.seconds)} of cold"),
        (peer, "peer: pandas script", f"cold run is {_ratio(peer.seconds, cold.seconds)} faster"),
    ]
    lines = []
    for stage, label, ratio in table:
        rate = rows / stage.seconds if stage.seconds else 0
        lines.append(
            f"| {fmt} | {label} | {stage.seconds:.1f} | {stage.cpu_seconds:.1f} | {rows:,} | "
            f"{rate:,.0f} | {stage.peak_rss_mb:,.0f} | {ratio} |"
        )
    return lines


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(run_bench(Path(sys.argv[1]), int(sys.argv[2])))
