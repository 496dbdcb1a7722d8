"""Demo data of networks and subscriptions (seed 000) for the ``demo`` tenant: a network with
a questionnaire in sv, fi and en over the seed's ten sections, price tiers and a code list;
a buyer organisation that is a member (portal user ``buyer@demo.test``); a supplier with a
subscription in draft (portal user ``supplier@demo.test``) and a published one. Once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain import directory as directory_models
from chalicelib.domain import networks as network_models
from chalicelib.identity import cognito
from chalicelib.services import directory as directory_service
from chalicelib.services import networks
from chalicelib.services.context import Ctx

NETWORK_NAME = {"sv": "Byggnätverket Sverige", "fi": "Rakennusverkosto Ruotsi",
                "en": "Construction Network Sweden"}


def _text(sv: str, fi: str, en: str) -> dict[str, str]:
    return {"sv": sv, "fi": fi, "en": en}


def _question(question_id: str, kind: str, title: dict[str, str], required: bool = False,
              **extra: Any) -> dict[str, Any]:
    return {"id": question_id, "type": kind, "title": title, "required": required, **extra}


YES_NO = "yes_no"
QUESTIONNAIRE: dict[str, Any] = {"sections": [
    {"key": "products_services", "title": _text("Produkter och tjänster", "Tuotteet ja palvelut",
                                                "Products and services"),
     "questions": [
         _question("codes", "codes", _text("Registrerade koder", "Rekisteröidyt koodit",
                                           "Registered codes"), True),
         _question("offer", "text", _text("Beskriv ert erbjudande", "Kuvaile tarjontanne",
                                          "Describe what you offer"), True)]},
    {"key": "health_safety", "title": _text("Hälsa och säkerhet", "Terveys ja turvallisuus",
                                            "Health and safety"),
     "questions": [
         _question("safety_policy", YES_NO, _text(
             "Har ni en skriftlig arbetsmiljöpolicy?",
             "Onko teillä kirjallinen työturvallisuuspolitiikka?",
             "Do you have a written safety policy?"), True),
         _question("incidents", "number", _text("Antal arbetsolyckor senaste året",
                                                "Työtapaturmat viime vuonna",
                                                "Workplace accidents last year"))]},
    {"key": "environment", "title": _text("Miljö", "Ympäristö", "Environment"),
     "questions": [_question("iso14001", "certification", _text(
         "ISO 14001-certifikat", "ISO 14001 -sertifikaatti", "ISO 14001 certificate"))]},
    {"key": "quality", "title": _text("Kvalitet", "Laatu", "Quality"),
     "questions": [_question("iso9001", YES_NO, _text("Är ni certifierade enligt ISO 9001?",
                                                      "Onko teillä ISO 9001 -sertifiointi?",
                                                      "Are you ISO 9001 certified?"), True)]},
    {"key": "supply_chain", "title": _text("Leverantörskedjan", "Toimitusketju",
                                           "Supply chain management"),
     "questions": [_question("subcontractors", "number", _text(
         "Antal underleverantörer", "Alihankkijoiden määrä", "Number of subcontractors"))]},
    {"key": "carbon_footprint", "title": _text("Koldioxidavtryck", "Hiilijalanjälki",
                                               "Carbon footprint"),
     "questions": [_question("co2", "number", _text(
         "Utsläpp per år (ton CO2e)", "Päästöt vuodessa (t CO2e)",
         "Emissions a year (tonnes CO2e)"))]},
    {"key": "social_responsibility", "title": _text("Samhällsansvar", "Yhteiskuntavastuu",
                                                    "Social responsibility"),
     "questions": [_question("code_of_conduct", YES_NO, _text(
         "Har ni en uppförandekod för leverantörer?", "Onko teillä toimittajien toimintaohje?",
         "Do you have a supplier code of conduct?"))]},
    {"key": "insurance", "title": _text("Försäkringar", "Vakuutukset", "Insurance"),
     "questions": [
         _question("liability", "number", _text("Ansvarsförsäkring (SEK)",
                                                "Vastuuvakuutus (SEK)",
                                                "Liability cover (SEK)"), True),
         _question("insurer", "single_choice", _text("Försäkringsbolag", "Vakuutusyhtiö",
                                                     "Insurer"),
                   options=[{"value": "if", "label": _text("If", "If", "If")},
                            {"value": "lansforsakringar",
                             "label": _text("Länsförsäkringar", "Länsförsäkringar",
                                            "Länsförsäkringar")},
                            {"value": "other", "label": _text("Annat", "Muu", "Other")}])]},
    {"key": "financials", "title": _text("Räkenskaper", "Talous", "Financials"),
     "questions": [
         _question("turnover", "number", _text("Omsättning senaste året (SEK)",
                                               "Liikevaihto viime vuonna (SEK)",
                                               "Turnover last year (SEK)"), True),
         _question("annual_report", "file", _text("Årsredovisning", "Tilinpäätös",
                                                  "Annual report"))]},
    {"key": "compliance", "title": _text("Regelefterlevnad", "Säännösten noudattaminen",
                                         "Compliance"),
     "questions": [_question("tax_paid", YES_NO, _text(
         "Är skatter och avgifter betalda?", "Onko verot ja maksut maksettu?",
         "Are taxes and fees paid?"), True)]},
]}

CODES = [("45.21", _text("Byggnadsarbeten", "Rakennustyöt", "Building works")),
         ("45.31", _text("Elinstallationer", "Sähköasennukset", "Electrical installation")),
         ("45.33", _text("VVS-arbeten", "LVI-työt", "Plumbing")),
         ("71.12", _text("Teknisk konsultverksamhet", "Tekninen konsultointi",
                         "Engineering consultancy"))]

PUBLISHED_ANSWERS: dict[str, Any] = {
    "codes": ["45.21", "45.33"], "offer": "Betongarbeten och VVS för flerbostadshus.",
    "safety_policy": True, "iso9001": True, "liability": 10_000_000, "insurer": "if",
    "turnover": 48_000_000, "tax_paid": True}


def _org(ctx: Ctx, name: str, kind: str) -> directory_models.Organization:
    for item in directory_service.list_organizations(ctx, name, 10, None).items:
        if item["name"] == name:
            return directory_models.Organization.model_validate(item)
    return directory_service.create_organization(ctx, directory_models.OrganizationCreate(
        name=name, kind=kind))  # type: ignore[arg-type]


def _portal_user(ctx: Ctx, email: str, name: str, org: directory_models.Organization,
                 role: str, password: str) -> None:
    existing = {u["email"] for u in directory_service.list_users(ctx, 100, None).items}
    if email in existing:
        return
    user = directory_service.create_user(ctx, directory_models.UserCreate(
        email=email, name=name, kind="contact", roles=[role], organization_id=org.id,
        language="sv"))
    cognito.set_permanent_password(user.id, password)


def seed_demo_networks(ctx: Ctx, tenant: str, password: str,
                       as_user: Callable[[str], Ctx]) -> list[tuple[str, str]]:
    """The demo network and its people, once; (email, role) of the portal users."""
    buyer_org = _org(ctx, "Inköpscentralen AB", "buyer")
    supplier_org = _org(ctx, "Bygg & Betong AB", "supplier")
    published_org = _org(ctx, "Nordisk Stål AB", "supplier")
    supplier, buyer = f"supplier@{tenant}.test", f"buyer@{tenant}.test"
    _portal_user(ctx, supplier, "Selma Supplier", supplier_org, "supplier", password)
    _portal_user(ctx, buyer, "Bertil Buyer", buyer_org, "buyer", password)
    logins = [(supplier, "supplier"), (buyer, "buyer")]
    if networks.search_networks(ctx, None, None, None):
        return logins
    network = networks.create_network(ctx, network_models.NetworkCreate.model_validate({
        "name": NETWORK_NAME, "sector": "construction", "regions": ["se", "fi"],
        "price_tiers": [{"up_to": 5, "yearly_price": 4900}, {"up_to": 25, "yearly_price": 9900},
                        {"up_to": None, "yearly_price": 14900}],
        "code_list": [{"code": code, "name": name} for code, name in CODES],
        "member_organization_ids": [buyer_org.id], "questionnaire": QUESTIONNAIRE,
        "description": _text("Förkvalificerade leverantörer till byggsektorn",
                             "Esivalitut toimittajat rakennusalalle",
                             "Pre-qualified suppliers to the construction sector")}))
    # The supplier's own subscription, in draft with a first answer.
    draft = networks.subscribe(as_user(supplier), network_models.SubscriptionCreate(
        network_id=network.id, product_codes=["45.21", "45.31"]))
    networks.put_questionnaire(as_user(supplier), draft.id, network_models.AnswersPut(
        answers={"codes": ["45.21", "45.31"]}))
    # A published supplier, for the buyers' search.
    published = networks.subscribe(ctx, network_models.SubscriptionCreate(
        network_id=network.id, product_codes=["45.21", "45.33"],
        organization_id=published_org.id))
    networks.put_questionnaire(ctx, published.id, network_models.AnswersPut(
        answers=PUBLISHED_ANSWERS))
    networks.submit(ctx, published.id)
    networks.validate(ctx, published.id, network_models.ValidationDecision(decision="publish"))
    return logins
