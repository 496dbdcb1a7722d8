"""Every directory endpoint through the Chalice app on moto: happy paths, bad input,
versions, idempotency, paging and isolation between tenants."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"


def _org(api: Api, name: str | None = None, as_user: str = ADMIN, **fields: object) -> dict:
    answer = api.call("POST", "/organizations",
                      {"name": name or f"Org {uuid.uuid4().hex[:8]}", **fields}, as_user=as_user)
    assert answer.status == 201, answer.body
    return answer.body


def _locs(answer: object) -> list[list[object]]:
    return [e["loc"] for e in answer.body["errors"]]  # type: ignore[attr-defined]


# --- settings -------------------------------------------------------------------------


def test_settings_are_read_and_replaced_with_versions(api: Api) -> None:
    current = api.call("GET", "/settings", as_user=ADMIN)
    assert current.status == 200
    assert current.body["approval_reminder_hours"] == 120
    assert current.body["auto_close_hours"] == 24
    etag = current.headers["etag"]
    body = {k: v for k, v in current.body.items()
            if k not in {"tenant", "updated_at", "version"}}
    body["approval_reminder_hours"] = 72
    changed = api.call("PUT", "/settings", body, as_user=ADMIN, headers={"If-Match": etag})
    assert changed.status == 200 and changed.body["approval_reminder_hours"] == 72
    assert changed.headers["etag"] != etag
    stale = api.call("PUT", "/settings", body, as_user=ADMIN, headers={"If-Match": etag})
    assert stale.status == 412
    assert api.call("GET", "/settings", as_user=OTHER_ADMIN).body["approval_reminder_hours"] == 120


def test_invalid_settings_list_every_bad_field(api: Api) -> None:
    answer = api.call("PUT", "/settings", {"approval_reminder_hours": "soon",
                                            "contact_order_sort": "random",
                                            "languages": ["de"]}, as_user=ADMIN)
    assert answer.status == 400
    assert {("body", "approval_reminder_hours"), ("body", "contact_order_sort"),
            ("body", "languages", 0)} <= {tuple(loc) for loc in _locs(answer)}


def test_only_admins_change_settings(api: Api) -> None:
    assert api.call("GET", "/settings", as_user=AGENT).status == 200
    assert api.call("PUT", "/settings", {}, as_user=AGENT).status == 403
    assert api.call("GET", "/settings", as_user=CUSTOMER).status == 403


# --- roles ----------------------------------------------------------------------------


def test_roles_list_the_defaults_and_admins_define_their_own(api: Api) -> None:
    roles = {r["name"]: r for r in api.call("GET", "/roles", as_user=ADMIN).body["items"]}
    assert {"admin", "agent", "sales", "account_manager", "contact", "contact_admin"} <= set(roles)
    saved = api.call("PUT", "/roles/auditor", {"permissions": ["tickets.view", "users.view"]},
                     as_user=ADMIN)
    assert saved.status == 200 and saved.body == {
        "name": "auditor", "permissions": ["tickets.view", "users.view"], "builtin": False,
        "customised": True}
    assert "auditor" not in {r["name"] for r in
                             api.call("GET", "/roles", as_user=OTHER_ADMIN).body["items"]}


def test_role_edits_are_checked(api: Api) -> None:
    unknown = api.call("PUT", "/roles/agent", {"permissions": ["tickets.fly"]}, as_user=ADMIN)
    assert unknown.status == 400 and _locs(unknown) == [["body", "permissions"]]
    lockout = api.call("PUT", "/roles/admin", {"permissions": ["tickets.view"]}, as_user=ADMIN)
    assert lockout.status == 422
    bad_name = api.call("PUT", "/roles/Bad-Name", {"permissions": []}, as_user=ADMIN)
    assert bad_name.status == 400 and _locs(bad_name) == [["path", "name"]]
    assert api.call("PUT", "/roles/agent", {"permissions": []}, as_user=AGENT).status == 403


def test_a_saved_role_changes_what_its_holders_may_do(api: Api) -> None:
    api.call("PUT", "/roles/sales", {"permissions": ["settings.view"]}, as_user=ADMIN)
    created = api.call("POST", "/users", {"email": f"seller@{TENANT}.test", "name": "Sally",
                                          "roles": ["sales"]}, as_user=ADMIN)
    assert created.status == 201
    from chalicelib.identity import cognito

    cognito.set_permanent_password(f"seller@{TENANT}.test", "Demo-password-1")
    me = api.call("GET", "/me", as_user=f"seller@{TENANT}.test").body
    assert me["permissions"] == ["settings.view"]
    assert api.call("GET", "/organizations", as_user=f"seller@{TENANT}.test").status == 403


# --- users ----------------------------------------------------------------------------


def test_users_are_listed_created_and_changed(api: Api) -> None:
    listed = api.call("GET", "/users", as_user=ADMIN)
    assert listed.status == 200
    assert {u["email"] for u in listed.body["items"]} >= {ADMIN, AGENT, CUSTOMER}
    assert all(u["tenant"] == TENANT for u in listed.body["items"])
    created = api.call("POST", "/users", {"email": f"New.Agent@{TENANT}.test", "name": "Nina",
                                          "roles": ["agent", "sales"], "language": "fi"},
                       as_user=ADMIN)
    assert created.status == 201, created.body
    user = created.body
    assert user["email"] == f"new.agent@{TENANT}.test" and user["kind"] == "staff"
    etag = created.headers["etag"]
    patched = api.call("PATCH", f"/users/{user['id']}", {"roles": ["agent"], "name": "Nina N"},
                       as_user=ADMIN, headers={"If-Match": etag})
    assert patched.status == 200 and patched.body["roles"] == ["agent"]
    stale = api.call("PATCH", f"/users/{user['id']}", {"name": "X"}, as_user=ADMIN,
                     headers={"If-Match": etag})
    assert stale.status == 412
    fetched = api.call("GET", f"/users/{user['id']}", as_user=ADMIN)
    assert fetched.body["name"] == "Nina N" and fetched.body["version"] == 2


def test_user_creation_is_checked(api: Api) -> None:
    again = api.call("POST", "/users", {"email": AGENT, "name": "Dup"}, as_user=ADMIN)
    assert again.status == 409 and _locs(again) == [["body", "email"]]
    answer = api.call("POST", "/users",
                      {"email": f"c@{TENANT}.test", "name": "C", "kind": "contact"},
                      as_user=ADMIN)
    assert answer.status == 400
    wrong = api.call("POST", "/users", {"email": f"d@{TENANT}.test", "name": "D",
                                        "roles": ["contact", "ghost"]}, as_user=ADMIN)
    assert wrong.status == 400 and _locs(wrong) == [["body", "roles", 0], ["body", "roles", 1]]
    assert api.call("POST", "/users", {"email": f"e@{TENANT}.test", "name": "E"},
                    as_user=AGENT).status == 403


def test_a_portal_user_is_a_contact_of_its_organisation(api: Api) -> None:
    org = _org(api)
    created = api.call("POST", "/users", {"email": f"buyer@{TENANT}.test", "name": "Bea Buyer",
                                          "kind": "contact", "organization_id": org["id"]},
                       as_user=ADMIN)
    assert created.status == 201, created.body
    assert created.body["roles"] == ["contact"] and created.body["contact_id"]
    contacts = api.call("GET", f"/organizations/{org['id']}/contacts", as_user=ADMIN).body
    assert [(c["name"], c["user_id"]) for c in contacts["items"]] == [
        ("Bea Buyer", created.body["id"])]


def test_admins_cannot_lock_themselves_out(api: Api) -> None:
    me = api.call("GET", "/me", as_user=ADMIN).body
    answer = api.call("PATCH", f"/users/{me['id']}", {"active": False}, as_user=ADMIN)
    assert answer.status == 422
    answer = api.call("PATCH", f"/users/{me['id']}", {"roles": ["agent"]}, as_user=ADMIN)
    assert answer.status == 422


# --- organisations --------------------------------------------------------------------


def test_organisations_are_created_found_by_name_and_changed(api: Api) -> None:
    org = _org(api, "Bolaget Nord AB", kind="company", customer_number="N-77")
    assert org["ticket_visibility"] == "own" and org["version"] == 1
    found = api.call("GET", "/organizations?q=bolaget%20n", as_user=AGENT).body["items"]
    assert [o["id"] for o in found] == [org["id"]]
    contact = api.call("POST", f"/organizations/{org['id']}/contacts",
                       {"name": "Kari Kontakt", "email": "kari@bolaget.se", "phone": "+46 70 1"},
                       as_user=AGENT)
    assert contact.status == 201
    patched = api.call("PATCH", f"/organizations/{org['id']}",
                       {"main_contact_id": contact.body["id"],
                        "ticket_visibility": "organization_read"},
                       as_user=AGENT, headers={"If-Match": '"1"'})
    assert patched.status == 200 and patched.body["main_contact_id"] == contact.body["id"]
    assert patched.headers["etag"] == '"2"'
    stale = api.call("PATCH", f"/organizations/{org['id']}", {"name": "X"}, as_user=AGENT,
                     headers={"If-Match": '"1"'})
    assert stale.status == 412


def test_customer_numbers_are_unique_per_tenant(api: Api) -> None:
    _org(api, customer_number="C-1")
    taken = api.call("POST", "/organizations", {"name": "Twin", "customer_number": "C-1"},
                     as_user=ADMIN)
    assert taken.status == 409
    _org(api, as_user=OTHER_ADMIN, customer_number="C-1")  # another tenant may use it
    moved = _org(api, customer_number="C-2")
    freed = api.call("PATCH", f"/organizations/{moved['id']}", {"customer_number": "C-3"},
                     as_user=ADMIN)
    assert freed.status == 200
    _org(api, customer_number="C-2")  # the old number is free again


def test_bad_organisation_input_names_each_field(api: Api) -> None:
    answer = api.call("POST", "/organizations", {"name": "", "kind": "club", "extra": 1},
                      as_user=ADMIN)
    assert answer.status == 400
    assert {("body", "name"), ("body", "kind"), ("body", "extra")} == {
        tuple(x) for x in _locs(answer)}
    assert {e["type"] for e in answer.body["errors"]} == {
        "string_too_short", "literal_error", "extra_forbidden"}
    org = _org(api)
    answer = api.call("PATCH", f"/organizations/{org['id']}", {"main_contact_id": "nobody"},
                      as_user=ADMIN)
    assert answer.status == 400 and _locs(answer) == [["body", "main_contact_id"]]
    answer = api.call("PATCH", f"/organizations/{org['id']}", {"name": None}, as_user=ADMIN)
    assert answer.status == 400


def test_sites_and_service_objects_belong_to_their_organisation(api: Api) -> None:
    org, elsewhere = _org(api), _org(api)
    site = api.call("POST", f"/organizations/{org['id']}/sites",
                    {"name": "Lager 1", "address": {"street": "Hamngatan 1",
                                                    "postal_code": "111 47",
                                                    "city": "Stockholm"},
                     "location": {"lat": 59.33, "lon": 18.07}}, as_user=ADMIN)
    assert site.status == 201 and "openstreetmap" in site.body["map_url"]
    good = api.call("POST", f"/organizations/{org['id']}/service-objects",
                    {"name": "Kompressor", "site_id": site.body["id"], "serial_number": "SN-1"},
                    as_user=ADMIN)
    assert good.status == 201
    foreign = api.call("POST", f"/organizations/{elsewhere['id']}/service-objects",
                       {"name": "X", "site_id": site.body["id"]}, as_user=ADMIN)
    assert foreign.status == 400 and _locs(foreign) == [["body", "site_id"]]
    sites = api.call("GET", f"/organizations/{org['id']}/sites", as_user=ADMIN).body
    objects = api.call("GET", f"/organizations/{org['id']}/service-objects", as_user=ADMIN).body
    assert [s["name"] for s in sites["items"]] == ["Lager 1"]
    assert [o["serial_number"] for o in objects["items"]] == ["SN-1"]
    bad = api.call("POST", f"/organizations/{org['id']}/sites",
                   {"name": "Y", "location": {"lat": 200, "lon": "east"}}, as_user=ADMIN)
    assert bad.status == 400
    assert {("body", "location", "lat"), ("body", "location", "lon")} <= {
        tuple(x) for x in _locs(bad)}


def test_sites_and_service_objects_are_found_across_customers(api: Api) -> None:
    """Seed 001's registers: every customer's sites and service objects by the start of the
    name, each with its customer's name; a site added by a contact order is there too."""
    word = f"Reg{uuid.uuid4().hex[:6]}"
    first, second = _org(api, f"{word} Kund Ett"), _org(api, f"{word} Kund Två")
    for org, site in ((first, f"{word} lagret"), (second, f"{word} Lagret Syd")):
        made = api.call("POST", f"/organizations/{org['id']}/sites", {"name": site},
                        as_user=ADMIN)
        assert made.status == 201, made.body
    made = api.call("POST", f"/organizations/{second['id']}/service-objects",
                    {"name": f"{word} kompressor", "serial_number": "SN-9"}, as_user=ADMIN)
    assert made.status == 201
    order = api.call("POST", "/contact-orders", {
        "subject": "Ny anläggning", "customer": {"id": first["id"]},
        "site": {"name": f"{word} Verkstaden"}, "contact": {"name": "Nina"}}, as_user=AGENT)
    assert order.status == 201, order.body

    sites = api.call("GET", f"/sites?q={word.lower()}%20LAGRET", as_user=AGENT)
    assert sites.status == 200
    assert sorted((s["name"], s["organization_name"]) for s in sites.body["items"]) == [
        (f"{word} Lagret Syd", second["name"]), (f"{word} lagret", first["name"])]
    every = api.call("GET", f"/sites?q={word}", as_user=AGENT).body["items"]
    assert f"{word} Verkstaden" in [s["name"] for s in every]
    objects = api.call("GET", f"/service-objects?q={word}", as_user=AGENT).body["items"]
    assert [(o["name"], o["serial_number"], o["organization_name"]) for o in objects] == [
        (f"{word} kompressor", "SN-9", second["name"])]
    # Paged with the list's own cursor: one list's cursor is no other's.
    page = api.call("GET", f"/sites?q={word}&limit=1", as_user=AGENT).body
    assert len(page["items"]) == 1 and page["next_cursor"]
    cursor = page["next_cursor"]
    assert api.call("GET", f"/sites?q={word}&limit=1&cursor={cursor}", as_user=AGENT).status == 200
    assert api.call("GET", f"/service-objects?q={word}&cursor={cursor}",
                    as_user=AGENT).status == 400
    # Contacts hold no register; another tenant's is its own.
    assert api.call("GET", "/sites", as_user=CUSTOMER).status == 403
    assert api.call("GET", f"/sites?q={word}", as_user=OTHER_ADMIN).body["items"] == []
    assert api.call("GET", "/sites?other=1", as_user=AGENT).status == 400


def test_sites_written_before_the_registers_are_indexed_once(api: Api) -> None:
    """scripts/index_registers.py: a site or service object without the register's keys
    (written before they existed) is found after the backfill; a second run changes nothing."""
    from chalicelib.services.directory import index_registers, repo
    from chalicelib.store.dynamo import UnitOfWork
    from chalicelib.store.tables import scoped_pk

    word = f"Old{uuid.uuid4().hex[:6]}"
    org = _org(api, f"{word} AB")
    site = api.call("POST", f"/organizations/{org['id']}/sites", {"name": f"{word} site"},
                    as_user=ADMIN).body
    thing = api.call("POST", f"/organizations/{org['id']}/service-objects",
                     {"name": f"{word} pump"}, as_user=ADMIN).body
    uow = UnitOfWork()
    for sk in (f"SITE#{site['id']}", f"SOBJ#{thing['id']}"):
        uow.update(repo().table, {"PK": scoped_pk(TENANT, "ORG", org["id"]), "SK": sk},
                   "REMOVE GSI1PK, GSI1SK")
    uow.commit()
    assert api.call("GET", f"/sites?q={word}", as_user=ADMIN).body["items"] == []
    assert index_registers(TENANT) >= 2
    assert [s["id"] for s in api.call("GET", f"/sites?q={word}", as_user=ADMIN).body["items"]] == [
        site["id"]]
    assert [o["id"] for o in api.call("GET", f"/service-objects?q={word}",
                                      as_user=ADMIN).body["items"]] == [thing["id"]]
    again = index_registers(TENANT)
    assert [s["id"] for s in api.call("GET", f"/sites?q={word}", as_user=ADMIN).body["items"]] == [
        site["id"]] and again >= 2
    # The site is otherwise unchanged (same version, same fields).
    listed = api.call("GET", f"/organizations/{org['id']}/sites", as_user=ADMIN).body["items"]
    assert listed == [site]


def test_contacts_see_their_own_organisation_only(api: Api) -> None:
    me = api.call("GET", "/me", as_user=CUSTOMER).body
    own = api.call("GET", f"/organizations/{me['organization_id']}", as_user=CUSTOMER)
    assert own.status == 200 and own.body["name"] == "Acme AB"
    listed = api.call("GET", "/organizations", as_user=CUSTOMER).body["items"]
    assert [o["id"] for o in listed] == [me["organization_id"]]
    stranger = _org(api)
    assert api.call("GET", f"/organizations/{stranger['id']}", as_user=CUSTOMER).status == 404
    assert api.call("GET", f"/organizations/{stranger['id']}/contacts",
                    as_user=CUSTOMER).status == 404
    assert api.call("GET", "/users", as_user=CUSTOMER).status == 403
    assert api.call("POST", "/organizations", {"name": "Mine"}, as_user=CUSTOMER).status == 403


# --- paging ---------------------------------------------------------------------------


def test_lists_page_with_signed_cursors(api: Api) -> None:
    prefix = f"Page {uuid.uuid4().hex[:6]}"
    made = {_org(api, f"{prefix} {i}")["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = f"/organizations?q={prefix.replace(' ', '%20')}&limit=2"
        answer = api.call("GET", query + (f"&cursor={cursor}" if cursor else ""), as_user=ADMIN)
        assert answer.status == 200
        seen += [o["id"] for o in answer.body["items"]]
        cursor = answer.body["next_cursor"]
        if not cursor:
            break
    assert set(seen) == made and len(seen) == 5
    first = api.call("GET", f"/organizations?q={prefix.replace(' ', '%20')}&limit=2",
                     as_user=ADMIN).body["next_cursor"]
    # The same cursor on another list, another tenant or altered is refused.
    assert api.call("GET", f"/organizations?limit=2&cursor={first}", as_user=ADMIN).status == 400
    assert api.call("GET", f"/users?cursor={first}", as_user=ADMIN).status == 400
    assert api.call("GET", f"/organizations?q={prefix.replace(' ', '%20')}&cursor={first}",
                    as_user=OTHER_ADMIN).status == 400
    assert api.call("GET", f"/organizations?cursor={first[:-3]}xyz", as_user=ADMIN).status == 400
    for bad in ("0", "101", "ten"):
        answer = api.call("GET", f"/organizations?limit={bad}", as_user=ADMIN)
        assert answer.status == 400 and _locs(answer) == [["query", "limit"]]


# --- idempotency and request hygiene --------------------------------------------------


def test_a_repeated_post_with_an_idempotency_key_creates_once(api: Api) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"Once {key[:8]}"}
    first = api.call("POST", "/organizations", body, as_user=ADMIN,
                     headers={"Idempotency-Key": key})
    again = api.call("POST", "/organizations", body, as_user=ADMIN,
                     headers={"Idempotency-Key": key})
    assert first.status == again.status == 201
    assert first.body == again.body and again.headers["idempotent-replayed"] == "true"
    found = api.call("GET", f"/organizations?q=once%20{key[:8]}", as_user=ADMIN).body["items"]
    assert len(found) == 1
    other_body = api.call("POST", "/organizations", {"name": "Different"}, as_user=ADMIN,
                          headers={"Idempotency-Key": key})
    assert other_body.status == 409
    # Keys are per user: another user's same key is a different request.
    theirs = api.call("POST", "/organizations", body, as_user=AGENT,
                      headers={"Idempotency-Key": key})
    assert theirs.status == 201 and theirs.body["id"] != first.body["id"]


def test_a_refused_post_replays_its_refusal(api: Api) -> None:
    key = str(uuid.uuid4())
    body = {"email": AGENT, "name": "Dup"}
    first = api.call("POST", "/users", body, as_user=ADMIN, headers={"Idempotency-Key": key})
    again = api.call("POST", "/users", body, as_user=ADMIN, headers={"Idempotency-Key": key})
    assert first.status == again.status == 409 and first.body == again.body


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"name": "x"}', "text/plain", 415),
        ('["a list"]', "application/json", 400),
        ('{"name": 5}', "application/json", 400),
        ("", "application/json", 400),
        ('{"name": "' + "x" * 300_000 + '"}', "application/json", 413),
    ],
)
def test_malformed_bodies_are_refused_and_nothing_is_written(
    api: Api, raw: str, content_type: str, status: int
) -> None:
    before = len(api.call("GET", "/organizations?limit=100", as_user=ADMIN).body["items"])
    answer = api.call("POST", "/organizations", raw=raw, as_user=ADMIN,
                      headers={"Content-Type": content_type})
    assert answer.status == status
    assert answer.headers["content-type"] == "application/problem+json"
    after = len(api.call("GET", "/organizations?limit=100", as_user=ADMIN).body["items"])
    assert before == after


def test_if_match_must_be_an_etag(api: Api) -> None:
    org = _org(api)
    answer = api.call("PATCH", f"/organizations/{org['id']}", {"name": "Y"}, as_user=ADMIN,
                      headers={"If-Match": "yesterday"})
    assert answer.status == 400 and _locs(answer) == [["header", "If-Match"]]


# --- the inbox ------------------------------------------------------------------------


def test_notifications_are_listed_counted_and_read_once(api: Api) -> None:
    from datetime import UTC, datetime

    from chalicelib.services.directory import notify

    me = api.call("GET", "/me", as_user=AGENT).body
    for i in range(3):
        notify(TENANT, me["id"], "ticket.assigned", f"T-{1000 + i}", "", "/tickets/x",
               datetime.now(UTC), notification_id=f"n-{i}")
    notify(TENANT, me["id"], "ticket.assigned", "dup", "", None, datetime.now(UTC),
           notification_id="n-0")  # a redelivered message adds nothing
    inbox = api.call("GET", "/notifications", as_user=AGENT).body
    assert inbox["unread_count"] == 3 and len(inbox["items"]) == 3
    read = api.call("POST", "/notifications/n-1/read", as_user=AGENT)
    assert read.status == 200 and read.body["read_at"]
    assert api.call("POST", "/notifications/n-1/read", as_user=AGENT).status == 200
    assert api.call("GET", "/notifications", as_user=AGENT).body["unread_count"] == 2
    assert api.call("POST", "/notifications/n-1/read", as_user=ADMIN).status == 404


# --- isolation ------------------------------------------------------------------------


def test_another_tenants_ids_are_unknown_in_every_directory_endpoint(api: Api) -> None:
    theirs = _org(api, as_user=OTHER_ADMIN)
    org_id = theirs["id"]
    their_user = api.call("GET", "/me", as_user=OTHER_ADMIN).body["id"]
    from datetime import UTC, datetime

    from chalicelib.services.directory import notify

    notify(OTHER_TENANT, their_user, "x", "theirs", "", None, datetime.now(UTC),
           notification_id="o-1")
    probes = [
        ("GET", f"/organizations/{org_id}", None),
        ("PATCH", f"/organizations/{org_id}", {"name": "Mine now"}),
        ("GET", f"/organizations/{org_id}/contacts", None),
        ("POST", f"/organizations/{org_id}/contacts", {"name": "Spy"}),
        ("GET", f"/organizations/{org_id}/sites", None),
        ("POST", f"/organizations/{org_id}/sites", {"name": "Spy"}),
        ("GET", f"/organizations/{org_id}/service-objects", None),
        ("POST", f"/organizations/{org_id}/service-objects", {"name": "Spy"}),
        ("POST", f"/organizations/{org_id}/service-objects", {"name": "Spy", "site_id": "s1"}),
        ("GET", f"/users/{their_user}", None),
        ("PATCH", f"/users/{their_user}", {"name": "Spy"}),
        ("POST", "/notifications/o-1/read", None),
    ]
    for method, path, body in probes:
        answer = api.call(method, path, body, as_user=ADMIN)
        assert answer.status == 404, (method, path, answer.body)
    created = api.call("POST", "/users", {"email": f"spy@{TENANT}.test", "name": "Spy",
                                          "kind": "contact", "organization_id": org_id},
                       as_user=ADMIN)
    assert created.status == 400 and _locs(created) == [["body", "organization_id"]]
    assert api.call("GET", f"/organizations/{org_id}", as_user=OTHER_ADMIN).body["name"] == \
        theirs["name"]
