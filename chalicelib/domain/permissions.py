"""Permission names (``<module>.<action>``) and the default roles.

A tenant's roles are these defaults overlaid by what its admin saved with
``PUT /roles/{name}``; a permission added here in a later release reaches every
tenant whose role still has its default set.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    SETTINGS_VIEW = "settings.view"
    SETTINGS_EDIT = "settings.edit"
    USERS_VIEW = "users.view"
    USERS_MANAGE = "users.manage"
    ROLES_VIEW = "roles.view"
    ROLES_MANAGE = "roles.manage"
    ORGANIZATIONS_VIEW = "organizations.view"
    ORGANIZATIONS_VIEW_OWN = "organizations.view_own"
    ORGANIZATIONS_CREATE = "organizations.create"
    ORGANIZATIONS_EDIT = "organizations.edit"
    # A contact admin manages the contacts and portal users of their own organisation.
    ORGANIZATIONS_MANAGE_OWN_CONTACTS = "organizations.manage_own_contacts"
    TICKETS_VIEW = "tickets.view"
    TICKETS_VIEW_ORGANIZATION = "tickets.view_organization"
    TICKETS_CREATE = "tickets.create"
    TICKETS_EDIT = "tickets.edit"
    TICKETS_COMMENT = "tickets.comment"
    TICKETS_COMMENT_INTERNAL = "tickets.comment_internal"
    TICKETS_ASSIGN = "tickets.assign"
    TICKETS_RESOLVE = "tickets.resolve"
    TICKETS_APPROVE = "tickets.approve"
    TICKET_TYPES_MANAGE = "ticket_types.manage"
    TEMPLATES_MANAGE = "templates.manage"
    # Exactly the rights seed 001 lists for contact orders.
    CONTACT_ORDERS_VIEW = "contact_orders.view"
    CONTACT_ORDERS_VIEW_ASSIGNED = "contact_orders.view_assigned"
    CONTACT_ORDERS_EDIT = "contact_orders.edit"
    CONTACT_ORDERS_CREATE = "contact_orders.create"
    CONTACT_ORDERS_DELETE = "contact_orders.delete"
    CONTACT_ORDERS_ASSIGN = "contact_orders.assign"
    CONTACT_ORDERS_ASSIGN_SELF = "contact_orders.assign_self"
    CONTACT_ORDERS_DELETE_FILES = "contact_orders.delete_files"
    NETWORKS_VIEW = "networks.view"
    NETWORKS_MANAGE = "networks.manage"
    SUBSCRIPTIONS_VIEW = "subscriptions.view"
    SUBSCRIPTIONS_MANAGE = "subscriptions.manage"
    SUBSCRIPTIONS_VALIDATE = "subscriptions.validate"
    # A supplier's users subscribe their own organisation and answer its questionnaire.
    SUBSCRIPTIONS_SUBSCRIBE = "subscriptions.subscribe"
    # A buyer's users search the published suppliers of their networks and follow them.
    SUPPLIERS_SEARCH = "suppliers.search"
    SUPPLIERS_FOLLOW = "suppliers.follow"
    CLIENT_CASES_MANAGE = "client_cases.manage"
    # Reports of the whole team (issue 23); without it an agent sees their own figures.
    REPORTS_VIEW = "reports.view"
    # Invite a client organisation to client cases (seed 003's "full permission" staff).
    CLIENT_CASES_INVITE = "client_cases.invite"
    BILLING_VIEW = "billing.view"
    # The help center (issue 17): write articles and categories; publish (what readers see).
    HELP_WRITE = "help.write"
    HELP_PUBLISH = "help.publish"
    # Incidents and components of the public status page (issue 17).
    STATUS_MANAGE = "status.manage"
    # Chat (issue 18): take chats from the queue, answer, transfer and end them.
    CHAT_ANSWER = "chat.answer"


P = Permission

_STAFF_BASE = {
    P.SETTINGS_VIEW,
    P.USERS_VIEW,
    P.ROLES_VIEW,
    P.ORGANIZATIONS_VIEW,
}

_CONTACT = {
    P.ORGANIZATIONS_VIEW_OWN,
    P.TICKETS_CREATE,
    P.TICKETS_COMMENT,
    P.TICKETS_APPROVE,
    P.SUBSCRIPTIONS_VIEW,
}

DEFAULT_ROLES: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "agent": frozenset(
        _STAFF_BASE
        | {
            P.ORGANIZATIONS_CREATE,
            P.ORGANIZATIONS_EDIT,
            P.TICKETS_VIEW,
            P.TICKETS_CREATE,
            P.TICKETS_EDIT,
            P.TICKETS_COMMENT,
            P.TICKETS_COMMENT_INTERNAL,
            P.TICKETS_ASSIGN,
            P.TICKETS_RESOLVE,
            P.CONTACT_ORDERS_VIEW,
            P.CONTACT_ORDERS_EDIT,
            P.CONTACT_ORDERS_CREATE,
            P.CONTACT_ORDERS_ASSIGN_SELF,
            P.CLIENT_CASES_MANAGE,
            P.HELP_WRITE,
            P.STATUS_MANAGE,
            P.CHAT_ANSWER,
        }
    ),
    "sales": frozenset(
        _STAFF_BASE
        | {
            P.ORGANIZATIONS_CREATE,
            P.ORGANIZATIONS_EDIT,
            P.TICKETS_VIEW,
            P.CONTACT_ORDERS_VIEW,
            P.CONTACT_ORDERS_EDIT,
            P.CONTACT_ORDERS_CREATE,
            P.CONTACT_ORDERS_ASSIGN,
            P.CONTACT_ORDERS_ASSIGN_SELF,
            P.CONTACT_ORDERS_DELETE_FILES,
        }
    ),
    "account_manager": frozenset(
        _STAFF_BASE
        | {
            P.ORGANIZATIONS_CREATE,
            P.ORGANIZATIONS_EDIT,
            P.TICKETS_VIEW,
            P.TICKETS_COMMENT,
            P.NETWORKS_VIEW,
            P.SUBSCRIPTIONS_VIEW,
            P.SUBSCRIPTIONS_MANAGE,
            P.SUBSCRIPTIONS_VALIDATE,
            P.CONTACT_ORDERS_VIEW,
            P.BILLING_VIEW,
        }
    ),
    "contact": frozenset(_CONTACT),
    # Portal users of a supplier organisation (seed 000): subscribe, answer, renew.
    "supplier": frozenset(_CONTACT | {P.NETWORKS_VIEW, P.SUBSCRIPTIONS_SUBSCRIBE}),
    # Portal users of a buyer organisation that is a member of a network.
    "buyer": frozenset(_CONTACT | {P.NETWORKS_VIEW, P.SUPPLIERS_SEARCH, P.SUPPLIERS_FOLLOW}),
    "contact_admin": frozenset(
        _CONTACT | {P.ORGANIZATIONS_MANAGE_OWN_CONTACTS, P.TICKETS_VIEW_ORGANIZATION}
    ),
}

STAFF_ROLES = frozenset({"admin", "agent", "sales", "account_manager"})
CONTACT_ROLES = frozenset({"contact", "contact_admin", "supplier", "buyer"})
# A role that only a user of an organisation of this kind may hold.
ROLE_ORGANIZATION_KINDS = {"supplier": "supplier", "buyer": "buyer"}

# The admin role must keep the right to edit roles, or a tenant could lock itself out.
LOCKOUT_GUARD: tuple[str, Permission] = ("admin", P.ROLES_MANAGE)


def permissions_for(roles: list[str], overrides: dict[str, frozenset[str]]) -> frozenset[str]:
    """The union of the roles' permissions; a saved role replaces its default."""
    granted: set[str] = set()
    for role in roles:
        if role in overrides:
            granted |= overrides[role]
        elif role in DEFAULT_ROLES:
            granted |= {p.value for p in DEFAULT_ROLES[role]}
    return frozenset(granted)
