"""Text rules: folding for search, lists, yes/no, cleaning of hostile values."""

import pytest

from kiosk.text import clean, fold, is_yes, name_key, split_list


@pytest.mark.parametrize("variant", ["Müller", "Mueller", "muller", "MÜLLER", "Muller"])
def test_fold_makes_mueller_variants_equal(variant: str) -> None:
    assert fold(variant) == fold("Müller")


def test_fold_treats_sharp_s_as_ss() -> None:
    assert fold("Straße") == fold("Strasse") == "strasse"


def test_fold_removes_diacritics_of_other_scripts() -> None:
    assert fold("Đorđević") == fold("Dordevic")
    assert fold("Ayşe Yılmaz") == "ayse yilmaz"
    assert fold("Łukasz Søren") == "lukasz soren"


def test_name_key_ignores_case_spacing_and_punctuation() -> None:
    assert name_key("Anna ", "Müller", "IHK Kassel") == name_key("anna", "Mueller", "IHK  Kassel")
    assert name_key("Anna", "Müller", "IHK") != name_key("Anna", "Müller", "HWK")


def test_split_list_splits_on_comma_semicolon_and_newline_and_drops_repeats() -> None:
    assert split_list("Inklusion, Mentoring;Praktikum\nInklusion\r\n ") == [
        "Inklusion",
        "Mentoring",
        "Praktikum",
    ]


@pytest.mark.parametrize("answer", ["ja", "Ja", " JA ", "yes", "x", "X", "1", 1, True])
def test_is_yes_accepts_explicit_yes(answer: object) -> None:
    assert is_yes(answer)


@pytest.mark.parametrize("answer", ["nein", "no", "", None, "vielleicht", "0", 0, "jaein", False])
def test_is_yes_treats_everything_else_as_no(answer: object) -> None:
    assert not is_yes(answer)


def test_clean_removes_control_and_bidi_characters_and_caps_length() -> None:
    assert clean("An\x00na\u202e Mül\u200bler\n") == "Anna Müller"
    assert len(clean("x" * 5000, max_length=300)) == 300


def test_clean_keeps_joiners_that_arabic_names_need() -> None:
    assert "\u200c" in clean("می\u200cخواهم")
