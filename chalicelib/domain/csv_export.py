"""CSV that Excel opens right in the Nordic locales: UTF-8 with a BOM (or Excel guesses
the encoding and breaks å, ä, ö), ``;`` between cells and a decimal comma (the locales'
list separator and decimal mark), CRLF line ends, and no cell that Excel would run as a
formula (CSV injection: a customer's name is text)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Cell = str | int | float | None


def number(value: float | None, decimals: int = 2) -> str:
    """A number with a decimal comma; an integer without decimals; empty for None."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}".replace(".", ",")


def fixed(value: float, decimals: int = 2) -> str:
    """A number always with ``decimals`` decimals and a decimal comma (``4,00``)."""
    return f"{value:.{decimals}f}".replace(".", ",")


def cell(value: Cell) -> str:
    """One cell: numbers with a decimal comma, text defused and quoted where needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    text = value
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        text = "'" + text
    if any(c in text for c in ';"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _is_number(text: str) -> bool:
    """A number already written with a decimal comma (``-1,50``) is no formula."""
    return bool(text) and text.lstrip("-").replace(",", "", 1).isdigit()


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    lines = [";".join(cell(h) for h in header)]
    lines += [";".join(cell(v) for v in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
