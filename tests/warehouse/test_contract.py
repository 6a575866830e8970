"""An independent end-to-end check of docs/spec.md on real export files, without Prefect.

Every expected value below is a literal worked out by hand from the contract text; nothing is
computed by the code under test. The dataset:

Reference (raw/reference/):
  units.xlsx       H01 "Ủy ban nhân dân huyện Hòa Vang" (aliases "UBND H. Hòa Vang; Huyện HV"),
                   S01 "Sở Tư pháp" (alias "STP"), X01 "Ủy ban nhân dân thị trấn Phú Hòa".
  procedures.xlsx  HT01 Đăng ký khai sinh (Hộ tịch, 3 working days), HT02 Đăng ký kết hôn
                   (Hộ tịch, 5), HT03 Thay đổi… (Hộ tịch, 20), CT01 Chứng thực bản sao… (Chứng
                   thực, 2). DD01 and XX99 used by cases are NOT in the catalogue.
  holidays.xlsx    Sat 2020-10-24 "làm việc" (swapped working day), Fri 2020-11-27 "nghỉ".
  Public holiday from the national calendar used below: Wed 2020-09-02 (Quốc khánh).

Case exports (raw/igate/):
  2020/thang_10.xlsx  sheet "Thang10": title block rows 1-3, blank row 4, header row 5, data
                      rows 6-14 with a blank row 9, footer rows 15 and 17 (16 blank);
                      sheet "Ghi chu": two lines of notes, no header.
  2020/thang_11.xlsx  sheet "Thang11": title rows 1-2, header row 3 (other vendor headers and
                      quirks), data rows 4-31 (rows 27-31 rejected), footer row 32;
                      sheet "Bo sung": header row 1, one data row 2.
  2020/thang_12.csv   UTF-8 with BOM, ";" delimited, no sector column: header line 1, data lines
                      2-7, blank line 8, data lines 9-11 (line 11 rejected), footer line 12.
  2020/a_gop.xlsx     a header over two rows with merged cells; one row copying HV-A09.
  2020/y_cp1258.csv   Windows-1258, "," delimited; one row copying HV-A07.
  2020/z_khong_trang_thai.csv  UTF-16, tab delimited, no status column; copies of HV-A04 and
                      HV-B2 (statuses inferred from the dates).
  2020/ghi_chu.txt    not an export: reported as skipped.

Dates: earliest received date 2020-09-01 (HV-A01). Latest received 2020-12-10 (00123), latest
finished 2020-12-14 (HV-A18), latest returned 2020-12-16 (HV-A18) → as-of date 2020-12-16 (due
dates 2020-12-18 and 2020-12-22 exist but are not part of the as-of rule; the rejected row HV-R1
received in 2021 is not loaded). Periods (§5): months 2020-09 … 2020-12 (the last ends
2020-12-16), quarters 2020-Q3 [07-01, 09-30] and 2020-Q4 [10-01, 12-16], year 2020 [01-01,
12-16].
"""

from __future__ import annotations

import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
import xlwt

from flows.paths import DataPaths
from flows.pipeline import build_warehouse, land
from tests.support import IGATE_HEADER, write_csv, write_xlsx

F10 = "raw/igate/2020/thang_10.xlsx"
F11 = "raw/igate/2020/thang_11.xlsx"
F12 = "raw/igate/2020/thang_12.csv"
FTXT = "raw/igate/2020/ghi_chu.txt"
FY = "raw/igate/2020/y_cp1258.csv"
FZ = "raw/igate/2020/z_khong_trang_thai.csv"

H01_NAME = "Ủy ban nhân dân huyện Hòa Vang"
S01_NAME = "Sở Tư pháp"
X01_NAME = "Ủy ban nhân dân thị trấn Phú Hòa"
TNMT = "Phòng Tài nguyên và Môi trường"

HT01 = ("HT01", "Đăng ký khai sinh")
HT02 = ("HT02", "Đăng ký kết hôn")
HT03 = ("HT03", "Thay đổi, cải chính, bổ sung thông tin hộ tịch")
CT01 = ("CT01", "Chứng thực bản sao từ bản chính")

HT, CT = "Hộ tịch", "Chứng thực"


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ---------------------------------------------------------------------------------------------
# The export files
# ---------------------------------------------------------------------------------------------


def _units() -> list[list[object]]:
    header = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Cấp",
        "Đơn vị cha",
        "Loại",
        "Tên khác",
        "Hiệu lực từ",
        "Hiệu lực đến",
        "Đơn vị kế thừa",
    ]
    return [
        header,
        ["H01", H01_NAME, "huyện", "T00", "ubnd", "UBND H. Hòa Vang; Huyện HV", dt(2010, 1, 1)],
        ["S01", S01_NAME, "tỉnh", "T00", "sở", "STP", dt(2010, 1, 1)],
        ["X01", X01_NAME, "xã", "H01", "ubnd", None, dt(2010, 1, 1)],
    ]


def _procedures() -> list[list[object]]:
    header = [
        "Mã TTHC",
        "Tên TTHC",
        "Lĩnh vực",
        "Cấp thực hiện",
        "Mức độ DVC",
        "Thời hạn giải quyết",
        "Tiếp nhận tại Một cửa",
        "Đơn vị",
    ]
    return [
        header,
        [*HT01, HT, "Cấp huyện", "Toàn trình", 3, "Có", "H01;X01"],
        [*HT02, HT, "Cấp huyện", "Một phần", 5, "Có", "H01"],
        [*HT03, HT, "Cấp huyện", 3, 20, "Có", "H01"],
        [*CT01, CT, "Cấp xã", None, 2, "x", "H01;S01;X01"],
    ]


def _holidays() -> list[list[object]]:
    return [
        ["Ngày", "Loại", "Ghi chú"],
        [dt(2020, 10, 24), "làm việc", "Làm bù"],
        [dt(2020, 11, 27), "nghỉ", "Nghỉ bù"],
    ]


# The case rows are tables: one export row per source line, kept as written.
# fmt: off
def _thang_10() -> list[list[object]]:
    # Columns: STT, Mã hồ sơ, Mã TTHC, Tên TTHC, Lĩnh vực, Đơn vị tiếp nhận, Hình thức nộp,
    # Ngày tiếp nhận, Ngày hẹn trả, Ngày có kết quả, Ngày trả kết quả, Trạng thái, Chủ hồ sơ,
    # Số điện thoại.
    person = ["Nguyễn Văn An", "0905111001"]
    return [
        ["UBND HUYỆN HÒA VANG"],  # row 1
        ["SỔ THEO DÕI HỒ SƠ"],  # row 2
        ["Từ ngày 01/10/2020 đến ngày 31/10/2020"],  # row 3
        [],  # row 4
        IGATE_HEADER,  # row 5
        # row 6: HV-A01, carried over from September, pending, no due date (HT03: 20 days)
        [1, "HV-A01", *HT03, HT, H01_NAME, "Trực tiếp", dt(2020, 9, 1, 8), None, None, None,
         "Đang giải quyết", *person],
        # row 7: HV-A02, alias by abbreviation + old tone, leading "Lĩnh vực", ISO text date
        [2, "HV-A02", *HT01, "Lĩnh vực Hộ tịch", "UBND huyện Hoà Vang", "Trực tuyến",
         "2020-10-05 09:00:00", "08/10/2020 17:00", dt(2020, 10, 7, 10), "08/10/2020 09:00",
         "Đã trả kết quả cho công dân", *person],
        # row 8: HV-A03, NFD upper-case unit name, numeric channel 2 and status 9
        [3, "HV-A03", *HT01, "HỘ TỊCH", nfd("UỶ BAN NHÂN DÂN HUYỆN HOÀ VANG"), 2,
         "06/10/2020 08:00", "09/10/2020 17:00", "16:00 09/10/2020", None, 9, *person],
        [],  # row 9: blank row inside the data
        # row 10: HV-A04, registry alias "Huyện HV", returned only, dd-mm-yyyy due date
        # (superseded by its copy in z_khong_trang_thai.csv: same activity, status, later path)
        [4, "HV-A04", *HT02, "hộ tịch", "Huyện HV", "BCCI", "08:30 12/10/2020", "19-10-2020",
         None, dt(2020, 10, 21, 10), "Đã trả", *person],
        # row 11: STP-D1 winner (latest activity 2020-10-16 09:00; its loser is in thang_12.csv)
        [5, "STP-D1", *CT01, CT, S01_NAME, "Trực tuyến", dt(2020, 10, 13, 8),
         dt(2020, 10, 15, 17), dt(2020, 10, 15, 10), dt(2020, 10, 16, 9), 10, *person],
        # row 12: STP-D2 winner (status 2 beats status 1 at equal activity)
        [6, "STP-D2", *CT01, CT, "Sở Tư Pháp.", "Trực tiếp", dt(2020, 10, 14, 9),
         dt(2020, 10, 16, 17), None, None, "Đã tiếp nhận", *person],
        # row 13: STP-D2B loser (the thang_11 row has a later activity, status 3)
        [7, "STP-D2B", *CT01, CT, S01_NAME, "Trực tiếp", dt(2020, 10, 20, 8),
         dt(2020, 10, 22, 17), None, None, 2, *person],
        # row 14: STP-D3 loser (same activity and status as thang_11 row 4; path sorts first)
        [8, "STP-D3", *CT01, CT, S01_NAME, "Trực tiếp", dt(2020, 10, 15, 10),
         dt(2020, 10, 19, 17), dt(2020, 10, 19, 11), None, 9, *person],
        ["Tổng cộng: 8 hồ sơ"],  # row 15
        [],  # row 16
        ["Người lập biểu", None, None, None, None, None, None, None, None, None,
         "Thủ trưởng đơn vị"],  # row 17
    ]


THANG_11_HEADER = [
    "STT", "Số hồ sơ (*)", "Mã thủ tục", "Tên thủ tục hành chính", "Tên lĩnh vực",
    "CƠ QUAN TIẾP NHẬN", "Kênh nộp:", "Ngày nhận\nhồ sơ", "Hẹn trả  kết quả", "Ngày xử lý xong",
    "Ngày trả", "Tình trạng", "Ngày xin lỗi", "Người nộp", "SĐT",
]


def _thang_11() -> list[list[object]]:
    # Columns: STT, case, proc code, proc name, sector, unit, channel, received, due, finished,
    # returned, status, apology, person, phone.
    p = ["Trần Thị Bình", "0905111002"]
    hv = "UBND huyện Hòa Vang"
    d5 = [21, "STP-D5", *CT01, CT, S01_NAME, "Bưu chính", dt(2020, 11, 6, 8),
          dt(2020, 11, 10, 17), dt(2020, 11, 9, 10), None, 9, None, *p]
    return [
        ["DANH SÁCH HỒ SƠ TIẾP NHẬN THÁNG 11/2020"],  # row 1
        ["Từ ngày 01/11/2020 đến ngày 30/11/2020"],  # row 2
        THANG_11_HEADER,  # row 3
        # row 4: STP-D3 winner (path thang_11 sorts after thang_10), due 2020-10-20 → early
        [1, "STP-D3", *CT01, CT, S01_NAME, "Trực tiếp", dt(2020, 10, 15, 10),
         dt(2020, 10, 20, 17), dt(2020, 10, 19, 11), None, 9, None, *p],
        # row 5: HV-A06, Excel serial 44159.375 = 2020-11-24 09:00, pending, no due date
        [2, "HV-A06", *HT01, HT, H01_NAME, "Qua mạng", 44159.375, None, None, None,
         "Đang giải quyết", None, *p],
        # row 6: HV-A07, pending, due 2020-11-30 (superseded by its copy in y_cp1258.csv)
        [3, "HV-A07", *HT02, HT, hv, "Trực tiếp", dt(2020, 11, 25, 8), dt(2020, 11, 30, 17),
         None, None, 4, None, *p],
        # row 7: HV-A09, early
        [4, "HV-A09", *HT01, HT, hv, "Bưu chính công ích", dt(2020, 11, 3, 8),
         dt(2020, 11, 6, 17), dt(2020, 11, 5, 15), dt(2020, 11, 6, 9), "Đã trả kết quả",
         None, *p],
        # row 8: HV-A10, finished the same day as received but at an earlier hour: kept
        [5, "HV-A10", *HT01, HT, hv, "DVCTT", "10/11/2020 15:00", "13/11/2020 17:00",
         "10/11/2020 09:00", None, "Hoàn thành", None, *p],
        # row 9: HV-A11, no due date, numeric channel 1
        [6, "HV-A11", *HT01, HT, hv, 1, dt(2020, 11, 12, 8), None, dt(2020, 11, 17, 16), None,
         "Đã có kết quả", None, *p],
        # row 10: HV-A12, no due date, apology slip
        [7, "HV-A12", *HT01, HT, hv, "Trực tiếp", dt(2020, 11, 16, 8), None,
         dt(2020, 11, 20, 16), None, 9, dt(2020, 11, 19, 8), *p],
        # row 11: HV-A13, withdrawn
        [8, "HV-A13", *HT02, HT, hv, "Trực tiếp", dt(2020, 11, 4, 8), dt(2020, 11, 11, 17),
         dt(2020, 11, 9, 10), dt(2020, 11, 12, 10), "Rút hồ sơ", None, *p],
        # row 12: HV-A14, stopped without finished/returned dates
        [9, "HV-A14", *HT01, HT, hv, "Qua bưu chính", dt(2020, 11, 18, 14, 30),
         dt(2020, 11, 23, 17), None, None, "Tạm dừng", None, *p],
        # row 13: HV-A15, stopped (NFD status text), received in October
        [10, "HV-A15", *HT02, HT, hv, "Trực tiếp", dt(2020, 10, 28, 8), dt(2020, 11, 4, 17),
         dt(2020, 11, 2, 10), None, nfd("Dừng giải quyết"), None, *p],
        # row 14: HV-A16, NFD channel text, received in October, resolved in November
        [11, "HV-A16", *HT02, HT, hv, nfd("Trực tuyến"), dt(2020, 10, 29, 9),
         dt(2020, 11, 5, 17), dt(2020, 11, 5, 8), dt(2020, 11, 6, 9), 10, None, *p],
        # row 15: HV-A19, status 1: not received
        [12, "HV-A19", *HT01, HT, hv, "Trực tuyến", dt(2020, 11, 19, 8), None, None, None,
         "Chờ tiếp nhận", None, *p],
        # row 16: HV-A20, status 3: not received
        [13, "HV-A20", *HT01, HT, hv, "Trực tiếp", dt(2020, 11, 19, 9), None,
         dt(2020, 11, 19, 10), None, "Từ chối tiếp nhận", None, *p],
        # row 17: numeric case code 20201111, sector with a leading "Lĩnh vực"
        [14, 20201111, *CT01, "Lĩnh vực Chứng thực", hv, "Trực tuyến", dt(2020, 11, 11, 8),
         dt(2020, 11, 13, 17), dt(2020, 11, 12, 10), None, 9, None, *p],
        # row 18: HV-B2, sector written without accents (superseded by z_khong_trang_thai.csv)
        [15, "HV-B2", *CT01, "Chung thuc", hv, "BCCI", dt(2020, 11, 20, 8),
         dt(2020, 11, 24, 17), None, None, 4, None, *p],
        # row 19: HV-E1, sector not in the catalogue (double space inside)
        [16, "HV-E1", "DD01", "Đăng ký đất đai lần đầu", "Đất  đai", hv, "Trực tuyến",
         dt(2020, 12, 3, 8), dt(2020, 12, 10, 17), dt(2020, 12, 9, 10), dt(2020, 12, 10, 9),
         10, None, *p],
        # row 20: HV-E2, procedure not in the catalogue and no due date → on_time + warning
        [17, "HV-E2", "XX99", "Chứng thực chữ ký", CT, hv, "Trực tiếp", dt(2020, 12, 4, 8),
         None, dt(2020, 12, 8, 10), None, 9, None, *p],
        # row 21: PH-X1, "UBND TT. Phú Hoà" → X01, withdrawn the day it was received
        [18, "PH-X1", *CT01, CT, "UBND TT. Phú Hoà", "Trực tiếp", dt(2020, 11, 9, 8), None,
         None, dt(2020, 11, 9, 10), "Đã rút", None, *p],
        # row 22: STP-D2B winner (activity 2020-10-21 10:00), status 3 → not received
        [19, "STP-D2B", *CT01, CT, S01_NAME, "Trực tiếp", dt(2020, 10, 20, 8),
         dt(2020, 10, 22, 17), dt(2020, 10, 21, 10), None, "Từ chối", None, *p],
        # row 23: STP-D4 first row (loses to row 25: same activity and status, later row)
        [20, "STP-D4", *CT01, CT, S01_NAME, "Trực tuyến", dt(2020, 11, 2, 8),
         dt(2020, 11, 3, 17), dt(2020, 11, 3, 10), dt(2020, 11, 4, 8), 10,
         dt(2020, 11, 3, 8), *p],
        d5,  # row 24: STP-D5
        # row 25: STP-D4 second row, due 2020-11-05, no apology date
        [22, "STP-D4", *CT01, CT, S01_NAME, "Trực tuyến", dt(2020, 11, 2, 8),
         dt(2020, 11, 5, 17), dt(2020, 11, 3, 10), dt(2020, 11, 4, 8), 10, None, *p],
        list(d5),  # row 26: STP-D5 again, an exact duplicate of row 24
        # row 27: unknown status (received in 2021: must not move the periods)
        [23, "HV-R1", *HT01, HT, hv, "Trực tiếp", "05/01/2021 08:00", None, None, None,
         "Đang thẩm định", None, *p],
        # row 28: unknown channel
        [24, "HV-R2", *HT01, HT, hv, "Qua email", dt(2020, 11, 26, 8), None, None, None, 4,
         None, *p],
        # row 29: a date that cannot be a date
        [25, "HV-R3", *HT01, HT, hv, "Trực tiếp", "31/11/2020", None, None, None, 4, None, *p],
        # row 30: finished on a date before the received date
        [26, "HV-R4", *HT01, HT, hv, "Trực tiếp", "12/11/2020 10:00", None, "11/11/2020 16:00",
         None, 9, None, *p],
        # row 31: case code missing
        [27, None, *HT01, HT, hv, "Trực tiếp", dt(2020, 11, 27, 8), None, None, None, 4, None,
         *p],
        ["Tổng cộng"],  # row 32
    ]


def _bo_sung() -> list[list[object]]:
    return [
        IGATE_HEADER,  # row 1
        # row 2: STP-D2 loser, status 1 at the same activity as thang_10 row 12
        [1, "STP-D2", *CT01, CT, S01_NAME, "Trực tiếp", dt(2020, 10, 14, 9),
         dt(2020, 10, 16, 17), None, None, "Chờ tiếp nhận", "Lê Văn Cường", "0905111003"],
    ]


def _thang_12() -> list[list[object]]:
    header = [
        "Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Đơn vị tiếp nhận", "Hình thức nộp", "Ngày tiếp nhận",
        "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả", "Trạng thái", "Họ tên",
    ]
    hv = "UBND huyện Hòa Vang"
    who = "Phạm Thị Dung"
    return [
        header,  # line 1
        # line 2: HV-A05, no sector column (HT02 → Hộ tịch), empty channel → direct
        ["HV-A05", *HT02, H01_NAME, "", "23/10/2020 14:00", "", "2020-12-02 10:00", "",
         "Hoàn thành", who],
        # line 3: HV-A08
        ["HV-A08", *HT01, hv, "Trực tiếp", "02/11/2020 08:00", "05/11/2020 17:00",
         "01/12/2020 09:00", "08:00 02/12/2020", "Đã trả kết quả", who],
        # line 4: case code with leading zeros
        ["00123", *HT01, hv, "Trực tiếp", "10-12-2020", "18/12/2020 17:00", "", "",
         "Đang giải quyết", who],
        # line 5: HV-A18, returned 2020-12-16: the as-of date
        ["HV-A18", *HT02, hv, "Dịch vụ công trực tuyến", "07/12/2020 08:00",
         "14/12/2020 17:00", "14/12/2020 10:00", "2020-12-16 09:00:00", "10", who],
        # line 6: STP-D1 loser (activity 2020-10-13 08:00 only)
        ["STP-D1", *CT01, "SỞ TƯ PHÁP", "Trực tuyến", "13/10/2020 08:00", "15/10/2020 17:00",
         "", "", "Đang giải quyết", who],
        # line 7: STP-S1, registry alias "STP"
        ["STP-S1", *CT01, "STP", "Trực tiếp", "01/12/2020 08:00", "03/12/2020 17:00", "", "",
         "4", who],
        [],  # line 8: blank
        # lines 9-10: a unit the registry does not know, spelled with and without extra spaces
        ["TN-U1", *CT01, "Phòng Tài nguyên  và  Môi trường", "Qua mạng", "01/12/2020 09:00",
         "03/12/2020 17:00", "", "", "Đang giải quyết", who],
        ["TN-U2", *CT01, TNMT, "Trực tiếp", "02/12/2020 09:00", "22/12/2020 17:00", "", "",
         "Đang giải quyết", who],
        # line 11: due date before the received date → rejected
        ["HV-R6", *HT01, hv, "Trực tiếp", "08/12/2020 08:00", "07/12/2020 17:00", "", "",
         "Đang giải quyết", who],
        ["Tổng cộng: 9 hồ sơ"],  # line 12
    ]
# fmt: on


def _y_cp1258() -> list[list[object]]:
    # Windows-1258 (tones stored as combining marks), "," delimited. Line 2 copies HV-A07 of
    # thang_11.xlsx row 6 (same activity 11-25 08:00, same status 4): this path sorts last and
    # wins, thang_11 row 6 is superseded.
    header = ["Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Đơn vị tiếp nhận"]
    header += ["Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]
    return [
        header,
        ["HV-A07", *HT02, HT, "UBND huyện Hòa Vang", "Trực tiếp", "25/11/2020 08:00",
         "30/11/2020 17:00", "Đang giải quyết"],
    ]  # fmt: skip


def _z_no_status() -> list[list[object]]:
    # UTF-16, tab delimited, NO status column (§3.1: returned → 10, finished → 9, else 4).
    # Line 2 copies HV-A04 (thang_10 row 10, status 10, returned only): inferred 10, same
    # activity → this path sorts last and wins. Line 3 copies HV-B2 (thang_11 row 18, status 4,
    # no dates after receipt): inferred 4 → wins the same way. A wrong inference would lose.
    header = ["Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Đơn vị tiếp nhận"]
    header += ["Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]
    header += ["Ngày trả kết quả"]
    return [
        header,
        ["HV-A04", *HT02, "hộ tịch", "Huyện HV", "BCCI", "08:30 12/10/2020", "19-10-2020", "",
         "21/10/2020 10:00"],
        ["HV-B2", *CT01, "Chung thuc", "UBND huyện Hòa Vang", "BCCI", "20/11/2020 08:00",
         "24/11/2020 17:00", "", ""],
    ]  # fmt: skip


def write_two_row_header_xlsx(path: Path) -> Path:
    """A sheet whose header spans two rows: "Thời gian" merged over four date sub-headers,
    every other header cell merged down over both rows (§2)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("So theo doi")
    stamp = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_string(0, 0, "SỔ THEO DÕI HỒ SƠ")  # row 1
    top = ["STT", "Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Đơn vị tiếp nhận"]
    top += ["Hình thức nộp"]
    for col, name in enumerate(top):  # rows 2-3, merged down
        sheet.merge_range(1, col, 2, col, name)
    sheet.merge_range(1, 7, 1, 10, "Thời gian")  # row 2, merged across
    for col, name in enumerate(
        ["Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả"], start=7
    ):
        sheet.write_string(2, col, name)  # row 3
    sheet.merge_range(1, 11, 2, 11, "Trạng thái")
    # row 4: a copy of HV-A09's row in thang_11.xlsx (same activity, same status): the tie goes
    # to the path sorting last, raw/igate/2020/thang_11.xlsx, and this row is superseded.
    values = [1, "HV-A09", *HT01, HT, "UBND huyện Hòa Vang", "Bưu chính công ích"]
    for col, value in enumerate(values):
        sheet.write(3, col, value)
    stamps = [dt(2020, 11, 3, 8), dt(2020, 11, 6, 17), dt(2020, 11, 5, 15), dt(2020, 11, 6, 9)]
    for col, value in enumerate(stamps, start=7):
        sheet.write_datetime(3, col, value, stamp)
    sheet.write_string(3, 11, "Đã trả kết quả")
    workbook.close()
    return path


def write_dataset(root: Path) -> None:
    raw = root / "raw"
    write_xlsx(raw / "reference" / "units.xlsx", {"DonVi": _units()})
    write_xlsx(raw / "reference" / "procedures.xlsx", {"TTHC": _procedures()})
    write_xlsx(raw / "reference" / "holidays.xlsx", {"NgayNghi": _holidays()})
    notes = [["Ghi chú: số liệu trích xuất từ hệ thống một cửa điện tử"], ["Người lập: Trần B"]]
    write_xlsx(raw / "igate" / "2020" / "thang_10.xlsx", {"Thang10": _thang_10(), "Ghi chu": notes})
    write_xlsx(
        raw / "igate" / "2020" / "thang_11.xlsx", {"Thang11": _thang_11(), "Bo sung": _bo_sung()}
    )
    write_csv(raw / "igate" / "2020" / "thang_12.csv", _thang_12(), "utf-8-sig", ";")
    write_two_row_header_xlsx(raw / "igate" / "2020" / "a_gop.xlsx")
    write_csv(raw / "igate" / "2020" / "y_cp1258.csv", _y_cp1258(), "cp1258", ",")
    write_csv(raw / "igate" / "2020" / "z_khong_trang_thai.csv", _z_no_status(), "utf-16", "\t")
    (raw / "igate" / "2020" / "ghi_chu.txt").write_text("Xem file thang_10.xlsx\n", "utf-8")


def land_and_build_at(root: Path) -> duckdb.DuckDBPyConnection:
    """The pipeline's steps without Prefect: land every raw file, build, open the warehouse."""
    paths = DataPaths(root)
    build_warehouse(paths, land(paths))
    return duckdb.connect(str(paths.warehouse), read_only=True)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("contract") / "data"
    write_dataset(root)
    con = land_and_build_at(root)
    yield con
    con.close()


def rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def one(con, sql: str, params=None) -> dict:
    found = rows(con, sql, params)
    assert len(found) == 1, found
    return found[0]


def filing(con, case_code: str) -> dict:
    return one(con, "SELECT * FROM fct_filings WHERE case_code = ?", [case_code])


# ---------------------------------------------------------------------------------------------
# fct_filings
# ---------------------------------------------------------------------------------------------

FCT_COLUMNS = [
    "case_code",
    "procedure_code",
    "procedure_name",
    "sector",
    "unit_code",
    "unit_name",
    "channel",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "ended_at",
    "status_code",
    "outcome",
    "apology_at",
    "source_file",
]


def test_fct_filings_has_the_contract_columns_and_no_personal_field(wh):
    cols = [r[0] for r in wh.execute("DESCRIBE fct_filings").fetchall()]
    assert set(FCT_COLUMNS) <= set(cols)
    personal = {"applicant", "applicant_phone", "applicant_address", "applicant_id"}
    assert not personal & set(cols)
    texts = " ".join(str(v) for r in wh.execute("SELECT * FROM fct_filings").fetchall() for v in r)
    for clear in ("0905111", "Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"):
        assert clear not in texts


def test_fct_filings_one_row_per_received_case(wh):
    # 18 HV-A cases (A01…A18) + HV-B2, 20201111, HV-E1, HV-E2 + PH-X1 + STP-D1, D2, D3, D4, D5,
    # S1 + TN-U1, TN-U2 = 31. Not there: HV-A19 (status 1), HV-A20 (status 3), STP-D2B (its
    # winning row has status 3), the rejected rows HV-R1…R4, R6 and the row without a code.
    codes = [r[0] for r in wh.execute("SELECT case_code FROM fct_filings").fetchall()]
    expected = {f"HV-A{i:02d}" for i in range(1, 19) if i != 17} | {"00123"}
    expected |= {"HV-B2", "20201111", "HV-E1", "HV-E2", "PH-X1", "TN-U1", "TN-U2"}
    expected |= {"STP-D1", "STP-D2", "STP-D3", "STP-D4", "STP-D5", "STP-S1"}
    assert len(codes) == len(set(codes)) == 31
    assert set(codes) == expected


def test_fct_filings_full_row_early_case_matched_by_abbreviation(wh):
    # HV-A02: "UBND huyện Hoà Vang" → ubnd→ủy ban nhân dân, tone folded → H01; sector "Lĩnh vực
    # Hộ tịch" → catalogue "Hộ tịch"; resolved (10): ended_at = finished_at 10-07 < due 10-08.
    row = filing(wh, "HV-A02")
    assert {k: row[k] for k in FCT_COLUMNS} == {
        "case_code": "HV-A02",
        "procedure_code": "HT01",
        "procedure_name": "Đăng ký khai sinh",
        "sector": "Hộ tịch",
        "unit_code": "H01",
        "unit_name": H01_NAME,
        "channel": "online",
        "received_at": dt(2020, 10, 5, 9),
        "due_at": dt(2020, 10, 8, 17),
        "finished_at": dt(2020, 10, 7, 10),
        "returned_at": dt(2020, 10, 8, 9),
        "ended_at": dt(2020, 10, 7, 10),
        "status_code": 10,
        "outcome": "early",
        "apology_at": None,
        "source_file": F10,
    }


def test_fct_filings_full_row_returned_only_late_case_via_alias(wh):
    # HV-A04: alias "Huyện HV" → H01; "hộ tịch" → "Hộ tịch"; "BCCI" → postal; "19-10-2020" →
    # 2020-10-19 00:00; no finished_at → ended_at = returned_at 10-21 > due 10-19 → late.
    # Its winning row is the copy in z_khong_trang_thai.csv (no status column → 10, tie on
    # activity and status, path sorts last).
    row = filing(wh, "HV-A04")
    assert {k: row[k] for k in FCT_COLUMNS} == {
        "case_code": "HV-A04",
        "procedure_code": "HT02",
        "procedure_name": "Đăng ký kết hôn",
        "sector": "Hộ tịch",
        "unit_code": "H01",
        "unit_name": H01_NAME,
        "channel": "postal",
        "received_at": dt(2020, 10, 12, 8, 30),
        "due_at": dt(2020, 10, 19),
        "finished_at": None,
        "returned_at": dt(2020, 10, 21, 10),
        "ended_at": dt(2020, 10, 21, 10),
        "status_code": 10,
        "outcome": "late",
        "apology_at": None,
        "source_file": FZ,
    }


def test_fct_filings_nfd_upper_case_unit_numeric_cells(wh):
    # HV-A03: NFD, upper case, old tone "UỶ … HOÀ" → H01; channel cell 2 → online; status cell 9
    # → 9; "16:00 09/10/2020" → 2020-10-09 16:00; ended date = due date → on_time.
    row = filing(wh, "HV-A03")
    assert (row["unit_code"], row["unit_name"], row["sector"]) == ("H01", H01_NAME, "Hộ tịch")
    assert (row["channel"], row["status_code"], row["outcome"]) == ("online", 9, "on_time")
    assert (row["received_at"], row["due_at"]) == (dt(2020, 10, 6, 8), dt(2020, 10, 9, 17))
    assert row["finished_at"] == row["ended_at"] == dt(2020, 10, 9, 16)
    assert row["returned_at"] is None


def test_fct_filings_sector_from_catalogue_when_export_has_none(wh):
    # HV-A05 (thang_12.csv has no sector column): HT02 → "Hộ tịch". Empty channel → direct.
    # No due date: working days after Fri 10-23 up to Wed 12-02 are far more than HT02's 5 → late.
    row = filing(wh, "HV-A05")
    assert {k: row[k] for k in FCT_COLUMNS} == {
        "case_code": "HV-A05",
        "procedure_code": "HT02",
        "procedure_name": "Đăng ký kết hôn",
        "sector": "Hộ tịch",
        "unit_code": "H01",
        "unit_name": H01_NAME,
        "channel": "direct",
        "received_at": dt(2020, 10, 23, 14),
        "due_at": None,
        "finished_at": dt(2020, 12, 2, 10),
        "returned_at": None,
        "ended_at": dt(2020, 12, 2, 10),
        "status_code": 9,
        "outcome": "late",
        "apology_at": None,
        "source_file": F12,
    }
    # U1/U2 and S1 come from the same file: CT01 → "Chứng thực".
    assert filing(wh, "TN-U1")["sector"] == "Chứng thực"
    assert filing(wh, "STP-S1")["sector"] == "Chứng thực"


def test_fct_filings_sector_variants_match_the_catalogue(wh):
    # "Lĩnh vực Chứng thực" (leading "Lĩnh vực" dropped), "Chung thuc" (accents stripped),
    # "HỘ TỊCH" (case): all the catalogue's own value.
    assert filing(wh, "20201111")["sector"] == "Chứng thực"
    assert filing(wh, "HV-B2")["sector"] == "Chứng thực"
    assert filing(wh, "HV-A03")["sector"] == "Hộ tịch"


def test_fct_filings_unit_variants_match_the_registry(wh):
    # "Sở Tư Pháp." (punctuation), "STP" (alias), "SỞ TƯ PHÁP" is only in a superseded row;
    # "UBND TT. Phú Hoà" → "ủy ban nhân dân thị trấn phú hòa" → X01.
    assert (filing(wh, "STP-D2")["unit_code"], filing(wh, "STP-D2")["unit_name"]) == (
        "S01",
        S01_NAME,
    )
    assert (filing(wh, "STP-S1")["unit_code"], filing(wh, "STP-S1")["unit_name"]) == (
        "S01",
        S01_NAME,
    )
    x1 = filing(wh, "PH-X1")
    assert (x1["unit_code"], x1["unit_name"]) == ("X01", X01_NAME)


def test_fct_filings_unmatched_unit_and_sector_kept_under_cleaned_name(wh):
    # "Phòng Tài nguyên  và  Môi trường" → cleaned (spaces collapsed), unit_code NULL.
    for code in ("TN-U1", "TN-U2"):
        row = filing(wh, code)
        assert (row["unit_code"], row["unit_name"]) == (None, TNMT)
    # HV-E1: "Đất  đai" is in no catalogue row → kept as "Đất đai"; ended 12-09 < due 12-10.
    e1 = filing(wh, "HV-E1")
    assert (e1["sector"], e1["unit_code"], e1["outcome"]) == ("Đất đai", "H01", "early")


def test_fct_filings_outcome_without_due_date_counts_working_days(wh):
    # HV-A11: HT01 limit 3; received Thu 11-12, ended Tue 11-17: working days after 11-12 up to
    # 11-17 = Fri 13, Mon 16, Tue 17 = 3 ≤ 3 → on_time (weekend skipped). Channel cell 1 → direct.
    a11 = filing(wh, "HV-A11")
    assert (a11["outcome"], a11["channel"], a11["ended_at"]) == (
        "on_time",
        "direct",
        dt(2020, 11, 17, 16),
    )
    # HV-A12: received Mon 11-16, ended Fri 11-20: Tue 17 … Fri 20 = 4 > 3 → late.
    a12 = filing(wh, "HV-A12")
    assert (a12["outcome"], a12["apology_at"]) == ("late", dt(2020, 11, 19, 8))
    # HV-E2: no due date, XX99 not in the catalogue → on_time.
    assert filing(wh, "HV-E2")["outcome"] == "on_time"


def test_fct_filings_same_day_finish_before_receipt_hour_is_kept(wh):
    # HV-A10: received 11-10 15:00, finished 11-10 09:00: same date, not a rejected row.
    row = filing(wh, "HV-A10")
    assert (row["channel"], row["status_code"], row["outcome"]) == ("online", 9, "early")
    assert (row["received_at"], row["ended_at"]) == (dt(2020, 11, 10, 15), dt(2020, 11, 10, 9))


def test_fct_filings_other_endings(wh):
    # HV-A13 status 7: ended at the greater of finished (11-09) and returned (11-12).
    a13 = filing(wh, "HV-A13")
    assert (a13["status_code"], a13["outcome"], a13["ended_at"]) == (
        7,
        "withdrawn",
        dt(2020, 11, 12, 10),
    )
    # HV-A14 status 8 without finished/returned: ended at received_at; "Qua bưu chính" → postal.
    a14 = filing(wh, "HV-A14")
    assert (a14["status_code"], a14["outcome"], a14["ended_at"], a14["channel"]) == (
        8,
        "stopped",
        dt(2020, 11, 18, 14, 30),
        "postal",
    )
    # HV-A15: NFD "Dừng giải quyết" → 8, ended at finished 11-02 10:00.
    a15 = filing(wh, "HV-A15")
    assert (a15["status_code"], a15["outcome"], a15["ended_at"]) == (
        8,
        "stopped",
        dt(2020, 11, 2, 10),
    )
    # PH-X1: "Đã rút" → 7, returned only → ended at returned.
    x1 = filing(wh, "PH-X1")
    assert (x1["status_code"], x1["outcome"], x1["ended_at"]) == (
        7,
        "withdrawn",
        dt(2020, 11, 9, 10),
    )


def test_fct_filings_pending_cases_and_text_values(wh):
    # HV-A06: serial 44159.375 = 2020-11-24 09:00; "Qua mạng" → online; status 4 → pending.
    a06 = filing(wh, "HV-A06")
    assert (a06["received_at"], a06["channel"], a06["outcome"], a06["ended_at"]) == (
        dt(2020, 11, 24, 9),
        "online",
        "pending",
        None,
    )
    # 00123: leading zeros kept; "10-12-2020" → 2020-12-10 00:00.
    z = filing(wh, "00123")
    assert (z["received_at"], z["outcome"], z["status_code"]) == (dt(2020, 12, 10), "pending", 4)
    # HV-A16: NFD "Trực tuyến" → online.
    assert filing(wh, "HV-A16")["channel"] == "online"


def test_dedup_latest_activity_wins_over_path_order(wh):
    # STP-D1: the thang_10 row (activity 10-16 09:00) beats the thang_12.csv row (10-13 08:00)
    # although thang_12.csv sorts last. ended 10-15 = due 10-15 → on_time.
    d1 = filing(wh, "STP-D1")
    assert (d1["source_file"], d1["status_code"], d1["outcome"]) == (F10, 10, "on_time")
    assert d1["channel"] == "online"


def test_dedup_tie_goes_to_higher_status(wh):
    # STP-D2: same activity (10-14 09:00); status 2 (thang_10) beats status 1 (thang_11).
    d2 = filing(wh, "STP-D2")
    assert (d2["source_file"], d2["status_code"], d2["outcome"]) == (F10, 2, "pending")


def test_dedup_case_whose_winner_is_not_received_is_dropped(wh):
    # STP-D2B: thang_11 row (finished 10-21, status 3) beats thang_10 row (status 2).
    assert rows(wh, "SELECT * FROM fct_filings WHERE case_code = 'STP-D2B'") == []


def test_dedup_tie_goes_to_the_path_sorting_last(wh):
    # STP-D3: same activity and status 9; raw/igate/2020/thang_11.xlsx sorts after thang_10.xlsx
    # → its due 10-20 17:00 → ended 10-19 < 10-20 → early (the other row would be on_time).
    d3 = filing(wh, "STP-D3")
    assert (d3["source_file"], d3["due_at"], d3["outcome"]) == (F11, dt(2020, 10, 20, 17), "early")


def test_dedup_tie_goes_to_the_later_row(wh):
    # STP-D4: rows 23 and 25 of the same sheet, same activity and status: row 25 wins → due
    # 11-05 → ended 11-03 < 11-05 → early.
    d4 = filing(wh, "STP-D4")
    assert (d4["source_file"], d4["due_at"], d4["outcome"]) == (F11, dt(2020, 11, 5, 17), "early")
    # STP-D5: exact duplicate rows 24 and 26: one case.
    d5 = filing(wh, "STP-D5")
    assert (d5["channel"], d5["outcome"]) == ("postal", "early")


def test_apology_is_the_earliest_found_in_igate(wh):
    # §3.5: "A case's apology date is the earliest apology_at found in igate/ or late/". STP-D4's
    # superseded row 23 carries 2020-11-03 08:00; the winning row has none.
    assert filing(wh, "STP-D4")["apology_at"] == dt(2020, 11, 3, 8)


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

PERIODS = {
    ("month", "2020-09", date(2020, 9, 1), date(2020, 9, 30)),
    ("month", "2020-10", date(2020, 10, 1), date(2020, 10, 31)),
    ("month", "2020-11", date(2020, 11, 1), date(2020, 11, 30)),
    ("month", "2020-12", date(2020, 12, 1), date(2020, 12, 16)),
    ("quarter", "2020-Q3", date(2020, 7, 1), date(2020, 9, 30)),
    ("quarter", "2020-Q4", date(2020, 10, 1), date(2020, 12, 16)),
    ("year", "2020", date(2020, 1, 1), date(2020, 12, 16)),
}


@pytest.mark.parametrize("table", ["rpt_bieu06", "ind_channels", "ind_late"])
def test_periods_run_from_first_received_to_as_of(wh, table):
    found = wh.execute(
        f"SELECT DISTINCT period_type, period, period_start, period_end FROM {table}"
    ).fetchall()
    assert set(found) == PERIODS


# ---------------------------------------------------------------------------------------------
# rpt_bieu06
# ---------------------------------------------------------------------------------------------

BIEU06 = [
    "received_online",
    "received_direct_postal",
    "received_total",
    "carried_over",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "resolved_total",
    "pending_not_due",
    "pending_overdue",
    "pending_total",
    "other_ended",
]


def bieu06(con, period: str, unit_code: str | None, sector: str) -> dict:
    row = one(
        con,
        "SELECT * FROM rpt_bieu06 WHERE period = ? AND unit_code IS NOT DISTINCT FROM ? "
        "AND sector = ?",
        [period, unit_code, sector],
    )
    return {k: row[k] for k in ["unit_name", *BIEU06]}


def counts(*values: int) -> dict:
    return dict(zip(BIEU06, values, strict=True))


# H01 × Hộ tịch, every case (after dedup, statuses 1/3 out):
#  A01 rcv 09-01 direct, never ended, no due, HT03 (20 days)
#  A02 rcv 10-05 online, early 10-07      A03 rcv 10-06 online, on_time 10-09
#  A04 rcv 10-12 postal, late 10-21       A05 rcv 10-23 direct, late 12-02, no due, HT02 (5)
#  A15 rcv 10-28 direct, stopped 11-02, due 11-04
#  A16 rcv 10-29 online, on_time 11-05, due 11-05
#  A08 rcv 11-02 direct, late 12-01, due 11-05    A09 rcv 11-03 postal, early 11-05
#  A13 rcv 11-04 direct, withdrawn 11-12          A10 rcv 11-10 online, early 11-10
#  A11 rcv 11-12 direct, on_time 11-17            A12 rcv 11-16 direct, late 11-20
#  A14 rcv 11-18 postal, stopped 11-18
#  A06 rcv 11-24 online, never ended, no due, HT01 (3)
#  A07 rcv 11-25 direct, never ended, due 11-30
#  A18 rcv 12-07 online, on_time 12-14            00123 (A17) rcv 12-10 direct, never ended,
#                                                 due 12-18


def test_bieu06_h01_ho_tich_september_public_holiday(wh):
    # [09-01, 09-30]: A01 received (direct), pending at 09-30. Working days after Tue 09-01 up to
    # Wed 09-30: 21 weekdays (Sep 2-4, 7-11, 14-18, 21-25, 28-30) minus Wed 09-02 (Quốc khánh)
    # = 20 ≤ 20 → not overdue.
    assert bieu06(wh, "2020-09", "H01", HT) == {"unit_name": H01_NAME} | counts(
        0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0
    )
    assert bieu06(wh, "2020-Q3", "H01", HT) == {"unit_name": H01_NAME} | counts(
        0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0
    )


def test_bieu06_h01_ho_tich_october_swapped_saturday(wh):
    # [10-01, 10-31]: received A02 on, A03 on, A04 postal, A05, A15 direct, A16 on → 3 + 3 = 6.
    # carried_over: A01. Resolved: A02 early, A03 on_time, A04 late.
    # Pending at Sat 10-31: A01 (overdue, far over 20), A05 (no due; working days after Fri
    # 10-23 up to 10-31 = Sat 10-24 (swapped working day) + Mon-Fri 26-30 = 6 > 5 → overdue),
    # A15 (due 11-04, not due), A16 (due 11-05, not due) → 2 not due, 2 overdue.
    # 1 + 6 = 3 + 4 + 0.
    assert bieu06(wh, "2020-10", "H01", HT) == {"unit_name": H01_NAME} | counts(
        3, 3, 6, 1, 1, 1, 1, 3, 2, 2, 4, 0
    )


def test_bieu06_h01_ho_tich_november_day_off_override(wh):
    # [11-01, 11-30]: received A06 on, A07, A08 direct, A09 postal, A10 on, A11, A12, A13
    # direct, A14 postal → online 2, direct/postal 7, total 9.
    # carried_over (received before 11-01, not ended before 11-01): A01, A05 (12-02), A15
    # (11-02), A16 (11-05) → 4.
    # Resolved in November: A09 early, A10 early, A11 on_time, A12 late, A16 on_time → 2/2/1 = 5.
    # Other endings in November: A13 (11-12), A14 (11-18), A15 (11-02) → 3.
    # Pending at Mon 11-30: A01 overdue; A05 overdue (no due, far over 5); A08 overdue (due 11-05
    # < 11-30); A07 due 11-30 = E → not due; A06 no due, working days after Tue 11-24 up to
    # 11-30 = Wed 25, Thu 26, Mon 30 (Fri 27 is a day off by override) = 3 ≤ 3 → not due.
    # → not due 2, overdue 3, total 5.  4 + 9 = 5 + 5 + 3.
    assert bieu06(wh, "2020-11", "H01", HT) == {"unit_name": H01_NAME} | counts(
        2, 7, 9, 4, 2, 2, 1, 5, 2, 3, 5, 3
    )


def test_bieu06_h01_ho_tich_december_ends_at_as_of(wh):
    # [12-01, 12-16]: received A18 online, 00123 direct → 1, 1, 2.
    # carried_over: A01, A05 (12-02), A06, A07, A08 (12-01) → 5.
    # Resolved: A05 late, A08 late, A18 on_time → 0/1/2 = 3.
    # Pending at 12-16: A01, A06 (no due, far over 3), A07 (due 11-30) overdue; 00123 due 12-18
    # > 12-16 → not due (it would be overdue at 12-31). 5 + 2 = 3 + 4 + 0.
    assert bieu06(wh, "2020-12", "H01", HT) == {"unit_name": H01_NAME} | counts(
        1, 1, 2, 5, 0, 1, 2, 3, 1, 3, 4, 0
    )


def test_bieu06_h01_ho_tich_quarter_and_year(wh):
    # Q4 [10-01, 12-16]: received 6 + 9 + 2 = 17 (online 3 + 2 + 1 = 6, direct/postal 11);
    # carried_over A01; resolved early A02, A09, A10 = 3; on_time A03, A11, A16, A18 = 4; late
    # A04, A12, A05, A08 = 4 → 11; other A13, A14, A15 = 3; pending at 12-16 as in December.
    # 1 + 17 = 11 + 4 + 3.
    assert bieu06(wh, "2020-Q4", "H01", HT) == {"unit_name": H01_NAME} | counts(
        6, 11, 17, 1, 3, 4, 4, 11, 1, 3, 4, 3
    )
    # Year [01-01, 12-16]: A01 joins the received (direct) and nothing is carried over.
    assert bieu06(wh, "2020", "H01", HT) == {"unit_name": H01_NAME} | counts(
        6, 12, 18, 0, 3, 4, 4, 11, 1, 3, 4, 3
    )


def test_bieu06_s01_dedup_effects(wh):
    # S01 × Chứng thực, October: D1 online on_time 10-15, D2 direct pending (due 10-16 < 10-31
    # → overdue), D3 direct early 10-19; D2B is not received. 0 + 3 = 2 + 1 + 0.
    assert bieu06(wh, "2020-10", "S01", CT) == {"unit_name": S01_NAME} | counts(
        1, 2, 3, 0, 1, 1, 0, 2, 0, 1, 1, 0
    )
    # November: D4 online early 11-03, D5 postal early 11-09 (one case); carried over D2, still
    # pending and overdue. 1 + 2 = 2 + 1 + 0.
    assert bieu06(wh, "2020-11", "S01", CT) == {"unit_name": S01_NAME} | counts(
        1, 1, 2, 1, 2, 0, 0, 2, 0, 1, 1, 0
    )


def test_bieu06_unmatched_unit_row(wh):
    # December, unit NULL "Phòng Tài nguyên và Môi trường" × Chứng thực: U1 online due 12-03
    # (< 12-16, overdue), U2 direct due 12-22 (not due).
    assert bieu06(wh, "2020-12", None, CT) == {"unit_name": TNMT} | counts(
        1, 1, 2, 0, 0, 0, 0, 0, 1, 1, 2, 0
    )


def test_bieu06_rows_only_for_non_zero_combinations(wh):
    # Sep: A01. Oct: H01×HT, S01×CT (B-cases come in November). Nov: H01×HT, H01×CT (20201111,
    # HV-B2), S01×CT, X01×CT (PH-X1). Dec: H01×HT, H01×CT (HV-B2 carried, HV-E2), H01×Đất đai
    # (HV-E1), S01×CT (D2 carried, S1), NULL×CT (U1, U2); X01 has nothing left in December.
    found = set(wh.execute("SELECT period, unit_code, sector FROM rpt_bieu06").fetchall())
    months = {
        ("2020-09", "H01", HT),
        ("2020-10", "H01", HT),
        ("2020-10", "S01", CT),
        ("2020-11", "H01", HT),
        ("2020-11", "H01", CT),
        ("2020-11", "S01", CT),
        ("2020-11", "X01", CT),
        ("2020-12", "H01", HT),
        ("2020-12", "H01", CT),
        ("2020-12", "H01", "Đất đai"),
        ("2020-12", "S01", CT),
        ("2020-12", None, CT),
    }
    assert {r for r in found if r[0].count("-") == 1 and "Q" not in r[0]} == months
    q3 = {("2020-Q3", "H01", HT)}
    q4 = {("2020-Q4", "H01", HT), ("2020-Q4", "H01", CT), ("2020-Q4", "H01", "Đất đai")}
    q4 |= {("2020-Q4", "S01", CT), ("2020-Q4", "X01", CT), ("2020-Q4", None, CT)}
    assert {r for r in found if "Q" in r[0]} == q3 | q4
    year = {("2020", u, s) for (_, u, s) in q4}
    assert {r for r in found if r[0] == "2020"} == year


# ---------------------------------------------------------------------------------------------
# ind_late
# ---------------------------------------------------------------------------------------------


def late(con, period: str, unit_code: str | None, sector: str) -> tuple:
    row = one(
        con,
        "SELECT * FROM ind_late WHERE period = ? AND unit_code IS NOT DISTINCT FROM ? "
        "AND sector = ?",
        [period, unit_code, sector],
    )
    cols = ["resolved_total", "resolved_late", "pending_total", "pending_overdue"]
    return tuple(row[c] for c in cols), row["late_rate"], row["overdue_or_late_rate"]


def test_ind_late_rates(wh):
    # From the rpt_bieu06 counts above: (resolved_total, resolved_late, pending_total,
    # pending_overdue); late_rate = late / resolved; overdue_or_late = (late + overdue) /
    # (resolved + pending).
    counts_, lr, olr = late(wh, "2020-11", "H01", HT)
    assert counts_ == (5, 1, 5, 3) and lr == pytest.approx(0.2) and olr == pytest.approx(0.4)
    counts_, lr, olr = late(wh, "2020-Q4", "H01", HT)
    assert counts_ == (11, 4, 4, 3)
    assert lr == pytest.approx(4 / 11) and olr == pytest.approx(7 / 15)
    counts_, lr, olr = late(wh, "2020", "H01", HT)
    assert counts_ == (11, 4, 4, 3)
    assert lr == pytest.approx(4 / 11) and olr == pytest.approx(7 / 15)
    counts_, lr, olr = late(wh, "2020-10", "H01", HT)
    assert counts_ == (3, 1, 4, 2) and lr == pytest.approx(1 / 3) and olr == pytest.approx(3 / 7)


def test_ind_late_null_when_denominator_is_zero(wh):
    # September: nothing resolved → late_rate NULL; (0 + 0) / (0 + 1) = 0.
    counts_, lr, olr = late(wh, "2020-09", "H01", HT)
    assert counts_ == (0, 0, 1, 0) and lr is None and olr == 0.0
    # X01 × Chứng thực, November: PH-X1 received and withdrawn → nothing resolved or pending.
    counts_, lr, olr = late(wh, "2020-11", "X01", CT)
    assert counts_ == (0, 0, 0, 0) and lr is None and olr is None


def test_ind_late_has_the_rows_of_bieu06(wh):
    keys = "period_type, period, unit_code, unit_name, sector"
    assert set(wh.execute(f"SELECT {keys} FROM ind_late").fetchall()) == set(
        wh.execute(f"SELECT {keys} FROM rpt_bieu06").fetchall()
    )
    assert wh.execute("SELECT count(*) FROM ind_late").fetchone()[0] == 25


# ---------------------------------------------------------------------------------------------
# ind_channels
# ---------------------------------------------------------------------------------------------


def channels(con, period: str, unit_code: str | None) -> tuple:
    row = one(
        con,
        "SELECT * FROM ind_channels WHERE period = ? AND unit_code IS NOT DISTINCT FROM ?",
        [period, unit_code],
    )
    cols = ["unit_name", "received_total", "received_online", "received_postal", "received_direct"]
    return tuple(row[c] for c in cols), row["online_rate"], row["postal_rate"]


def test_ind_channels_h01(wh):
    # November, H01 (all sectors): Hộ tịch online A06, A10; postal A09, A14; direct A07, A08,
    # A11, A12, A13; Chứng thực 20201111 online, HV-B2 postal ("BCCI") → 11 = 3 + 3 + 5.
    c, online, postal = channels(wh, "2020-11", "H01")
    assert c == (H01_NAME, 11, 3, 3, 5)
    assert online == pytest.approx(3 / 11) and postal == pytest.approx(3 / 11)
    # December: A18 online, 00123 direct, HV-E1 online, HV-E2 direct → 4 = 2 + 0 + 2.
    c, online, postal = channels(wh, "2020-12", "H01")
    assert c == (H01_NAME, 4, 2, 0, 2) and online == pytest.approx(0.5) and postal == 0.0
    # October: A02, A03, A16 online; A04 postal; A05, A15 direct → 6 = 3 + 1 + 2.
    # Q4 = 21: online 3 + 3 + 2 = 8, postal 1 + 3 + 0 = 4, direct 2 + 5 + 2 = 9.
    c, online, postal = channels(wh, "2020-Q4", "H01")
    assert c == (H01_NAME, 21, 8, 4, 9)
    assert online == pytest.approx(8 / 21) and postal == pytest.approx(4 / 21)
    # Year: + A01 (direct, September) → 22 = 8 + 4 + 10.
    c, online, postal = channels(wh, "2020", "H01")
    assert c == (H01_NAME, 22, 8, 4, 10)
    assert online == pytest.approx(8 / 22) and postal == pytest.approx(4 / 22)
    # September: A01 only.
    c, online, postal = channels(wh, "2020-09", "H01")
    assert c == (H01_NAME, 1, 0, 0, 1) and online == 0.0 and postal == 0.0


def test_ind_channels_other_units(wh):
    # S01 October: D1 online, D2 and D3 direct (D2B not received) → 3 = 1 + 0 + 2.
    c, online, postal = channels(wh, "2020-10", "S01")
    assert c == (S01_NAME, 3, 1, 0, 2) and online == pytest.approx(1 / 3) and postal == 0.0
    # S01 November: D4 online, D5 postal ("Bưu chính"), one case for the duplicate.
    c, online, postal = channels(wh, "2020-11", "S01")
    assert c == (S01_NAME, 2, 1, 1, 0)
    assert online == pytest.approx(0.5) and postal == pytest.approx(0.5)
    # The unmatched unit, December: U1 online ("Qua mạng"), U2 direct.
    c, online, postal = channels(wh, "2020-12", None)
    assert c == (TNMT, 2, 1, 0, 1) and online == pytest.approx(0.5) and postal == 0.0


def test_ind_channels_rows(wh):
    # Units with cases received in the period: Sep H01; Oct H01, S01; Nov H01, S01, X01;
    # Dec H01, S01, NULL; Q3 H01; Q4 and 2020 H01, S01, X01, NULL.
    found = set(wh.execute("SELECT period, unit_code FROM ind_channels").fetchall())
    assert found == {
        ("2020-09", "H01"),
        ("2020-10", "H01"),
        ("2020-10", "S01"),
        ("2020-11", "H01"),
        ("2020-11", "S01"),
        ("2020-11", "X01"),
        ("2020-12", "H01"),
        ("2020-12", "S01"),
        ("2020-12", None),
        ("2020-Q3", "H01"),
        *{(p, u) for p in ("2020-Q4", "2020") for u in ("H01", "S01", "X01", None)},
    }


# ---------------------------------------------------------------------------------------------
# Data quality
# ---------------------------------------------------------------------------------------------


def test_dq_files_accounting(wh):
    got = {
        (r["file"], r["sheet"]): r
        for r in rows(wh, "SELECT * FROM dq_files")
        if r["file"] != F12 and r["file"] != FTXT
    }
    cols = ["status", "rows_read", "rows_loaded", "rows_rejected", "rows_skipped"]

    def acc(file, sheet):
        r = got[(file, sheet)]
        return tuple(r[c] for c in [*cols, "rows_superseded"])

    # Thang10: 17 rows; loaded rows 6, 7, 8, 10-14 = 8; skipped rows 1-5, 9, 15, 16, 17 = 9;
    # superseded: row 10 (HV-A04, by z_khong_trang_thai.csv), row 13 (STP-D2B), row 14 (STP-D3).
    assert acc(F10, "Thang10") == ("loaded", 17, 8, 0, 9, 3)
    # Ghi chu: no header → skipped sheet, its two rows skipped.
    assert acc(F10, "Ghi chu") == ("skipped", 2, 0, 0, 2, 0)
    # Thang11: 32 rows; loaded rows 4-26 = 23; rejected rows 27-31 = 5; skipped rows 1-3, 32 = 4;
    # superseded: row 6 (HV-A07, by y_cp1258.csv), row 18 (HV-B2, by z_khong_trang_thai.csv),
    # row 23 (STP-D4) and one of rows 24/26 (STP-D5).
    assert acc(F11, "Thang11") == ("loaded", 32, 23, 5, 4, 4)
    # Bo sung: header + one row, superseded by thang_10 row 12 (STP-D2).
    assert acc(F11, "Bo sung") == ("loaded", 2, 1, 0, 1, 1)
    assert acc("raw/reference/units.xlsx", "DonVi") == ("loaded", 4, 3, 0, 1, 0)
    assert acc("raw/reference/procedures.xlsx", "TTHC") == ("loaded", 5, 4, 0, 1, 0)
    assert acc("raw/reference/holidays.xlsx", "NgayNghi") == ("loaded", 3, 2, 0, 1, 0)


def test_dq_files_two_row_merged_header(wh):
    # a_gop.xlsx: title row 1, two-row header rows 2-3, one data row 4, superseded by the same
    # HV-A09 row of thang_11.xlsx (same activity and status; thang_11 sorts last).
    r = one(wh, "SELECT * FROM dq_files WHERE file = 'raw/igate/2020/a_gop.xlsx'")
    cols = ["status", "rows_read", "rows_loaded", "rows_rejected", "rows_skipped"]
    assert tuple(r[c] for c in [*cols, "rows_superseded"]) == ("loaded", 4, 1, 0, 3, 1)
    assert filing(wh, "HV-A09")["source_file"] == F11


def test_csv_windows_1258_and_utf16_without_status_column(wh):
    # y_cp1258.csv: header + HV-A07 → 2 rows, 1 loaded, 1 skipped; it wins HV-A07.
    cols = ["status", "rows_read", "rows_loaded", "rows_rejected", "rows_skipped"]
    cols += ["rows_superseded"]
    y = one(wh, "SELECT * FROM dq_files WHERE file = ?", [FY])
    assert tuple(y[c] for c in cols) == ("loaded", 2, 1, 0, 1, 0)
    a07 = filing(wh, "HV-A07")
    assert (a07["source_file"], a07["unit_code"], a07["channel"], a07["status_code"]) == (
        FY,
        "H01",
        "direct",
        4,
    )
    # z_khong_trang_thai.csv: header + 2 rows, both loaded and both winners.
    z = one(wh, "SELECT * FROM dq_files WHERE file = ?", [FZ])
    assert tuple(z[c] for c in cols) == ("loaded", 3, 2, 0, 1, 0)
    b2 = filing(wh, "HV-B2")
    assert (b2["source_file"], b2["status_code"], b2["channel"]) == (FZ, 4, "postal")
    assert filing(wh, "HV-A04")["status_code"] == 10


def test_dq_files_csv_accounting(wh):
    # thang_12.csv: 12 lines; loaded lines 2-7, 9-10 = 8; rejected line 11; skipped header 1,
    # blank 8, footer 12 = 3; superseded: line 6 (STP-D1).
    r = one(wh, "SELECT * FROM dq_files WHERE file = ?", [F12])
    assert (r["source"], r["status"]) == ("igate", "loaded")
    cols = ["rows_read", "rows_loaded", "rows_rejected", "rows_skipped", "rows_superseded"]
    assert tuple(r[c] for c in cols) == (12, 8, 1, 3, 1)


def test_dq_files_lists_a_non_export_file_as_skipped(wh):
    r = one(wh, "SELECT * FROM dq_files WHERE file = ?", [FTXT])
    assert r["status"] == "skipped"
    assert r["rows_loaded"] in (0, None)


def test_dq_files_identity_on_every_row(wh):
    bad = wh.execute(
        "SELECT file, sheet FROM dq_files WHERE status <> 'failed' "
        "AND rows_read <> rows_loaded + rows_rejected + rows_skipped"
    ).fetchall()
    assert bad == []
    igate = wh.execute("SELECT DISTINCT source FROM dq_files WHERE file LIKE 'raw/igate/%'")
    assert igate.fetchall() == [("igate",)]


def test_dq_rejects_errors(wh):
    found = rows(
        wh,
        "SELECT file, sheet, row_number, field, raw_value, reason FROM dq_rejects "
        "WHERE severity = 'error' ORDER BY file, row_number",
    )
    assert all(r["reason"] for r in found)
    got = [(r["file"], r["row_number"], r["field"], r["raw_value"]) for r in found]
    # raw_value of a missing case code: NULL or empty text are both "missing".
    got = [(f, n, fld, None if v == "" else v) for f, n, fld, v in got]
    # The contract names the field `status` (§3.1) but never says which name dq_rejects.field
    # uses (contract field name, header, internal column): both spellings are accepted here.
    if got and got[0][2] == "status_code":
        got[0] = (*got[0][:2], "status", got[0][3])
    assert got == [
        (F11, 27, "status", "Đang thẩm định"),
        (F11, 28, "channel", "Qua email"),
        (F11, 29, "received_at", "31/11/2020"),
        (F11, 30, "finished_at", "11/11/2020 16:00"),
        (F11, 31, "case_code", None),
        (F12, 11, "due_at", "07/12/2020 17:00"),
    ]
    assert {r["sheet"] for r in found if r["file"] == F11} == {"Thang11"}


def test_dq_rejects_warning_for_resolved_case_without_due_date_or_limit(wh):
    # HV-E2 (thang_11.xlsx row 20): resolved, no due date, XX99 has no catalogue time limit.
    found = rows(
        wh,
        "SELECT * FROM dq_rejects WHERE severity = 'warning' AND file = ? AND row_number = 20",
        [F11],
    )
    assert len(found) >= 1


def test_dq_unmatched(wh):
    # Unit: TN-U1 and TN-U2 (two loaded rows, one cleaned name). Sector: HV-E1 "Đất  đai" → "Đất
    # đai" (one loaded row). Every other unit and sector name matches.
    found = set(wh.execute("SELECT kind, name, occurrences FROM dq_unmatched").fetchall())
    assert found == {("unit", TNMT, 2), ("sector", "Đất đai", 1)}


# ---------------------------------------------------------------------------------------------
# Probes: a second, separate run for edge cases, so that each one fails on its own
# ---------------------------------------------------------------------------------------------
#
# Registry (raw/reference/don_vi.xlsx): S02 "Sở Tài nguyên và Môi trường" (alias "Sở TN&MT"),
# T01 "Ủy ban nhân dân thành phố Hội An", D01 "Ủy ban nhân dân thị xã Điện Bàn".
# Catalogue (raw/reference/tthc.xlsx): DD01 Đăng ký đất đai (Đất đai, 10 days).

PB = "raw/igate/p/blank_top.xlsx"
PA = "raw/igate/p/an.xlsx"
PX = "raw/igate/p/cu.xls"
PC = "raw/igate/p/trailing.csv"
PH = "raw/igate/p/hong.xlsx"
S02_NAME = "Sở Tài nguyên và Môi trường"
T01_NAME = "Ủy ban nhân dân thành phố Hội An"
D01_NAME = "Ủy ban nhân dân thị xã Điện Bàn"

PROBE_HEADER = [
    "Mã số hồ sơ", "Nội dung hồ sơ", "Tên lĩnh vực", "Nơi tiếp nhận", "Kênh thực hiện",
    "Ngày nhận", "Ngày nhận kết quả", "Ngày hẹn trả kết quả", "Ngày hoàn thành", "Trả kết quả",
    "Trạng thái hồ sơ",
]  # fmt: skip


def write_blank_top_xlsx(path: Path) -> Path:
    """Rows 1-2 empty, column A empty, header on row 3, a formatted but empty cell on row 40."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("DS")
    stamp = workbook.add_format({"num_format": "dd/mm/yyyy"})
    data = [
        PROBE_HEADER,  # row 3
        # row 4: "Sở TNMT" = alias "Sở TN&MT" once punctuation is dropped (§3.4); "3" → postal;
        # "Ngày nhận kết quả" is no field's header (§2: it is not "Ngày nhận").
        ["P-01", "Đăng ký đất đai", "Đất đai", "Sở TNMT", 3, "05/10/2020 08:00:00",
         "20/10/2020", "15/10/2020", None, None, "Yêu cầu bổ sung"],
        # row 5: "UBND TP. Hội An" → T01; a date-only cell; ISO date-only text
        ["P-02", "Đăng ký đất đai", "Đất đai", "UBND TP. Hội An", "Nộp trực tuyến",
         dt(2020, 10, 6), None, None, "2020-10-07", None, "Đã xử lý xong"],
        # row 6: unknown status → rejected
        ["P-03", "Đăng ký đất đai", "Đất đai", "UBND TP. Hội An", "Trực tiếp",
         "06/10/2020 09:00", None, None, None, None, "Hủy"],
    ]  # fmt: skip
    for r, row in enumerate(data, start=2):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, stamp)
            else:
                sheet.write(r, c, value)
    sheet.write_blank(39, 3, None, stamp)  # row 40: formatted, empty
    workbook.close()
    return path


def write_xls(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("So theo doi")
    stamp = xlwt.easyxf(num_format_str="dd/mm/yyyy hh:mm")
    header = ["Mã hồ sơ", "Lĩnh vực", "Đơn vị", "Hình thức nộp", "Ngày tiếp nhận"]
    header += ["Ngày hẹn trả", "Ngày có kết quả", "Trạng thái"]
    for c, value in enumerate(header):
        sheet.write(0, c, value)
    # row 2: P-06, exact registry name, status as a number cell 10, finished without return
    values = ["P-06", "Đất đai", S02_NAME, "Trực tiếp"]
    for c, value in enumerate(values):
        sheet.write(1, c, value)
    sheet.write(1, 4, dt(2020, 10, 8, 8), stamp)
    sheet.write(1, 5, "20/10/2020 17:00")
    sheet.write(1, 6, dt(2020, 10, 21, 9), stamp)
    sheet.write(1, 7, 10)
    book.save(str(path))
    return path


def write_probe_dataset(root: Path) -> None:
    raw = root / "raw"
    units = _units()[:1] + [
        ["S02", S02_NAME, "tỉnh", None, "sở", "Sở TN&MT", dt(2010, 1, 1)],
        ["T01", T01_NAME, "huyện", None, "ubnd", None, dt(2010, 1, 1)],
        ["D01", D01_NAME, "huyện", None, "ubnd", None, dt(2010, 1, 1)],
    ]
    write_xlsx(raw / "reference" / "don_vi.xlsx", {"DV": units})
    catalogue = _procedures()[:1] + [["DD01", "Đăng ký đất đai", "Đất đai", None, None, 10]]
    write_xlsx(raw / "reference" / "tthc.xlsx", {"TTHC": catalogue})
    write_blank_top_xlsx(raw / "igate" / "p" / "blank_top.xlsx")
    header = ["Mã hồ sơ", "Lĩnh vực", "Đơn vị tiếp nhận", "Hình thức nộp", "Ngày tiếp nhận"]
    header += ["Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái"]
    write_xlsx(
        raw / "igate" / "p" / "an.xlsx",
        {
            # P-04: "UBND Tp Hội An" (abbreviation without a dot) → T01
            "Hien": [
                header,
                ["P-04", "Đất đai", "UBND Tp Hội An", "Dịch vụ bưu chính công ích",
                 dt(2020, 10, 9, 8), dt(2020, 10, 23, 17), None, "Được tiếp nhận"],
                # row 3: P-08 returned at 18:30 on its due date (due 17:00): dates compared
                ["P-08", "Đất đai", T01_NAME, "Trực tiếp", dt(2020, 10, 14, 8),
                 dt(2020, 10, 15, 17), dt(2020, 10, 15, 18, 30), "Đã trả kết quả"],
                # row 4: an optional date that cannot be a date → the row is rejected
                ["P-09", "Đất đai", T01_NAME, "Trực tiếp", dt(2020, 10, 14, 9),
                 "30/02/2020", None, "Đang xử lý"],
            ],
            # P-05: "UBND TX Dien Ban" (tx, no accents, đ→d) → D01; withdrawn, returned only
            "An": [
                header,
                ["P-05", "Đất đai", "UBND TX Dien Ban", "Qua mạng", dt(2020, 10, 12, 8),
                 None, dt(2020, 10, 13, 9), "Công dân rút hồ sơ"],
            ],
        },
    )  # fmt: skip
    _hide_second_sheet(raw / "igate" / "p" / "an.xlsx")
    write_xls(raw / "igate" / "p" / "cu.xls")
    trailing = [
        ["Mã hồ sơ", "Lĩnh vực", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Trạng thái"],
        # line 2: P-07, the alias exactly, status 8 → stopped, ended at received_at
        ["P-07", "Đất đai", "Sở TN&MT", "13/10/2020 10:00", "Dừng xử lý"],
        # line 3: the header repeated (a page break in a long export): skipped
        ["Mã hồ sơ", "Lĩnh vực", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Trạng thái"],
        ["", "", "", "", ""],  # lines 4-6: empty cells only, after the last non-empty line
        ["", "", "", "", ""],
        ["", "", "", "", ""],
    ]
    write_csv(raw / "igate" / "p" / "trailing.csv", trailing)
    (raw / "igate" / "p" / "hong.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")


def _hide_second_sheet(path: Path) -> None:
    """Rewrite an.xlsx with its second sheet hidden (xlsxwriter hides at write time)."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    book = parts["xl/workbook.xml"].decode()
    book = book.replace('<sheet name="An"', '<sheet name="An" state="hidden"', 1)
    parts["xl/workbook.xml"] = book.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe") / "data"
    write_probe_dataset(root)
    con = land_and_build_at(root)
    yield con
    con.close()


def test_probe_punctuation_is_dropped_in_unit_keys(probe):
    # §3.4: "punctuation dropped": "Sở TN&MT" → "so tnmt" = "Sở TNMT" → "so tnmt" → S02.
    row = filing(probe, "P-01")
    assert (row["unit_code"], row["unit_name"]) == ("S02", S02_NAME)


def test_probe_fields_and_values(probe):
    # P-01: channel 3 → postal; "Yêu cầu bổ sung" (portal name of 5) → pending; the column
    # "Ngày nhận kết quả" feeds no field; "15/10/2020" → 00:00.
    p1 = filing(probe, "P-01")
    assert (p1["channel"], p1["status_code"], p1["outcome"]) == ("postal", 5, "pending")
    assert (p1["received_at"], p1["due_at"], p1["returned_at"]) == (
        dt(2020, 10, 5, 8),
        dt(2020, 10, 15),
        None,
    )
    assert (p1["procedure_name"], p1["sector"]) == ("Đăng ký đất đai", "Đất đai")
    # P-02: "UBND TP. Hội An" → T01; "Nộp trực tuyến" → online; date-only cell → 00:00.
    p2 = filing(probe, "P-02")
    assert (p2["unit_code"], p2["unit_name"], p2["channel"], p2["status_code"]) == (
        "T01",
        T01_NAME,
        "online",
        9,
    )
    assert (p2["received_at"], p2["finished_at"]) == (dt(2020, 10, 6), dt(2020, 10, 7))


def test_probe_hidden_sheet_and_abbreviations(probe):
    p4 = filing(probe, "P-04")
    assert (p4["unit_code"], p4["channel"], p4["status_code"], p4["outcome"]) == (
        "T01",
        "postal",
        2,
        "pending",
    )
    # The hidden sheet "An" is read (§2: every sheet of a workbook is read).
    p5 = filing(probe, "P-05")
    assert (p5["unit_code"], p5["unit_name"], p5["channel"]) == ("D01", D01_NAME, "online")
    assert (p5["status_code"], p5["outcome"], p5["ended_at"]) == (
        7,
        "withdrawn",
        dt(2020, 10, 13, 9),
    )


def test_probe_xls_and_csv(probe):
    # .xls: numeric status cell 10; ended at finished 10-21 > due 10-20 → late.
    p6 = filing(probe, "P-06")
    assert (p6["unit_code"], p6["channel"], p6["status_code"], p6["outcome"]) == (
        "S02",
        "direct",
        10,
        "late",
    )
    assert (p6["source_file"], p6["ended_at"]) == (PX, dt(2020, 10, 21, 9))
    # CSV without a channel column → direct; status 8 with no finished/returned → received_at.
    p7 = filing(probe, "P-07")
    assert (p7["unit_code"], p7["channel"], p7["outcome"], p7["ended_at"]) == (
        "S02",
        "direct",
        "stopped",
        dt(2020, 10, 13, 10),
    )


def test_probe_outcome_compares_dates_and_impossible_optional_date_is_rejected(probe):
    # P-08: ended 10-15 18:30, due 10-15 17:00 → same date → on_time.
    p8 = filing(probe, "P-08")
    assert (p8["outcome"], p8["ended_at"]) == ("on_time", dt(2020, 10, 15, 18, 30))
    # P-09 (an.xlsx, sheet Hien, row 4): due "30/02/2020" is a date that cannot be a date.
    found = rows(probe, "SELECT * FROM dq_rejects WHERE file = ? AND severity = 'error'", [PA])
    assert [(r["sheet"], r["row_number"], r["field"], r["raw_value"]) for r in found] == [
        ("Hien", 4, "due_at", "30/02/2020")
    ]
    assert rows(probe, "SELECT * FROM fct_filings WHERE case_code = 'P-09'") == []


def test_probe_row_numbers_with_blank_top_rows(probe):
    # Row 6 is the row Excel shows, though rows 1-2 and column A are empty.
    found = rows(probe, "SELECT * FROM dq_rejects WHERE file = ? AND severity = 'error'", [PB])
    assert [(r["sheet"], r["row_number"], r["raw_value"]) for r in found] == [("DS", 6, "Hủy")]


def test_probe_rows_read_stop_at_the_last_non_empty_row(probe):
    cols = ["status", "rows_read", "rows_loaded", "rows_rejected", "rows_skipped"]
    # blank_top.xlsx: rows 1-6 (row 40 is formatted but empty): 2 loaded, 1 rejected,
    # 3 skipped (rows 1, 2 blank, row 3 header).
    b = one(probe, "SELECT * FROM dq_files WHERE file = ?", [PB])
    assert tuple(b[c] for c in cols) == ("loaded", 6, 2, 1, 3)
    # trailing.csv: lines 1-3 (lines 4-6 hold only empty cells): 1 loaded, the header and its
    # repetition skipped.
    c = one(probe, "SELECT * FROM dq_files WHERE file = ?", [PC])
    assert tuple(c[k] for k in cols) == ("loaded", 3, 1, 0, 2)


def test_probe_unreadable_file_is_failed_and_the_run_goes_on(probe):
    h = one(probe, "SELECT * FROM dq_files WHERE file = ?", [PH])
    assert h["status"] == "failed" and h["message"]
    sheets = rows(probe, "SELECT sheet, status FROM dq_files WHERE file = ? ORDER BY sheet", [PA])
    assert sheets == [{"sheet": "An", "status": "loaded"}, {"sheet": "Hien", "status": "loaded"}]
    assert probe.execute("SELECT count(*) FROM fct_filings").fetchone()[0] == 7
