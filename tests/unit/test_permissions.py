import pytest

from chalicelib.domain.directory import RoleBody, check_role_update, check_roles_fit_kind
from chalicelib.domain.errors import BusinessRuleViolation, InvalidInput
from chalicelib.domain.permissions import DEFAULT_ROLES, Permission, permissions_for


def test_default_roles_exist_as_the_contract_names_them() -> None:
    assert set(DEFAULT_ROLES) == {
        "admin", "agent", "sales", "account_manager", "contact", "contact_admin", "supplier",
        "buyer"}
    assert DEFAULT_ROLES["admin"] == frozenset(Permission)


def test_seed_001_contact_order_rights_are_all_there() -> None:
    names = {p.value for p in Permission if p.value.startswith("contact_orders.")}
    assert names == {f"contact_orders.{a}" for a in (
        "view", "view_assigned", "edit", "create", "delete", "assign", "assign_self",
        "delete_files")}


@pytest.mark.parametrize(
    ("roles", "overrides", "has", "lacks"),
    [
        (["agent"], {}, "tickets.resolve", "users.manage"),
        (["contact"], {}, "tickets.create", "tickets.view"),
        (["agent"], {"agent": frozenset({"tickets.view"})}, "tickets.view", "tickets.resolve"),
        (["agent", "sales"], {}, "contact_orders.assign", "settings.edit"),
        (["nonexistent"], {}, None, "tickets.view"),
    ],
)
def test_permissions_are_the_union_of_roles_with_saved_roles_replacing_defaults(
    roles: list[str], overrides: dict[str, frozenset[str]], has: str | None, lacks: str
) -> None:
    granted = permissions_for(roles, overrides)
    if has:
        assert has in granted
    assert lacks not in granted


def test_admin_role_cannot_lose_roles_manage() -> None:
    with pytest.raises(BusinessRuleViolation):
        check_role_update("admin", ["settings.view"])
    check_role_update("admin", ["roles.manage"])
    check_role_update("agent", [])


def test_unknown_permission_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown permissions: tickets\.fly"):
        RoleBody(permissions=["tickets.view", "tickets.fly"])
    assert RoleBody(permissions=["tickets.view", "tickets.view"]).permissions == ["tickets.view"]


def test_roles_must_fit_the_kind_of_user_and_each_bad_one_is_named() -> None:
    known = set(DEFAULT_ROLES)
    with pytest.raises(InvalidInput) as caught:
        check_roles_fit_kind("contact", ["contact", "admin", "ghost"], known)
    assert [e.loc for e in caught.value.errors] == [("body", "roles", 1), ("body", "roles", 2)]
    with pytest.raises(InvalidInput):
        check_roles_fit_kind("staff", ["contact_admin"], known)
    check_roles_fit_kind("staff", ["agent", "sales"], known)
