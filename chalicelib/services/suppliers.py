"""The buyers' side of networks (seed 000: "Som inköpare, hur hittar och följer jag
leverantörer?"): search the published suppliers of a network the buyer's organisation is a
member of, read a supplier's published answers, follow suppliers.

Who sees what: a buyer (``suppliers.search``) sees the networks their organisation is a
member of, and in them only published, unexpired suppliers and their published answers
(never drafts, never staff notes); staff with ``subscriptions.view`` see every network's. A
network the caller may not search, or a supplier not published to them, is a 404.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain import networks as rules
from chalicelib.domain.directory import name_key
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.networks import Network, Subscription, SupplierListing
from chalicelib.domain.permissions import Permission
from chalicelib.services.context import Ctx
from chalicelib.services.networks import repo
from chalicelib.store.dynamo import Page, UnitOfWork
from chalicelib.store.networks import PUBLISHED


def _may_search(ctx: Ctx, network: Network) -> bool:
    principal = ctx.principal
    if principal.is_staff:
        return principal.can(Permission.SUBSCRIPTIONS_VIEW)
    return (principal.can(Permission.SUPPLIERS_SEARCH)
            and principal.organization_id in network.member_organization_ids)


def _searchable_network(ctx: Ctx, network_id: str) -> Network:
    item = repo().get_network(ctx.tenant, network_id)
    if item is None:
        raise NotFound("No such network.")
    network = Network.model_validate(item)
    if not _may_search(ctx, network):
        raise NotFound("No such network.")
    return network


def _with_followed(ctx: Ctx, listings: list[SupplierListing]) -> list[SupplierListing]:
    if not listings or ctx.principal.is_staff:
        return listings
    followed = repo().follows_of(ctx.tenant, ctx.principal.user_id,
                                 [x.supplier_id for x in listings])
    return [x.model_copy(update={"followed": x.supplier_id in followed}) for x in listings]


def search(ctx: Ctx, network_id: str, q: str | None, code: str | None, region: str | None,
           limit: int, start_key: dict[str, Any] | None) -> Page:
    """One Query: a six-digit ``q`` is a supplier id (one GetItem chain, no list); otherwise
    the network's, code's or region's list from the name prefix ``q``."""
    _searchable_network(ctx, network_id)
    text = (q or "").strip()
    if rules.SUPPLIER_ID_PATTERN.match(text):
        found = _published_in(ctx, text, network_id)
        listings = [] if found is None or (code and code not in found.product_codes) or (
            region and region not in found.regions) else [found]
        return Page([x.model_dump(mode="json") for x in _with_followed(ctx, listings)], None)
    page = repo().search_listings(ctx.tenant, network_id, code=code, region=region,
                                  name_prefix=name_key(text) if text else "",
                                  now=ctx.stamp, limit=limit, start_key=start_key)
    listings = [SupplierListing.model_validate(i) for i in page.items]
    return Page([x.model_dump(mode="json") for x in _with_followed(ctx, listings)],
                page.last_key)


def _published_in(ctx: Ctx, supplier_id: str, network_id: str) -> SupplierListing | None:
    """The supplier's listing in the network when it is published and not expired."""
    organization_id = repo().supplier_org(ctx.tenant, supplier_id)
    if organization_id is None:
        return None
    subscription_id = repo().organization_network(ctx.tenant, organization_id, network_id)
    item = repo().get_subscription(ctx.tenant, subscription_id) if subscription_id else None
    if item is None:
        return None
    subscription = Subscription.model_validate(item)
    shown = rules.shown_status(subscription.status, subscription.expires_at, ctx.now)
    if subscription.published_at is None or shown == "expired":
        return None
    name = subscription.organization_name or subscription.organization_id
    return rules.listing_of(subscription, name, name_key(name))


def _visible_networks(ctx: Ctx) -> list[Network]:
    """The networks the caller may search (a tenant runs tens: one Query)."""
    return [network for network in map(Network.model_validate, repo().list_networks(ctx.tenant))
            if _may_search(ctx, network)]


def profile(ctx: Ctx, supplier_id: str) -> dict[str, Any]:
    """The supplier in each network the caller may search where it is published: the
    published answers (as validated, not the drafts since), the codes, regions, validity."""
    if not rules.SUPPLIER_ID_PATTERN.match(supplier_id):
        raise NotFound("No such supplier.")
    entries = []
    name, organization_id = None, None
    for network in _visible_networks(ctx):
        listing = _published_in(ctx, supplier_id, network.id)
        if listing is None:
            continue
        name, organization_id = listing.name, listing.organization_id
        published = repo().get_answers(ctx.tenant, listing.subscription_id, PUBLISHED) or {}
        subscription = repo().get_subscription(ctx.tenant, listing.subscription_id) or {}
        entries.append({
            "network_id": network.id, "network_name": network.name,
            "subscription_id": listing.subscription_id,
            "published_at": listing.published_at, "expires_at": listing.expires_at,
            "product_codes": listing.product_codes, "regions": listing.regions,
            "last_audit_result": subscription.get("last_audit_result"),
            "questionnaire": network.questionnaire,
            "answers": published.get("answers", {})})
    if not entries:
        raise NotFound("No such supplier.")
    followed = not ctx.principal.is_staff and supplier_id in repo().follows_of(
        ctx.tenant, ctx.principal.user_id, [supplier_id])
    return {"supplier_id": supplier_id, "organization_id": organization_id, "name": name,
            "followed": followed, "networks": entries}


def _buyer(ctx: Ctx) -> None:
    if ctx.principal.is_staff or not ctx.principal.can(Permission.SUPPLIERS_FOLLOW):
        raise Forbidden("Buyers follow suppliers (suppliers.follow).")


def follow(ctx: Ctx, supplier_id: str) -> dict[str, Any]:
    """Follows a supplier published in one of the buyer's networks; again changes nothing."""
    _buyer(ctx)
    found = profile(ctx, supplier_id)
    summary = {"supplier_id": supplier_id, "organization_id": found["organization_id"],
               "name": found["name"]}
    uow = UnitOfWork()
    repo().follow(uow, ctx.tenant, ctx.principal.user_id, summary, ctx.stamp)
    uow.commit()
    return {**summary, "followed": True}


def unfollow(ctx: Ctx, supplier_id: str) -> None:
    _buyer(ctx)
    if not rules.SUPPLIER_ID_PATTERN.match(supplier_id):
        raise NotFound("No such supplier.")
    uow = UnitOfWork()
    repo().unfollow(uow, ctx.tenant, ctx.principal.user_id, supplier_id)
    uow.commit()


def followed(ctx: Ctx, limit: int, start_key: dict[str, Any] | None) -> Page:
    _buyer(ctx)
    return repo().followed(ctx.tenant, ctx.principal.user_id, limit, start_key)
