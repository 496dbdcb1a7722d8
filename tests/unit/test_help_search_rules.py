"""The help center's search rules (domain/help_search.py): words and Snowball stems in
Swedish, Finnish and English, a translation's index entries, ranking, visibility, and the
highlighted snippet, which lets no markup of an article or a query through."""

from __future__ import annotations

import pytest

from chalicelib.domain import help_search as rules
from chalicelib.domain.help_search import Candidate, Posting, WordHits


def _finds(query: str, text: str, language: str) -> bool:
    return set(rules.query_stems(query, language)) <= set(rules.stems(text, language))


def test_words_are_folded_unicode_runs_of_letters_and_digits() -> None:
    assert rules.words("Ärende #123: ÅTERKOPPLING_till   Kund-Service, ﬁnal x") == [
        "ärende", "123", "återkoppling", "till", "kund", "service", "final"]


@pytest.mark.parametrize(("query", "text"), [
    ("fakturorna", "Så läser du en faktura"),
    ("faktura", "Var hittar jag fakturorna?"),
    ("Fakturor", "Fakturans belopp"),
    ("fakturan", "Om fakturor"),
    ("ärenden", "Skapa ett ärende"),
    ("prenumerationerna", "Om din prenumeration"),
    ("ärendet", "Skapa ett ärende"),  # the definite "-et" Snowball keeps after a consonant
    ("lösenordet", "Byt lösenord"),
    ("programmet", "Starta program"),
    ("dokument", "Bifoga dokumentet"),
])
def test_swedish_inflections_find_each_other(query: str, text: str) -> None:
    assert _finds(query, text, "sv")


@pytest.mark.parametrize(("query", "text"), [
    ("laskuja", "Miten luen laskun"),
    ("laskussa", "Lasku ja maksu"),
    ("tiketit", "Uusi tiketti"),
    ("käyttäjälle", "käyttäjä"),
])
def test_finnish_inflections_find_each_other(query: str, text: str) -> None:
    assert _finds(query, text, "fi")


@pytest.mark.parametrize(("query", "text"), [
    ("invoices", "How to read an invoice"),
    ("approving", "Approve a resolved ticket"),
    ("subscriptions", "Your subscription"),
])
def test_english_inflections_find_each_other(query: str, text: str) -> None:
    assert _finds(query, text, "en")


def test_a_word_is_stemmed_by_the_language_it_is_searched_in() -> None:
    assert rules.stem("fakturorna", "sv") == rules.stem("faktura", "sv")
    assert rules.stem("fakturorna", "en") != rules.stem("faktura", "en")


def test_a_query_reads_at_most_eight_words_the_longest_first() -> None:
    many = "a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh iiiiiiiii jjjjjjjjjj kkkkkkkkkkk"
    found = rules.query_stems(many, "en")
    assert len(found) == rules.MAX_QUERY_WORDS
    assert "bb" not in found and "a" not in found
    assert rules.query_stems("  ? ! . ", "sv") == []


def test_index_entries_flag_the_title_and_count_the_body() -> None:
    entries = rules.index_entries("Fakturor", "Din faktura. Fakturorna kommer. Hej hej hej.", "sv")
    assert entries[rules.stem("faktura", "sv")] == rules.Entry(in_title=True, body_count=2)
    assert entries["hej"] == rules.Entry(in_title=False, body_count=3)
    assert next(iter(entries)) == rules.stem("fakturor", "sv")  # the title's stems come first


def test_index_entries_are_bounded_and_keep_every_title_stem() -> None:
    body = " ".join(f"ord{i}" for i in range(rules.MAX_STEMS * 2))
    entries = rules.index_entries("Unik rubrik", body, "sv")
    assert len(entries) == rules.MAX_STEMS
    assert entries["unik"].in_title and entries["rubrik"].in_title
    repeated = rules.index_entries("t", "hej " * 500, "sv")
    assert repeated["hej"].body_count == rules.MAX_COUNT


def test_markdown_becomes_the_text_a_reader_reads() -> None:
    text = rules.plain_text(
        "# Skapa ärende\n\n:::tip\nEtt **tips** med [länk](https://x.test/a) och "
        "[[arendetyper|ärendetyper]] ![bild](b.png)\n:::\n\n| a | b |\n|---|---|\n"
        "<img src=x onerror=alert(1)> `kod` &amp;")
    assert text == "Skapa ärende Ett tips med länk och ärendetyper bild a b kod &"


def _hits(stem: str, *postings: tuple[str, bool, int], complete: bool = True) -> WordHits:
    return WordHits(stem, {a: Posting(a, t, c) for a, t, c in postings}, complete)


def test_search_intersects_and_ranks_title_hits_then_body_hits_then_popularity() -> None:
    found = [
        _hits("faktur", ("body-rich", False, 9), ("title", True, 1), ("title-popular", True, 0),
              ("only-one-word", True, 5), ("body-poor", False, 1)),
        _hits("betal", ("body-rich", False, 3), ("title", True, 1), ("title-popular", False, 1),
              ("body-poor", False, 1)),
    ]
    ranked = rules.candidates(found, require_all=True)
    assert {c.article_id for c in ranked} == {"body-rich", "title", "title-popular", "body-poor"}
    views = {"title-popular": 50, "body-poor": 900}
    ordered = [c.article_id for c in rules.order(ranked, views)]
    # two title hits; one title hit; body only: the more read, then the more occurrences
    assert ordered == ["title", "title-popular", "body-poor", "body-rich"]
    by_id = {c.article_id: c for c in ranked}
    assert by_id["title"].score == 2 * 2 + 2
    assert by_id["body-rich"].score == 2


def test_popularity_orders_equal_matches() -> None:
    found = [_hits("lasku", ("a", True, 1), ("b", True, 1), ("c", True, 1))]
    ordered = rules.order(rules.candidates(found, require_all=True), {"b": 3, "c": 7})
    assert [c.article_id for c in ordered] == ["c", "b", "a"]


def test_a_word_too_common_to_read_whole_does_not_select() -> None:
    found = [_hits("och", ("a", False, 1), ("b", False, 1), complete=False),
             _hits("faktur", ("b", True, 1), ("c", True, 1))]
    assert {c.article_id for c in rules.candidates(found, require_all=True)} == {"b", "c"}
    only_common = [_hits("och", ("a", False, 1), complete=False)]
    assert [c.article_id for c in rules.candidates(only_common, require_all=True)] == ["a"]


def test_suggestions_take_any_word_and_rank_by_how_many_match() -> None:
    found = [_hits("faktur", ("a", False, 1), ("b", True, 1)),
             _hits("fel", ("b", False, 1), ("c", True, 1))]
    ranked = rules.candidates(found, require_all=False)
    assert ranked[0].article_id == "b"
    assert {c.article_id for c in ranked} == {"a", "b", "c"}
    assert rules.candidates(found, require_all=True) == [Candidate("b", 2, 1, 2, 2)]


def test_who_may_read_which_level() -> None:
    public, customers, internal = rules.PUBLIC, rules.CUSTOMERS, rules.INTERNAL
    assert rules.may_read(public, [], public, None)
    assert not rules.may_read(customers, [], public, None)
    assert not rules.may_read(internal, [], customers, "org-1")
    assert rules.may_read(customers, [], customers, "org-1")
    assert rules.may_read(customers, ["org-1"], customers, "org-1")
    assert not rules.may_read(customers, ["org-1"], customers, "org-2")
    assert not rules.may_read(customers, ["org-1"], customers, None)
    assert rules.level_of("draft") is None and rules.level_of("public") == public


def test_the_snippet_marks_the_words_found_around_the_first_one() -> None:
    text = "Inledning. " + "Annat ord här. " * 30 + "Fakturorna skickas varje månad. " + \
        "Slut. " * 40
    found = rules.snippet(text, rules.query_stems("faktura", "sv"), "sv")
    assert "<mark>Fakturorna</mark> skickas" in found
    assert found.startswith("…") and found.endswith("…")
    assert len(found) < rules.SNIPPET_CHARS + 40


def test_the_snippet_of_a_text_without_the_word_is_its_start() -> None:
    assert rules.snippet("Kort text.", ["faktur"], "sv") == "Kort text."


def test_the_snippet_escapes_the_articles_text_and_the_query() -> None:
    text = 'Faktura <script>alert("x")</script> <img src=x onerror=alert(1)> &amp; faktura'
    found = rules.snippet(text, rules.query_stems('faktura"><b>', "sv"), "sv")
    assert "<script" not in found and "<img" not in found
    assert found.count("<mark>") == 2 and found.count("</mark>") == 2
    without_marks = found.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in found
    assert "&amp;amp;" in found  # the text's own entity is text, shown as written
    # a query made of markup finds and marks nothing but words
    assert "<mark>" not in rules.snippet(text, rules.query_stems("<b>", "sv"), "sv").replace(
        "<mark>b</mark>", "")


def test_the_month_of_a_time() -> None:
    assert rules.month_of("2026-12-06T10:00:00Z") == "2026-12"


def test_a_title_word_is_found_by_its_beginning_while_it_is_typed() -> None:
    assert rules.prefixes("Om fakturan") == [
        ">fak", ">fakt", ">faktu", ">faktur", ">faktura"]
    long = rules.prefixes("Leverantörsreskontra")
    assert long[0] == ">lev" and long[-1] == ">leverantör" and len(long) == 8  # 3 to 10 letters
    entries = rules.index_entries("Om fakturan", "Text om fakturor.", "sv")
    assert entries[">faktu"] == rules.Entry(in_title=True, body_count=0)
    assert ">tex" not in entries  # the body's words are not typed into suggestions
    # the last word, as long as nothing follows it
    assert rules.typed_word("Hur läser jag faktu", "sv") == (">faktu", rules.stem("faktu", "sv"))
    assert rules.typed_word("Fakturorna som saknas hos Leverantörsreskontran", "sv")[0] == (
        ">leverantör")
    for done in ("faktura ", "faktura?", "fa", ""):
        assert rules.typed_word(done, "sv") is None, done


def test_the_typed_word_counts_once_whether_whole_or_begun() -> None:
    whole = WordHits("faktur", {"a": Posting("a", True, 1)}, complete=True)
    other = WordHits("betal", {"b": Posting("b", False, 2)}, complete=True)
    begun = WordHits(">faktura", {"a": Posting("a", True, 0), "c": Posting("c", True, 0)},
                     complete=False)
    joined = rules.with_typed_word([other, whole], begun, "faktur")
    assert [w.stem for w in joined] == ["betal", "faktur"]
    assert set(joined[1].postings) == {"a", "c"} and joined[1].postings["a"].body_count == 1
    assert not joined[1].complete
    assert rules.with_typed_word([other], begun, "faktur") == [other, begun]
