"""Regenerate the ingest corpus (malformed and well-formed case files) in this folder.

Run: python tests/data/ingest/make_corpus.py. Every file is tiny and hand-made; the
expected outcome of each row is written in tests/test_ingest.py.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).parent

# One row per reason code, Vietnamese headers, Lào Cai (province 15).
VI_HEADER = (
    "Mã vụ,Ngày xảy ra,Ngày tố giác,Vĩ độ,Kinh độ,Xã/Phường,Vai trò,Số nạn nhân,"
    "Họ tên nạn nhân,Số điện thoại,Ghi chú thêm\n"
)
VI_ROWS = (
    VI_HEADER
    + """\
LC-001,05/04/2023,10/04/2023,22.4856,103.9707,,tuyển mộ,2,Giàng Thị Canary,0987654321,ok
LC-002,05/04/2023,10/04/2023,103.9707,22.4856,,trung chuyển,1,,,swapped
LC-003,05/04/2023,10/04/2023,,,Xã Mường Khương,nơi ở nạn nhân,1,,,commune only
LC-004,05/04/2023,10/04/2023,,,Không Tồn Tại,,1,,,unknown commune
LC-005,05/04/2023,10/04/2023,,,,,1,,,no location
LC-006,05/04/2023,10/04/2023,abc,103.97,,,1,,,bad coordinate
LC-007,05/04/2023,10/04/2023,95.5,203.97,,,1,,,out of range
LC-008,05/04/2023,10/04/2023,10.7769,106.7009,,,1,,,outside (Ho Chi Minh City)
LC-009,31/02/2023,10/04/2023,22.4856,103.9707,,,1,,,impossible day
LC-010,05/04/1970,10/04/2023,22.4856,103.9707,,,1,,,too early
LC-011,05/04/2031,10/04/2031,22.4856,103.9707,,,1,,,future
LC-012,10/04/2023,05/04/2023,22.4856,103.9707,,,1,,,reported before occurred
LC-013,hôm qua,10/04/2023,22.4856,103.9707,,,1,,,bad date
LC-014,05/04/2023,10/04/2023,22.4856,103.9707,,,-2,,,bad victims
LC-001,05/04/2023,10/04/2023,22.4856,103.9707,,tuyển mộ,2,Giàng Thị Canary,0987654321,ok
LC-015,05/04/2023,10/04/2023,22.4856,103.9707,,,1,,,conflict A
LC-015,05/04/2023,10/04/2023,22.5000,103.9800,,,1,,,conflict B
,45000,,22.4856,103.9707,,,1,,,missing id and Excel serial date
LC-016,2023-04-05,2023-04-06T08:30:00,22.4856,103.9707,,,1,,,iso dates
LC-017,"22,4856","103,9707",,,,,1,,,misplaced
"""
)
VI_EXPECT_SPLIT = None  # see tests/test_ingest.py


def cp1258(text: str) -> bytes:
    """Encode Vietnamese text in Windows-1258 (tone marks as combining characters)."""
    out = bytearray()
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += base.encode("cp1258")
        for c in parts:
            if c in tones:
                out += c.encode("cp1258")
    return bytes(out)


SMALL = """Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ,Xã/Phường,Vai trò
LC-101,05/04/2023,22.4856,103.9707,,tuyển mộ
LC-102,06/04/2023,,,Mường Khương,nơi ở nạn nhân
LC-103,07/04/2023,22.30,104.05,,trung chuyển
"""


def main() -> None:
    (HERE / "cases_vi.csv").write_text(VI_ROWS, encoding="utf-8")
    (HERE / "small_bom.csv").write_bytes(b"\xef\xbb\xbf" + SMALL.encode("utf-8"))
    (HERE / "small_cp1258.csv").write_bytes(cp1258(SMALL))
    (HERE / "small_semicolon.csv").write_text(SMALL.replace(",", ";"), encoding="utf-8")
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "header_only.csv").write_text("Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\n", encoding="utf-8")
    (HERE / "no_location.csv").write_text("Mã vụ,Ngày xảy ra\nA,05/04/2023\n", encoding="utf-8")
    (HERE / "not_excel.xlsx").write_text(SMALL, encoding="utf-8")
    (HERE / "not_json.geojson").write_text(SMALL, encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("x.txt", date_time=(2024, 1, 1, 0, 0, 0)), "hello")
    (HERE / "zip_named.csv").write_bytes(buf.getvalue())
    (HERE / "malformed_rows.csv").write_text(
        "case_id,date,lat,lon\nA,05/04/2023,22.48,103.97\nB,05/04/2023,22.48,103.97,extra,x\n"
        "C,05/04/2023,22.49,103.98\n",
        encoding="utf-8",
    )
    (HERE / "custom_headers.csv").write_text(
        "Vu,Khi,Bac,Dong\nA,05/04/2023,22.48,103.97\nB,06/04/2023,22.49,103.98\n", encoding="utf-8"
    )
    (HERE / "custom_mapping.yaml").write_text(
        "Vu: case_id\nKhi: occurred_at\nBac: lat\nDong: lon\n", encoding="utf-8"
    )
    (HERE / "bad_mapping.yaml").write_text("Vu: caseid_typo_zz\n", encoding="utf-8")
    # VN-2000 TM-3 zone 104.75 (Lào Cai), Vietnamese X = northing, Y = easting.
    from pyproj import CRS, Transformer

    tm3 = CRS.from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,"
        "-0.00427372,0.252906278 +units=m +no_defs"
    )
    tr = Transformer.from_crs("EPSG:4326", tm3, always_xy=True)
    lines = ["Mã vụ,Ngày xảy ra,Toạ độ X,Toạ độ Y"]
    for i, (lon, lat) in enumerate([(103.9707, 22.4856), (104.05, 22.30), (104.5, 21.9)]):
        e, nn = tr.transform(lon, lat)
        lines.append(f"VN-{i},05/04/2023,{nn:.2f},{e:.2f}")
    (HERE / "vn2000_tm3.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
