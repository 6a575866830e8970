import unicodedata

import pytest

from flows.ingest.text import clean, header_key, name_key, sector_key


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    "variant",
    [
        "Ngày tiếp nhận",
        "NGÀY TIẾP NHẬN",
        nfd("Ngày tiếp nhận"),
        "  Ngày   tiếp\nnhận ",
        "Ngày tiếp nhận:",
        "Ngày tiếp nhận (*)",
        "Ngày tiếp nhận (*):",
    ],
)
def test_header_key_ignores_case_form_space_and_markers(variant):
    assert header_key(variant) == header_key("Ngày tiếp nhận")


def test_header_key_is_not_a_substring_match():
    assert header_key("Ngày nhận kết quả") != header_key("Ngày nhận")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("hoà", "hòa"),
        ("Thuỷ", "Thủy"),
        ("Uỷ ban", "Ủy ban"),
        ("khoẻ", "khỏe"),
    ],
)
def test_old_and_new_tone_placement_fold_together(left, right):
    assert header_key(left) == header_key(right)


@pytest.mark.parametrize(
    "variant",
    [
        "UBND thành phố Trà Vinh",
        "UBND TP. Trà Vinh",
        "UBND TP Trà Vinh",
        "Ủy ban nhân dân thành phố Trà Vinh",
        "Uỷ ban nhân dân Thành phố Trà Vinh",
        nfd("Ủy ban nhân dân thành phố Trà Vinh"),
        "  ubnd   tp.trà vinh ",
        "UBND Tp.  Trà Vinh.",
    ],
)
def test_unit_name_variants_share_one_key(variant):
    assert name_key(variant) == "uy ban nhan dan thanh pho tra vinh"


def test_d_with_stroke_folds_to_d_and_other_abbreviations_expand():
    assert name_key("Đơn vị") == "don vi"
    assert name_key("UBND TX. Duyên Hải") == name_key("Ủy ban nhân dân thị xã Duyên Hải")
    assert name_key("UBND TT. Càng Long") == name_key("UBND thị trấn Càng Long")


def test_punctuation_is_dropped_not_turned_into_space():
    assert name_key("Sở TN&MT") == name_key("Sở TNMT") == "so tnmt"
    assert name_key("Phòng Tài nguyên - Môi trường") == "phong tai nguyen moi truong"


def test_abbreviations_expand_only_as_whole_words():
    assert name_key("Ttp Xyz") == "ttp xyz"


def test_sector_key_drops_a_leading_linh_vuc():
    assert sector_key("Lĩnh vực Đất đai") == sector_key("đất đai") == "dat dai"
    assert sector_key("Lĩnh vực  Tư pháp") == "tu phap"


def test_clean_keeps_case_and_accents_but_normalises_form_and_space():
    assert clean(nfd("  Sở  Tư pháp ")) == "Sở Tư pháp"
    assert clean("   ") is None
    assert clean(None) is None
