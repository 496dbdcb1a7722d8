"""CSV for Excel in the Nordic locales (``domain/csv_export.py``): the BOM, ``;``, the
decimal comma, and no cell Excel would run as a formula (the attack: a customer named
``=HYPERLINK(...)``)."""

from __future__ import annotations

from chalicelib.domain.csv_export import cell, excel_csv, fixed, number


def test_numbers_take_a_decimal_comma() -> None:
    assert number(4) == "4" and number(1.5) == "1,50" and number(None) == ""
    assert fixed(4.0) == "4,00" and cell(2) == "2" and cell(True) == "yes"


def test_a_formula_in_a_name_stays_text() -> None:
    assert cell('=HYPERLINK("http://evil.example","x")') == '"\'=HYPERLINK(""http://evil.example"",""x"")"'
    assert cell("@SUM(A1)") == "'@SUM(A1)" and cell("-1+2") == "'-1+2"
    assert cell("-1,50") == "-1,50"  # a number already written is no formula
    assert cell("Berg; Son") == '"Berg; Son"'


def test_the_file_opens_right_in_excel() -> None:
    data = excel_csv(("Namn", "Timmar"), [["Åkeri AB", 1.5], ["Total", fixed(1.5)]])
    assert data.startswith("\ufeff".encode()) and data.endswith(b"\r\n")
    assert data.decode("utf-8-sig").split("\r\n")[:3] == ["Namn;Timmar", "Åkeri AB;1,50",
                                                          "Total;1,50"]
