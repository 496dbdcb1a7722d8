"""The public status page (issue 17, item 9; seed 000: "Vi har en statussida med
uppdateringar i realtid för några av våra nätverk"): components, incidents and their
updates, and who is told of them by e-mail.

Pure: no I/O, no clock. A component's state is the worst of what the health probe says of
the platform part behind it and the impact of the open incidents that name it. Incidents
are shown for 90 days (open ones always); a subscriber is only told once confirmed
(double opt-in), and every mail carries an unsubscribe link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from chalicelib.domain.models import Command, Email, Id, Language, Model, Record
from chalicelib.domain.networks import LANGUAGES, LocalText, in_language

ComponentState = Literal["operational", "degraded", "outage"]
Impact = Literal["degraded", "outage"]
IncidentStatus = Literal["open", "resolved"]
UpdateText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=4000)]

WINDOW = timedelta(days=90)
MAX_INCIDENTS = 100  # the most one page read lists: a bounded Query
MAX_UPDATES = 100  # updates are kept in the incident's item (one read per page)
MAX_COMPONENTS = 50  # per incident and per tenant's own list
_RANK: dict[ComponentState, int] = {"operational": 0, "degraded": 1, "outage": 2}

# The platform's own parts, and which of ``/health``'s probes each depends on.
PLATFORM: dict[str, dict[str, str]] = {
    "portal": {"sv": "Portal", "fi": "Portaali", "en": "Portal"},
    "email": {"sv": "E-post", "fi": "Sähköposti", "en": "E-mail"},
    "api": {"sv": "API", "fi": "API", "en": "API"},
}
PROBES: dict[str, tuple[str, ...]] = {
    "portal": ("database",),
    "api": ("database",),
    "email": ("database", "notifications_dlq", "inbound_mail_dlq"),
}
NETWORK_PREFIX = "net-"
# The history events that post an update, told to the confirmed subscribers by e-mail.
TOLD_EVENTS = frozenset({"incident_created", "incident_updated", "incident_changed",
                         "incident_resolved"})
MAX_SUBSCRIBERS = 5000  # told per update; one message's work stays bounded


def worst(states: Iterable[ComponentState]) -> ComponentState:
    found: ComponentState = "operational"
    for state in states:
        if _RANK[state] > _RANK[found]:
            found = state
    return found


def network_component_id(network_id: str) -> str:
    return f"{NETWORK_PREFIX}{network_id}"


class ComponentDef(Model):
    """A component as the page lists it, before its state is known."""

    id: str
    name: dict[str, str | None]
    kind: Literal["platform", "network", "custom"]


class CustomComponent(Command):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
    name: LocalText


class ComponentsPut(Command):
    """Staff's own components (the platform's and the networks' are always there)."""

    components: list[CustomComponent] = Field(max_length=MAX_COMPONENTS)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        ids = [c.id for c in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError("component ids must be distinct")
        taken = [i for i in ids if i in PLATFORM or i.startswith(NETWORK_PREFIX)]
        if taken:
            raise ValueError(f"these ids are reserved: {', '.join(taken)}")
        return self


def component_list(networks: Iterable[Mapping[str, Any]],
                   custom: Iterable[Mapping[str, Any]]) -> list[ComponentDef]:
    """The platform's parts, then one per network, then staff's own: in that order."""
    found = [ComponentDef(id=k, name=dict(v), kind="platform") for k, v in PLATFORM.items()]
    found += [ComponentDef(id=network_component_id(n["id"]), name=dict(n["name"]),
                           kind="network") for n in networks]
    found += [ComponentDef(id=c["id"], name=dict(c["name"]), kind="custom") for c in custom]
    return found


def probe_state(component_id: str, probes: Mapping[str, str]) -> ComponentState:
    """``degraded`` when a probe it depends on is not ``ok`` (``/health`` knows no worse);
    networks and staff's components depend on the database too: they are data."""
    wanted = PROBES.get(component_id, ("database",))
    return "degraded" if any(probes.get(p, "ok") != "ok" for p in wanted) else "operational"


def component_states(components: Iterable[ComponentDef], probes: Mapping[str, str],
                     open_incidents: Iterable[Incident]) -> dict[str, ComponentState]:
    incidents = [i for i in open_incidents if i.status == "open"]
    states: dict[str, ComponentState] = {}
    for component in components:
        impacts: list[ComponentState] = [i.impact for i in incidents
                                         if component.id in i.component_ids]
        states[component.id] = worst([probe_state(component.id, probes), *impacts])
    return states


# --- incidents ----------------------------------------------------------------------------


class IncidentUpdate(Model):
    id: str
    at: str
    message: str
    impact: Impact | None = None
    resolved: bool = False


class Incident(Record):
    id: str
    title: dict[str, str | None]
    component_ids: list[str]
    impact: Impact
    status: IncidentStatus = "open"
    started_at: str
    resolved_at: str | None = None
    updated_at: str
    updates: list[IncidentUpdate] = Field(default_factory=list)


ComponentIds = Annotated[list[Id], Field(min_length=1, max_length=MAX_COMPONENTS)]


class IncidentCreate(Command):
    title: LocalText
    component_ids: ComponentIds
    impact: Impact
    message: UpdateText


class IncidentPatch(Command):
    title: LocalText | None = None
    component_ids: ComponentIds | None = None
    impact: Impact | None = None
    # Only ``true``: a resolved incident is not reopened (post a new one).
    resolved: Literal[True] | None = None
    message: UpdateText | None = None


class IncidentUpdateCreate(Command):
    message: UpdateText
    impact: Impact | None = None


def unknown_components(ids: Iterable[str], known: Iterable[ComponentDef]) -> list[int]:
    """The positions of ids that name no component of the tenant."""
    names = {c.id for c in known}
    return [n for n, i in enumerate(ids) if i not in names]


def distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def window_start(now: datetime) -> datetime:
    return now - WINDOW


def page_order(incidents: Iterable[Incident], since: str) -> list[Incident]:
    """Open ones first (newest first), then the resolved ones that started within the
    window, newest resolution first; an incident read twice (open and in the window) once."""
    seen: dict[str, Incident] = {}
    for incident in incidents:
        seen.setdefault(incident.id, incident)
    shown = [i for i in seen.values()
             if i.status == "open" or i.started_at >= since]
    open_ones = sorted((i for i in shown if i.status == "open"),
                       key=lambda i: i.started_at, reverse=True)
    resolved = sorted((i for i in shown if i.status == "resolved"),
                      key=lambda i: i.resolved_at or i.started_at, reverse=True)
    return [*open_ones, *resolved][:MAX_INCIDENTS]


class PublicComponent(Model):
    id: str
    name: str
    state: ComponentState


class PublicUpdate(Model):
    at: str
    message: str
    impact: Impact | None = None
    resolved: bool = False


class PublicIncident(Model):
    id: str
    title: str
    impact: Impact
    status: IncidentStatus
    started_at: str
    resolved_at: str | None = None
    components: list[PublicComponent]
    updates: list[PublicUpdate]


class StatusPage(Model):
    tenant: str
    name: str
    lang: Language
    state: ComponentState
    components: list[PublicComponent]
    incidents: list[PublicIncident]


def public_page(tenant: str, tenant_name: str, lang: Language,
                components: list[ComponentDef], probes: Mapping[str, str],
                incidents: list[Incident], since: str) -> StatusPage:
    """What anyone may read: names in ``lang``, states, and incidents without who wrote
    them; an incident's updates newest first."""
    states = component_states(components, probes, incidents)
    shown = [PublicComponent(id=c.id, name=in_language(c.name, lang), state=states[c.id])
             for c in components]
    by_id = {c.id: c for c in shown}
    listed = []
    for incident in page_order(incidents, since):
        named = [by_id[i] for i in incident.component_ids if i in by_id]
        listed.append(PublicIncident(
            id=incident.id, title=in_language(incident.title, lang), impact=incident.impact,
            status=incident.status, started_at=incident.started_at,
            resolved_at=incident.resolved_at, components=named,
            updates=[PublicUpdate(at=u.at, message=u.message, impact=u.impact,
                                  resolved=u.resolved)
                     for u in sorted(incident.updates, key=lambda u: u.at, reverse=True)]))
    return StatusPage(tenant=tenant, name=tenant_name, lang=lang,
                      state=worst(c.state for c in shown), components=shown,
                      incidents=listed)


# --- e-mail subscriptions -----------------------------------------------------------------


class SubscribeBody(Command):
    email: Email
    language: Language | None = None


class TokenBody(Command):
    token: Annotated[str, StringConstraints(min_length=10, max_length=2000)]


TokenPurpose = Literal["confirm", "unsubscribe"]
CONFIRM_DAYS = 7


class Subscriber(Model):
    email: str
    language: Language
    state: Literal["pending", "confirmed"]
    nonce: str  # bound into the confirmation token: a new request voids the old link
    created_at: str
    confirmed_at: str | None = None


def confirmation_mail(lang: str, tenant_name: str, link: str,
                      unsubscribe_link: str) -> tuple[str, str]:
    """The confirmation mail's subject and text, in the subscriber's language."""
    texts = {
        "sv": (f"Bekräfta prenumerationen på driftstatus för {tenant_name}",
               f"Hej,\n\nNågon (förhoppningsvis du) vill få e-post om driftstörningar hos "
               f"{tenant_name}. Bekräfta med länken nedan:\n{link}\n\n"
               f"Var det inte du? Gör ingenting, eller avsluta här:\n{unsubscribe_link}\n"),
        "fi": (f"Vahvista tilaus: {tenant_name}, palvelun tila",
               f"Hei,\n\nJoku (toivottavasti sinä) haluaa sähköpostia palvelun {tenant_name} "
               f"häiriöistä. Vahvista tilaus alla olevasta linkistä:\n{link}\n\n"
               f"Etkö se ollut sinä? Älä tee mitään, tai peru tästä:\n{unsubscribe_link}\n"),
        "en": (f"Confirm your subscription to {tenant_name} status updates",
               f"Hello,\n\nSomeone (hopefully you) asked to be e-mailed about incidents at "
               f"{tenant_name}. Confirm with the link below:\n{link}\n\n"
               f"Not you? Do nothing, or unsubscribe here:\n{unsubscribe_link}\n"),
    }
    return texts[lang if lang in LANGUAGES else "en"]
