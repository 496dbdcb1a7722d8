"""Contact orders (seed 001) through the Chalice app on moto: creating from the customer
register (and adding to it), reading, changing with versions, deleting, notes with hours,
bookings, documents, assignment, close, sales orders, the history, the to-do list, the
calendar feed, saved filters, the tenant's statuses and sort order, every right of seed
001, tenant isolation, no orphans on a failed create, idempotency and bad input."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import requests
from icalendar import Calendar

from app import app
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import utc_iso
from chalicelib.identity import cognito
from chalicelib.store.contact_orders import ContactOrdersRepository
from chalicelib.store.dynamo import UnitOfWork
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
SALES, COLLEAGUE = f"sales@{TENANT}.test", f"colleague@{TENANT}.test"
LIMITED, PROBE, PLANNER = f"limited@{TENANT}.test", f"probe@{TENANT}.test", f"planner@{TENANT}.test"
LIMITED_ROLE, PROBE_ROLE = "co_assigned_only", "co_probe"


# --- people, customers and helpers ----------------------------------------------------


@dataclass
class People:
    admin: str
    agent: str
    sales: str
    colleague: str
    limited: str  # only contact_orders.view_assigned (a custom role)
    probe: str  # the custom role PROBE_ROLE, whose rights the tests change
    planner: str  # an agent used only by the to-do and calendar tests
    customer: str  # a contact (portal) user


def _user(api: Api, email: str, role: str) -> str:
    answer = api.call("POST", "/users", {
        "email": email, "name": email.split("@")[0].title(), "kind": "staff",
        "roles": [role]}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    cognito.set_permanent_password(email, PASSWORD)
    return str(answer.body["id"])


def _role(api: Api, name: str, *rights: str) -> None:
    answer = api.call("PUT", f"/roles/{name}",
                      {"permissions": [f"contact_orders.{r}" for r in rights]}, as_user=ADMIN)
    assert answer.status == 200, answer.body


@pytest.fixture(scope="module")
def people(api: Api) -> People:
    _role(api, LIMITED_ROLE, "view_assigned")
    _role(api, PROBE_ROLE, "view")
    me = {e: api.call("GET", "/me", as_user=e).body["id"] for e in (ADMIN, AGENT, CUSTOMER)}
    return People(admin=me[ADMIN], agent=me[AGENT], sales=_user(api, SALES, "sales"),
                  colleague=_user(api, COLLEAGUE, "agent"),
                  limited=_user(api, LIMITED, LIMITED_ROLE),
                  probe=_user(api, PROBE, PROBE_ROLE), planner=_user(api, PLANNER, "agent"),
                  customer=me[CUSTOMER])


@dataclass
class Customer:
    id: str
    name: str
    main_contact: dict[str, Any]
    site: dict[str, Any]
    service_object: dict[str, Any]


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _customer(api: Api, prefix: str = "Kund") -> Customer:
    name = _unique(prefix)
    org = api.call("POST", "/organizations", {"name": name}, as_user=ADMIN)
    assert org.status == 201, org.body
    org_id = org.body["id"]
    contact = api.call("POST", f"/organizations/{org_id}/contacts", {
        "name": "Maja Main", "email": "maja@kund.test", "phone": "+46 70 123 45 67"},
        as_user=ADMIN)
    assert contact.status == 201, contact.body
    patched = api.call("PATCH", f"/organizations/{org_id}",
                       {"main_contact_id": contact.body["id"]}, as_user=ADMIN)
    assert patched.status == 200, patched.body
    site = api.call("POST", f"/organizations/{org_id}/sites", {
        "name": "Fabriken", "address": {"street": "Storgatan 1", "postal_code": "111 22",
                                        "city": "Stockholm"},
        "location": {"lat": 59.33, "lon": 18.06}}, as_user=ADMIN)
    assert site.status == 201, site.body
    thing = api.call("POST", f"/organizations/{org_id}/service-objects", {
        "name": "Kompressor", "site_id": site.body["id"], "serial_number": "SN-42"},
        as_user=ADMIN)
    assert thing.status == 201, thing.body
    return Customer(org_id, name, contact.body, site.body, thing.body)


@pytest.fixture(scope="module")
def kund(api: Api, people: People) -> Customer:
    return _customer(api)


CONTACT = {"name": "Kalle Kontakt", "email": "kalle@example.test", "phone": "+46 8 123 456"}


def _order(api: Api, customer_id: str, as_user: str = ADMIN, **fields: Any) -> dict[str, Any]:
    body = {"subject": _unique("Försäljning"), "customer": {"id": customer_id}, **fields}
    answer = api.call("POST", "/contact-orders", body, as_user=as_user)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _get(api: Api, order_id: str, as_user: str = ADMIN) -> dict[str, Any]:
    answer = api.call("GET", f"/contact-orders/{order_id}", as_user=as_user)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def _locs(answer: Any) -> set[tuple[Any, ...]]:
    return {tuple(e["loc"]) for e in answer.body["errors"]}


def _items(api: Api, path: str, as_user: str = ADMIN) -> list[dict[str, Any]]:
    """Every item of a list, following the cursors with pages of 100."""
    sep = "&" if "?" in path else "?"
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        answer = api.call("GET", f"{path}{sep}limit=100" + (f"&cursor={cursor}" if cursor
                                                             else ""), as_user=as_user)
        assert answer.status == 200, answer.body
        found += answer.body["items"]
        cursor = answer.body["next_cursor"]
        if not cursor:
            return found
    pytest.fail("the cursor never ended")


def _feed(api: Api, path: str) -> tuple[int, dict[str, str], bytes]:
    """A calendar feed, fetched without a token, as a calendar app does."""
    response = api.client.http.request("GET", path)
    headers = {k.lower(): v for k, v in response.headers.items()}
    return response.status_code, headers, response.body


def _calendar(api: Api, path: str) -> Calendar:
    status, headers, body = _feed(api, path)
    assert status == 200, body
    assert headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(body)


def _ids(api: Api, query: str, as_user: str = ADMIN) -> list[str]:
    return [o["id"] for o in _items(api, f"/contact-orders?{query}", as_user)]


def _walk(api: Api, path: str, as_user: str = ADMIN) -> list[str]:
    """Every page with limit=1, following the cursors: the ids (or booking ids)."""
    return [i.get("id") or i.get("booking_id") or i["contact_order_id"]
            for i in _walk_items(api, path, as_user)]


def _walk_items(api: Api, path: str, as_user: str = ADMIN) -> list[dict[str, Any]]:
    """Every page with limit=1, following the cursors; no item twice."""
    seen: list[dict[str, Any]] = []
    cursor = None
    sep = "&" if "?" in path else "?"
    for _ in range(200):
        answer = api.call("GET", f"{path}{sep}limit=1" + (f"&cursor={cursor}" if cursor else ""),
                          as_user=as_user)
        assert answer.status == 200, answer.body
        assert len(answer.body["items"]) <= 1
        seen += answer.body["items"]
        cursor = answer.body["next_cursor"]
        if not cursor:
            break
    else:
        pytest.fail("the cursor never ended")
    keys = [i.get("id") or i.get("booking_id") or i["contact_order_id"] for i in seen]
    assert len(keys) == len(set(keys)), f"repeats: {keys}"
    return seen


def _events(api: Api, order_id: str, as_user: str = ADMIN) -> list[dict[str, Any]]:
    return _items(api, f"/contact-orders/{order_id}/events", as_user)


def _upload(answer: dict[str, Any], content: bytes) -> requests.Response:
    return requests.post(answer["upload_url"], data=answer["upload_fields"],
                         files={"file": ("f", content)}, timeout=10)


def _document(api: Api, order_id: str, as_user: str = ADMIN,
              content: bytes = b"%PDF-1.4 offert") -> dict[str, Any]:
    made = api.call("POST", f"/contact-orders/{order_id}/documents", {
        "filename": "Offert.pdf", "content_type": "application/pdf", "size": len(content)},
        as_user=as_user)
    assert made.status == 201, made.body
    return dict(made.body)


def _booking(api: Api, order_id: str, at: str = "2030-01-07T09:00:00Z", kind: str = "call",
             as_user: str = ADMIN, **fields: Any) -> dict[str, Any]:
    answer = api.call("POST", f"/contact-orders/{order_id}/bookings",
                      {"at": at, "kind": kind, **fields}, as_user=as_user)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _stamp_between(stamp: str, before: datetime, after: datetime) -> None:
    assert stamp.endswith("Z")
    assert utc_iso(before) <= stamp <= utc_iso(after)


# --- creating -------------------------------------------------------------------------


def test_create_for_an_existing_customer_takes_its_main_contact(api: Api, people: People,
                                                                kund: Customer) -> None:
    answer = api.call("POST", "/contact-orders", {
        "subject": "Potentiell kund", "customer": {"id": kund.id},
        "planned_date": "2030-05-01"}, as_user=AGENT)
    assert answer.status == 201, answer.body
    order = answer.body
    assert order["number"].startswith("KO-") and int(order["number"][3:]) >= 1001
    assert answer.headers["etag"] == '"1"'
    assert (order["subject"], order["customer"]["id"], order["customer"]["name"],
            order["status"], order["planned_date"], order["assignee_id"], order["created_by"],
            order["closed"], order["total_hours"], order["sales_order_id"]) == (
        "Potentiell kund", kund.id, kund.name, "Ny", "2030-05-01", None, people.agent, False,
        0, None)
    assert order["contact"] == {"name": "Maja Main", "email": "maja@kund.test",
                                "phone": "+46 70 123 45 67"}
    assert order["site"] is None and order["service_object"] is None
    fetched = api.call("GET", f"/contact-orders/{order['id']}", as_user=ADMIN)
    assert fetched.status == 200 and fetched.headers["etag"] == '"1"'
    assert fetched.body == order
    second = _order(api, kund.id)
    assert int(second["number"][3:]) == int(order["number"][3:]) + 1


def test_given_contact_details_win_over_the_main_contact(api: Api, kund: Customer) -> None:
    order = _order(api, kund.id, contact=CONTACT)
    assert order["contact"] == CONTACT
    contacts = _items(api, f"/organizations/{kund.id}/contacts")
    assert [c["name"] for c in contacts] == ["Maja Main"]  # an existing customer is unchanged


def test_create_from_a_service_object_takes_its_site(api: Api, kund: Customer) -> None:
    order = _order(api, kund.id, service_object_id=kund.service_object["id"])
    assert order["service_object"] == {"id": kund.service_object["id"], "name": "Kompressor",
                                       "serial_number": "SN-42"}
    assert order["site"]["id"] == kund.site["id"]
    assert order["site"]["name"] == "Fabriken"
    assert order["site"]["address"]["city"] == "Stockholm"
    assert order["site"]["location"] == {"lat": 59.33, "lon": 18.06}
    assert "openstreetmap.org" in order["site"]["map_url"]
    by_site = _order(api, kund.id, site={"id": kund.site["id"]})
    assert by_site["site"]["id"] == kund.site["id"] and by_site["service_object"] is None


def test_a_new_customer_by_name_is_added_to_the_register(api: Api) -> None:
    name = _unique("Nykund")
    answer = api.call("POST", "/contact-orders", {
        "subject": "Erbjudande", "customer": {"name": name}, "contact": CONTACT,
        "site": {"name": "Lagret", "address": {"street": "Hamnvägen 3", "city": "Göteborg"},
                 "location": {"lat": 57.7, "lon": 11.97}}}, as_user=AGENT)
    assert answer.status == 201, answer.body
    order = answer.body
    found = _items(api, f"/organizations?q={quote(name)}")
    assert [o["name"] for o in found] == [name]
    org = found[0]
    assert order["customer"] == {"id": org["id"], "name": name, "customer_number": None}
    contacts = _items(api, f"/organizations/{org['id']}/contacts")
    assert [(c["name"], c["email"], c["phone"]) for c in contacts] == [
        (CONTACT["name"], CONTACT["email"], CONTACT["phone"])]
    assert org["main_contact_id"] == contacts[0]["id"]
    sites = _items(api, f"/organizations/{org['id']}/sites")
    assert [(s["id"], s["name"], s["address"]["city"]) for s in sites] == [
        (order["site"]["id"], "Lagret", "Göteborg")]
    assert order["site"]["map_url"] and order["contact"] == CONTACT
    # The new customer's orders and totals are there at once.
    mine = api.call("GET", f"/organizations/{org['id']}/contact-orders", as_user=AGENT)
    assert mine.status == 200
    assert [o["id"] for o in mine.body["items"]] == [order["id"]]
    assert mine.body["order_count"] == 1 and mine.body["total_hours"] == 0
    created = _events(api, order["id"])[0]
    assert created["type"] == "created" and created["data"]["new_customer"] is True


def test_a_new_site_for_an_existing_customer_is_added_to_its_sites(api: Api) -> None:
    customer = _customer(api, "Platskund")
    order = _order(api, customer.id, site={"name": "Filialen", "address": {"city": "Malmö"}})
    sites = {s["id"]: s["name"] for s in _items(api, f"/organizations/{customer.id}/sites")}
    assert sites == {customer.site["id"]: "Fabriken", order["site"]["id"]: "Filialen"}


def test_an_order_needs_a_contact_when_the_customer_has_no_main_contact(api: Api) -> None:
    bare = api.call("POST", "/organizations", {"name": _unique("Utan kontakt")}, as_user=ADMIN)
    missing = api.call("POST", "/contact-orders", {"subject": "x",
                                                   "customer": {"id": bare.body["id"]}},
                       as_user=ADMIN)
    assert missing.status == 400 and _locs(missing) == {("body", "contact")}
    new = api.call("POST", "/contact-orders", {"subject": "x",
                                               "customer": {"name": _unique("Ny utan")}},
                   as_user=ADMIN)
    assert new.status == 400 and _locs(new) == {("body", "contact")}
    assert _items(api, f"/organizations?q={quote('Ny utan')}") == []


def test_references_to_the_register_must_exist_and_belong_to_the_customer(
        api: Api, people: People, kund: Customer) -> None:
    other = _customer(api, "Annan")
    cases = [
        ({"customer": {"id": "nope"}}, ("body", "customer", "id")),
        ({"site": {"id": other.site["id"]}}, ("body", "site", "id")),
        ({"service_object_id": other.service_object["id"]}, ("body", "service_object_id")),
        ({"assignee_id": people.customer}, ("body", "assignee_id")),
        ({"assignee_id": "nobody"}, ("body", "assignee_id")),
    ]
    for fields, loc in cases:
        body = {"subject": "x", "customer": {"id": kund.id}, **fields}
        answer = api.call("POST", "/contact-orders", body, as_user=ADMIN)
        assert answer.status == 400, (fields, answer.body)
        assert _locs(answer) == {loc}, fields
    new = api.call("POST", "/contact-orders", {
        "subject": "x", "customer": {"name": _unique("Ny")}, "contact": CONTACT,
        "site": {"id": kund.site["id"]}}, as_user=ADMIN)
    assert new.status == 400 and _locs(new) == {("body", "site", "id")}


# --- reading, changing, deleting ------------------------------------------------------


def test_patch_honours_if_match_and_records_the_change(api: Api, kund: Customer) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}"
    etag = api.call("GET", path, as_user=AGENT).headers["etag"]
    changed = api.call("PATCH", path, {"subject": "Angående service av maskin",
                                       "status": "Pågående", "planned_date": "2030-06-01",
                                       "contact": CONTACT}, as_user=AGENT,
                       headers={"If-Match": etag})
    assert changed.status == 200, changed.body
    assert (changed.body["subject"], changed.body["status"], changed.body["planned_date"],
            changed.body["contact"], changed.body["version"]) == (
        "Angående service av maskin", "Pågående", "2030-06-01", CONTACT, 2)
    assert changed.headers["etag"] == '"2"'
    stale = api.call("PATCH", path, {"subject": "Gammal"}, as_user=AGENT,
                     headers={"If-Match": etag})
    assert stale.status == 412
    assert _get(api, order["id"])["subject"] == "Angående service av maskin"
    unset = api.call("PATCH", path, {"planned_date": None}, as_user=AGENT,
                     headers={"If-Match": '"2"'})
    assert unset.status == 200 and unset.body["planned_date"] is None
    nulls = api.call("PATCH", path, {"subject": None, "status": None}, as_user=AGENT)
    assert nulls.status == 400 and _locs(nulls) == {("body", "subject"), ("body", "status")}
    (first, second) = [e for e in _events(api, order["id"]) if e["type"] == "changed"]
    assert first["data"]["status"] == {"from": "Ny", "to": "Pågående"}
    assert first["data"]["subject"]["to"] == "Angående service av maskin"
    # The store leaves out null values, so "to": null may be absent (reported).
    assert set(second["data"]) == {"planned_date"}
    assert second["data"]["planned_date"]["from"] == "2030-06-01"
    assert second["data"]["planned_date"].get("to") is None


def test_delete_removes_the_order_from_every_list(api: Api, people: People) -> None:
    customer = _customer(api, "Raderas")
    order = _order(api, customer.id, assignee_id=people.colleague, planned_date="2030-02-02")
    keep = _order(api, customer.id)
    api.call("POST", f"/contact-orders/{order['id']}/notes", {"body": "Samtal", "hours": 2},
             as_user=ADMIN)
    booking = _booking(api, order["id"], assignee_id=people.colleague)
    path = f"/contact-orders/{order['id']}"
    assert api.call("DELETE", path, as_user=AGENT).status == 403  # agents lack delete
    assert api.call("DELETE", path, as_user=SALES).status == 403  # so do sales
    assert api.call("DELETE", path, as_user=ADMIN).status == 204
    assert api.call("GET", path, as_user=ADMIN).status == 404
    assert api.call("DELETE", path, as_user=ADMIN).status == 404
    for child in ("notes", "events", "bookings", "documents"):
        assert api.call("GET", f"{path}/{child}", as_user=ADMIN).status == 404, child
    assert api.call("PATCH", path, {"subject": "x"}, as_user=ADMIN).status == 404
    assert order["id"] not in _ids(api, f"customer_id={customer.id}")
    assert order["id"] not in _ids(api, "assignee=" + people.colleague)
    assert order["id"] not in _ids(api, "sort=number")
    assert order["id"] not in [i["contact_order_id"] for i in _items(api, "/todo", COLLEAGUE)]
    theirs = api.call("GET", f"/organizations/{customer.id}/contact-orders", as_user=ADMIN)
    assert [o["id"] for o in theirs.body["items"]] == [keep["id"]]
    assert (theirs.body["order_count"], theirs.body["total_hours"]) == (1, 0)
    assert booking["id"] not in [i.get("booking_id") for i in _items(api, "/todo", COLLEAGUE)]


# --- notes ----------------------------------------------------------------------------


def test_notes_are_stamped_summed_and_never_edited(api: Api, people: People) -> None:
    customer = _customer(api, "Timmar")
    order = _order(api, customer.id)
    other_order = _order(api, customer.id)
    path = f"/contact-orders/{order['id']}/notes"
    before = datetime.now(UTC)
    first = api.call("POST", path, {"body": "Ringde kunden, <b>intresserad</b>",
                                    "hours": 1.5, "author_id": people.admin}, as_user=AGENT)
    assert first.status == 400 and _locs(first) == {("body", "author_id")}
    first = api.call("POST", path, {"body": "Ringde kunden, <b>intresserad</b>",
                                    "hours": 1.5}, as_user=AGENT)
    after = datetime.now(UTC)
    assert first.status == 201, first.body
    note = first.body
    assert (note["author_id"], note["author_name"], note["hours"], note["order_id"]) == (
        people.agent, "Aino Agent", 1.5, order["id"])
    assert "<b>" not in note["body"] and "intresserad" in note["body"]
    _stamp_between(note["at"], before, after)
    second = api.call("POST", path, {"body": "Möte på plats", "hours": 2.25}, as_user=SALES)
    assert second.status == 201 and second.body["author_id"] == people.sales
    plain = api.call("POST", path, {"body": "Mejlkonversation inklistrad"}, as_user=ADMIN)
    assert plain.status == 201 and plain.body["hours"] is None
    correction = api.call("POST", path, {"body": "Rättelse: mötet var 2 timmar",
                                         "corrects": second.body["id"]}, as_user=SALES)
    assert correction.status == 201 and correction.body["corrects"] == second.body["id"]
    not_mine = api.call("POST", f"/contact-orders/{other_order['id']}/notes",
                        {"body": "x", "corrects": note["id"]}, as_user=SALES)
    assert not_mine.status == 400 and _locs(not_mine) == {("body", "corrects")}
    api.call("POST", f"/contact-orders/{other_order['id']}/notes", {"body": "x", "hours": 4},
             as_user=ADMIN)
    listed = _items(api, path)
    assert [n["id"] for n in listed] == [note["id"], second.body["id"], plain.body["id"],
                                         correction.body["id"]]
    assert listed[0] == note  # unchanged, as written
    current = _get(api, order["id"])
    assert (current["total_hours"], current["note_count"]) == (3.75, 4)
    totals = api.call("GET", f"/organizations/{customer.id}/contact-orders", as_user=AGENT)
    assert (totals.body["total_hours"], totals.body["order_count"]) == (7.75, 2)
    noted = [e for e in _events(api, order["id"]) if e["type"] == "noted"]
    assert [e["data"]["note_id"] for e in noted] == [n["id"] for n in listed]
    assert noted[3]["data"]["corrects"] == second.body["id"]
    # There is no way to change or remove a note: no route takes one.
    note_routes = {p: set(m) for p, m in app.routes.items() if "/notes" in p}
    assert note_routes == {"/contact-orders/{id}/notes": {"GET", "POST"}}
    for method in ("PATCH", "PUT", "DELETE"):
        attempt = api.call(method, f"{path}/{note['id']}", {"body": "ändrad"}, as_user=ADMIN)
        assert attempt.status in (403, 404, 405), method
    assert _items(api, path)[0] == note


# --- bookings -------------------------------------------------------------------------


def test_bookings_default_to_the_caller_and_a_colleague_needs_assign(
        api: Api, people: People, kund: Customer) -> None:
    order = _order(api, kund.id, site={"id": kund.site["id"]})
    path = f"/contact-orders/{order['id']}/bookings"
    mine = api.call("POST", path, {"at": "2030-03-01T09:30:00+01:00", "kind": "meeting",
                                   "note": "Demo av maskinen", "duration_minutes": 60},
                    as_user=AGENT)
    assert mine.status == 201, mine.body
    booking = mine.body
    assert (booking["assignee_id"], booking["created_by"], booking["at"], booking["kind"],
            booking["order_number"], booking["customer_name"], booking["done_at"]) == (
        people.agent, people.agent, "2030-03-01T08:30:00Z", "meeting", order["number"],
        kund.name, None)
    assert booking["location"] == "Fabriken, Storgatan 1, 111 22, Stockholm"
    refused = api.call("POST", path, {"at": "2030-03-02T10:00:00Z", "kind": "call",
                                      "assignee_id": people.colleague}, as_user=AGENT)
    assert refused.status == 403
    handed = api.call("POST", path, {"at": "2030-03-02T10:00:00Z", "kind": "digital",
                                     "assignee_id": people.colleague}, as_user=SALES)
    assert handed.status == 201 and handed.body["assignee_id"] == people.colleague
    not_staff = api.call("POST", path, {"at": "2030-03-02T10:00:00Z", "kind": "call",
                                        "assignee_id": people.customer}, as_user=SALES)
    assert not_staff.status == 400 and _locs(not_staff) == {("body", "assignee_id")}
    listed = _items(api, path)
    assert {b["id"] for b in listed} == {booking["id"], handed.body["id"]}
    assert handed.body["id"] in [i.get("booking_id") for i in _items(api, "/todo", COLLEAGUE)]
    done = api.call("POST", f"{path}/{handed.body['id']}/done", as_user=COLLEAGUE)
    assert done.status == 200 and done.body["done_at"]
    again = api.call("POST", f"{path}/{handed.body['id']}/done", as_user=COLLEAGUE)
    assert again.status == 200 and again.body["done_at"] == done.body["done_at"]
    assert handed.body["id"] not in [i.get("booking_id")
                                     for i in _items(api, "/todo", COLLEAGUE)]
    assert api.call("POST", f"{path}/nope/done", as_user=COLLEAGUE).status == 404
    types = [e["type"] for e in _events(api, order["id"])]
    assert types == ["created", "booked", "booked", "booking_done"]
    booked = _events(api, order["id"])[2]["data"]
    assert booked["assignee_id"] == people.colleague and booked["kind"] == "digital"


# --- documents ------------------------------------------------------------------------


def test_documents_upload_download_and_delete_with_its_own_right(api: Api,
                                                                  kund: Customer) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}/documents"
    content = b"%PDF-1.4 offert till kunden"
    made = api.call("POST", path, {"filename": "../Offert ÅÄÖ.pdf",
                                   "content_type": "application/pdf", "size": len(content)},
                    as_user=AGENT)
    assert made.status == 201, made.body
    doc = made.body
    assert (doc["filename"], doc["state"], doc["size"]) == ("Offert ÅÄÖ.pdf", "pending",
                                                            len(content))
    assert doc["upload_fields"]["key"].startswith(
        f"t/{TENANT}/contact-orders/{order['id']}/{doc['id']}/")
    assert api.call("GET", f"{path}/{doc['id']}", as_user=AGENT).status == 409
    assert _upload(doc, content).status_code in (200, 201, 204)
    link = api.call("GET", f"{path}/{doc['id']}", as_user=AGENT)
    assert link.status == 302 and link.headers["location"] == link.body["url"]
    assert requests.get(link.body["url"], timeout=10).content == content
    listed = _items(api, path, AGENT)
    assert [(d["id"], d["state"], d["uploaded_by_name"]) for d in listed] == [
        (doc["id"], "uploaded", "Aino Agent")]
    assert _get(api, order["id"])["document_count"] == 1
    refused = api.call("POST", path, {"filename": "a.exe",
                                      "content_type": "application/x-msdownload",
                                      "size": 10}, as_user=AGENT)
    assert refused.status == 400 and _locs(refused) == {("body", "content_type")}
    assert api.call("DELETE", f"{path}/{doc['id']}", as_user=AGENT).status == 403
    assert _items(api, path)  # still there
    assert api.call("DELETE", f"{path}/{doc['id']}", as_user=SALES).status == 204
    assert _items(api, path) == []
    assert api.call("GET", f"{path}/{doc['id']}", as_user=AGENT).status == 404
    assert api.call("DELETE", f"{path}/{doc['id']}", as_user=SALES).status == 404
    assert _get(api, order["id"])["document_count"] == 0
    types = [e["type"] for e in _events(api, order["id"])]
    assert types == ["created", "document_added", "document_deleted"]


# --- assign, close, sales order -------------------------------------------------------


def test_assign_to_a_colleague_or_to_myself(api: Api, people: People, kund: Customer) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}/assign"
    assert api.call("POST", path, {"assignee_id": people.colleague},
                    as_user=AGENT).status == 403
    to_colleague = api.call("POST", path, {"assignee_id": people.colleague}, as_user=SALES)
    assert to_colleague.status == 200 and to_colleague.body["assignee_id"] == people.colleague
    myself = api.call("POST", path, as_user=AGENT)
    assert myself.status == 200 and myself.body["assignee_id"] == people.agent
    assert order["id"] in _ids(api, "assignee=me", AGENT)
    assert order["id"] not in _ids(api, "assignee=me", COLLEAGUE)
    same = api.call("POST", path, {"assignee_id": people.agent}, as_user=AGENT)
    assert same.status == 200 and same.body["version"] == myself.body["version"]
    contact = api.call("POST", path, {"assignee_id": people.customer}, as_user=SALES)
    assert contact.status == 400 and _locs(contact) == {("body", "assignee_id")}
    patched = api.call("PATCH", f"/contact-orders/{order['id']}",
                       {"assignee_id": people.colleague}, as_user=AGENT)
    assert patched.status == 403
    assigned = [(e["data"].get("from"), e["data"]["to"]) for e in _events(api, order["id"])
                if e["type"] == "assigned"]
    assert assigned == [(None, people.colleague), (people.colleague, people.agent)]
    assert order["id"] in [i["contact_order_id"] for i in _items(api, "/todo", AGENT)
                           if i["kind"] == "contact_order"]


def test_close_archives_the_order_read_only(api: Api, people: People, kund: Customer) -> None:
    order = _order(api, kund.id, assignee_id=people.colleague)
    api.call("POST", f"/contact-orders/{order['id']}/notes", {"body": "Inget napp"},
             as_user=AGENT)
    booking = _booking(api, order["id"], assignee_id=people.colleague)
    path = f"/contact-orders/{order['id']}"
    closed = api.call("POST", f"{path}/close", as_user=AGENT)
    assert closed.status == 200, closed.body
    assert (closed.body["closed"], closed.body["closed_by"]) == (True, people.agent)
    assert closed.body["closed_at"]
    assert api.call("PATCH", path, {"subject": "x"}, as_user=AGENT).status == 422
    assert api.call("POST", f"{path}/notes", {"body": "x"}, as_user=AGENT).status == 422
    assert api.call("POST", f"{path}/bookings", {"at": "2030-01-01T10:00:00Z",
                                                 "kind": "call"}, as_user=AGENT).status == 422
    assert api.call("POST", f"{path}/assign", as_user=AGENT).status == 422
    assert api.call("POST", f"{path}/close", as_user=AGENT).status == 422
    assert api.call("POST", f"{path}/documents", {
        "filename": "a.pdf", "content_type": "application/pdf", "size": 3},
        as_user=AGENT).status == 422
    # Kept and readable: the notes and history are still there.
    assert _get(api, order["id"])["closed"] is True
    assert [n["body"] for n in _items(api, f"{path}/notes")] == ["Inget napp"]
    assert _events(api, order["id"])[-1]["type"] == "closed"
    (listed,) = _items(api, f"{path}/bookings")
    assert (listed["id"], listed["done_reason"]) == (booking["id"], "order_closed")
    assert order["id"] not in [i["contact_order_id"] for i in _items(api, "/todo", COLLEAGUE)]
    assert order["id"] in _ids(api, f"customer_id={kund.id}&state=closed")
    assert order["id"] not in _ids(api, f"customer_id={kund.id}&state=open")


def test_a_sales_order_is_linked_both_ways_once(api: Api, people: People,
                                                kund: Customer) -> None:
    order = _order(api, kund.id, contact=CONTACT)
    path = f"/contact-orders/{order['id']}/sales-order"
    made = api.call("POST", path, as_user=AGENT)
    assert made.status == 201, made.body
    sales = made.body
    assert sales["number"].startswith("SO-")
    assert (sales["contact_order_id"], sales["contact_order_number"], sales["subject"],
            sales["customer"]["id"], sales["contact"], sales["created_by"]) == (
        order["id"], order["number"], order["subject"], kund.id, CONTACT, people.agent)
    assert _get(api, order["id"])["sales_order_id"] == sales["id"]
    fetched = api.call("GET", f"/sales-orders/{sales['id']}", as_user=AGENT)
    assert fetched.status == 200 and fetched.body == sales
    assert api.call("POST", path, as_user=AGENT).status == 409
    assert api.call("GET", "/sales-orders/nope", as_user=AGENT).status == 404
    (event,) = [e for e in _events(api, order["id"]) if e["type"] == "sales_order_created"]
    assert event["data"] == {"sales_order_id": sales["id"], "number": sales["number"]}
    assert event["actor"] == people.agent
    second = api.call("POST", f"/contact-orders/{_order(api, kund.id)['id']}/sales-order",
                      as_user=AGENT)
    assert int(second.body["number"][3:]) == int(sales["number"][3:]) + 1


def test_the_history_records_every_change_in_order(api: Api, people: People,
                                                   kund: Customer) -> None:
    order = _order(api, kund.id, as_user=SALES)
    oid = order["id"]
    path = f"/contact-orders/{oid}"
    steps = [
        ("PATCH", path, {"status": "Bokad"}),
        ("POST", f"{path}/assign", {"assignee_id": people.agent}),
        ("POST", f"{path}/notes", {"body": "Samtal", "hours": 0.5}),
    ]
    for method, where, body in steps:
        assert api.call(method, where, body, as_user=SALES).status in (200, 201), where
    booking = _booking(api, oid, as_user=SALES)
    assert api.call("POST", f"{path}/bookings/{booking['id']}/done",
                    as_user=SALES).status == 200
    doc = _document(api, oid, as_user=SALES)
    assert api.call("DELETE", f"{path}/documents/{doc['id']}", as_user=SALES).status == 204
    assert api.call("POST", f"{path}/sales-order", as_user=SALES).status == 201
    assert api.call("POST", f"{path}/close", as_user=SALES).status == 200
    events = _events(api, oid, AGENT)
    assert [e["type"] for e in events] == [
        "created", "changed", "assigned", "noted", "booked", "booking_done", "document_added",
        "document_deleted", "sales_order_created", "closed"]
    assert {e["actor"] for e in events} == {people.sales}
    assert {e["actor_name"] for e in events} == {"Sales"}
    assert all(e["at"].endswith("Z") for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    paged = _walk(api, f"{path}/events", AGENT)
    assert paged == [e["id"] for e in events]


# --- statuses -------------------------------------------------------------------------


def _settings_body(api: Api) -> dict[str, Any]:
    current = api.call("GET", "/settings", as_user=ADMIN).body
    return {k: v for k, v in current.items() if k not in ("tenant", "updated_at", "version")}


@pytest.fixture
def settings(api: Api) -> Iterator[dict[str, Any]]:
    """The tenant's settings body; put back as they were after the test."""
    saved = _settings_body(api)
    yield dict(saved)
    restored = api.call("PUT", "/settings", saved, as_user=ADMIN)
    assert restored.status == 200, restored.body


def test_the_status_must_be_one_of_the_tenants(api: Api, kund: Customer,
                                               settings: dict[str, Any]) -> None:
    assert settings["contact_order_statuses"] == ["Ny", "Pågående", "Väntar på kund", "Bokad",
                                                  "Klar"]
    bad = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                               "status": "Vunnen"}, as_user=ADMIN)
    assert bad.status == 400 and _locs(bad) == {("body", "status")}
    order = _order(api, kund.id, status="Väntar på kund")
    assert order["status"] == "Väntar på kund"
    patch = api.call("PATCH", f"/contact-orders/{order['id']}", {"status": "Vunnen"},
                     as_user=ADMIN)
    assert patch.status == 400 and _locs(patch) == {("body", "status")}
    put = api.call("PUT", "/settings", {**settings,
                                        "contact_order_statuses": ["Lead", "Offert", "Vunnen"]},
                   as_user=ADMIN)
    assert put.status == 200, put.body
    assert _order(api, kund.id)["status"] == "Lead"  # the first one is the default
    assert _order(api, kund.id, status="Vunnen")["status"] == "Vunnen"
    old = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                               "status": "Ny"}, as_user=ADMIN)
    assert old.status == 400 and _locs(old) == {("body", "status")}
    assert "Lead, Offert, Vunnen" in old.body["errors"][0]["msg"]
    won = api.call("PATCH", f"/contact-orders/{order['id']}", {"status": "Vunnen"},
                   as_user=ADMIN)
    assert won.status == 200 and won.body["status"] == "Vunnen"
    assert api.call("PUT", "/settings", {**settings, "contact_order_statuses": []},
                    as_user=ADMIN).status == 400


# --- lists: sort, filters, paging -----------------------------------------------------


@dataclass
class Sorted:
    customer: Customer
    ids: dict[str, str]  # name -> order id


@pytest.fixture(scope="module")
def sorted_orders(api: Api, people: People) -> Sorted:
    """Orders of one customer, made in number order o1..o6:
    o1 2031-03-01, o2 undated, o3 2031-01-01, o4 2031-02-01 closed, o5 undated closed,
    o6 2031-02-01. o1 is "Pågående", o3 is the colleague's, o6 the admin's."""
    customer = _customer(api, "Sortering")
    plan = {"o1": "2031-03-01", "o2": None, "o3": "2031-01-01", "o4": "2031-02-01",
            "o5": None, "o6": "2031-02-01"}
    ids = {}
    for name, planned in plan.items():
        fields: dict[str, Any] = {"planned_date": planned} if planned else {}
        ids[name] = _order(api, customer.id, subject=name, **fields)["id"]
    for name in ("o4", "o5"):
        assert api.call("POST", f"/contact-orders/{ids[name]}/close",
                        as_user=ADMIN).status == 200
    api.call("PATCH", f"/contact-orders/{ids['o1']}", {"status": "Pågående"}, as_user=ADMIN)
    api.call("POST", f"/contact-orders/{ids['o3']}/assign", {"assignee_id": people.colleague},
             as_user=ADMIN)
    api.call("POST", f"/contact-orders/{ids['o6']}/assign", as_user=ADMIN)
    return Sorted(customer, ids)


def _named(s: Sorted, found: list[str]) -> list[str]:
    names = {v: k for k, v in s.ids.items()}
    return [names.get(i, i) for i in found]


BY_DATE = ["o3", "o6", "o1", "o2", "o4", "o5"]
BY_NUMBER = ["o1", "o2", "o3", "o6", "o4", "o5"]


def test_lists_sort_by_planned_date_undated_after_and_closed_last(api: Api,
                                                                  sorted_orders: Sorted) -> None:
    c = sorted_orders.customer.id
    assert _named(sorted_orders, _ids(api, f"customer_id={c}")) == BY_DATE
    assert _named(sorted_orders, _ids(api, f"customer_id={c}&sort=number")) == BY_NUMBER
    assert _named(sorted_orders, _ids(api, f"customer_id={c}&sort=planned_date")) == BY_DATE
    customers = [o["id"] for o in _items(api, f"/organizations/{c}/contact-orders")]
    assert _named(sorted_orders, customers) == BY_DATE
    everything = _items(api, "/contact-orders")
    flags = [o["closed"] for o in everything]
    assert flags == sorted(flags), "a closed order listed before an open one"
    open_dates = [o["planned_date"] or "~" for o in everything if not o["closed"]]
    assert open_dates == sorted(open_dates)


def test_the_tenant_may_sort_by_number(api: Api, sorted_orders: Sorted,
                                       settings: dict[str, Any]) -> None:
    c = sorted_orders.customer.id
    put = api.call("PUT", "/settings", {**settings, "contact_order_sort": "number"},
                   as_user=ADMIN)
    assert put.status == 200, put.body
    assert _named(sorted_orders, _ids(api, f"customer_id={c}")) == BY_NUMBER
    customers = [o["id"] for o in _items(api, f"/organizations/{c}/contact-orders")]
    assert _named(sorted_orders, customers) == BY_NUMBER
    assert _named(sorted_orders, _ids(api, f"customer_id={c}&sort=planned_date")) == BY_DATE
    everything = _items(api, "/contact-orders")
    flags = [o["closed"] for o in everything]
    assert flags == sorted(flags), "a closed order listed before an open one"
    open_numbers = [int(o["number"][3:]) for o in everything if not o["closed"]]
    assert open_numbers == sorted(open_numbers)


@pytest.mark.parametrize("sort", ["planned_date", "number"])
def test_lists_filter_by_assignee_dates_status_and_state(api: Api, people: People,
                                                         sorted_orders: Sorted,
                                                         sort: str) -> None:
    c = f"customer_id={sorted_orders.customer.id}&sort={sort}"
    order = BY_DATE if sort == "planned_date" else BY_NUMBER

    def names(query: str, as_user: str = ADMIN) -> list[str]:
        return _named(sorted_orders, _ids(api, f"{c}&{query}", as_user))

    def keep(*wanted: str) -> list[str]:
        return [n for n in order if n in wanted]

    assert names("assignee=me") == ["o6"]
    assert names(f"assignee={people.colleague}") == ["o3"]
    assert names("assignee=me", COLLEAGUE) == ["o3"]
    assert names("assignee=none") == keep("o1", "o2", "o4", "o5")
    assert names("from=2031-01-15&to=2031-02-28") == ["o6", "o4"]
    assert names("from=2031-02-01") == keep("o1", "o6", "o4")
    assert names("to=2031-02-01") == keep("o3", "o6", "o4")
    assert names("from=2031-01-01&to=2031-01-01") == ["o3"]
    # Reversed bounds: a 400 naming "to" (DynamoDB refuses a BETWEEN with them; moto did not).
    reversed_ = api.call("GET", f"/contact-orders?{c}&from=2031-02-01&to=2031-01-01",
                         as_user=ADMIN)
    assert reversed_.status == 400 and _locs(reversed_) == {("query", "to")}, reversed_.body
    assert names("status=P%C3%A5g%C3%A5ende") == ["o1"]
    assert names("status=Ny") == keep("o2", "o3", "o4", "o5", "o6")
    assert names("state=open") == keep("o1", "o2", "o3", "o6")
    assert names("state=closed") == ["o4", "o5"]
    assert names("state=closed&from=2031-01-01") == ["o4"]
    assert names("assignee=none&state=open&status=Ny") == ["o2"]
    # Without the customer filter: every order with that status, that assignee.
    on_status = _items(api, f"/contact-orders?status=P%C3%A5g%C3%A5ende&sort={sort}")
    assert {o["status"] for o in on_status} == {"Pågående"}
    assert sorted_orders.ids["o1"] in [o["id"] for o in on_status]
    assigned = _items(api, f"/contact-orders?assignee={people.colleague}&sort={sort}")
    assert {o["assignee_id"] for o in assigned} == {people.colleague}
    unassigned = _items(api, f"/contact-orders?assignee=none&sort={sort}")
    assert {o["assignee_id"] for o in unassigned} == {None}
    dated = _items(api, f"/contact-orders?from=2031-01-01&to=2031-12-31&sort={sort}")
    assert all("2031-01-01" <= (o["planned_date"] or "") <= "2031-12-31" for o in dated)


@pytest.mark.parametrize(("query", "expected"), [
    ("", BY_DATE),
    ("sort=number", BY_NUMBER),
    ("state=open", ["o3", "o6", "o1", "o2"]),
    ("assignee=none", ["o1", "o2", "o4", "o5"]),
    ("assignee=none&sort=number", ["o1", "o2", "o4", "o5"]),
    ("status=Ny", ["o3", "o6", "o2", "o4", "o5"]),
    ("status=Ny&sort=number", ["o2", "o3", "o6", "o4", "o5"]),
    ("from=2031-01-01", ["o3", "o6", "o1", "o4"]),
    ("from=2031-01-01&sort=number", ["o1", "o3", "o6", "o4"]),
])
def test_cursor_paging_walks_the_whole_list_once_in_order(api: Api, sorted_orders: Sorted,
                                                          query: str,
                                                          expected: list[str]) -> None:
    """limit=1 pages give the same list as one page: every order once, closed ones last,
    also when the filter skips orders the index reads (a page may then be empty)."""
    path = f"/contact-orders?customer_id={sorted_orders.customer.id}&{query}"
    assert _named(sorted_orders, [o["id"] for o in _items(api, path)]) == expected
    assert _named(sorted_orders, _walk(api, path)) == expected
    everything = f"/contact-orders?{query}"
    walked = _walk_items(api, everything)
    assert {o["id"] for o in walked} == {o["id"] for o in _items(api, everything)}
    closed = [o["closed"] for o in walked]
    assert closed == sorted(closed), "a closed order came before an open one"


def test_the_customers_list_pages_in_order(api: Api, sorted_orders: Sorted) -> None:
    customers = f"/organizations/{sorted_orders.customer.id}/contact-orders"
    assert _named(sorted_orders, _walk(api, customers)) == BY_DATE


def test_a_cursor_belongs_to_its_list_and_caller(api: Api, sorted_orders: Sorted) -> None:
    c = sorted_orders.customer.id
    first = api.call("GET", f"/contact-orders?customer_id={c}&limit=1", as_user=ADMIN)
    cursor = first.body["next_cursor"]
    assert cursor
    assert api.call("GET", f"/contact-orders?customer_id={c}&limit=1&cursor={cursor}",
                    as_user=ADMIN).status == 200
    assert api.call("GET", f"/contact-orders?state=closed&limit=1&cursor={cursor}",
                    as_user=ADMIN).status == 400
    assert api.call("GET", f"/contact-orders?customer_id={c}&limit=1&cursor={cursor}",
                    as_user=AGENT).status == 400
    assert api.call("GET", f"/contact-orders?cursor={'A' * 30}.{'B' * 27}",
                    as_user=ADMIN).status == 400


# --- to-do list and calendar feed -----------------------------------------------------


@dataclass
class Planned:
    orders: dict[str, dict[str, Any]]
    bookings: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def planned(api: Api, people: People) -> Planned:
    """The planner's work: orders a (2030-01-10), b (2030-01-05), c (undated) assigned to
    them, x (someone else's) and z (theirs, then closed); bookings on b at 01-03 (their
    own), on x at 01-07 (booked for them), on a at 01-02 (done) and on z at 01-04 (closed
    with z)."""
    customer = _customer(api, "Planering")
    orders = {
        "a": _order(api, customer.id, subject="Order A", planned_date="2030-01-10",
                    assignee_id=people.planner),
        "b": _order(api, customer.id, subject="Order B", planned_date="2030-01-05",
                    assignee_id=people.planner),
        "c": _order(api, customer.id, subject="Order C", assignee_id=people.planner),
        "x": _order(api, customer.id, subject="Order X", planned_date="2030-01-01",
                    assignee_id=people.agent, site={"id": customer.site["id"]}),
        "z": _order(api, customer.id, subject="Order Z", planned_date="2030-01-01",
                    assignee_id=people.planner),
    }
    bookings = {
        "b": _booking(api, orders["b"]["id"], "2030-01-03T08:00:00Z", "meeting",
                      as_user=PLANNER),
        "x": _booking(api, orders["x"]["id"], "2030-01-07T09:00:00Z", "call", as_user=ADMIN,
                      assignee_id=people.planner, note="Ring om offerten"),
        "a": _booking(api, orders["a"]["id"], "2030-01-02T10:00:00Z", "digital",
                      as_user=PLANNER),
        "z": _booking(api, orders["z"]["id"], "2030-01-04T12:00:00Z", "call",
                      as_user=PLANNER),
    }
    done = api.call("POST", f"/contact-orders/{orders['a']['id']}/bookings/"
                            f"{bookings['a']['id']}/done", as_user=PLANNER)
    assert done.status == 200
    assert api.call("POST", f"/contact-orders/{orders['z']['id']}/close",
                    as_user=PLANNER).status == 200
    return Planned(orders, bookings)


def test_todo_lists_my_open_bookings_and_assigned_open_orders_by_time(
        api: Api, planned: Planned) -> None:
    o, b = planned.orders, planned.bookings
    items = _items(api, "/todo", PLANNER)
    assert [(i["kind"], i.get("booking_id") or i["contact_order_id"], i["at"]) for i in items] == [
        ("booking", b["b"]["id"], "2030-01-03T08:00:00Z"),
        ("contact_order", o["b"]["id"], "2030-01-05"),
        ("booking", b["x"]["id"], "2030-01-07T09:00:00Z"),
        ("contact_order", o["a"]["id"], "2030-01-10"),
        ("contact_order", o["c"]["id"], None),
    ]
    booking_x = items[2]
    assert (booking_x["title"], booking_x["contact_order_id"], booking_x["number"],
            booking_x["booking_kind"]) == ("Ring om offerten", o["x"]["id"], o["x"]["number"],
                                           "call")
    order_b = items[1]
    assert (order_b["title"], order_b["number"], order_b["status"]) == (
        "Order B", o["b"]["number"], "Ny")
    assert _walk(api, "/todo", PLANNER) == [i.get("booking_id") or i["contact_order_id"]
                                            for i in items]
    assert o["x"]["id"] not in [i["contact_order_id"] for i in _items(api, "/todo", AGENT)
                                if i["kind"] == "booking"]


def test_the_calendar_feed_is_a_secret_revocable_ics(api: Api, planned: Planned) -> None:
    made = api.call("POST", "/calendar/feed", as_user=PLANNER)
    assert made.status == 201, made.body
    path = made.body["path"]
    assert path == f"/calendar/{made.body['feed_token']}.ics"
    assert made.body["feed_token"].startswith(f"{TENANT}.")
    calendar = _calendar(api, path)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    b, o = planned.bookings, planned.orders
    assert set(events) == {f"{b[k]['id']}@helpdesk" for k in ("a", "b", "x", "z")}
    x = events[f"{b['x']['id']}@helpdesk"]
    assert x.decoded("dtstart") == datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    assert str(x["summary"]) == f"Call: {o['x']['customer']['name']} ({o['x']['number']})"
    assert "Ring om offerten" in str(x["description"])
    assert str(x["location"]).startswith("Fabriken")
    assert str(x["status"]) == "CONFIRMED"
    assert str(events[f"{b['z']['id']}@helpdesk"]["status"]) == "CANCELLED"
    meeting = events[f"{b['b']['id']}@helpdesk"]
    assert meeting.decoded("dtstart") == datetime(2030, 1, 3, 8, 0, tzinfo=UTC)
    assert str(meeting["summary"]).startswith("Meeting: ")
    # Only the planner's bookings are in the planner's feed.
    mine = api.call("POST", "/calendar/feed", as_user=AGENT).body["path"]
    agents = _calendar(api, mine)
    assert not {str(e["uid"]) for e in agents.walk("VEVENT")} & set(events)
    # A new address revokes the old one; revoking ends the new one.
    renewed = api.call("POST", "/calendar/feed", as_user=PLANNER)
    assert renewed.status == 201 and renewed.body["path"] != path
    assert _feed(api, path)[0] == 404
    assert _feed(api, renewed.body["path"])[0] == 200
    assert api.call("DELETE", "/calendar/feed", as_user=PLANNER).status == 204
    assert _feed(api, renewed.body["path"])[0] == 404
    assert api.call("DELETE", "/calendar/feed", as_user=PLANNER).status == 404
    assert api.call("POST", "/calendar/feed").status == 401


def test_forged_calendar_addresses_are_404(api: Api, people: People) -> None:
    made = api.call("POST", "/calendar/feed", as_user=COLLEAGUE).body
    secret = made["feed_token"].split(".", 1)[1]
    assert _feed(api, made["path"])[0] == 200
    forgeries = [
        f"/calendar/{OTHER_TENANT}.{secret}.ics",
        f"/calendar/{TENANT}.{secret[:-1]}x.ics" if secret[-1] != "x" else
        f"/calendar/{TENANT}.{secret[:-1]}y.ics",
        f"/calendar/{TENANT}.{secret}",
        f"/calendar/{TENANT}.{secret}.ics.ics",
        f"/calendar/{secret}.ics",
        f"/calendar/{TENANT}.short.ics",
        f"/calendar/{TENANT}.{'A' * 43}.ics",
        f"/calendar/..%2F{TENANT}.{secret}.ics",
    ]
    for forged in forgeries:
        assert _feed(api, forged)[0] == 404, forged
    other = api.call("POST", "/calendar/feed", as_user=OTHER_ADMIN).body
    other_secret = other["feed_token"].split(".", 1)[1]
    assert _feed(api, f"/calendar/{TENANT}.{other_secret}.ics")[0] == 404
    assert _feed(api, other["path"])[0] == 200


# --- saved filters --------------------------------------------------------------------


def test_saved_filters_are_my_own(api: Api, people: People) -> None:
    mine = api.call("POST", "/saved-filters", {
        "name": "Mina denna månad", "module": "contact_orders",
        "query": {"assignee": "me", "from": "2030-01-01", "to": "2030-01-31"}}, as_user=SALES)
    assert mine.status == 201, mine.body
    assert (mine.body["name"], mine.body["module"], mine.body["query"]) == (
        "Mina denna månad", "contact_orders",
        {"assignee": "me", "from": "2030-01-01", "to": "2030-01-31"})
    tickets = api.call("POST", "/saved-filters", {"name": "Aktiva ärenden", "module": "tickets",
                                                  "query": {"status": "active"}},
                       as_user=SALES)
    assert tickets.status == 201
    listed = api.call("GET", "/saved-filters", as_user=SALES).body["items"]
    assert [f["id"] for f in listed] == [tickets.body["id"], mine.body["id"]]  # by name
    by_module = api.call("GET", "/saved-filters?module=contact_orders", as_user=SALES)
    assert [f["id"] for f in by_module.body["items"]] == [mine.body["id"]]
    assert api.call("GET", "/saved-filters?module=nope", as_user=SALES).status == 400
    assert api.call("GET", "/saved-filters", as_user=COLLEAGUE).body["items"] == []
    assert api.call("GET", "/saved-filters", as_user=OTHER_ADMIN).body["items"] == []
    assert api.call("DELETE", f"/saved-filters/{mine.body['id']}",
                    as_user=COLLEAGUE).status == 404
    assert api.call("DELETE", f"/saved-filters/{mine.body['id']}",
                    as_user=SALES).status == 204
    left = api.call("GET", "/saved-filters", as_user=SALES).body["items"]
    assert [f["id"] for f in left] == [tickets.body["id"]]
    assert api.call("DELETE", f"/saved-filters/{mine.body['id']}",
                    as_user=SALES).status == 404
    bad = api.call("POST", "/saved-filters", {"name": "", "module": "invoices",
                                              "query": {"Bad Key": "x"}}, as_user=SALES)
    assert bad.status == 400
    locs = _locs(bad)
    assert {("body", "name"), ("body", "module")} <= locs
    assert any(loc[:2] == ("body", "query") for loc in locs)


# --- rights: view_assigned ------------------------------------------------------------


@dataclass
class Visibility:
    customer: Customer
    mine: dict[str, Any]  # assigned to the limited user
    theirs: dict[str, Any]  # assigned to the agent
    unassigned: dict[str, Any]
    theirs_booking: dict[str, Any]
    theirs_document: dict[str, Any]
    theirs_sales_order: dict[str, Any]


@pytest.fixture(scope="module")
def visibility(api: Api, people: People) -> Visibility:
    customer = _customer(api, "Synlighet")
    mine = _order(api, customer.id, subject="Min order", assignee_id=people.limited,
                  planned_date="2030-04-01")
    theirs = _order(api, customer.id, subject="Deras order", assignee_id=people.agent,
                    planned_date="2030-03-01")
    unassigned = _order(api, customer.id, subject="Ingens order")
    for order in (mine, theirs, unassigned):
        api.call("POST", f"/contact-orders/{order['id']}/notes", {"body": "x", "hours": 1},
                 as_user=ADMIN)
    _booking(api, mine["id"], "2030-04-02T09:00:00Z", assignee_id=people.limited)
    booking = _booking(api, theirs["id"], "2030-03-02T09:00:00Z")
    document = _document(api, theirs["id"])
    sales = api.call("POST", f"/contact-orders/{theirs['id']}/sales-order", as_user=ADMIN)
    assert sales.status == 201
    return Visibility(customer, mine, theirs, unassigned, booking, document, sales.body)


def test_view_assigned_sees_only_its_own_orders_in_every_list(
        api: Api, people: People, visibility: Visibility) -> None:
    v = visibility
    mine = [v.mine["id"]]
    assert _ids(api, "", LIMITED) == mine
    for query in ("sort=number", "assignee=me", f"customer_id={v.customer.id}",
                  f"customer_id={v.customer.id}&sort=number", "status=Ny", "state=open",
                  "from=2030-01-01&to=2030-12-31", "from=2030-01-01&sort=number"):
        assert _ids(api, query, LIMITED) == mine, query
    for query in (f"assignee={people.agent}", "assignee=none", "state=closed",
                  f"assignee={people.agent}&sort=number", "assignee=none&sort=number"):
        assert _ids(api, query, LIMITED) == [], query
    assert _walk(api, "/contact-orders", LIMITED) == mine
    customers = api.call("GET", f"/organizations/{v.customer.id}/contact-orders",
                         as_user=LIMITED)
    assert customers.status == 200
    assert [o["id"] for o in customers.body["items"]] == mine
    todo = _items(api, "/todo", LIMITED)
    assert {i["contact_order_id"] for i in todo} == set(mine)
    assert [i["kind"] for i in todo] == ["contact_order", "booking"]


def test_view_assigned_totals_count_only_what_it_may_see(api: Api,
                                                          visibility: Visibility) -> None:
    """The customer's totals must not tell a view_assigned user about orders (and hours)
    it may not see: they are given to those who see every order, and null to the others."""
    v = visibility
    everyone = api.call("GET", f"/organizations/{v.customer.id}/contact-orders", as_user=ADMIN)
    assert (everyone.body["order_count"], everyone.body["total_hours"]) == (3, 3)
    limited = api.call("GET", f"/organizations/{v.customer.id}/contact-orders",
                       as_user=LIMITED)
    assert (limited.body["order_count"], limited.body["total_hours"]) == (None, None)
    assert [o["id"] for o in limited.body["items"]] == [v.mine["id"]]


@pytest.mark.parametrize("template", [
    "/contact-orders/{id}", "/contact-orders/{id}/notes", "/contact-orders/{id}/events",
    "/contact-orders/{id}/bookings", "/contact-orders/{id}/documents",
    "/contact-orders/{id}/documents/{did}", "/sales-orders/{sid}",
])
def test_view_assigned_gets_404_for_another_users_order(api: Api, visibility: Visibility,
                                                        template: str) -> None:
    v = visibility
    for order in (v.theirs, v.unassigned):
        path = template.format(id=order["id"], did=v.theirs_document["id"],
                               sid=v.theirs_sales_order["id"])
        assert api.call("GET", path, as_user=LIMITED).status == 404, path
    path = template.format(id=v.mine["id"], did="nope", sid="nope")
    if "{did}" not in template and "{sid}" not in template:
        assert api.call("GET", path, as_user=LIMITED).status == 200, path


def _hand_a_booking_to_limited(api: Api, people: People, v: Visibility, at: str) -> None:
    """A colleague with ``assign`` hands the limited user a booking on an order that is not
    theirs. The user must not learn of that order: either the booking is refused, or it
    stays out of their to-do list and calendar feed."""
    handed = api.call("POST", f"/contact-orders/{v.theirs['id']}/bookings", {
        "at": at, "kind": "meeting", "assignee_id": people.limited}, as_user=SALES)
    assert handed.status in (201, 400, 403, 422), handed.body


def test_view_assigned_sees_no_other_order_in_its_todo(api: Api, people: People,
                                                       visibility: Visibility) -> None:
    v = visibility
    _hand_a_booking_to_limited(api, people, v, "2030-03-05T09:00:00Z")
    todo = _items(api, "/todo", LIMITED)
    assert {i["contact_order_id"] for i in todo} == {v.mine["id"]}
    assert v.theirs["number"] not in {i["number"] for i in todo}


def test_view_assigned_sees_no_other_order_in_its_calendar(api: Api, people: People,
                                                           visibility: Visibility) -> None:
    v = visibility
    _hand_a_booking_to_limited(api, people, v, "2030-03-06T09:00:00Z")
    made = api.call("POST", "/calendar/feed", as_user=LIMITED)
    assert made.status == 201
    calendar = _calendar(api, made.body["path"])
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries == [f"Call: {v.customer.name} ({v.mine['number']})"]


def test_view_assigned_loses_sight_when_the_order_is_reassigned(
        api: Api, people: People, visibility: Visibility) -> None:
    # A customer of its own: the shared one's totals are asserted by other tests.
    order = _order(api, _customer(api, "Omfördelning").id, assignee_id=people.limited)
    assert api.call("GET", f"/contact-orders/{order['id']}", as_user=LIMITED).status == 200
    api.call("POST", f"/contact-orders/{order['id']}/assign", {"assignee_id": people.agent},
             as_user=ADMIN)
    assert api.call("GET", f"/contact-orders/{order['id']}", as_user=LIMITED).status == 404
    assert order["id"] not in _ids(api, "", LIMITED)
    # Only viewing: no writes.
    for method, path, body in [
        ("PATCH", f"/contact-orders/{visibility.mine['id']}", {"subject": "x"}),
        ("POST", f"/contact-orders/{visibility.mine['id']}/notes", {"body": "x"}),
        ("POST", "/contact-orders", {"subject": "x",
                                     "customer": {"id": visibility.customer.id}}),
        ("DELETE", f"/contact-orders/{visibility.mine['id']}", None),
        ("POST", f"/contact-orders/{visibility.mine['id']}/assign", None),
    ]:
        assert api.call(method, path, body, as_user=LIMITED).status == 403, (method, path)


# --- rights: each one refused without it and allowed with it ---------------------------


def _grant(api: Api, *rights: str) -> None:
    _role(api, PROBE_ROLE, *rights)


@pytest.fixture
def probe(api: Api, people: People) -> Iterator[str]:
    yield people.probe
    _grant(api, "view")


def test_create_needs_its_right(api: Api, kund: Customer, probe: str) -> None:
    body = {"subject": "Via servicetekniker", "customer": {"id": kund.id}}
    _grant(api, "view")
    assert api.call("POST", "/contact-orders", body, as_user=PROBE).status == 403
    _grant(api, "view", "create")
    made = api.call("POST", "/contact-orders", body, as_user=PROBE)
    assert made.status == 201 and made.body["created_by"] == probe


def test_edit_needs_its_right_for_every_change(api: Api, kund: Customer, probe: str) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}"
    changes = [
        ("PATCH", path, {"subject": "Ändrad"}),
        ("POST", f"{path}/notes", {"body": "Anteckning", "hours": 1}),
        ("POST", f"{path}/bookings", {"at": "2030-01-01T10:00:00Z", "kind": "call"}),
        ("POST", f"{path}/documents", {"filename": "a.pdf", "content_type": "application/pdf",
                                       "size": 3}),
        ("POST", f"{path}/sales-order", None),
        ("POST", f"{path}/close", None),
    ]
    _grant(api, "view", "create", "delete", "assign", "assign_self", "delete_files")
    for method, where, body in changes:
        assert api.call(method, where, body, as_user=PROBE).status == 403, where
    assert _events(api, order["id"])[-1]["type"] == "created"
    _grant(api, "view", "edit")
    for method, where, body in changes:
        answer = api.call(method, where, body, as_user=PROBE)
        assert answer.status in (200, 201), (where, answer.body)
    done = _get(api, order["id"])
    assert (done["subject"], done["total_hours"], done["closed"]) == ("Ändrad", 1, True)


def test_delete_needs_its_right(api: Api, kund: Customer, probe: str) -> None:
    order = _order(api, kund.id)
    _grant(api, "view", "edit", "create", "assign", "assign_self", "delete_files")
    assert api.call("DELETE", f"/contact-orders/{order['id']}", as_user=PROBE).status == 403
    assert _get(api, order["id"])["id"] == order["id"]
    _grant(api, "view", "delete")
    assert api.call("DELETE", f"/contact-orders/{order['id']}", as_user=PROBE).status == 204
    assert api.call("GET", f"/contact-orders/{order['id']}", as_user=ADMIN).status == 404


def test_assign_needs_its_right_for_a_colleague(api: Api, people: People, kund: Customer,
                                                probe: str) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}"
    colleague = {"assignee_id": people.colleague}
    _grant(api, "view", "edit", "create", "assign_self")
    assert api.call("POST", f"{path}/assign", colleague, as_user=PROBE).status == 403
    assert api.call("PATCH", path, colleague, as_user=PROBE).status == 403
    assert api.call("POST", f"{path}/bookings", {"at": "2030-01-01T10:00:00Z", "kind": "call",
                                                 **colleague}, as_user=PROBE).status == 403
    create = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                                  **colleague}, as_user=PROBE)
    assert create.status == 403
    assert _get(api, order["id"])["assignee_id"] is None
    _grant(api, "view", "edit", "create", "assign")
    assigned = api.call("POST", f"{path}/assign", colleague, as_user=PROBE)
    assert assigned.status == 200 and assigned.body["assignee_id"] == people.colleague
    unassigned = api.call("PATCH", path, {"assignee_id": None}, as_user=PROBE)
    assert unassigned.status == 200 and unassigned.body["assignee_id"] is None
    booked = api.call("POST", f"{path}/bookings", {"at": "2030-01-01T10:00:00Z",
                                                   "kind": "call", **colleague}, as_user=PROBE)
    assert booked.status == 201 and booked.body["assignee_id"] == people.colleague
    created = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                                   **colleague}, as_user=PROBE)
    assert created.status == 201 and created.body["assignee_id"] == people.colleague


def test_assign_self_needs_its_right(api: Api, kund: Customer, probe: str) -> None:
    order = _order(api, kund.id)
    path = f"/contact-orders/{order['id']}"
    _grant(api, "view", "edit", "create")
    assert api.call("POST", f"{path}/assign", as_user=PROBE).status == 403
    assert api.call("PATCH", path, {"assignee_id": probe}, as_user=PROBE).status == 403
    mine = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                                "assignee_id": probe}, as_user=PROBE)
    assert mine.status == 403
    _grant(api, "view", "edit", "create", "assign_self")
    taken = api.call("POST", f"{path}/assign", as_user=PROBE)
    assert taken.status == 200 and taken.body["assignee_id"] == probe
    assert order["id"] in _ids(api, "assignee=me", PROBE)
    mine = api.call("POST", "/contact-orders", {"subject": "x", "customer": {"id": kund.id},
                                                "assignee_id": probe}, as_user=PROBE)
    assert mine.status == 201 and mine.body["assignee_id"] == probe


def test_delete_files_needs_its_right(api: Api, kund: Customer, probe: str) -> None:
    order = _order(api, kund.id)
    doc = _document(api, order["id"])
    path = f"/contact-orders/{order['id']}/documents/{doc['id']}"
    _grant(api, "view", "edit", "create", "delete", "assign", "assign_self")
    assert api.call("DELETE", path, as_user=PROBE).status == 403
    assert len(_items(api, f"/contact-orders/{order['id']}/documents")) == 1
    _grant(api, "view", "delete_files")
    assert api.call("DELETE", path, as_user=PROBE).status == 204
    assert _items(api, f"/contact-orders/{order['id']}/documents") == []


def test_without_any_contact_order_right_nothing_is_seen(api: Api, probe: str) -> None:
    made = api.call("POST", "/calendar/feed", as_user=PROBE)
    assert made.status == 201
    assert _feed(api, made.body["path"])[0] == 200
    _grant(api)
    for method, path in [("GET", "/contact-orders"), ("GET", "/todo"),
                         ("POST", "/calendar/feed"), ("DELETE", "/calendar/feed")]:
        assert api.call(method, path, as_user=PROBE).status == 403, path
    assert _feed(api, made.body["path"])[0] == 404  # rights are checked on read


# --- contacts and other tenants -------------------------------------------------------


@dataclass
class Target:
    order: dict[str, Any]
    booking: dict[str, Any]
    document: dict[str, Any]
    sales_order: dict[str, Any]
    customer: Customer
    version: int


@pytest.fixture(scope="module")
def target(api: Api, people: People) -> Target:
    customer = _customer(api, "Mål")
    order = _order(api, customer.id, assignee_id=people.agent)
    api.call("POST", f"/contact-orders/{order['id']}/notes", {"body": "x"}, as_user=ADMIN)
    booking = _booking(api, order["id"])
    document = _document(api, order["id"])
    sales = api.call("POST", f"/contact-orders/{order['id']}/sales-order", as_user=ADMIN)
    assert sales.status == 201
    return Target(order, booking, document, sales.body, customer,
                  _get(api, order["id"])["version"])


ORDER_PATHS = [
    ("GET", "/contact-orders/{id}", None),
    ("PATCH", "/contact-orders/{id}", {"subject": "Kapad"}),
    ("DELETE", "/contact-orders/{id}", None),
    ("GET", "/contact-orders/{id}/notes", None),
    ("POST", "/contact-orders/{id}/notes", {"body": "x", "hours": 1}),
    ("GET", "/contact-orders/{id}/events", None),
    ("GET", "/contact-orders/{id}/bookings", None),
    ("POST", "/contact-orders/{id}/bookings", {"at": "2030-01-01T10:00:00Z", "kind": "call"}),
    ("POST", "/contact-orders/{id}/bookings/{bid}/done", None),
    ("GET", "/contact-orders/{id}/documents", None),
    ("POST", "/contact-orders/{id}/documents", {"filename": "a.pdf",
                                                "content_type": "application/pdf",
                                                "size": 3}),
    ("GET", "/contact-orders/{id}/documents/{did}", None),
    ("GET", "/contact-orders/{id}/documents/{did}/link", None),
    ("DELETE", "/contact-orders/{id}/documents/{did}", None),
    ("POST", "/contact-orders/{id}/assign", None),
    ("POST", "/contact-orders/{id}/close", None),
    ("POST", "/contact-orders/{id}/sales-order", None),
    ("GET", "/sales-orders/{sid}", None),
    ("GET", "/organizations/{org}/contact-orders", None),
]


def _path(template: str, t: Target) -> str:
    return template.format(id=t.order["id"], bid=t.booking["id"], did=t.document["id"],
                           sid=t.sales_order["id"], org=t.customer.id)


@pytest.mark.parametrize(("method", "template", "body"), ORDER_PATHS)
def test_another_tenants_order_is_a_404_everywhere(api: Api, target: Target, method: str,
                                                   template: str, body: Any) -> None:
    answer = api.call(method, _path(template, target), body, as_user=OTHER_ADMIN)
    assert answer.status == 404, answer.body
    current = _get(api, target.order["id"])
    assert (current["version"], current["closed"], current["subject"]) == (
        target.version, False, target.order["subject"])


def test_another_tenants_lists_hold_none_of_ours(api: Api, target: Target) -> None:
    assert target.order["id"] not in _ids(api, "", OTHER_ADMIN)
    assert _ids(api, f"customer_id={target.customer.id}", OTHER_ADMIN) == []
    assert target.order["id"] not in [i["contact_order_id"]
                                      for i in _items(api, "/todo", OTHER_ADMIN)]
    theirs = _order(api, _customer_of_other(api), as_user=OTHER_ADMIN)
    assert theirs["number"] == "KO-1001"  # each tenant numbers its own
    assert api.call("GET", f"/contact-orders/{theirs['id']}", as_user=ADMIN).status == 404


def _customer_of_other(api: Api) -> str:
    org = api.call("POST", "/organizations", {"name": "Toinen Oy"}, as_user=OTHER_ADMIN)
    assert org.status == 201
    contact = api.call("POST", f"/organizations/{org.body['id']}/contacts",
                       {"name": "Matti"}, as_user=OTHER_ADMIN)
    api.call("PATCH", f"/organizations/{org.body['id']}",
             {"main_contact_id": contact.body["id"]}, as_user=OTHER_ADMIN)
    return str(org.body["id"])


CONTACT_FORBIDDEN = [
    *ORDER_PATHS,
    ("GET", "/contact-orders", None),
    ("POST", "/contact-orders", {"subject": "x", "customer": {"name": "Acme AB"},
                                 "contact": CONTACT}),
    ("GET", "/todo", None),
    ("POST", "/calendar/feed", None),
    ("DELETE", "/calendar/feed", None),
]


@pytest.mark.parametrize(("method", "template", "body"), CONTACT_FORBIDDEN)
def test_contacts_are_refused_every_contact_order_endpoint(api: Api, target: Target,
                                                           method: str, template: str,
                                                           body: Any) -> None:
    answer = api.call(method, _path(template, target), body, as_user=CUSTOMER)
    assert answer.status == 403, answer.body


# --- failures leave nothing behind, repeats create nothing -----------------------------


def test_a_failed_create_leaves_no_new_customer_behind(api: Api, kund: Customer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = _order(api, kund.id)
    original = ContactOrdersRepository.add_to_customer

    def and_fail(self: ContactOrdersRepository, uow: UnitOfWork, tenant: str,
                 customer_id: str, hours: float = 0, orders: int = 0) -> None:
        original(self, uow, tenant, customer_id, hours=hours, orders=orders)
        uow.check(self.table, {"PK": "NOTHING", "SK": "NOTHING"}, "attribute_exists(PK)",
                  lambda: Conflict("Forced to fail at commit."))

    monkeypatch.setattr(ContactOrdersRepository, "add_to_customer", and_fail)
    name = _unique("Spökkund")
    failed = api.call("POST", "/contact-orders", {
        "subject": "x", "customer": {"name": name}, "contact": CONTACT,
        "site": {"name": "Spökplats"}}, as_user=ADMIN)
    assert failed.status == 409, failed.body
    monkeypatch.undo()
    assert _items(api, f"/organizations?q={quote(name)}") == []
    assert _items(api, f"/organizations?q={quote('Spökkund')}") == []
    after = _order(api, kund.id)
    assert int(after["number"][3:]) == int(before["number"][3:]) + 1  # no number used


def test_the_same_idempotency_key_creates_one_order(api: Api) -> None:
    name = _unique("Idempotent")
    body = {"subject": "En gång", "customer": {"name": name}, "contact": CONTACT}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.call("POST", "/contact-orders", body, as_user=AGENT, headers=key)
    second = api.call("POST", "/contact-orders", body, as_user=AGENT, headers=key)
    assert first.status == second.status == 201
    assert second.body == first.body
    assert second.headers.get("idempotent-replayed") == "true"
    (org,) = _items(api, f"/organizations?q={quote(name)}")
    orders = api.call("GET", f"/organizations/{org['id']}/contact-orders", as_user=AGENT)
    assert [o["id"] for o in orders.body["items"]] == [first.body["id"]]
    assert orders.body["order_count"] == 1
    other_body = api.call("POST", "/contact-orders", {**body, "subject": "Annan"},
                          as_user=AGENT, headers=key)
    assert other_body.status == 409
    note_key = {"Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):
        api.call("POST", f"/contact-orders/{first.body['id']}/notes",
                 {"body": "En gång", "hours": 1}, as_user=AGENT, headers=note_key)
    assert _get(api, first.body["id"])["total_hours"] == 1


# --- bad input ------------------------------------------------------------------------


def test_invalid_orders_name_every_field(api: Api, kund: Customer) -> None:
    both = api.call("POST", "/contact-orders", {"subject": "x",
                                                "customer": {"id": kund.id, "name": "Ny"}},
                    as_user=ADMIN)
    assert both.status == 400 and _locs(both) == {("body", "customer")}
    neither = api.call("POST", "/contact-orders", {"subject": "x", "customer": {}},
                       as_user=ADMIN)
    assert neither.status == 400 and _locs(neither) == {("body", "customer")}
    many = api.call("POST", "/contact-orders", {
        "subject": "", "customer": {"id": kund.id, "colour": "red"}, "colour": "blå",
        "contact": {"name": "A", "email": "not-an-email", "phone": "abc"},
        "planned_date": "2030-13-01", "status": "", "assignee_id": "bad id!",
        "site": {"id": kund.site["id"], "address": {"city": "Lund"}},
        "service_object_id": ""}, as_user=ADMIN)
    assert many.status == 400
    assert _locs(many) >= {
        ("body", "subject"), ("body", "customer", "colour"), ("body", "colour"),
        ("body", "contact", "email"), ("body", "contact", "phone"), ("body", "planned_date"),
        ("body", "status"), ("body", "assignee_id"), ("body", "site"),
        ("body", "service_object_id")}
    assert many.headers["content-type"] == "application/problem+json"
    missing = api.call("POST", "/contact-orders", {}, as_user=ADMIN)
    assert missing.status == 400 and _locs(missing) == {("body", "subject"),
                                                        ("body", "customer")}
    wrong_types = api.call("POST", "/contact-orders", {"subject": 5, "customer": "Acme",
                                                       "planned_date": 20300101},
                           as_user=ADMIN)
    assert wrong_types.status == 400
    assert _locs(wrong_types) == {("body", "subject"), ("body", "customer"),
                                  ("body", "planned_date")}
    not_json = api.call("POST", "/contact-orders", raw="{", as_user=ADMIN,
                        headers={"Content-Type": "application/json"})
    assert not_json.status == 400
    patch = api.call("PATCH", f"/contact-orders/{_order(api, kund.id)['id']}",
                     {"customer": {"id": kund.id}, "planned_date": "i morgon"}, as_user=ADMIN)
    assert patch.status == 400
    assert _locs(patch) == {("body", "customer"), ("body", "planned_date")}


@pytest.mark.parametrize(("body", "loc"), [
    ({"at": "2030-01-01T10:00:00Z", "kind": "visit"}, "kind"),
    ({"at": "tomorrow", "kind": "call"}, "at"),
    ({"at": "2030-01-01", "kind": "call"}, "at"),
    ({"at": "2030-01-01T10:00:00", "kind": "call"}, "at"),
    ({"at": "2030-13-01T10:00:00Z", "kind": "call"}, "at"),
    ({"at": "2030-02-30T10:00:00Z", "kind": "call"}, "at"),
    ({"at": "2030-01-01T25:00:00Z", "kind": "call"}, "at"),
    ({"at": "2030-01-01T10:00:00+25:00", "kind": "call"}, "at"),
    ({"kind": "call"}, "at"),
    ({"at": "2030-01-01T10:00:00Z", "kind": "call", "duration_minutes": 0},
     "duration_minutes"),
    ({"at": "2030-01-01T10:00:00Z", "kind": "call", "assignee_id": ""}, "assignee_id"),
    ({"at": "2030-01-01T10:00:00Z", "kind": "call", "where": "here"}, "where"),
])
def test_invalid_bookings_name_the_field(api: Api, target: Target, body: dict[str, Any],
                                         loc: str) -> None:
    answer = api.call("POST", f"/contact-orders/{target.order['id']}/bookings", body,
                      as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert _locs(answer) == {("body", loc)}


@pytest.mark.parametrize(("body", "loc"), [
    ({"body": "x", "hours": 0}, "hours"),
    ({"body": "x", "hours": 25}, "hours"),
    ({"body": "x", "hours": -1}, "hours"),
    ({"body": "x", "hours": "1.5"}, "hours"),
    ({"body": "", "hours": 1}, "body"),
    ({"body": "   "}, "body"),
    ({"hours": 1}, "body"),
    ({"body": "x", "at": "2020-01-01T00:00:00Z"}, "at"),
    ({"body": "x", "corrects": "bad id!"}, "corrects"),
])
def test_invalid_notes_name_the_field(api: Api, target: Target, body: dict[str, Any],
                                      loc: str) -> None:
    answer = api.call("POST", f"/contact-orders/{target.order['id']}/notes", body,
                      as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert _locs(answer) == {("body", loc)}


def test_hours_at_the_limits_are_accepted(api: Api, kund: Customer) -> None:
    order = _order(api, kund.id)
    for hours in (0.25, 24):
        answer = api.call("POST", f"/contact-orders/{order['id']}/notes",
                          {"body": "x", "hours": hours}, as_user=ADMIN)
        assert answer.status == 201, answer.body
    assert _get(api, order["id"])["total_hours"] == 24.25


@pytest.mark.parametrize(("query", "loc"), [
    ("sort=title", "sort"),
    ("from=2030-13-01", "from"),
    ("to=yesterday", "to"),
    ("state=archived", "state"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("assignee=bad%20id", "assignee"),
])
def test_invalid_list_queries_name_the_parameter(api: Api, query: str, loc: str) -> None:
    answer = api.call("GET", f"/contact-orders?{query}", as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert _locs(answer) == {("query", loc)}


def test_unknown_ids_are_404(api: Api, target: Target) -> None:
    oid = target.order["id"]
    for method, path in [("GET", "/contact-orders/nope"), ("PATCH", "/contact-orders/nope"),
                         ("GET", f"/contact-orders/{oid}/documents/nope"),
                         ("DELETE", f"/contact-orders/{oid}/documents/nope"),
                         ("GET", "/organizations/nope/contact-orders")]:
        body = {"subject": "x"} if method == "PATCH" else None
        assert api.call(method, path, body, as_user=ADMIN).status == 404, path


def test_saved_filters_need_the_rights_of_their_module(api: Api) -> None:
    body = {"name": "Mine", "module": "contact_orders", "query": {"assignee": "me"}}
    assert api.call("POST", "/saved-filters", body, as_user=CUSTOMER).status == 403
    tickets = api.call("POST", "/saved-filters", {**body, "module": "tickets",
                                                  "query": {"status": "active"}},
                       as_user=CUSTOMER)
    assert tickets.status == 201
    listed = api.call("GET", "/saved-filters", as_user=CUSTOMER).body["items"]
    assert [f["module"] for f in listed] == ["tickets"]


def test_a_subject_of_markup_only_is_refused(api: Api, people: People) -> None:
    answer = api.call("POST", "/contact-orders", {
        "subject": "<script>alert(1)</script>", "customer": {"name": "Tom Skript AB"},
        "contact": {"name": "Kim"}}, as_user=SALES)
    assert answer.status == 400
    assert [e["loc"] for e in answer.body["errors"]] == [["body", "subject"]]
    found = api.call("GET", "/organizations?q=Tom%20Skript", as_user=ADMIN).body["items"]
    assert found == []


def test_the_portal_reads_a_documents_address_as_json(api: Api, people: People,
                                                      kund: Customer) -> None:
    """GET .../documents/{did}/link: the same address as the 302, in a 200 (the portal's
    fetch cannot follow a redirect with its token); only for those who see the order."""
    order = _order(api, kund.id)
    content = b"%PDF-1.4 karta"
    doc = _document(api, order["id"], content=content)
    path = f"/contact-orders/{order['id']}/documents/{doc['id']}/link"
    assert api.call("GET", path, as_user=ADMIN).status == 409  # not uploaded yet
    assert _upload(doc, content).status_code in (200, 201, 204)
    link = api.call("GET", path, as_user=AGENT)
    assert link.status == 200 and "location" not in link.headers
    assert requests.get(link.body["url"], timeout=10).content == content
    assert api.call("GET", path, as_user=LIMITED).status == 404  # not assigned to them
