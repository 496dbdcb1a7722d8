"""The portal's contact-order screens (seed 001, issue 20) in Chromium against the local
stack: a salesperson's day (filter and save a favourite, create an order for a new customer
from the list and one from a customer card, notes with hours and a correction, a booking
for a colleague, a document uploaded and deleted, a sales order, close); a user who may
see only the orders assigned to them, after an admin changed the statuses and the sort;
the list, an order and the to-do list's calendar feed at 375 px; the create form by
keyboard alone, with its errors at the fields.

Each test makes its own users and customers, so none depends on another or on the demo
orders (only on the demo admin and agent)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack
from tests.e2e.test_portal_networks import call, set_first_password
from tests.e2e.test_portal_tickets import png

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("inboxes_read_afterwards")]

ADMIN, AGENT = "admin@demo.test", "agent@demo.test"
ORDER_URL = re.compile(r"#/contact-orders/(?!new|settings)([A-Za-z0-9_-]+)$")
BASE_RIGHTS = ["settings.view", "users.view", "roles.view", "organizations.view"]


def staff_user(stack: Stack, admin: str, roles: list[str], name: str) -> dict[str, Any]:
    """A staff user in English with the demo password: {id, email, name}."""
    email = f"co-{uuid.uuid4().hex[:8]}@demo.test"
    user = call(stack, "POST", "/users", {"email": email, "name": name, "kind": "staff",
                                          "roles": roles, "language": "en"},
                token=admin, expect_status=201)
    set_first_password(stack, email)
    return {"id": user["id"], "email": email, "name": name}


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def order_id_of(page: Page) -> str:
    expect(page).to_have_url(ORDER_URL)
    match = ORDER_URL.search(page.url)
    assert match
    return match.group(1)


def new_order(stack: Stack, token: str, customer_id: str, **fields: Any) -> dict[str, Any]:
    return dict(call(stack, "POST", "/contact-orders", {
        "subject": unique("Ärende"), "customer": {"id": customer_id},
        "contact": {"name": "Nina Nilsson"}, **fields}, token=token, expect_status=201))


def customer(stack: Stack, token: str, name: str = "") -> dict[str, Any]:
    return dict(call(stack, "POST", "/organizations", {"name": name or unique("Kund AB")},
                     token=token, expect_status=201))


def test_a_salespersons_day(portal: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    seller = staff_user(stack, tokens[ADMIN], ["sales"], "Sam Seller")
    agent_id = call(stack, "GET", "/me", token=tokens[AGENT])["id"]
    page = portal.sign_in(seller["email"])
    page.get_by_role("link", name="Contact orders").first.click()
    expect(page.locator("#co-table")).to_be_visible()
    expect(page.locator("#co-legend")).to_contain_text("dark blue")

    # Filter: open orders assigned to me; the filter is in the address.
    page.click("#co-filter-toggle")
    expect(page.locator("#co-filter-toggle")).to_have_attribute("aria-expanded", "true")
    page.check("#co-f-mine")
    page.select_option("#co-f-state", "open")
    page.click("#co-f-apply")
    expect(page).to_have_url(re.compile(r"assignee=me.*state=open"))
    expect(page.locator("#co-rows tr")).to_have_count(0)
    # ... saved as a favourite, applied in one click, renamed, deleted.
    page.fill("#co-fav-name", "My open ones")
    page.click("#co-fav-save")
    favourite = page.locator('[data-favourite-item="My open ones"]')
    expect(favourite).to_be_visible()
    expect(favourite.locator("button").first).to_have_attribute("aria-pressed", "true")
    page.click("#co-f-clear")
    expect(page).not_to_have_url(re.compile("assignee="))
    expect(favourite.locator("button").first).to_have_attribute("aria-pressed", "false")
    favourite.locator("button").first.click()
    expect(page).to_have_url(re.compile(r"assignee=me.*state=open"))
    expect(page.locator("#co-f-mine")).to_be_checked()
    portal.shot("contact-orders-favourite")
    favourite.get_by_role("button", name="Rename My open ones").click()
    page.fill("[id^=co-rename-]", "Mine, open")
    page.get_by_role("button", name="Save the name").click()
    renamed = page.locator('[data-favourite-item="Mine, open"]')
    expect(renamed).to_be_visible()
    expect(favourite).to_have_count(0)
    renamed.get_by_role("button", name="Delete Mine, open").click()
    expect(renamed).to_have_count(0)
    page.click("#co-f-clear")

    # A new order for a new customer, from the list; the form says the customer is new.
    name = unique("Nykund AB")
    page.click("#co-new")
    expect(page.locator("#co-form")).to_be_visible()
    page.fill("#co-subject", "Potential customer: service agreement")
    page.fill("#co-customer", name)
    notice = page.locator("#co-register-notice")
    expect(notice).to_contain_text(f"“{name}” is not in the customer register")
    page.fill("#co-site", "Verkstaden")
    expect(notice).to_contain_text("The site “Verkstaden” is new")
    page.fill("#co-site-street", "Storgatan 1")
    page.fill("#co-site-city", "Stockholm")
    page.fill("#co-contact-name", "Nina Nilsson")
    page.fill("#co-contact-email", "nina@example.com")
    page.select_option("#co-status", "Pågående")
    planned = (date.today() + timedelta(days=3)).isoformat()
    page.fill("#co-planned", planned)
    page.select_option("#co-assignee", seller["id"])
    portal.shot("contact-order-create")
    page.click("#co-save")
    order_id = order_id_of(page)
    expect(page.locator("#co-notice")).to_contain_text("new customer is in the customer register")
    expect(page.locator("#co-order-title")).to_contain_text("Potential customer: service agreement")
    expect(page.locator('[data-fact="status"]')).to_contain_text("Pågående")
    expect(page.locator('[data-fact="assignee"]')).to_contain_text("Sam Seller")
    expect(page.locator("#co-map-link")).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/search\?query=Storgatan"))

    # Notes with hours, newest first, and a correction naming the note it corrects.
    page.fill("#co-note-body", "First call. They want an offer.")
    page.fill("#co-note-hours", "1,5")
    page.click("#co-note-save")
    expect(page.locator("#co-total-hours")).to_contain_text("1.5 h")
    page.fill("#co-note-body", "Sent the offer.")
    page.fill("#co-note-hours", "0.25")
    page.click("#co-note-save")
    expect(page.locator("#co-total-hours")).to_contain_text("1.75 h")
    notes = page.locator(".co-note")
    expect(notes.first).to_contain_text("Sent the offer.")
    expect(notes.first).to_contain_text("Sam Seller")
    notes.nth(1).get_by_role("button", name="Correct this note").click()
    expect(page.locator("#co-correcting")).to_be_visible()
    page.fill("#co-note-body", "Correction: they want two offers.")
    page.fill("#co-note-hours", "25")
    page.click("#co-note-save")
    expect(page.locator("#co-note-hours-error")).to_contain_text("at most 24")
    page.fill("#co-note-hours", "")
    page.click("#co-note-save")
    expect(notes).to_have_count(3)
    expect(notes.first).to_contain_text("Corrects the note of Sam Seller")

    # A phone call booked for a colleague, in the tenant's time zone.
    page.check("#co-kind-call")
    day = (date.today() + timedelta(days=2)).isoformat()
    page.fill("#co-booking-date", day)
    page.fill("#co-booking-time", "09:30")
    expect(page.locator("#co-booking-zone")).to_contain_text("Europe/Stockholm")
    page.select_option("#co-booking-who", agent_id)
    page.fill("#co-booking-note", "Follow up the offer")
    page.click("#co-booking-save")
    booking = page.locator(".co-booking")
    expect(booking).to_have_count(1)
    expect(booking).to_contain_text("Aino Agent")
    expect(booking).to_contain_text("Phone call")
    expect(booking.locator("time")).to_contain_text("09:30")
    stored = call(stack, "GET", f"/contact-orders/{order_id}/bookings",
                  token=tokens[AGENT])["items"]
    assert [b["assignee_id"] for b in stored] == [agent_id]

    # A document uploaded with progress, then deleted (the sales role holds delete_files).
    page.set_input_files("#co-doc-files", files=[
        {"name": "offert.png", "mimeType": "image/png", "buffer": png()}])
    page.click("#co-doc-upload")
    document = page.locator('[data-document="offert.png"]')
    expect(document).to_be_visible()
    portal.shot("contact-order-view")
    document.get_by_role("button", name="Delete offert.png").click()
    expect(document).to_have_count(0)
    expect(page.locator("#co-documents-box")).to_contain_text("No documents yet.")

    # A sales order, then close: read-only, with a banner.
    page.click("#co-convert")
    expect(page.locator('[data-fact="sales_order"]')).to_contain_text("SO-")
    expect(page.locator("#co-convert")).to_have_count(0)
    page.click("#co-close")
    expect(page.locator("#co-closed-banner")).to_contain_text("closed and archived")
    for gone in ("#co-note-form", "#co-booking-form", "#co-doc-form", "#co-edit", "#co-close"):
        expect(page.locator(gone)).to_have_count(0)
    expect(page.locator('[data-fact="status"]')).to_contain_text("Closed")
    portal.shot("contact-order-closed")

    # The customer's card, by its name; its orders; a new order from the card.
    page.locator('[data-fact="customer"] a').click()
    expect(page.locator("#customer-title")).to_have_text(name)
    expect(page.locator(f'#customer-order-list [data-order="{order_id}"]')).to_have_class(
        re.compile("co-row--closed"))
    expect(page.locator("#customer-total")).to_contain_text("1.75 h")
    expect(page.locator('#customer-sites [data-site="Verkstaden"]')).to_be_visible()
    portal.shot("customer-card")
    page.click("#customer-add")
    page.click("#customer-new-order")
    expect(page.locator("#co-customer")).to_have_value(name)
    expect(page.locator("#co-register-notice")).to_be_hidden()
    page.fill("#co-subject", "Offer for the second site")
    page.fill("#co-site", "Lagret")
    page.click("#co-save")
    second = order_id_of(page)
    assert second != order_id
    expect(page.locator('[data-fact="customer"]')).to_contain_text(name)
    # No contact given: the customer's main contact, made with the customer.
    expect(page.locator('[data-fact="contact"]')).to_contain_text("Nina Nilsson")
    expect(page.locator('[data-fact="site"]')).to_contain_text("Lagret")

    # The list: the closed order after the open one, in the "done" colour.
    customer_id = call(stack, "GET", f"/contact-orders/{order_id}",
                       token=tokens[ADMIN])["customer"]["id"]
    page.goto(f"{stack.url}/#/contact-orders?customer_id={customer_id}")
    rows = page.locator("#co-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-order", second)
    expect(rows.nth(1)).to_have_class(re.compile("co-row--closed"))
    portal.shot("contact-orders-list")


def test_an_admins_statuses_and_a_technicians_narrower_world(
        portal: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    admin = tokens[ADMIN]
    role = f"co_e2e_{uuid.uuid4().hex[:6]}"
    call(stack, "PUT", f"/roles/{role}", {"permissions": [
        *BASE_RIGHTS, "contact_orders.view_assigned", "contact_orders.edit"]}, token=admin)
    tech = staff_user(stack, admin, [role], "Tove Tech")
    kund = customer(stack, admin)
    status = unique("Väntar på offert")

    # The admin adds a status, moves it up, and checks the rights of the new role.
    page = portal.sign_in(ADMIN)
    page.select_option("#language-select", "en")
    page.goto(f"{stack.url}/#/contact-orders/settings")
    expect(page.locator("#co-status-list li")).not_to_have_count(0)
    before = page.locator("#co-status-list input").evaluate_all("(all) => all.map((i) => i.value)")
    page.fill("#co-status-new", status)
    page.click("#co-status-add")
    expect(page.locator("#co-status-list input").last).to_have_value(status)
    page.get_by_role("button", name=f"Move {status} up").click()
    expect(page.locator("#co-status-list input").nth(len(before) - 1)).to_have_value(status)
    rights = page.locator(f'tr[data-role="{role}"]')
    expect(rights.locator('[data-right="contact_orders.view_assigned"]')).to_be_checked()
    expect(rights.locator('[data-right="contact_orders.view"]')).not_to_be_checked()
    portal.shot("contact-order-settings")
    page.click("#co-settings-save")
    expect(page.locator("#co-settings-saved")).to_be_visible()
    statuses = call(stack, "GET", "/settings", token=admin)["contact_order_statuses"]
    assert statuses == [*before[:-1], status, before[-1]]

    # Orders: one with the new status assigned to the technician, one to nobody.
    theirs = new_order(stack, admin, kund["id"], assignee_id=tech["id"], status=status)
    others = new_order(stack, admin, kund["id"])

    # The status is retired: the order that has it keeps it.
    page.get_by_role("button", name=f"Retire {status}").click()
    page.click("#co-settings-save")
    expect(page.locator("#co-settings-saved")).to_be_visible()
    assert call(stack, "GET", "/settings", token=admin)["contact_order_statuses"] == before
    page.goto(f"{stack.url}/#/contact-orders/{theirs['id']}")
    expect(page.locator('[data-fact="status"]')).to_contain_text(status)
    expect(page.locator(f'#co-edit-status option[value="{status}"]')).to_have_count(1)
    page.click("#sign-out")

    # The technician sees only their own order: in the list, the to-do list, the card.
    page = portal.sign_in(tech["email"])
    page.get_by_role("link", name="Contact orders").first.click()
    expect(page.locator("#co-assigned-only")).to_be_visible()
    expect(page.locator("#co-rows tr")).to_have_count(1)
    expect(page.locator("#co-rows tr")).to_have_attribute("data-order", theirs["id"])
    for absent in ("#co-new", "#co-settings-link"):
        expect(page.locator(absent)).to_have_count(0)
    portal.shot("contact-orders-assigned-only")
    page.get_by_role("link", name=theirs["number"]).click()
    expect(page.locator("#co-note-form")).to_be_visible()  # edit: yes
    for absent in ("#co-assign-box", "#co-delete"):
        expect(page.locator(absent)).to_have_count(0)
    page.locator('[data-fact="customer"] a').click()
    expect(page.locator("#customer-order-list li")).to_have_count(1)
    # No totals over orders they cannot see.
    expect(page.locator("#customer-total")).to_have_count(0)
    expect(page.locator("#customer-add")).to_have_count(0)
    page.get_by_role("link", name="To-do").first.click()
    expect(page.locator(f'.co-todo__item[data-order="{theirs["id"]}"]')).to_be_visible()
    expect(page.locator(f'.co-todo__item[data-order="{others["id"]}"]')).to_have_count(0)
    # Someone else's order by its address: not found, as the API says.
    portal.expect_http_error(404, f"/contact-orders/{others['id']}")
    page.goto(f"{stack.url}/#/contact-orders/{others['id']}")
    expect(page.locator("#co-order-title")).to_have_text("Contact order not found")


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_list_an_order_and_the_calendar_at_phone_width(
        portal: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    page = portal.sign_in(AGENT)  # the demo agent reads Swedish
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name="Kontaktordrar").first.click()
    cell = page.locator('#co-rows td[data-col="customer"]').first
    expect(cell).to_have_css("display", "flex")  # each row a card, each cell named
    expect(cell).to_have_attribute("data-label", "Kund")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    portal.shot("contact-orders-375")

    mine = new_order(stack, tokens[AGENT], customer(stack, tokens[ADMIN])["id"],
                     assignee_id=call(stack, "GET", "/me", token=tokens[AGENT])["id"],
                     planned_date=date.today().isoformat())
    page.goto(f"{stack.url}/#/contact-orders/{mine['id']}")
    page.fill("#co-note-body", "Ringde kunden.")
    page.fill("#co-note-hours", "0,5")
    page.click("#co-note-save")
    expect(page.locator("#co-total-hours")).to_contain_text("0,5 h")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    portal.shot("contact-order-375")

    # The to-do list: today's order; the calendar address made, copied and revoked.
    page.goto(f"{stack.url}/#/todo")
    today = page.locator('[data-bucket="today"]')
    expect(today.locator(f'[data-order="{mine["id"]}"]')).to_be_visible()
    page.click("#feed-create")
    expect(page.locator("#feed-address")).to_have_value(re.compile(r"/calendar/demo\.[A-Za-z0-9_-]+\.ics$"))
    address = page.locator("#feed-address").input_value()
    status, headers, _ = stack.request("GET", address.removeprefix(stack.url))
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    portal.shot("todo-375")
    page.click("#feed-revoke")
    expect(page.locator("#feed-notice")).to_contain_text("avstängt")
    assert stack.request("GET", address.removeprefix(stack.url))[0] == 404

    # An assigned order is done by closing it, in one click.
    today.locator(f'[data-close="{mine["id"]}"]').click()
    expect(today.locator(f'[data-order="{mine["id"]}"]')).to_have_count(0)
    assert call(stack, "GET", f"/contact-orders/{mine['id']}", token=tokens[AGENT])["closed"]


def test_the_create_form_by_keyboard_alone(portal: Portal, stack: Stack,
                                           tokens: dict[str, str]) -> None:
    agent = staff_user(stack, tokens[ADMIN], ["agent"], "Kim Keys")
    kund = customer(stack, tokens[ADMIN], unique("Tangent AB"))
    site_name = unique("Huvudkontoret")
    call(stack, "POST", f"/organizations/{kund['id']}/sites", {"name": site_name},
         token=tokens[ADMIN], expect_status=201)
    page = portal.sign_in(agent["email"])
    page.goto(f"{stack.url}/#/contact-orders")
    # The list has loaded and the button holds the focus before the key is pressed (a full
    # run once pressed Enter with the focus elsewhere and the form never opened).
    expect(page.locator("#co-rows tr").first).to_be_visible()
    page.locator("#co-new").focus()
    expect(page.locator("#co-new")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#co-form #co-subject")).to_be_visible()
    expect(page.locator("#co-new-title")).to_be_focused()

    # Sending the empty form names both missing fields at the fields, the first focused.
    page.keyboard.press("Tab")
    expect(page.locator("#co-subject")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#co-subject-error")).to_contain_text("Write what the contact is about")
    expect(page.locator("#co-customer-error")).to_contain_text("Choose a customer")
    expect(page.locator("#co-subject")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#co-subject")).to_be_focused()

    page.keyboard.type("Keyboard only")
    page.keyboard.press("Tab")
    expect(page.locator("#co-customer")).to_be_focused()
    page.keyboard.type(kund["name"][:10])
    match = page.locator(f'#co-customer-matches [data-match="{kund["id"]}"]')
    expect(match).to_be_visible()
    page.keyboard.press("Tab")  # the magnifier
    expect(page.locator("#co-customer-search")).to_be_focused()
    page.keyboard.press("Tab")
    expect(match).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#co-customer")).to_have_value(kund["name"])
    expect(page.locator("#co-register-notice")).to_be_hidden()
    page.locator("#co-site").focus()
    page.keyboard.type("Huvud")
    site = page.locator("#co-site-matches button")
    expect(site).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(site).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#co-site")).to_have_value(site_name)
    page.locator("#co-contact-name").focus()
    page.keyboard.type("Kaj Kontakt")
    page.locator("#co-assign-me").focus()
    page.keyboard.press("Space")
    expect(page.locator("#co-assign-me")).to_be_checked()
    portal.shot("contact-order-create-keyboard")
    page.locator("#co-save").focus()
    page.keyboard.press("Enter")
    order_id = order_id_of(page)
    order = call(stack, "GET", f"/contact-orders/{order_id}", token=tokens[ADMIN])
    assert (order["subject"], order["customer"]["id"], order["site"]["name"], order["assignee_id"],
            order["contact"]["name"]) == ("Keyboard only", kund["id"], site_name, agent["id"],
                                          "Kaj Kontakt")

    # The sites' register finds the site with its customer, and makes an order from it.
    page.get_by_role("link", name="Registers").first.click()
    page.click("#register-sites")
    page.fill("#customer-q", site_name)
    row = page.locator("#register-list li")
    expect(row).to_have_count(1)
    expect(row.locator(".co-customer-link")).to_have_text(kund["name"])
    portal.shot("registers-sites")
    row.get_by_role("link", name="New contact order").click()
    expect(page.locator("#co-customer")).to_have_value(kund["name"])
    expect(page.locator("#co-site")).to_have_value(site_name)
