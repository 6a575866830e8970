"""What cchc prints, in Vietnamese or English: the real `cchc` in the analyst's locale, and the
catalogue (flows/locale/vi/LC_MESSAGES/cchc.po) against the code and its compiled .mo."""

from __future__ import annotations

import gettext
import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from flows.i18n import LOCALE_DIR, env_language, set_language
from flows.ops.summary import EXIT_BUSY, EXIT_OK, RunReport, format_report
from flows.paths import DataPaths
from tests.support import IGATE_HEADER, REPO, write_xlsx

CCHC = [sys.executable, "-m", "flows.cli"]
PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "cchc.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{(\w*)\}")

VI = {"LANG": "vi_VN.UTF-8"}
EN = {"LANG": "C"}


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """The test's environment without any language or Prefect setting, plus `extra`."""
    dropped = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "PREFECT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PREFECT_HOME"] = str(tmp / "prefect-home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env | extra


def cchc(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CCHC, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def english() -> Iterator[None]:
    """Formatting in-process in a language, then back to English for the tests after."""
    yield
    set_language("en")


# ---- the real command ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataPaths, Path, str]:
    """A data root with one small iGate export (no registry: its unit names are unmatched),
    published by a real `cchc run` in a Vietnamese locale; (paths, tmp, the run's output)."""
    tmp = tmp_path_factory.mktemp("i18n")
    paths = DataPaths(tmp / "data")
    rows = [
        [n, f"VI-{n}", "1.1", "Cấp phiếu", "Đất đai", "UBND huyện Cầu Kè", "Trực tiếp",
         datetime(2020, 10, n, 8)]
        for n in range(1, 4)
    ]  # fmt: skip
    write_xlsx(paths.raw / "igate" / "so_theo_doi.xlsx", {"S": [IGATE_HEADER, *rows]})
    done = cchc("run", "--data-dir", str(paths.root), env=_env(tmp, **VI), timeout=300)
    assert done.returncode == EXIT_OK, done.stdout[-3000:] + done.stderr[-3000:]
    return paths, tmp, done.stdout


def test_the_run_summary_in_a_vietnamese_locale(published) -> None:
    paths, _tmp, out = published
    lines = out.splitlines()
    assert f"Thư mục dữ liệu: {paths.root}" in lines
    assert "Tệp: 1 nạp được, 0 bỏ qua, 0 lỗi; 1 đọc trong lần chạy này" in out
    assert re.search(r"^Dòng: \d+ đã đọc = 3 nạp được \+ 0 bị loại \+ \d+ bỏ qua; ", out, re.M)
    assert "  cảnh báo: kiểm tra fct_filings_unit_unmatched: 1 dòng" in lines
    assert "Đã công bố: processed/warehouse.duckdb và processed/exports/" in lines
    assert re.search(r"^Thời gian chạy: \d+,\d giây$", out, re.MULTILINE)
    assert "Files:" not in out and "Rows:" not in out


def test_status_and_unmatched_in_vietnamese_and_in_english(published) -> None:
    paths, tmp, _out = published
    root = str(paths.root)
    status = cchc("status", "--data-dir", root, env=_env(tmp, **VI))
    assert status.returncode == 0, status.stderr
    assert "Đang chạy: không" in status.stdout
    assert re.search(
        r"^Lần chạy gần nhất: kết thúc lúc \d\d/\d\d/\d{4} .*, đã công bố \(mã thoát 0\)$",
        status.stdout,
        re.MULTILINE,
    )
    assert "Tệp xuất gốc:" in status.stdout and "Kho dữ liệu: " in status.stdout
    assert "Tên không khớp danh mục: 2, 2 tên gặp nhiều nhất:" in status.stdout
    assert re.search(r"đơn vị\s+UBND huyện Cầu Kè\s+3", status.stdout)

    # --lang vi wins over an English locale, after the command as before it.
    for args in (["--lang", "vi", "unmatched"], ["unmatched", "--lang", "vi"]):
        unmatched = cchc(*args, "--data-dir", root, env=_env(tmp, **EN))
        assert unmatched.returncode == 0, unmatched.stderr
        assert "Tên đơn vị không có trong danh mục đơn vị (1):" in unmatched.stdout
        assert '"UBND huyện Cầu Kè" — 3 dòng' in unmatched.stdout

    # English as always: in the C locale, and with --lang en in a Vietnamese one.
    for env, lang in ((EN, []), (VI, ["--lang", "en"])):
        status = cchc(*lang, "status", "--data-dir", root, env=_env(tmp, **env))
        assert status.stdout.startswith(f"Data root: {root}\nRunning now: no\nLast run: ended ")
        assert "Raw exports:" in status.stdout and "Unmatched names: 2" in status.stdout
        unmatched = cchc(*lang, "unmatched", "--data-dir", root, env=_env(tmp, **env))
        assert "Unit names not in the units registry (1):" in unmatched.stdout


def test_errors_in_vietnamese(tmp_path: Path) -> None:
    root = tmp_path / "data"
    # No warehouse yet.
    done = cchc("unmatched", "--data-dir", str(root), env=_env(tmp_path, **VI))
    assert done.returncode == 1
    assert done.stderr.startswith("cchc unmatched: chưa có kho dữ liệu tại ")
    assert "hãy chạy `cchc run` trước" in done.stderr
    # Another run holds the data root: given up at once, before Prefect starts.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held", holder.stderr.read()
        busy = cchc("run", "--data-dir", str(root), "--wait", "0", env=_env(tmp_path, **VI))
        assert busy.returncode == EXIT_BUSY, busy.stderr
        assert f"một lần chạy (pid {holder.pid}" in busy.stderr
        assert "vẫn đang chạy trên thư mục dữ liệu này" in busy.stderr
        assert "Chưa thực hiện gì. Hãy chạy lại sau, hoặc chờ lâu hơn với --wait" in busy.stderr
        english = cchc("run", "--data-dir", str(root), "--wait", "0", env=_env(tmp_path, **EN))
        assert english.returncode == EXIT_BUSY
        assert "Nothing was done. Try again later, or wait longer with --wait" in english.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)


HOLDER = """
import sys, time
from flows.paths import DataPaths
from flows.ops.runlock import run_lock
with run_lock(DataPaths.resolve(sys.argv[1]), wait=0):
    print("held", flush=True)
    time.sleep(120)
"""


def test_inspect_in_vietnamese(tmp_path: Path) -> None:
    export = tmp_path / "data" / "raw" / "igate" / "x.csv"
    export.parent.mkdir(parents=True)
    export.write_text("Số biên nhận,Ghi chú\nA,b\n", encoding="utf-8")
    done = cchc("inspect", str(export), "--lang", "vi", env=_env(tmp_path, **EN))
    assert done.returncode == 1, done.stderr
    assert "Tệp:       raw/igate/x.csv" in done.stdout
    assert "Nguồn:     igate (tệp nằm trong raw/igate/)" in done.stdout
    assert "Không có tiêu đề: không dòng nào trong 60 dòng đầu nêu đủ" in done.stdout
    assert "Kết quả: không nạp được dòng nào (mã thoát 1)" in done.stdout
    missing = cchc("inspect", str(tmp_path / "none.xlsx"), env=_env(tmp_path, **VI))
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("none.xlsx: không có tệp này")


# ---- formatting in-process -----------------------------------------------------------------


def _report(**changes: object) -> RunReport:
    report = RunReport(data_root="/srv/cchc", started_at="2020-11-20T02:00:00")
    report.files_loaded, report.files_parsed = 1677, 1677
    report.rows_read = report.rows_loaded = 1_234_567
    for name, value in changes.items():
        setattr(report, name, value)
    return report


def test_numbers_and_the_not_published_line(english) -> None:
    headline = {
        "year": "2020", "late_rate": 0.2091, "resolved_late": 1677, "resolved_total": 8020,
        "worst_sector": "Đất đai", "worst_sector_late_rate": 0.5, "worst_sector_late": 1000,
        "worst_sector_resolved": 2000, "online_rate": 0.1234, "postal_rate": None,
        "received_total": 9001,
    }  # fmt: skip
    failed = {"file": "raw/igate/a.xlsx", "error": "raw/igate/a.xlsx: not a workbook"}
    report = _report(
        published=False,
        error="audit rpt_bieu06_identity failed: 3 violating row(s)",
        failed_files=[failed],
        headline=headline,
    )
    assert set_language("vi") == "vi"
    lines = format_report(report).splitlines()
    assert lines[1].startswith("Tệp: 1.677 nạp được, 0 bỏ qua, 0 lỗi; 1.677 đọc")
    assert lines[2].startswith("Dòng: 1.234.567 đã đọc = 1.234.567 nạp được + 0 bị loại")
    assert "  LỖI raw/igate/a.xlsx: not a workbook" in lines  # the reason stays as stored
    assert lines[-2].startswith("Năm 2020: tỷ lệ trễ hạn 20,9% (1.677/8.020 hồ sơ đã giải quyết)")
    assert "tỷ lệ nộp trực tuyến 12,3%, qua bưu chính công ích – trên 9.001" in lines[-2]
    assert lines[-1] == (
        "Không công bố (giữ nguyên kho dữ liệu trước): "
        "audit rpt_bieu06_identity failed: 3 violating row(s)"
    )
    set_language("en")
    lines = format_report(report).splitlines()
    assert lines[1].startswith("Files: 1677 loaded, 0 skipped, 0 failed; 1677 read this run")
    assert lines[-2].startswith("Year 2020: late rate 20.9% (1677 of 8020 resolved)")
    assert lines[-1].startswith("NOT published (the previous warehouse is kept): audit")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "vi_VN.UTF-8"}, "vi"),
        ({"LANG": "vi"}, "vi"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "vi_VN"}, "vi"),
        ({"LANG": "vi_VN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "vi_VN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "vi:en"}, "vi"),
        ({"LANG": "vi_VN.UTF-8", "LANGUAGE": "en"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANGUAGE": "vi"}, "en"),  # gettext ignores LANGUAGE under C
        ({"LANGUAGE": "vi"}, "vi"),
    ],
)
def test_the_language_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert env_language(environ) == expected


# ---- the catalogue -------------------------------------------------------------------------


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="vi")


def test_every_message_is_translated_with_its_placeholders() -> None:
    catalogue = _catalogue()
    assert not catalogue.fuzzy
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 100
    for message in messages:
        assert isinstance(message.id, str), f"plural forms are not used yet: {message.id}"
        assert message.string, f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), f"placeholders differ: {message.id!r} → {message.string!r}"
        # The translation is Vietnamese text (diacritics), not a copy of the English.
        if re.search(r"[a-z]{3}", PLACEHOLDER.sub("", message.id)) and message.id not in (
            "pid {pid}",
        ):
            assert message.string != message.id, message.id


def test_every_marked_message_of_the_code_is_in_the_catalogue() -> None:
    # What `make messages` extracts: flows/ with babel.cfg's mapping.
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = extract_from_dir(REPO / "flows", method_map, options_map)
    found = {message for _file, _line, message, _comments, _context in extracted}
    # ngettext gives (singular, plural); _ and N_ give the message.
    ids = {m if isinstance(m, str) else m[0] for m in found}
    catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    missing = sorted(ids - catalogue)
    assert not missing, f"not in {PO.name}, run `make messages` and translate: {missing}"


def test_the_compiled_catalogue_matches_the_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue())
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)
    with MO.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped._catalog == expected._catalog, f"{MO} is stale: run `make messages`"
