"""The help center's pure rules (``chalicelib/domain/help.py``): who reads which audience,
the language shown and its fallback, Markdown to safe HTML (boxes, links, hostile input),
the links a text makes, and the line diff between two versions."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from pydantic import ValidationError

from chalicelib.domain import help as rules
from chalicelib.domain.help import Reader

STAFF = Reader("staff")
ACME = Reader("contact", "acme")
OTHER_ORG = Reader("contact", "other")
ORPHAN = Reader("contact", None)  # a portal user of no organisation


@pytest.mark.parametrize(("reader", "visibility", "orgs", "expected"), [
    (rules.ANONYMOUS, "public", [], True),
    (rules.ANONYMOUS, "customers", [], False),
    (rules.ANONYMOUS, "internal", [], False),
    (rules.ANONYMOUS, "draft", [], False),
    (ACME, "customers", [], True),
    (ACME, "customers", ["acme"], True),
    (OTHER_ORG, "customers", ["acme"], False),
    (ORPHAN, "customers", ["acme"], False),
    (ORPHAN, "customers", [], True),
    (ACME, "internal", [], False),
    (ACME, "draft", [], False),
    (STAFF, "internal", [], True),
    (STAFF, "customers", ["acme"], True),
    (STAFF, "draft", [], False),  # drafts are read by their writers on the staff routes
    (STAFF, "anything else", [], False),
])
def test_who_reads_which_audience(reader: Reader, visibility: str, orgs: list[str],
                                  expected: bool) -> None:
    assert rules.may_read(reader, visibility, orgs) is expected


@pytest.mark.parametrize(("available", "asked", "default", "expected"), [
    (["sv", "en"], "en", "sv", ("en", False)),
    (["sv", "en"], "fi", "sv", ("sv", True)),
    (["sv", "en"], None, "sv", ("sv", False)),
    (["en"], None, "sv", ("en", False)),
    (["fi", "en"], "sv", "sv", ("fi", True)),  # the default is missing too: the first
])
def test_the_language_shown(available: list[str], asked: str | None, default: str,
                            expected: tuple[str, bool]) -> None:
    assert rules.pick_language(available, asked, default) == expected


def test_an_article_needs_a_language_and_well_formed_unique_lists() -> None:
    with pytest.raises(ValidationError, match="at least one of sv, fi, en"):
        rules.ArticleCreate.model_validate({"translations": {}})
    with pytest.raises(ValidationError, match="slug"):
        rules.ArticleCreate.model_validate(
            {"translations": {"sv": {"title": "T", "slug": "två-ord"}}})
    with pytest.raises(ValidationError, match="must not repeat"):
        rules.ArticleCreate.model_validate(
            {"translations": {"sv": {"title": "T", "slug": "t"}}, "category_ids": ["a", "a"]})
    with pytest.raises(ValidationError, match="unpublish_at must come after"):
        rules.ArticleCreate.model_validate({
            "translations": {"sv": {"title": "T", "slug": "t"}},
            "publish_at": "2030-01-02T00:00:00Z", "unpublish_at": "2030-01-01T00:00:00Z"})


# --- Markdown -----------------------------------------------------------------------------


def test_boxes_become_asides_titled_in_the_language() -> None:
    html = rules.render(":::warning\nSe **upp**\n:::\n\nEfter", "fi")
    assert html == ('<aside class="callout callout-warning" role="note">'
                    '<p class="callout-title">Varoitus</p><p>Se <strong>upp</strong></p>\n'
                    "</aside>\n<p>Efter</p>\n")


def test_a_box_marker_inside_code_is_code() -> None:
    html = rules.render("```\n:::tip\nx\n:::\n```", "en")
    assert "<aside" not in html and ":::tip" in html


def test_an_unclosed_box_runs_to_the_end_and_an_unknown_kind_is_text() -> None:
    assert rules.render(":::note\nslut", "en").startswith(
        '<aside class="callout callout-note" role="note">')
    assert "<aside" not in rules.render(":::danger\nx\n:::", "en")


def test_links_are_resolved_and_their_labels_escaped() -> None:
    targets = rules.LinkTargets(
        articles={"ett": rules.LinkTarget("#/help/t/articles/ett?lang=sv", "ett")},
        ticket_types={"T1": rules.LinkTarget("#/tickets/new?type=T1", "<b>Fel</b>")})
    html = rules.render("[[ett]], [[ett|<i>Läs</i>]] och [[ticket:T1]]", "sv", targets)
    assert '<a class="help-link" href="#/help/t/articles/ett?lang=sv"' in html
    assert ">&lt;i&gt;Läs&lt;/i&gt;</a>" in html
    assert ('<a class="help-ticket-button" href="#/tickets/new?type=T1" '
            'rel="noopener noreferrer">&lt;b&gt;Fel&lt;/b&gt;</a>') in html
    # A link nothing resolves is its text, no link.
    assert rules.render("[[okand]]", "sv") == "<p>okand</p>\n"


def test_the_links_of_a_text_are_found_outside_code_only() -> None:
    links = rules.find_links("[[a]] `[[b]]` [[ticket:X|Skapa]]\n\n    [[c]]\n\n:::tip\n[[d]]\n:::")
    assert (links.slugs, links.ticket_types) == (["a", "d"], ["X"])


def test_the_articles_own_files_render_by_id_and_are_found_outside_code_only() -> None:
    body = ("![Skärm [1]](attachment:01IMG) [blanketten](attachment:01PDF) "
            "![x](https://example.com/x.png)\n\n    ![kod](attachment:CODE)\n\n"
            ":::tip\n![tips](attachment:01TIP)\n:::")
    html = rules.render(body, "sv")
    assert '<img data-help-file="01IMG" alt="Skärm [1]">' in html
    assert 'class="help-file" data-help-file="01PDF" href="#file-01PDF"' in html
    assert "attachment:" not in html.replace("![kod](attachment:CODE)", "")
    uses = rules.find_files(body)
    assert (uses.images, uses.links, uses.ids()) == (
        ["01IMG", "01TIP"], ["01PDF"], ["01IMG", "01TIP", "01PDF"])
    assert rules.attachment_id('attachment:A" onerror=') is None
    assert rules.file_markdown("01X", "plan [v2].png", "image/png") == (
        "![plan v2.png](attachment:01X)")
    assert rules.file_markdown("01Y", "plan.svg", "image/svg+xml") == "[plan.svg](attachment:01Y)"


@pytest.mark.parametrize("hostile", [
    '![x](attachment:01A" onerror="alert(1))',
    '[x](attachment:01A"><script>alert(1)</script>)',
    "![x](attachment:javascript:alert(1))",
])
def test_a_forged_file_reference_is_inert(hostile: str) -> None:
    for _, attrs in _elements(rules.render(hostile, "en")):
        assert {name for name, _ in attrs} <= {"alt", "class", "data-help-file", "href", "rel"}
        assert all("alert" not in (value or "") for _, value in attrs)


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements and attributes a browser would build (escaped text builds none)."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Parser().feed(html)
    return found


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "[x](vbscript:msgbox(1))",
])
def test_hostile_input_is_inert(hostile: str) -> None:
    html = rules.render(f"before {hostile} after\n\n:::tip\n{hostile}\n:::", "en")
    elements = _elements(html)
    assert {tag for tag, _ in elements} <= {"p", "aside"}, html
    for _, attrs in elements:
        assert {name for name, _ in attrs} <= {"class", "role"}, html


def test_sanitising_drops_what_the_renderer_never_makes() -> None:
    # The second layer: even HTML that did not come from the renderer is cleaned.
    dirty = ('<p class="evil" onclick="x()">a</p><aside class="callout danger">b</aside>'
             '<a href="javascript:x()" class="help-link">c</a><table><tr><td style="color:red;'
             'text-align:left">d</td></tr></table>')
    clean = rules.sanitize(dirty)
    assert "onclick" not in clean and "evil" not in clean and "danger" not in clean
    assert "javascript" not in clean and "color" not in clean
    assert 'class="help-link"' in clean and "text-align:left" in clean


# --- the diff -----------------------------------------------------------------------------


def test_a_diff_pairs_replaced_lines_and_counts_each_kind() -> None:
    old = {"sv": {"title": "T", "slug": "t", "body_md": "a\nb\nc\nd"}}
    new = {"sv": {"title": "T2", "slug": "t", "body_md": "a\nB\nc\nd\ne"},
           "en": {"title": "E", "slug": "e", "body_md": "x"}}
    sv, en = rules.diff_versions(old, new)
    assert (sv.added, sv.removed, sv.changed, sv.title_changed) == (1, 0, 1, True)
    assert [(c.kind, c.old_line, c.new_line, c.old, c.new) for c in sv.lines] == [
        ("changed", 2, 2, "b", "B"), ("added", None, 5, None, "e")]
    assert (en.lang, en.added, en.old_title, en.new_title) == ("en", 1, None, "E")


def test_a_longer_replacement_is_changed_then_added() -> None:
    diff = rules.diff_language("sv", {"title": "T", "body_md": "x\ny"},
                               {"title": "T", "body_md": "X\nY\nZ"})
    assert [c.kind for c in diff.lines] == ["changed", "changed", "added"]
    unchanged = rules.diff_language("sv", {"title": "T", "body_md": "x"},
                                    {"title": "T", "body_md": "x"})
    assert (unchanged.lines, unchanged.title_changed) == ([], False)
