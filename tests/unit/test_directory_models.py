import pytest
from pydantic import ValidationError

from chalicelib.domain import directory as d


def test_settings_defaults_follow_the_seeds() -> None:
    s = d.SettingsBody()
    assert s.approval_reminder_hours == 120
    assert s.auto_close_hours == 24
    assert s.support_hours.start == "08:00" and s.support_hours.weekdays == [1, 2, 3, 4, 5]
    assert s.contact_order_sort == "planned_date"


@pytest.mark.parametrize(
    "body",
    [
        {"default_language": "en", "languages": ["sv"]},
        {"contact_order_statuses": ["Ny", "Ny"]},
        {"contact_order_statuses": []},
        {"support_hours": {"start": "16:00", "end": "08:00"}},
        {"support_hours": {"start": "25:00"}},
        {"contact_order_sort": "random"},
        {"approval_reminder_hours": 0},
        {"unknown": True},
    ],
)
def test_inconsistent_settings_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        d.SettingsBody.model_validate(body)


def test_contact_users_need_an_organisation_and_staff_have_none() -> None:
    with pytest.raises(ValidationError):
        d.UserCreate(email="a@b.se", name="A", kind="contact")
    with pytest.raises(ValidationError):
        d.UserCreate(email="a@b.se", name="A", kind="staff", organization_id="x")
    user = d.UserCreate(email=" Anna@Example.SE ", name=" Anna ", kind="contact",
                        organization_id="o1")
    assert user.email == "anna@example.se" and user.name == "Anna"
    assert user.effective_roles() == ["contact"]


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.se", "<a@b.se>", "a@b..se"])
def test_bad_email_addresses_are_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        d.ContactCreate(name="X", email=email)


def test_site_location_is_bounded_and_gives_a_map_link() -> None:
    with pytest.raises(ValidationError):
        d.Location(lat=91, lon=0)
    url = d.map_url(d.Location(lat=59.33, lon=18.06))
    assert url is not None and "mlat=59.33" in url and "mlon=18.06" in url
    assert d.map_url(None) is None


def test_name_key_ignores_case_and_spacing() -> None:
    assert d.name_key("  Acme   AB ") == d.name_key("acme ab") == "acme ab"


def test_every_listed_support_address_has_a_status_pending_until_proven() -> None:
    from chalicelib.domain.directory import TenantSettings

    legacy = TenantSettings.model_validate({
        "tenant": "demo", "updated_at": "2026-11-22T09:30:00Z",
        "email": {"addresses": ["support@kund.se", "sales@kund.se"]},
        "email_address_status": {"sales@kund.se": "verified", "gone@kund.se": "verified"}})
    assert legacy.email_address_status == {"support@kund.se": "pending",
                                           "sales@kund.se": "verified"}
