"""The reports in the portal (issue 23, items 3 and 4) in Chromium against the local stack:
an admin's home shows today's volumes and the 30 days' trend; #/reports draws the volume
chart, shows the same figures as a table (reached by keyboard) and downloads the report's
CSV for Excel; the breakdown by channel; an agent without reports.view sees their own
figures and is told so.

The browser fixtures are those of test_portal_tickets.py (a fresh context per test that
fails on a console error or a CSP violation); every test makes its own ticket.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("inboxes_read_afterwards")]

ADMIN, AGENT, CUSTOMER = "admin@demo.test", "agent@demo.test", "customer@demo.test"
BOM = b"\xef\xbb\xbf"


def new_ticket(stack: Stack, tokens: dict[str, str]) -> dict[str, Any]:
    status, _, ticket = stack.request("POST", "/tickets", {
        "subject": f"Rapportera mig {uuid.uuid4().hex[:8]}", "description": "",
        "ticket_type_id": "question"}, token=tokens[CUSTOMER])
    assert status == 201, ticket
    return dict(ticket)


def test_the_admins_home_shows_todays_volumes_and_the_trend(
        portal: Portal, tokens: dict[str, str]) -> None:
    new_ticket(portal.stack, tokens)
    page = portal.sign_in(ADMIN)
    trend = page.locator("#home-trend")
    expect(trend.locator("#home-trend-title")).to_have_text("I dag och de senaste 30 dagarna")
    created = trend.locator("[data-today=created]")
    expect(created).to_contain_text("Skapade i dag")
    expect(created.locator(".home-work__count")).not_to_have_text("0")
    chart = trend.locator("[data-chart=volume]")
    expect(chart.locator("svg[role=img]")).to_be_visible()
    expect(chart.locator("svg title")).to_have_text("Skapade och lösta, senaste 30 dagarna")
    # Thirty days, one row each, in the table behind the chart.
    chart.locator("[data-table-toggle=volume]").click()
    expect(chart.locator("tbody tr")).to_have_count(30)
    portal.shot("home-reports")
    # In Finnish: the chart is drawn again in the language, dates in its format.
    page.select_option("#language-select", "fi")
    expect(trend.locator("#home-trend-title")).to_have_text("Tänään ja viimeiset 30 päivää")
    expect(chart.locator("svg title")).to_have_text("Luodut ja ratkaistut, viimeiset 30 päivää")
    expect(chart.locator("tbody th").last).to_have_text(re.compile(r"^\d{1,2}\.\d{1,2}\.20\d\d$"))


def test_an_admin_reads_the_volume_chart_as_a_table_and_downloads_the_csv(
        portal: Portal, tokens: dict[str, str]) -> None:
    new_ticket(portal.stack, tokens)
    page = portal.sign_in(ADMIN)
    page.goto(f"{portal.stack.url}/#/reports")
    expect(page.locator("#reports-title")).to_have_text("Rapporter")
    expect(page.locator("[data-own-figures]")).to_have_count(0)
    volume = page.locator("[data-chart=volume]")
    svg = volume.locator("svg[role=img]")
    expect(svg).to_be_visible()
    expect(svg.locator("title")).to_have_text("Skapade och lösta")
    expect(svg.locator("rect.chart__bar").first).to_be_attached()
    expect(svg.locator("text.chart__tick--y").first).to_have_text("0")
    expect(svg.locator("text.chart__tick--x").first).to_have_text(re.compile(r"^\d{1,2} \w+\.?$"))
    expect(svg).not_to_contain_text("[object")
    portal.shot("reports")
    expect(page.locator("#reports-status")).to_have_text("30 perioder visas.")
    note = page.locator("[data-chart=first_response] .chart__note")
    expect(note).to_contain_text("supporttimmar")

    # The table view, by keyboard: the same figures under a caption, one row per day.
    toggle = volume.locator("[data-table-toggle=volume]")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    table = volume.get_by_role("table", name="Skapade och lösta")
    expect(table).to_be_visible()
    expect(svg).to_be_hidden()
    expect(table.locator("thead th")).to_have_text(["Period", "Skapade", "Lösta"])
    expect(table.locator("tbody tr")).to_have_count(30)
    expect(table.locator("tbody tr").last.locator("td").first).not_to_have_text("0")
    portal.shot("reports-table")

    # The CSV: fetched with the token, saved from a blob: address, as Excel reads it.
    with page.expect_download() as got:
        volume.locator("[data-csv]").click()
    download = got.value
    assert download.suggested_filename.startswith("tickets-")
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(BOM + b"Period;Created;First responses;Resolved;"), data[:80]

    # One organisation, searched for by name as on the contact order form.
    page.select_option("#reports-filter", "organization_id")
    page.fill("#reports-organization", "Acme")
    with page.expect_response(lambda r: "organization_id=" in r.url
                              and "/reports/tickets?" in r.url) as filtered:
        page.locator("#reports-organization-matches button", has_text="Acme AB").click()
    assert filtered.value.status == 200
    expect(page.locator("#reports-organization")).to_have_value("Acme AB")
    expect(volume.locator("svg[role=img]")).to_be_visible()
    with page.expect_response(lambda r: "/reports/tickets?" in r.url
                              and "organization_id=" not in r.url):
        page.select_option("#reports-filter", "")

    # By week, then the breakdown by channel ("written vs calls").
    with page.expect_response(lambda r: "group_by=week" in r.url) as weekly:
        page.select_option("#reports-group", "week")
    assert weekly.value.status == 200
    expect(page.locator("#reports-status")).to_have_text(re.compile(r"^[4-6] perioder visas\.$"))
    page.select_option("#breakdown-by", "channel")
    breakdown = page.locator("#breakdown-table")
    expect(breakdown.locator("caption")).to_have_text("Fördelning: Kanal")
    expect(breakdown.locator("tbody th", has_text="Portalen")).to_be_visible()

    # The address keeps the choices: a reload shows the same report.
    expect(page).to_have_url(re.compile(r"#/reports\?group_by=week&by=channel$"))
    page.reload()
    expect(page.locator("#reports-group")).to_have_value("week")
    expect(page.locator("#breakdown-by")).to_have_value("channel")
    expect(page.locator("#breakdown-table caption")).to_have_text("Fördelning: Kanal")

    # Contact orders (seed 001): the demo's orders were opened today by the agent.
    expect(page.locator("#orders-title")).to_have_text("Kontaktordrar")
    expect(page.locator("[data-chart=orders] svg[role=img]")).to_be_visible()
    expect(page.locator("#orders-people tbody th", has_text="Aino Agent")).to_be_visible()


def test_the_reports_fit_a_375_px_phone(portal: Portal, tokens: dict[str, str]) -> None:
    portal.page.set_viewport_size({"width": 375, "height": 740})
    page = portal.sign_in(ADMIN)
    expect(page.locator("#home-trend [data-chart=volume] svg")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.goto(f"{portal.stack.url}/#/reports")
    expect(page.locator("#breakdown-table")).to_be_visible()
    expect(page.locator("[data-chart=satisfaction] svg")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    portal.shot("reports-375")


def test_an_agent_without_reports_view_sees_their_own_figures(
        portal: Portal, tokens: dict[str, str]) -> None:
    page = portal.sign_in(AGENT)
    expect(page.locator("#home-trend")).to_have_count(0)
    page.goto(f"{portal.stack.url}/#/reports")
    expect(page.locator("[data-own-figures]")).to_contain_text("dina egna siffror")
    expect(page.locator("[data-chart=volume] svg[role=img]")).to_be_visible()
    expect(page.locator("#reports-filter")).to_have_count(0)
    expect(page.locator("#reports-breakdown")).to_have_count(0)
