"""Certificates and logos (seed 000) through the Chalice app: a published supplier's PDF
certificate, its public verification (valid, expired, revoked, forged, altered, another
tenant's), revocation and a new serial after a new publication, the copy by e-mail with the
PDF attached, network logos (limits, refused types, bytes that lie about their type), who
may do what, and 404 for another supplier's or tenant's subscription on every path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_string, policy
from typing import Any

import boto3
import pytest
import requests

from chalicelib.config import get_config
from chalicelib.domain import certificates as rules
from chalicelib.identity import cognito
from tests.integration.api_client import PASSWORD, Answer, Api
from tests.integration.tenants import emails, module_tenants
from tests.unit.test_certificates import pdf_strings

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
SUPPLIER, RIVAL, BUYER, MANAGER, REVOKEE = (
    f"{n}@{TENANT}.test" for n in ("supplier", "rival", "buyer", "manager", "revokee"))

QUESTIONNAIRE = {"sections": [{"key": "quality", "title": {"sv": "Kvalitet"}, "questions": [
    {"id": "iso9001", "type": "yes_no", "title": {"en": "ISO 9001?"}, "required": True}]}]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 56
PDF_ACCEPT = {"Accept": "application/pdf"}


def _created(answer: Answer) -> dict[str, Any]:
    assert answer.status in (200, 201), answer.body
    return dict(answer.body)


def _org(api: Api, name: str, kind: str, as_user: str = ADMIN) -> str:
    return str(_created(api.call("POST", "/organizations", {"name": name, "kind": kind},
                                 as_user=as_user))["id"])


def _user(api: Api, email: str, roles: list[str], org_id: str | None = None,
          as_user: str = ADMIN) -> None:
    body: dict[str, Any] = {"email": email, "name": email.split("@")[0].title(),
                            "kind": "contact" if org_id else "staff", "roles": roles}
    if org_id:
        body["organization_id"] = org_id
    _created(api.call("POST", "/users", body, as_user=as_user))
    cognito.set_permanent_password(email, PASSWORD)


def _network(api: Api, name: dict[str, str], as_user: str = ADMIN) -> dict[str, Any]:
    return _created(api.call("POST", "/networks", {
        "name": name, "sector": "construction", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 4900}],
        "questionnaire": QUESTIONNAIRE}, as_user=as_user))


def _published(api: Api, network_id: str, supplier: str, staff: str = ADMIN) -> dict[str, Any]:
    sub = _created(api.call("POST", "/subscriptions", {"network_id": network_id},
                            as_user=supplier))
    path = f"/subscriptions/{sub['id']}"
    _created(api.call("PUT", f"{path}/questionnaire", {"answers": {"iso9001": True}},
                      as_user=supplier))
    _created(api.call("POST", f"{path}/submit", as_user=supplier))
    published = _created(api.call("POST", f"{path}/validate", {"decision": "publish"},
                                  as_user=staff))
    assert published["status"] == "published"
    return published


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    supplier_org = _org(api, "Bygg & Betong AB", "supplier")
    rival_org = _org(api, "Konkurrent Oy", "supplier")
    revokee_org = _org(api, "Tvivelaktig AB", "supplier")
    buyer_org = _org(api, "Inköp AB", "buyer")
    _user(api, SUPPLIER, ["supplier"], supplier_org)
    _user(api, RIVAL, ["supplier"], rival_org)
    _user(api, REVOKEE, ["supplier"], revokee_org)
    _user(api, BUYER, ["buyer"], buyer_org)
    _user(api, MANAGER, ["account_manager"])
    network = _network(api, {"sv": "Byggnätverket", "fi": "Rakennusverkosto",
                             "en": "Construction network"})
    second = _network(api, {"sv": "Energinätverket"})
    published = _published(api, network["id"], SUPPLIER)
    draft = _created(api.call("POST", "/subscriptions", {"network_id": second["id"]},
                              as_user=SUPPLIER))
    rival_draft = _created(api.call("POST", "/subscriptions", {"network_id": network["id"]},
                                    as_user=RIVAL))
    other_org = _org(api, "Toinen Oy", "supplier", as_user=OTHER_ADMIN)
    other_supplier = f"supplier@{OTHER_TENANT}.test"
    _user(api, other_supplier, ["supplier"], other_org, as_user=OTHER_ADMIN)
    other_network = _network(api, {"fi": "Verkosto"}, as_user=OTHER_ADMIN)
    other_published = _published(api, other_network["id"], other_supplier, staff=OTHER_ADMIN)
    return {"network": network, "second": second, "published": published, "draft": draft,
            "rival_draft": rival_draft, "other_published": other_published,
            "other_supplier": other_supplier, "other_network": other_network}


def _pdf(api: Api, subscription_id: str, as_user: str, query: str = "") -> Any:
    return api.client.http.get(
        f"/subscriptions/{subscription_id}/certificate{query}",
        headers={**PDF_ACCEPT, "Authorization": f"Bearer {api.token(as_user)}"})


def _code_of(pdf: bytes) -> str:
    shown = pdf_strings(pdf)
    return next(s.split(": ", 1)[1] for s in shown if s.startswith(
        ("Kontrollkod: ", "Tarkistuskoodi: ", "Verification code: ")))


def _clock_at(monkeypatch: pytest.MonkeyPatch, module: str, moment: datetime) -> None:
    """``module``'s ``datetime.now`` answers ``moment`` (time passed in, no sleeping)."""

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Later:
            return cls.fromtimestamp(moment.timestamp(), tz or UTC)

    monkeypatch.setattr(f"{module}.datetime", Later)


def _verify(api: Api, code: str, query: str = "") -> Answer:
    return api.call("GET", f"/certificates/{code}{query}")


@pytest.fixture(scope="module")
def issued(api: Api, world: dict[str, Any]) -> dict[str, Any]:
    response = _pdf(api, world["published"]["id"], SUPPLIER)
    assert response.status_code == 200, response.body
    return {"pdf": response.body, "headers": {k.lower(): v for k, v in response.headers.items()},
            "code": _code_of(response.body)}


def test_the_certificate_is_a_pdf_naming_the_supplier_its_id_network_and_validity(
        world: dict[str, Any], issued: dict[str, Any]) -> None:
    pdf, headers, sub = issued["pdf"], issued["headers"], world["published"]
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == (
        f'attachment; filename="certificate-{sub["supplier_id"]}-byggnatverket.pdf"')
    assert pdf.startswith(b"%PDF-")
    shown = pdf_strings(pdf)
    assert {"Certifikat", "Bygg & Betong AB", sub["supplier_id"], "Byggnätverket",
            f"{sub['published_at'][:10]} till {sub['expires_at'][:10]}"} <= set(shown)
    assert issued["code"].startswith(f"{TENANT}-")
    assert any(s.endswith(f"/#/verify?code={issued['code']}") for s in shown)


def test_the_same_publication_gives_the_same_certificate_in_any_language(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    again = _pdf(api, world["published"]["id"], ADMIN, "?lang=fi")
    assert again.status_code == 200
    shown = pdf_strings(again.body)
    assert "Sertifikaatti" in shown and "Rakennusverkosto" in shown
    assert _code_of(again.body) == issued["code"]
    events = api.call("GET", f"/subscriptions/{world['published']['id']}/events",
                      as_user=SUPPLIER).body["items"]
    assert [e["type"] for e in events].count("certificate_issued") == 1


def test_anyone_verifies_a_valid_code_and_learns_only_what_the_certificate_says(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    answer = _verify(api, issued["code"])
    assert answer.status == 200, answer.body
    assert answer.body == {"status": "valid", "supplier_name": "Bygg & Betong AB",
                           "supplier_id": world["published"]["supplier_id"],
                           "network_name": "Byggnätverket",
                           "valid_until": world["published"]["expires_at"]}
    assert _verify(api, issued["code"], "?lang=en").body["network_name"] == (
        "Construction network")
    typed = issued["code"].lower().replace("-", " ")
    typed = typed.replace(" ", "-", TENANT.count("-") + 1)
    assert _verify(api, typed).body["status"] == "valid"
    assert _verify(api, typed.replace(" ", "%20")).body["status"] == "valid"
    assert _verify(api, issued["code"], "?lang=de").status == 400


def test_a_code_verifies_as_expired_once_its_time_has_passed(
        api: Api, world: dict[str, Any], issued: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    expires = datetime.fromisoformat(world["published"]["expires_at"])
    _clock_at(monkeypatch, "chalicelib.api.certificates", expires + timedelta(seconds=1))
    assert _verify(api, issued["code"]).body["status"] == "expired"


def test_forged_altered_and_foreign_codes_are_the_same_404(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    code = issued["code"]
    last = code[-1]
    serial = rules.read_code(get_config().secret, code)[1]
    other = _pdf(api, world["other_published"]["id"], world["other_supplier"])
    assert other.status_code == 200
    other_code = _code_of(other.body)
    attempts = [
        code[:-1] + ("A" if last != "A" else "B"),  # the signature altered
        code.replace(f"{TENANT}-", f"{OTHER_TENANT}-"),  # moved to another tenant
        other_code.replace(f"{OTHER_TENANT}-", f"{TENANT}-"),
        # Well signed, but the serial is another tenant's: nothing of it is found here.
        rules.code_for(get_config().secret, OTHER_TENANT, serial),
        # Well signed serial that was never issued.
        rules.code_for(get_config().secret, TENANT, "00000000"),
        f"{TENANT}-AAAA-AAAA-AAAA-AAAA", "nonsense", "x" * 100,
    ]
    for attempt in attempts:
        answer = _verify(api, attempt)
        assert answer.status == 404, (attempt, answer.status, answer.body)
        assert answer.body["detail"] == "No such certificate."
    assert _verify(api, other_code).body["supplier_name"] == "Toinen Oy"


def test_no_certificate_before_publication(api: Api, world: dict[str, Any]) -> None:
    draft = _pdf(api, world["draft"]["id"], SUPPLIER)
    assert draft.status_code == 422
    assert "once the subscription is published; it is draft" in json.loads(draft.body)["detail"]
    mailed = api.call("POST", f"/subscriptions/{world['draft']['id']}/certificate/mail",
                      as_user=SUPPLIER)
    assert mailed.status == 422


def test_no_certificate_after_expiry(api: Api, world: dict[str, Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    expires = datetime.fromisoformat(world["published"]["expires_at"])
    # The request's moment (ctx.now) is the routing layer's clock.
    _clock_at(monkeypatch, "chalicelib.api.routing", expires + timedelta(days=1))
    expired = _pdf(api, world["published"]["id"], SUPPLIER)
    assert expired.status_code == 422
    assert "expired on" in json.loads(expired.body)["detail"]


def test_revoked_stays_revoked_until_a_new_publication_issues_a_new_serial(
        api: Api, world: dict[str, Any]) -> None:
    sub = _published(api, world["network"]["id"], REVOKEE)
    path = f"/subscriptions/{sub['id']}"
    first = _pdf(api, sub["id"], REVOKEE)
    assert first.status_code == 200
    code = _code_of(first.body)
    assert api.call("POST", f"{path}/certificate/revoke", {"reason": "Forged insurance"},
                    as_user=REVOKEE).status == 403
    missing = api.call("POST", f"{path}/certificate/revoke", {}, as_user=MANAGER)
    assert missing.status == 400 and missing.body["errors"][0]["loc"] == ["body", "reason"]
    revoked = api.call("POST", f"{path}/certificate/revoke", {"reason": "Forged insurance"},
                       as_user=MANAGER)
    assert revoked.status == 200, revoked.body
    assert revoked.body["revoked_through"] == 1 and revoked.body["reason"] == "Forged insurance"
    assert _verify(api, code).body["status"] == "revoked"
    again = api.call("POST", f"{path}/certificate/revoke", {"reason": "twice"},
                     as_user=MANAGER)
    assert again.status == 422
    blocked = _pdf(api, sub["id"], REVOKEE)
    assert blocked.status_code == 422 and "revoked" in json.loads(blocked.body)["detail"]
    # Renewing does not lift it.
    assert api.call("POST", f"{path}/renew", as_user=REVOKEE).status == 200
    assert _pdf(api, sub["id"], REVOKEE).status_code == 422

    # A new publication: an edit, submitted and validated again.
    asked = _created(api.call("POST", f"{path}/edit-requests",
                              {"reason": "Corrected", "sections": ["quality"]},
                              as_user=REVOKEE))
    _created(api.call("POST", f"{path}/edit-requests/{asked['id']}/decision",
                      {"decision": "approve"}, as_user=MANAGER))
    _created(api.call("POST", f"{path}/submit", as_user=REVOKEE))
    _created(api.call("POST", f"{path}/validate", {"decision": "publish"}, as_user=MANAGER))
    fresh = _pdf(api, sub["id"], REVOKEE)
    assert fresh.status_code == 200
    new_code = _code_of(fresh.body)
    assert new_code != code
    assert _verify(api, new_code).body["status"] == "valid"
    assert _verify(api, code).body["status"] == "revoked"
    kinds = [e["type"] for e in api.call("GET", f"{path}/events?limit=100",
                                         as_user=MANAGER).body["items"]]
    assert kinds.count("certificate_issued") == 2 and kinds.count("certificate_revoked") == 1


def test_a_revocation_before_the_first_download_still_blocks_the_certificate(
        api: Api, world: dict[str, Any]) -> None:
    sub = _published(api, world["second"]["id"], REVOKEE)
    assert api.call("POST", f"/subscriptions/{sub['id']}/certificate/revoke",
                    {"reason": "Pending a review"}, as_user=ADMIN).status == 200
    assert _pdf(api, sub["id"], REVOKEE).status_code == 422


def test_a_renewal_issues_the_next_certificate_and_the_old_one_keeps_its_dates(
        api: Api, world: dict[str, Any]) -> None:
    sub = _published(api, world["second"]["id"], RIVAL)
    old_code = _code_of(_pdf(api, sub["id"], RIVAL).body)
    renewed = _created(api.call("POST", f"/subscriptions/{sub['id']}/renew", as_user=RIVAL))
    new = _pdf(api, sub["id"], RIVAL)
    new_code = _code_of(new.body)
    assert new_code != old_code
    assert _verify(api, new_code).body["valid_until"] == renewed["expires_at"]
    assert _verify(api, old_code).body["valid_until"] == sub["expires_at"]


def test_a_copy_is_mailed_to_the_callers_own_address_with_the_pdf_attached(
        api: Api, world: dict[str, Any], issued: dict[str, Any], local_resources: Any) -> None:
    from moto.ses.models import ses_backends

    from local.outbox import ACCOUNT

    sent = ses_backends[ACCOUNT][local_resources.region].sent_messages
    before = len(sent)
    # The route reads no body: an address sent along is not where the copy goes.
    answer = api.call("POST", f"/subscriptions/{world['published']['id']}/certificate/mail"
                              "?lang=en", {"to": "attacker@evil.test"}, as_user=SUPPLIER)
    assert answer.status == 202, answer.body
    assert answer.body["sent_to"] == SUPPLIER
    mails = sent[before:]
    # moto lists the To header besides the destination SES was given.
    assert len(mails) == 1 and set(mails[0].destinations) == {SUPPLIER}
    message = message_from_string(mails[0].raw_data, policy=policy.default)
    assert "Construction network" in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and issued["code"] in text.get_content()
    retried = [api.call("POST", f"/subscriptions/{world['published']['id']}/certificate/mail",
                        as_user=SUPPLIER, headers={"Idempotency-Key": "mail-once-1"})
               for _ in range(2)]
    assert [r.status for r in retried] == [202, 202]
    assert retried[1].headers.get("idempotent-replayed") == "true"
    assert len(sent) == before + 2  # the first mail, and the retried one once
    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF-") and world["published"]["supplier_id"] in pdf_strings(pdf)


# --- logos --------------------------------------------------------------------------------


def _logo(api: Api, network_id: str, body: dict[str, Any], as_user: str = ADMIN) -> Answer:
    return api.call("PUT", f"/networks/{network_id}/logo", body, as_user=as_user)


def _upload(answer: dict[str, Any], content: bytes) -> requests.Response:
    return requests.post(answer["upload_url"], data=answer["upload_fields"],
                         files={"file": ("logo", content)}, timeout=10)


@pytest.mark.parametrize(("body", "field"), [
    ({"content_type": "image/svg+xml", "size": 100}, "content_type"),
    ({"content_type": "image/gif", "size": 100}, "content_type"),
    ({"content_type": "text/html", "size": 100}, "content_type"),
    ({"content_type": "image/png", "size": rules.LOGO_MAX_BYTES + 1}, "size"),
    ({"content_type": "image/png", "size": 0}, "size"),
    ({"content_type": "image/png"}, "size"),
    ({"size": 10}, "content_type"),
    ({"content_type": "image/png", "size": 10, "key": "t/other/x"}, "key"),
])
def test_logo_uploads_refuse_other_types_svg_and_sizes_naming_the_field(
        api: Api, world: dict[str, Any], body: dict[str, Any], field: str) -> None:
    answer = _logo(api, world["network"]["id"], body)
    assert answer.status == 400, answer.body
    assert [e["loc"][-1] for e in answer.body["errors"]] == [field]


def test_a_logo_is_uploaded_by_staff_and_downloaded_by_published_suppliers(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    network_id = world["network"]["id"]
    assert api.call("GET", f"/networks/{network_id}/logo", as_user=ADMIN).status == 404
    made = _logo(api, network_id, {"content_type": "image/png", "size": len(PNG)})
    assert made.status == 200, made.body
    assert made.body["upload_fields"]["key"].startswith(f"t/{TENANT}/networks/{network_id}/")
    assert made.body["upload_fields"]["Content-Type"] == "image/png"
    early = api.call("GET", f"/networks/{network_id}/logo", as_user=SUPPLIER)
    assert early.status == 409
    assert _upload(made.body, PNG).status_code in (200, 204)
    link = api.call("GET", f"/networks/{network_id}/logo", as_user=SUPPLIER)
    assert link.status == 200, link.body
    assert link.body["content_type"] == "image/png"
    assert requests.get(link.body["url"], timeout=10).content == PNG
    assert api.call("GET", f"/networks/{network_id}/logo", as_user=MANAGER).status == 200
    for who in (RIVAL, BUYER):  # a draft subscription, a buyer
        assert api.call("GET", f"/networks/{network_id}/logo", as_user=who).status == 403
    for who in (AGENT, CUSTOMER):  # without networks.view
        assert api.call("GET", f"/networks/{network_id}/logo", as_user=who).status == 403
    assert api.call("GET", f"/networks/{network_id}/logo", as_user=OTHER_ADMIN).status == 404


def test_a_logo_whose_bytes_are_not_the_declared_image_is_refused_and_removed(
        api: Api, world: dict[str, Any], local_resources: Any) -> None:
    network_id = world["second"]["id"]
    html = b"<svg onload=alert(1)>" + b" " * 43
    made = _created(_logo(api, network_id, {"content_type": "image/png", "size": len(html)}))
    assert _upload(made, html).status_code in (200, 204)
    refused = api.call("GET", f"/networks/{network_id}/logo", as_user=ADMIN)
    assert refused.status == 422 and "not a image/png" in refused.body["detail"]
    s3 = boto3.client("s3", region_name=local_resources.region)
    listed = s3.list_objects_v2(Bucket=get_config().attachments_bucket,
                                Prefix=made["upload_fields"]["key"])
    assert listed.get("KeyCount", 0) == 0
    assert api.call("GET", f"/networks/{network_id}/logo", as_user=ADMIN).status == 409


# --- who may do what ----------------------------------------------------------------------


def test_another_supplier_or_tenant_gets_a_404_on_every_certificate_path(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    sub_id = world["published"]["id"]
    for who in (RIVAL, BUYER, CUSTOMER, OTHER_ADMIN):
        response = _pdf(api, sub_id, who)
        assert response.status_code == 404, (who, response.status_code)
        mailed = api.call("POST", f"/subscriptions/{sub_id}/certificate/mail", as_user=who)
        assert mailed.status == 404, (who, mailed.status)
    assert api.call("POST", f"/subscriptions/{sub_id}/certificate/revoke", {"reason": "x"},
                    as_user=OTHER_ADMIN).status == 404
    assert _logo(api, world["network"]["id"], {"content_type": "image/png", "size": 10},
                 as_user=OTHER_ADMIN).status == 404
    # The other tenant's own subscription is as unknown here.
    other = world["other_published"]["id"]
    assert _pdf(api, other, ADMIN).status_code == 404
    assert _verify(api, issued["code"]).body["status"] == "valid"  # nothing was changed


@pytest.mark.parametrize(("who", "expected"), [
    (ADMIN, {"pdf": 200, "mail": 202, "revoke": 422, "put_logo": 200, "get_logo": 200}),
    (MANAGER, {"pdf": 200, "mail": 202, "revoke": 422, "put_logo": 403, "get_logo": 200}),
    (AGENT, {"pdf": 403, "mail": 403, "revoke": 403, "put_logo": 403, "get_logo": 403}),
    (SUPPLIER, {"pdf": 200, "mail": 202, "revoke": 403, "put_logo": 403, "get_logo": 200}),
    (RIVAL, {"pdf": 404, "mail": 404, "revoke": 403, "put_logo": 403, "get_logo": 403}),
    (BUYER, {"pdf": 404, "mail": 404, "revoke": 403, "put_logo": 403, "get_logo": 403}),
    (CUSTOMER, {"pdf": 404, "mail": 404, "revoke": 403, "put_logo": 403, "get_logo": 403}),
])
def test_role_by_endpoint(api: Api, world: dict[str, Any], issued: dict[str, Any], who: str,
                          expected: dict[str, int]) -> None:
    sub_id, network_id = world["published"]["id"], world["network"]["id"]
    # The logo exists for every row: an admin put one (no upload: a GET then says 409).
    seen = {
        "pdf": _pdf(api, sub_id, who).status_code,
        "mail": api.call("POST", f"/subscriptions/{sub_id}/certificate/mail",
                         as_user=who).status,
        # Revoking the draft: staff allowed in hear it was never published (422).
        "revoke": api.call("POST", f"/subscriptions/{world['draft']['id']}/certificate/revoke",
                           {"reason": "test"}, as_user=who).status,
        "put_logo": _logo(api, world["second"]["id"],
                          {"content_type": "image/png", "size": 10}, as_user=who).status,
        "get_logo": api.call("GET", f"/networks/{network_id}/logo", as_user=who).status,
    }
    if expected["get_logo"] == 200:  # allowed: 200 once uploaded, 404 or 409 before
        assert seen["get_logo"] in (200, 404, 409), (who, seen)
        seen["get_logo"] = 200
    assert seen == expected, who


def test_the_public_route_needs_no_token_and_the_others_do(
        api: Api, world: dict[str, Any], issued: dict[str, Any]) -> None:
    assert api.call("GET", f"/certificates/{issued['code']}").status == 200
    sub_id = world["published"]["id"]
    for method, path in (("GET", f"/subscriptions/{sub_id}/certificate"),
                         ("POST", f"/subscriptions/{sub_id}/certificate/mail"),
                         ("POST", f"/subscriptions/{sub_id}/certificate/revoke"),
                         ("PUT", f"/networks/{world['network']['id']}/logo"),
                         ("GET", f"/networks/{world['network']['id']}/logo")):
        assert api.call(method, path).status == 401, (method, path)


def test_bad_path_ids_and_query_are_400_naming_them(api: Api, world: dict[str, Any]) -> None:
    bad = api.call("GET", "/subscriptions/not%20an%20id/certificate", as_user=SUPPLIER,
                   headers=PDF_ACCEPT)
    assert bad.status == 400 and bad.body["errors"][0]["loc"] == ["path", "id"]
    lang = api.client.http.get(
        f"/subscriptions/{world['published']['id']}/certificate?lang=xx",
        headers={**PDF_ACCEPT, "Authorization": f"Bearer {api.token(SUPPLIER)}"})
    assert lang.status_code == 400
    assert json.loads(lang.body)["errors"][0]["loc"] == ["query", "lang"]


def test_a_serial_drawn_twice_is_drawn_again(
        api: Api, world: dict[str, Any], issued: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    taken = rules.read_code(get_config().secret, issued["code"])[1]
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    taken_bits = sum(crockford.index(c) << (5 * (7 - n)) for n, c in enumerate(taken))
    assert rules.new_serial(taken_bits) == taken
    network = _network(api, {"en": "Collision network"})
    sub = _published(api, network["id"], SUPPLIER)
    draws = iter([taken_bits, taken_bits, 0xABCDE])
    monkeypatch.setattr("chalicelib.services.certificates.secrets.randbits",
                        lambda _: next(draws))
    response = _pdf(api, sub["id"], SUPPLIER)
    assert response.status_code == 200
    code = _code_of(response.body)
    assert rules.read_code(get_config().secret, code)[1] == rules.new_serial(0xABCDE)
    assert next(draws, None) is None  # the taken serial was drawn twice, then a free one
    assert _verify(api, issued["code"]).body["network_name"] == "Byggnätverket"
    assert _verify(api, code).body["network_name"] == "Collision network"
