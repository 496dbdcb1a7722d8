"""What the networks tests share: a questionnaire of every kind of section and question,
organisations and portal users made through the API, the mail sent about a subscription."""

from __future__ import annotations

from typing import Any

from chalicelib.identity import cognito
from local.outbox import LocalOutbox
from tests.integration.api_client import PASSWORD, Api

QUESTIONNAIRE = {"sections": [
    {"key": "products_services", "title": {"sv": "Produkter och tjänster", "en": "Products"},
     "questions": [
         {"id": "codes", "type": "codes", "title": {"en": "Codes"}, "required": True},
         {"id": "description", "type": "text", "title": {"en": "What you do"}}]},
    {"key": "quality", "title": {"sv": "Kvalitet", "en": "Quality"}, "questions": [
        {"id": "iso9001", "type": "yes_no", "title": {"en": "ISO 9001?"}, "required": True},
        {"id": "certificate", "type": "certification", "title": {"en": "Certificate"}}]},
    {"key": "insurance", "title": {"sv": "Försäkringar", "en": "Insurance"}, "questions": [
        {"id": "liability", "type": "number", "title": {"en": "Liability cover"},
         "required": True},
        {"id": "insurer", "type": "single_choice", "title": {"en": "Insurer"},
         "options": [{"value": "if", "label": {"en": "If"}},
                     {"value": "lf", "label": {"en": "Länsförsäkringar"}}]}]},
]}


def make_org(api: Api, admin: str, name: str, kind: str) -> str:
    answer = api.call("POST", "/organizations", {"name": name, "kind": kind}, as_user=admin)
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def make_portal_user(api: Api, admin: str, email: str, org_id: str, role: str) -> None:
    answer = api.call("POST", "/users", {"email": email, "name": email.split("@")[0].title(),
                                         "kind": "contact", "organization_id": org_id,
                                         "roles": [role]}, as_user=admin)
    assert answer.status == 201, answer.body
    cognito.set_permanent_password(email, PASSWORD)


def mails_about(mail: LocalOutbox, marker: str, to: str) -> list[dict[str, Any]]:
    return [m for m in mail.messages()
            if m["via"] == "ses" and marker in m["subject"] and to in m["to"]]
