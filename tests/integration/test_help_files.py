"""An article's images and files (issue 17, item 2): staff announce one and upload it
straight to S3, put the Markdown it gives in the text, and readers of the published article
fetch a short-lived address of it. A file the published text does not show, another
audience's article, another tenant and a forged id read nothing."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.api_client import Answer, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER = f"admin@{OTHER_TENANT}.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


def _article(api: Api, slug: str, visibility: str) -> str:
    answer = api.call("POST", "/articles", {"translations": {"sv": {
        "title": slug, "slug": slug, "body_md": "Text."}}, "visibility": visibility},
        as_user=ADMIN)
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def _announce(api: Api, article_id: str, filename: str, content_type: str, content: bytes,
              upload: bool = True, as_user: str = AGENT) -> dict[str, Any]:
    made = api.call("POST", f"/articles/{article_id}/files", {
        "filename": filename, "content_type": content_type, "size": len(content)},
        as_user=as_user)
    assert made.status == 201, made.body
    assert "key" not in made.body
    if upload:
        sent = requests.post(made.body["upload_url"], data=made.body["upload_fields"],
                             files={"file": (filename, content)}, timeout=10)
        assert sent.status_code in (200, 204), sent.text
    return dict(made.body)


def _write(api: Api, article_id: str, body_md: str, slug: str) -> None:
    current = api.call("GET", f"/articles/{article_id}", as_user=ADMIN)
    answer = api.call("PATCH", f"/articles/{article_id}", {"translations": {"sv": {
        "title": slug, "slug": slug, "body_md": body_md}}}, as_user=ADMIN,
        headers={"If-Match": current.headers["etag"]})
    assert answer.status == 200, answer.body


def _publish(api: Api, article_id: str) -> Answer:
    current = api.call("GET", f"/articles/{article_id}", as_user=ADMIN)
    return api.call("POST", f"/articles/{article_id}/publish", None, as_user=ADMIN,
                    headers={"If-Match": current.headers["etag"]})


def _fetch(api: Api, slug: str, file_id: str, as_user: str | None = None,
           tenant: str = TENANT) -> Answer:
    return api.call("GET", f"/help/{tenant}/articles/{slug}/files/{file_id}", as_user=as_user)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    public = _article(api, "med-bild", "public")
    image = _announce(api, public, "skärm bild.png", "image/png", PNG)
    manual = _announce(api, public, "manual.pdf", "application/pdf", b"%PDF-1.4 manual")
    unused = _announce(api, public, "utkast.png", "image/png", PNG)
    _write(api, public, f"Se bilden: {image['markdown']}\n\nLäs {manual['markdown']}.",
           "med-bild")
    published = _publish(api, public)
    assert published.status == 200, published.body
    return {"public": public, "image": image, "manual": manual, "unused": unused}


def test_a_published_image_and_file_read_through_short_lived_addresses(
        api: Api, world: dict[str, Any]) -> None:
    image, manual = world["image"], world["manual"]
    assert image["markdown"] == f"![skärm bild.png](attachment:{image['id']})"
    assert manual["markdown"] == f"[manual.pdf](attachment:{manual['id']})"
    page = api.call("GET", f"/help/{TENANT}/articles/med-bild")
    assert page.status == 200
    html = page.body["html"]
    assert f'<img data-help-file="{image["id"]}" alt="skärm bild.png">' in html
    assert f'data-help-file="{manual["id"]}"' in html and "attachment:" not in html
    for file, content in ((image, PNG), (manual, b"%PDF-1.4 manual")):
        link = _fetch(api, "med-bild", file["id"])  # no token: the article is public
        assert link.status == 200, link.body
        assert link.body["filename"] == file["filename"]
        assert link.body["content_type"] == file["content_type"]
        got = requests.get(link.body["url"], timeout=10)
        assert got.status_code == 200 and got.content == content
    listed = api.call("GET", f"/articles/{world['public']}/files", as_user=AGENT)
    assert {f["id"] for f in listed.body["items"]} == {
        image["id"], manual["id"], world["unused"]["id"]}
    assert {f["state"] for f in listed.body["items"] if f["id"] != world["unused"]["id"]} == {
        "uploaded"}  # the publish confirmed them


def test_readers_get_no_file_the_published_text_does_not_show(
        api: Api, world: dict[str, Any]) -> None:
    unused = world["unused"]["id"]
    assert _fetch(api, "med-bild", unused).status == 404  # the article's, but not shown
    assert _fetch(api, "med-bild", "01AAAAAAAAAAAAAAAAAAAAAAAA").status == 404
    # Another tenant's address, or a token of another tenant, reads nothing of ours.
    assert _fetch(api, "med-bild", world["image"]["id"], tenant=OTHER_TENANT).status == 404
    assert _fetch(api, "med-bild", world["image"]["id"], as_user=OTHER).status == 200  # as anyone
    # Staff read any file of the article, drafts' too.
    staff = api.call("GET", f"/articles/{world['public']}/files/{unused}/link", as_user=AGENT)
    assert staff.status == 200 and staff.body["url"].startswith("http")
    # Nobody outside staff announces, lists or deletes.
    for method, path in (("GET", f"/articles/{world['public']}/files"),
                         ("DELETE", f"/articles/{world['public']}/files/{unused}")):
        assert api.call(method, path, as_user=CUSTOMER).status == 403
        assert api.call(method, path, as_user=OTHER).status == 404


def test_an_internal_articles_image_is_staffs_only(api: Api, world: dict[str, Any]) -> None:
    internal = _article(api, "intern-bild", "internal")
    image = _announce(api, internal, "intern.png", "image/png", PNG)
    _write(api, internal, image["markdown"], "intern-bild")
    assert _publish(api, internal).status == 200
    assert _fetch(api, "intern-bild", image["id"]).status == 404
    assert _fetch(api, "intern-bild", image["id"], as_user=CUSTOMER).status == 404
    assert _fetch(api, "intern-bild", image["id"], as_user=AGENT).status == 200


def test_publishing_names_each_file_that_is_missing_unuploaded_or_not_an_image(
        api: Api, world: dict[str, Any]) -> None:
    article = _article(api, "trasiga-filer", "public")
    never_sent = _announce(api, article, "saknas.png", "image/png", PNG, upload=False)
    pdf = _announce(api, article, "lista.pdf", "application/pdf", b"%PDF-1.4 list")
    foreign = world["image"]["id"]  # another article's file
    _write(api, article, f"{never_sent['markdown']}\n\n![lista](attachment:{pdf['id']})\n\n"
                         f"![annan](attachment:{foreign})", "trasiga-filer")
    answer = _publish(api, article)
    assert answer.status == 400, answer.body
    details = " | ".join(e["msg"] for e in answer.body["errors"])
    assert {tuple(e["loc"]) for e in answer.body["errors"]} == {
        ("body", "translations", "sv", "body_md")}
    assert "saknas.png" in details and "not been uploaded" in details
    assert "lista.pdf is not an image" in details
    assert f"attachment:{foreign} is no file of this article" in details
    assert api.call("GET", f"/help/{TENANT}/articles/trasiga-filer").status == 404


def test_a_shown_file_is_kept_until_a_publish_without_it(
        api: Api, world: dict[str, Any]) -> None:
    article = _article(api, "byt-bild", "public")
    old = _announce(api, article, "gammal.png", "image/png", PNG)
    _write(api, article, old["markdown"], "byt-bild")
    assert _publish(api, article).status == 200
    path = f"/articles/{article}/files/{old['id']}"
    assert api.call("DELETE", path, as_user=AGENT).status == 409
    new = _announce(api, article, "ny.png", "image/png", PNG)
    _write(api, article, new["markdown"], "byt-bild")
    assert _publish(api, article).status == 200
    assert _fetch(api, "byt-bild", old["id"]).status == 404  # no longer shown
    assert api.call("DELETE", path, as_user=AGENT).status == 204
    assert api.call("GET", f"{path}/link", as_user=AGENT).status == 404
    assert _fetch(api, "byt-bild", new["id"]).status == 200


def test_bad_announcements_are_4xx_naming_the_field(api: Api, world: dict[str, Any]) -> None:
    path = f"/articles/{world['public']}/files"
    for body, field in (({"filename": "", "content_type": "image/png", "size": 1}, "filename"),
                        ({"filename": "a.png", "content_type": "image/png", "size": 0}, "size"),
                        ({"filename": "a.exe", "content_type": "application/x-msdownload",
                          "size": 10}, "content_type"),
                        ({"filename": "a.png", "content_type": "image/png",
                          "size": 10**9}, "size")):
        answer = api.call("POST", path, body, as_user=AGENT)
        assert answer.status in (400, 422), answer.body
        assert field in {e["loc"][-1] for e in answer.body["errors"]}, answer.body
    assert api.call("POST", "/articles/01AAAAAAAAAAAAAAAAAAAAAAAA/files", {
        "filename": "a.png", "content_type": "image/png", "size": 10}, as_user=AGENT
    ).status == 404
    assert api.call("POST", path, {"filename": "a.png", "content_type": "image/png",
                                   "size": 10}, as_user=OTHER).status == 404
