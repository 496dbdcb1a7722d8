"""Networks and subscriptions (seed 000) through the Chalice app: networks and quotes, a
supplier's subscription with its six-digit supplier id (unique, random, kept across its
networks, a collision drawn again), the questionnaire's drafts with If-Match, submitting,
validation rounds, edit requests, renewal, and who may see and do what (another tenant's or
another supplier's subscription is a 404)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.networks_world import (
    QUESTIONNAIRE,
    mails_about,
    make_org,
    make_portal_user,
)
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
SUPPLIER, RIVAL, BUYER = (f"{n}@{TENANT}.test" for n in ("supplier", "rival", "buyer"))

def _org(api: Api, name: str, kind: str) -> str:
    return make_org(api, ADMIN, name, kind)


def _portal_user(api: Api, email: str, org_id: str, role: str) -> None:
    make_portal_user(api, ADMIN, email, org_id, role)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    buyer_org = _org(api, "Inköp AB", "buyer")
    supplier_org = _org(api, "Bygg & Betong AB", "supplier")
    rival_org = _org(api, "Konkurrent Oy", "supplier")
    _portal_user(api, SUPPLIER, supplier_org, "supplier")
    _portal_user(api, RIVAL, rival_org, "supplier")
    _portal_user(api, BUYER, buyer_org, "buyer")
    network = api.call("POST", "/networks", {
        "name": {"sv": "Byggnätverket", "fi": "Rakennusverkosto", "en": "Construction network"},
        "sector": "construction", "regions": ["se", "fi"],
        "price_tiers": [{"up_to": 5, "yearly_price": 4900}, {"up_to": 20, "yearly_price": 9900},
                        {"up_to": None, "yearly_price": 14900}],
        "code_list": [{"code": c, "name": {"en": f"Code {c}"}} for c in ("45.1", "45.2", "71.3")],
        "member_organization_ids": [buyer_org], "questionnaire": QUESTIONNAIRE,
    }, as_user=ADMIN)
    assert network.status == 201, network.body
    second = api.call("POST", "/networks", {
        "name": {"sv": "Energinätverket"}, "sector": "energy", "regions": ["no"],
        "price_tiers": [{"up_to": 10, "yearly_price": 3000}], "questionnaire": QUESTIONNAIRE,
    }, as_user=ADMIN)
    assert second.status == 201, second.body
    return {"network": network.body, "energy": second.body, "supplier_org": supplier_org,
            "rival_org": rival_org, "buyer_org": buyer_org}


def test_networks_are_found_by_name_in_any_language_sector_and_region(
        api: Api, world: dict[str, Any]) -> None:
    def found(query: str) -> set[str]:
        answer = api.call("GET", f"/networks{query}", as_user=SUPPLIER)
        assert answer.status == 200, answer.body
        return {n["id"] for n in answer.body["items"]}

    construction, energy = world["network"]["id"], world["energy"]["id"]
    assert found("?q=rakennus") == {construction}
    assert found("?q=n%C3%A4tverket") == {construction, energy}
    assert found("?sector=energy") == {energy}
    assert found("?region=fi") == {construction}
    assert found("?q=nothing") == set()
    assert api.call("GET", "/networks?sector=Not%20a%20slug", as_user=SUPPLIER).status == 400


def test_a_quote_names_the_price_and_tier_and_refuses_what_no_tier_covers(
        api: Api, world: dict[str, Any]) -> None:
    path = f"/networks/{world['network']['id']}/quote"
    three = api.call("GET", f"{path}?codes=3", as_user=SUPPLIER)
    assert (three.status, three.body["yearly_price"], three.body["unlimited"]) == (
        200, 4900, False)
    many = api.call("GET", f"{path}?codes=500", as_user=SUPPLIER)
    assert (many.body["yearly_price"], many.body["unlimited"]) == (14900, True)
    beyond = api.call("GET", f"/networks/{world['energy']['id']}/quote?codes=11", as_user=SUPPLIER)
    assert beyond.status == 422 and "at most 10 codes" in beyond.body["detail"]
    negative = api.call("GET", f"{path}?codes=-1", as_user=SUPPLIER)
    assert negative.status == 400 and negative.body["errors"][0]["loc"][-1] == "codes"


@pytest.fixture(scope="module")
def subscribed(api: Api, world: dict[str, Any]) -> dict[str, Any]:
    """The supplier's subscriptions to both networks (tests run in any order, so each
    state a test needs comes from a fixture)."""
    first = api.call("POST", "/subscriptions", {"network_id": world["network"]["id"],
                                               "product_codes": ["45.1", "71.3"]},
                     as_user=SUPPLIER)
    assert first.status == 201, first.body
    second = api.call("POST", "/subscriptions", {"network_id": world["energy"]["id"]},
                      as_user=SUPPLIER)
    assert second.status == 201, second.body
    return {"construction": first.body, "energy": second.body}


def test_a_supplier_subscribes_with_one_supplier_id_across_its_networks(
        api: Api, world: dict[str, Any], subscribed: dict[str, Any]) -> None:
    sub = subscribed["construction"]
    assert sub["status"] == "draft" and len(sub["supplier_id"]) == 6
    assert sub["supplier_id"].isdigit() and sub["yearly_price"] == 4900
    expires = datetime.fromisoformat(sub["expires_at"].replace("Z", "+00:00"))
    starts = datetime.fromisoformat(sub["starts_at"].replace("Z", "+00:00"))
    assert expires - starts == timedelta(days=365)
    assert subscribed["energy"]["supplier_id"] == sub["supplier_id"]
    again = api.call("POST", "/subscriptions", {"network_id": world["network"]["id"]},
                     as_user=SUPPLIER)
    assert again.status == 409
    unknown = api.call("POST", "/subscriptions", {"network_id": world["network"]["id"],
                                                 "product_codes": ["99.9"]}, as_user=RIVAL)
    assert unknown.status == 400 and unknown.body["errors"][0]["loc"] == [
        "body", "product_codes", 0]


def test_a_supplier_id_taken_by_another_is_drawn_again(
        api: Api, world: dict[str, Any], subscribed: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    taken = subscribed["construction"]["supplier_id"]
    newcomer = _org(api, "Nykomling AB", "supplier")
    draws = iter([int(taken) - 100_000, int(taken) - 100_000, 4242])
    monkeypatch.setattr("chalicelib.services.networks.secrets.randbelow",
                        lambda _: next(draws))
    answer = api.call("POST", "/subscriptions", {"network_id": world["energy"]["id"],
                                                "organization_id": newcomer}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    assert answer.body["supplier_id"] == "104242" != taken


def test_only_suppliers_and_staff_subscribe(api: Api, world: dict[str, Any]) -> None:
    assert api.call("POST", "/subscriptions", {"network_id": world["network"]["id"]},
                    as_user=BUYER).status == 403
    assert api.call("POST", "/subscriptions", {"network_id": world["network"]["id"]},
                    as_user=CUSTOMER).status == 403
    for_buyer = api.call("POST", "/subscriptions", {"network_id": world["energy"]["id"],
                                                   "organization_id": world["buyer_org"]},
                         as_user=ADMIN)
    assert for_buyer.status == 422


def _publish(api: Api, sub: dict[str, Any]) -> dict[str, Any]:
    """Draft → submitted → returned → submitted → published, checking each step."""
    path = f"/subscriptions/{sub['id']}"
    form = api.call("GET", f"{path}/questionnaire", as_user=SUPPLIER)
    assert form.status == 200 and form.body["answers"] == {}
    assert set(form.body["writable_sections"]) == {"products_services", "quality", "insurance"}

    wrong = api.call("PUT", f"{path}/questionnaire", {"answers": {
        "iso9001": "yes", "liability": "lots", "codes": ["99.9"], "nope": 1,
        "certificate": {"name": "ISO 9001", "issuer": "DNV", "valid_until": "someday"}}},
        as_user=SUPPLIER)
    assert wrong.status == 400
    assert {e["loc"][-1] for e in wrong.body["errors"]} == {
        "iso9001", "liability", "codes", "nope", "certificate"}

    saved = api.call("PUT", f"{path}/questionnaire", {"answers": {
        "iso9001": True, "codes": ["45.1"], "certificate": {
            "name": "ISO 9001", "issuer": "DNV", "valid_until": "2027-06-30"}}},
        as_user=SUPPLIER, headers={"If-Match": form.headers["etag"]})
    assert saved.status == 200, saved.body
    assert saved.body["answers"]["certificate"]["valid_until"] == "2027-06-30"
    stale = api.call("PUT", f"{path}/questionnaire", {"answers": {"description": "x"}},
                     as_user=SUPPLIER, headers={"If-Match": form.headers["etag"]})
    assert stale.status == 412

    early = api.call("POST", f"{path}/submit", as_user=SUPPLIER)
    assert early.status == 400 and [e["loc"][-1] for e in early.body["errors"]] == ["liability"]
    api.call("PUT", f"{path}/questionnaire", {"answers": {"liability": 10_000_000}},
             as_user=SUPPLIER)
    submitted = api.call("POST", f"{path}/submit", as_user=SUPPLIER)
    assert submitted.status == 200 and submitted.body["status"] == "submitted"
    closed = api.call("PUT", f"{path}/questionnaire", {"answers": {"description": "late"}},
                      as_user=SUPPLIER)
    assert closed.status == 422

    queue = api.call("GET", "/subscriptions?status=submitted", as_user=ADMIN).body["items"]
    assert sub["id"] in [s["id"] for s in queue]
    assert api.call("POST", f"{path}/validate", {"decision": "publish"},
                    as_user=SUPPLIER).status == 403
    returned = api.call("POST", f"{path}/validate", {"decision": "return", "issues": [
        {"question_id": "liability", "text": "Attach the insurance letter's amount in SEK"}]},
        as_user=ADMIN)
    assert returned.status == 200 and returned.body["status"] == "returned"
    issues = api.call("GET", f"{path}/questionnaire", as_user=SUPPLIER).body["issues"]
    assert issues == {"liability": ["Attach the insurance letter's amount in SEK"]}

    api.call("PUT", f"{path}/questionnaire", {"answers": {"liability": 12_000_000}},
             as_user=SUPPLIER)
    assert api.call("POST", f"{path}/submit", as_user=SUPPLIER).body["status"] == "submitted"
    published = api.call("POST", f"{path}/validate", {"decision": "publish"}, as_user=ADMIN)
    assert published.status == 200 and published.body["status"] == "published"
    return dict(published.body)


@pytest.fixture(scope="module")
def published(api: Api, subscribed: dict[str, Any]) -> dict[str, Any]:
    return _publish(api, subscribed["construction"])


def test_the_questionnaire_round_trip_from_draft_to_published(
        api: Api, published: dict[str, Any]) -> None:
    assert published["round"] == 2 and published["issues"] == {}
    events = api.call("GET", f"/subscriptions/{published['id']}/events", as_user=SUPPLIER)
    kinds = [e["type"] for e in events.body["items"]]
    assert kinds[:5] == ["subscribed", "submitted", "returned", "submitted", "published"]


def test_an_edit_after_publication_opens_only_the_approved_sections(
        api: Api, published: dict[str, Any]) -> None:
    path = f"/subscriptions/{published['id']}"
    closed = api.call("PUT", f"{path}/questionnaire", {"answers": {"liability": 1}},
                      as_user=SUPPLIER)
    assert closed.status == 422
    asked = api.call("POST", f"{path}/edit-requests",
                     {"reason": "New insurer from January", "sections": ["insurance"]},
                     as_user=SUPPLIER)
    assert asked.status == 201, asked.body
    request_id = asked.body["id"]
    queue = api.call("GET", "/edit-requests", as_user=ADMIN).body["items"]
    assert request_id in [r["id"] for r in queue]
    assert api.call("GET", "/edit-requests", as_user=SUPPLIER).status == 403
    assert api.call("POST", f"{path}/edit-requests/{request_id}/decision",
                    {"decision": "approve"}, as_user=SUPPLIER).status == 403
    approved = api.call("POST", f"{path}/edit-requests/{request_id}/decision",
                        {"decision": "approve", "note": "Go ahead"}, as_user=ADMIN)
    assert approved.status == 200 and approved.body["status"] == "approved"
    twice = api.call("POST", f"{path}/edit-requests/{request_id}/decision",
                     {"decision": "refuse"}, as_user=ADMIN)
    assert twice.status == 409
    queue = api.call("GET", "/edit-requests", as_user=ADMIN).body["items"]
    assert request_id not in [r["id"] for r in queue]  # decided: out of the queue
    form = api.call("GET", f"{path}/questionnaire", as_user=SUPPLIER).body
    assert form["writable_sections"] == ["insurance"]
    other_section = api.call("PUT", f"{path}/questionnaire", {"answers": {"iso9001": False}},
                             as_user=SUPPLIER)
    assert other_section.status == 400 and "closed" in other_section.body["errors"][0]["msg"]
    mended = api.call("PUT", f"{path}/questionnaire", {"answers": {"insurer": "lf"}},
                      as_user=SUPPLIER)
    assert mended.status == 200
    assert api.call("POST", f"{path}/submit", as_user=SUPPLIER).body["status"] == "submitted"


def test_renewal_adds_a_year_to_the_old_expiry(api: Api, subscribed: dict[str, Any]) -> None:
    sub = api.call("GET", f"/subscriptions/{subscribed['energy']['id']}", as_user=SUPPLIER).body
    renewed = api.call("POST", f"/subscriptions/{sub['id']}/renew", as_user=SUPPLIER)
    assert renewed.status == 200, renewed.body
    old = datetime.fromisoformat(sub["expires_at"].replace("Z", "+00:00"))
    new = datetime.fromisoformat(renewed.body["expires_at"].replace("Z", "+00:00"))
    assert new - old == timedelta(days=365)


def test_another_supplier_or_tenant_sees_a_404_and_lists_only_its_own(
        api: Api, world: dict[str, Any], subscribed: dict[str, Any]) -> None:
    sub = subscribed["construction"]
    for who in (RIVAL, OTHER_ADMIN, BUYER):
        for path in ("", "/questionnaire", "/events", "/edit-requests"):
            answer = api.call("GET", f"/subscriptions/{sub['id']}{path}", as_user=who)
            assert answer.status in (403, 404), (who, path, answer.status)
            assert answer.status == 404 or who == BUYER
        put = api.call("PUT", f"/subscriptions/{sub['id']}/questionnaire",
                       {"answers": {"description": "mine now"}}, as_user=who)
        assert put.status in (403, 404)
    assert api.call("POST", f"/subscriptions/{sub['id']}/validate", {"decision": "publish"},
                    as_user=OTHER_ADMIN).status == 404
    assert api.call("GET", f"/networks/{world['network']['id']}",
                    as_user=OTHER_ADMIN).status == 404
    rival_list = api.call("GET", "/subscriptions", as_user=RIVAL).body["items"]
    assert sub["id"] not in [s["id"] for s in rival_list]
    assert api.call("GET", f"/subscriptions?organization_id={world['supplier_org']}",
                    as_user=RIVAL).status == 404


def test_a_network_change_of_questionnaire_is_its_next_version(
        api: Api, world: dict[str, Any]) -> None:
    path = f"/networks/{world['energy']['id']}"
    current = api.call("GET", path, as_user=ADMIN)
    changed = {"sections": [*QUESTIONNAIRE["sections"], {
        "key": "carbon_footprint", "title": {"en": "Carbon"}, "questions": [
            {"id": "co2", "type": "number", "title": {"en": "Tonnes CO2e a year"}}]}]}
    patched = api.call("PATCH", path, {"questionnaire": changed}, as_user=ADMIN,
                       headers={"If-Match": current.headers["etag"]})
    assert patched.status == 200, patched.body
    assert patched.body["questionnaire_version"] == current.body["questionnaire_version"] + 1
    assert api.call("PATCH", path, {"sector": "power"}, as_user=ADMIN,
                    headers={"If-Match": current.headers["etag"]}).status == 412
    assert api.call("PATCH", path, {"sector": None}, as_user=ADMIN).status == 400
    assert api.call("PATCH", path, {"sector": "power"}, as_user=SUPPLIER).status == 403


def test_supplier_and_buyer_roles_fit_only_their_kind_of_organization(
        api: Api, world: dict[str, Any]) -> None:
    wrong = api.call("POST", "/users", {
        "email": f"misfit@{TENANT}.test", "name": "Misfit", "kind": "contact",
        "organization_id": world["buyer_org"], "roles": ["supplier"]}, as_user=ADMIN)
    assert wrong.status == 400 and wrong.body["errors"][0]["loc"] == ["body", "roles", 0]
    assert api.call("POST", "/users", {
        "email": f"staffer@{TENANT}.test", "name": "Staffer", "kind": "staff",
        "roles": ["buyer"]}, as_user=ADMIN).status == 400


def test_audits_one_at_a_time_and_a_failed_one_allows_another(
        api: Api, published: dict[str, Any], subscribed: dict[str, Any]) -> None:
    path = f"/subscriptions/{published['id']}/audits"
    first = api.call("POST", path, {"scheduled_on": "2027-02-01", "auditor": "Greta Granskare"},
                     as_user=ADMIN)
    assert first.status == 201, first.body
    assert first.body["network_id"] == published["network_id"]
    assert api.call("POST", path, {"scheduled_on": "2027-02-02", "auditor": "X"},
                    as_user=ADMIN).status == 422
    draft = api.call("POST", f"/subscriptions/{subscribed['energy']['id']}/audits",
                     {"scheduled_on": "2027-02-01", "auditor": "X"}, as_user=ADMIN)
    assert draft.status == 422
    audit = f"/audits/{first.body['id']}"
    assert api.call("PATCH", audit, {"result": "failed"}, as_user=SUPPLIER).status == 403
    bare = api.call("PATCH", audit, {"result": "failed"}, as_user=ADMIN)
    assert bare.status == 400
    failed = api.call("PATCH", audit, {"result": "failed",
                                       "findings": ["No fall protection on site 2"]},
                      as_user=ADMIN)
    assert failed.status == 200 and failed.body["completed_at"]
    assert api.call("PATCH", audit, {"result": "passed"}, as_user=ADMIN).status == 409
    seen = api.call("GET", path, as_user=SUPPLIER)
    assert {a["id"]: a["result"] for a in seen.body["items"]}[first.body["id"]] == "failed"
    again = api.call("POST", path, {"scheduled_on": "2027-03-01", "auditor": "Greta Granskare"},
                     as_user=ADMIN)
    assert again.status == 201
    passed = api.call("PATCH", f"/audits/{again.body['id']}", {"result": "passed"},
                      as_user=ADMIN)
    assert passed.status == 200
    sub = api.call("GET", f"/subscriptions/{published['id']}", as_user=SUPPLIER).body
    assert sub["last_audit_result"] == "passed" and sub["open_audit_id"] is None
    for who in (RIVAL, OTHER_ADMIN):
        assert api.call("GET", audit, as_user=who).status == 404
        assert api.call("GET", path, as_user=who).status == 404
    assert api.call("PATCH", audit, {"auditor": "Y"}, as_user=OTHER_ADMIN).status == 404


def test_buyers_find_published_suppliers_by_name_code_region_and_supplier_id(
        api: Api, world: dict[str, Any], published: dict[str, Any]) -> None:
    network = world["network"]["id"]

    def found(query: str, who: str = BUYER) -> list[str]:
        answer = api.call("GET", f"/suppliers?network_id={network}{query}", as_user=who)
        assert answer.status == 200, answer.body
        return [s["supplier_id"] for s in answer.body["items"]]

    me = published["supplier_id"]
    assert found("") == [me]
    assert found("&q=bygg") == [me] and found("&q=konk") == []
    assert found("&code=45.1") == [me] and found("&code=45.2") == []
    assert found("&region=fi") == [me] and found("&region=no") == []
    assert found("&code=71.3&region=se") == [me]
    assert found(f"&q={me}") == [me] and found("&q=999999") == []
    assert found("", who=ADMIN) == [me]
    drafts = api.call("GET", f"/suppliers?network_id={world['energy']['id']}", as_user=ADMIN)
    assert drafts.body["items"] == []  # the energy subscriptions are drafts
    for who in (RIVAL, OTHER_ADMIN):
        assert api.call("GET", f"/suppliers?network_id={network}", as_user=who).status == 404
    not_member = api.call("GET", f"/suppliers?network_id={world['energy']['id']}",
                          as_user=BUYER)
    assert not_member.status == 404
    assert api.call("GET", "/suppliers", as_user=BUYER).status == 400


def test_a_buyer_reads_published_answers_and_follows_a_supplier(
        api: Api, published: dict[str, Any]) -> None:
    me = published["supplier_id"]
    profile = api.call("GET", f"/suppliers/{me}", as_user=BUYER)
    assert profile.status == 200, profile.body
    answers = profile.body["networks"][0]["answers"]
    assert answers["liability"] == 12_000_000 and "insurer" not in answers  # drafts stay out
    assert api.call("GET", f"/suppliers/{me}", as_user=RIVAL).status == 404
    assert api.call("GET", f"/suppliers/{me}", as_user=OTHER_ADMIN).status == 404
    assert api.call("GET", "/suppliers/12345x", as_user=BUYER).status == 400

    for _ in range(2):
        follow = api.call("POST", f"/suppliers/{me}/follow", as_user=BUYER)
        assert follow.status == 200 and follow.body["followed"] is True
    listed = api.call("GET", "/me/followed-suppliers", as_user=BUYER).body["items"]
    assert [s["supplier_id"] for s in listed] == [me]
    search = api.call("GET", f"/suppliers?network_id={published['network_id']}",
                      as_user=BUYER).body["items"]
    assert search[0]["followed"] is True
    assert api.call("POST", f"/suppliers/{me}/follow", as_user=SUPPLIER).status == 403
    assert api.call("POST", "/suppliers/999999/follow", as_user=BUYER).status == 404
    assert api.call("DELETE", f"/suppliers/{me}/follow", as_user=BUYER).status == 204
    assert api.call("GET", "/me/followed-suppliers", as_user=BUYER).body["items"] == []


def test_the_supplier_hears_its_supplier_id_and_what_to_correct(
        api: Api, world: dict[str, Any], runner: EventRunner, mail: LocalOutbox) -> None:
    org = _org(api, "Välkommen AB", "supplier")
    email = f"welcome@{TENANT}.test"
    _portal_user(api, email, org, "supplier")
    sub = api.call("POST", "/subscriptions", {"network_id": world["energy"]["id"]},
                   as_user=email).body
    runner.drain()
    welcome = mails_about(mail, f"[{sub['supplier_id']}]", email)
    assert len(welcome) == 1 and sub["supplier_id"] in welcome[0]["text"]
    assert "Välkommen" in welcome[0]["subject"]  # the tenant's users read Swedish

    path = f"/subscriptions/{sub['id']}"
    api.call("PUT", f"{path}/questionnaire", {"answers": {
        "codes": ["45.1"], "iso9001": True, "liability": 5}}, as_user=email)
    assert api.call("POST", f"{path}/submit", as_user=email).status == 200
    api.call("POST", f"{path}/validate", {"decision": "return", "issues": [
        {"question_id": "liability", "text": "Ange beloppet i kronor"}]}, as_user=ADMIN)
    runner.drain()
    returned = [m for m in mails_about(mail, f"[{sub['supplier_id']}]", email)
                if "Ange beloppet i kronor" in m["text"]]
    assert len(returned) == 1 and "Liability cover" in returned[0]["text"]
    runner.drain()  # delivering again sends nothing twice
    assert len(mails_about(mail, f"[{sub['supplier_id']}]", email)) == 2


def test_a_follower_hears_of_a_failed_audit(
        api: Api, published: dict[str, Any], runner: EventRunner, mail: LocalOutbox) -> None:
    me = published["supplier_id"]
    assert api.call("POST", f"/suppliers/{me}/follow", as_user=BUYER).status == 200
    audit = api.call("POST", f"/subscriptions/{published['id']}/audits",
                     {"scheduled_on": "2027-04-01", "auditor": "Greta"}, as_user=ADMIN)
    assert audit.status == 201, audit.body
    api.call("PATCH", f"/audits/{audit.body['id']}",
             {"result": "failed", "findings": ["Saknar riskbedömning"]}, as_user=ADMIN)
    runner.drain()
    told = mails_about(mail, f"[{me}]", BUYER)
    assert any("revision" in m["subject"] for m in told), [m["subject"] for m in told]
    api.call("DELETE", f"/suppliers/{me}/follow", as_user=BUYER)


def test_an_account_manager_is_named_and_shown_to_the_supplier(
        api: Api, world: dict[str, Any]) -> None:
    agent_id = api.call("GET", "/me", as_user=AGENT).body["id"]
    org = world["supplier_org"]
    assert api.call("GET", "/me/account-manager", as_user=RIVAL).status == 404
    assert api.call("PUT", f"/organizations/{org}/account-manager", {"user_id": agent_id},
                    as_user=SUPPLIER).status == 403
    customer_id = api.call("GET", "/me", as_user=CUSTOMER).body["id"]
    not_staff = api.call("PUT", f"/organizations/{org}/account-manager",
                         {"user_id": customer_id}, as_user=ADMIN)
    assert not_staff.status == 400 and not_staff.body["errors"][0]["loc"] == ["body", "user_id"]
    named = api.call("PUT", f"/organizations/{org}/account-manager", {"user_id": agent_id},
                     as_user=ADMIN)
    assert named.status == 200 and named.body["email"] == AGENT
    mine = api.call("GET", "/me/account-manager", as_user=SUPPLIER)
    assert mine.status == 200 and mine.body["name"] and mine.body["email"] == AGENT
    assert api.call("GET", f"/organizations/{org}/account-manager", as_user=RIVAL).status == 404
    assert api.call("PUT", f"/organizations/{org}/account-manager", {"user_id": agent_id},
                    as_user=OTHER_ADMIN).status == 404


def test_local_teams_are_public_per_tenant(api: Api) -> None:
    teams = {"teams": [{"region": "se", "name": {"sv": "Team Stockholm"},
                        "email": "stockholm@demo.example", "phone": "+46 8 123 456",
                        "hours": "8-16"}]}
    assert api.call("PUT", "/local-teams", teams, as_user=SUPPLIER).status == 403
    saved = api.call("PUT", "/local-teams", teams, as_user=ADMIN)
    assert saved.status == 200, saved.body
    public = api.call("GET", f"/local-teams/{TENANT}")
    assert public.status == 200 and public.body["teams"][0]["region"] == "se"
    assert api.call("GET", f"/local-teams/{OTHER_TENANT}").body["teams"] == []
    assert api.call("GET", "/local-teams/NOT_A_TENANT!").status == 400
    bad = api.call("PUT", "/local-teams", {"teams": [{"region": "se", "name": {},
                                                      "email": "nope"}]}, as_user=ADMIN)
    assert bad.status == 400



def test_a_file_answer_names_an_uploaded_file_of_its_own_subscription(
        api: Api, world: dict[str, Any]) -> None:
    import requests

    org = _org(api, "Filer AB", "supplier")
    email = f"files@{TENANT}.test"
    _portal_user(api, email, org, "supplier")
    sub = api.call("POST", "/subscriptions", {"network_id": world["energy"]["id"]},
                   as_user=email).body
    path = f"/subscriptions/{sub['id']}"
    content = b"%PDF-1.4 ISO 9001 certificate"
    made = api.call("POST", f"{path}/files", {"filename": "iso9001.pdf",
                                              "content_type": "application/pdf",
                                              "size": len(content)}, as_user=email)
    assert made.status == 201, made.body
    assert "key" not in made.body
    early = api.call("GET", f"{path}/files/{made.body['id']}", as_user=email)
    assert early.status == 409  # not uploaded yet
    sent = requests.post(made.body["upload_url"], data=made.body["upload_fields"],
                         files={"file": ("f", content)}, timeout=10)
    assert sent.status_code in (200, 204), sent.text
    answer = {"certificate": {"name": "ISO 9001", "issuer": "DNV", "valid_until": "2027-06-30",
                              "file": {"file_id": made.body["id"],
                                       "filename": "iso9001.pdf"}}}
    assert api.call("PUT", f"{path}/questionnaire", {"answers": answer},
                    as_user=email).status == 200
    link = api.call("GET", f"{path}/files/{made.body['id']}", as_user=email)
    assert link.status == 302 and link.headers["location"].startswith("http")
    as_json = api.call("GET", f"{path}/files/{made.body['id']}/link", as_user=email)
    assert as_json.status == 200 and as_json.body["url"].startswith("http")
    # A file of another subscription, or none, is refused at its question.
    other = {"certificate": {**answer["certificate"],
                             "file": {"file_id": "01J0000000000000000000000X",
                                      "filename": "x.pdf"}}}
    refused = api.call("PUT", f"{path}/questionnaire", {"answers": other}, as_user=email)
    assert refused.status == 400 and refused.body["errors"][0]["loc"][-1] == "certificate"
    for who in (RIVAL, OTHER_ADMIN):
        assert api.call("GET", f"{path}/files/{made.body['id']}", as_user=who).status == 404
        assert api.call("POST", f"{path}/files", {"filename": "x.pdf",
                                                  "content_type": "application/pdf",
                                                  "size": 10}, as_user=who).status == 404
    wrong_type = api.call("POST", f"{path}/files", {"filename": "x.exe",
                                                    "content_type": "application/x-msdownload",
                                                    "size": 10}, as_user=email)
    assert wrong_type.status == 400

