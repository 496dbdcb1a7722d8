"""The demo help center's content (issue 17, item 10), written from the seeds' topics in sv,
fi and en: how to create a ticket (seed 002's checklist), ticket types and what is billable,
approving a resolved ticket, third-party questions (seed 002's Pagero example), development
suggestions (seed 002's checklist), subscription questions (seed 000); ``seed_demo_help``
writes it through the help center's own services.
"""

from __future__ import annotations

from typing import Any

# (key, icon, {language: (name, slug, description)})
CATEGORIES: list[tuple[str, str, dict[str, tuple[str, str, str]]]] = [
    ("getting_started", "rocket", {
        "sv": ("Komma igång", "komma-igang", "Så fungerar supporten och portalen."),
        "fi": ("Aloittaminen", "aloittaminen", "Näin asiakastuki ja portaali toimivat."),
        "en": ("Getting started", "getting-started", "How support and the portal work.")}),
    ("tickets", "ticket", {
        "sv": ("Ärenden", "arenden", "Skapa, följa och godkänna ärenden."),
        "fi": ("Tiketit", "tukipyynnot",
               "Tikettien jättäminen, seuraaminen ja hyväksyminen."),
        "en": ("Tickets", "tickets", "Creating, following and approving tickets.")}),
    ("subscription", "badge", {
        "sv": ("Prenumeration", "prenumeration", "Nätverk, leverantörs-id och förnyelse."),
        "fi": ("Tilaus", "tilaus", "Verkostot, toimittajatunnus ja uusiminen."),
        "en": ("Subscription", "subscription", "Networks, supplier id and renewal.")}),
    ("technical_support", "wrench", {
        "sv": ("Teknisk support", "teknisk-support", "Fel, tredje parter och förslag."),
        "fi": ("Tekninen tuki", "tekninen-tuki", "Virheet, kolmannet osapuolet ja ehdotukset."),
        "en": ("Technical support", "technical-support", "Faults, third parties and ideas.")}),
]

# (key, category keys, {language: (title, slug, body in Markdown)})
ARTICLES: list[tuple[str, list[str], dict[str, tuple[str, str, str]]]] = [
    ("create_ticket", ["getting_started", "tickets"], {
        "sv": ("Så skapar du ett bra ärende", "skapa-arende", """\
Ett skriftligt ärende är supportens viktigaste verktyg. Ju tydligare det är, desto snabbare
får du ett bra svar.

**Checklista för ärenden**

1. Beskriv problemet eller frågan så exakt som möjligt.
2. Ange vilken person, faktura, handling, arbetsorder, plats eller vilket kundnummer det gäller.
3. Bifoga det som behövs, till exempel skärmbilder eller Skatteverkets förfrågan.

:::tip
Skriftliga ärenden besvaras ofta snabbare än samtal, och svaret finns kvar att gå tillbaka till.
:::

[[ticket:question]]
"""),
        "fi": ("Näin jätät hyvän tiketin", "tukipyynnon-jattaminen", """\
Kirjallinen tiketti on asiakastuen tärkein työkalu. Mitä selkeämpi se on, sitä nopeammin
saat tarkan vastauksen.

**Muistilista tiketteihin**

1. Kuvaa ongelma tai kysymys mahdollisimman tarkasti.
2. Yksilöi henkilö, lasku, asiakirja, työtilaus, kohde tai asiakasnumero.
3. Lisää tarvittavat liitteet, esimerkiksi kuvankaappaukset tai verottajan selvityspyynnöt.

:::tip
Kirjallisiin tiketteihin vastataan usein nopeammin kuin puheluihin, ja asia jää kirjallisena
ylös.
:::

[[ticket:question]]
"""),
        "en": ("How to write a good ticket", "create-a-ticket", """\
A written ticket is support's main tool. The clearer it is, the sooner you get a precise answer.

**Checklist for tickets**

1. Describe the problem or question as precisely as you can.
2. Name the person, invoice, document, work order, site or customer number it is about.
3. Attach what helps, such as screenshots or the tax office's request.

:::tip
Written tickets are often answered sooner than calls, and the answer stays on record.
:::

[[ticket:question]]
""")}),
    ("ticket_types", ["tickets"], {
        "sv": ("Ärendetyper och vad som debiteras", "arendetyper", """\
| Ärendetyp | Debiteras |
| --- | --- |
| Fråga | Nej, inom avtalet |
| Tekniskt fel | Nej |
| Utbildning | Ja, per påbörjad kvart |
| Utvecklingsförslag | Nej |

:::info
Tid för arbete som kunden själv ansvarar för, som behörigheter och prislistor, kan debiteras.
:::
"""),
        "fi": ("Tikettien tyypit ja laskutus", "tukipyyntojen-tyypit", """\
| Tyyppi | Laskutetaan |
| --- | --- |
| Kysymys | Ei, sopimuksen mukaan |
| Tekninen vika | Ei |
| Koulutus | Kyllä, jokaiselta alkavalta varttitunnilta |
| Kehitysehdotus | Ei |

:::info
Asiakkaan omalle vastuulle kuuluvat tehtävät, kuten käyttöoikeudet ja hinnastot, voidaan laskuttaa.
:::
"""),
        "en": ("Ticket types and what is billable", "ticket-types", """\
| Ticket type | Billable |
| --- | --- |
| Question | No, within the agreement |
| Technical fault | No |
| Training | Yes, per quarter hour begun |
| Development suggestion | No |

:::info
Work that is the customer's own responsibility, such as permissions and price lists, may be billed.
:::
""")}),
    ("approve_ticket", ["tickets"], {
        "sv": ("Godkänna ett åtgärdat ärende", "godkanna-arende", """\
När vi har åtgärdat ett ärende får du ett mejl med två knappar: **Testat OK** och **Inte OK**.

{buttons}

- *Testat OK* stänger ärendet.
- *Inte OK* öppnar det igen; skriv gärna vad som fortfarande inte fungerar.

:::note
Svarar du inte godkänns ärendet automatiskt efter en tid, och du får en påminnelse innan dess.
:::
"""),
        "fi": ("Ratkaistun tiketin hyväksyminen", "tukipyynnon-hyvaksyminen", """\
Kun olemme ratkaisseet tiketin, saat sähköpostin, jossa on kaksi painiketta: **Testattu OK**
ja **Ei OK**.

{buttons}

- *Testattu OK* sulkee tiketin.
- *Ei OK* avaa sen uudelleen; kerro mielellään, mikä ei vielä toimi.

:::note
Jos et vastaa, tiketti hyväksytään automaattisesti, ja saat sitä ennen muistutuksen.
:::
"""),
        "en": ("Approving a resolved ticket", "approve-a-ticket", """\
When we have resolved a ticket you get an e-mail with two buttons: **Tested OK** and **Not OK**.

{buttons}

- *Tested OK* closes the ticket.
- *Not OK* opens it again; do say what still does not work.

:::note
If you do not answer, the ticket is approved automatically after a while, with a reminder first.
:::
""")}),
    ("third_parties", ["technical_support"], {
        "sv": ("Frågor som gäller tredje part", "tredje-part", """\
Vissa frågor löses snabbast direkt hos tredje part, till exempel e-fakturaoperatören.
Gäller det en faktura som inte har kommit fram till kunden, kontakta operatören (Pagero)
direkt: de ser i sitt system vad som hänt.

:::warning
Vi har inte åtkomst till operatörens system, men vi hjälper gärna till via ett ärende.
:::
"""),
        "fi": ("Kolmansiin osapuoliin liittyvät asiat", "kolmannet-osapuolet", """\
Jotkin asiat ratkeavat nopeimmin suoraan kolmannen osapuolen kanssa, esimerkiksi
verkkolaskuoperaattorin. Jos myyntilasku ei ole mennyt asiakkaalle, ota yhteyttä suoraan
Pageroon: he näkevät omasta järjestelmästään, mitä on tapahtunut.

:::warning
Meillä ei ole pääsyä operaattorin järjestelmään, mutta autamme mielellämme tiketin kautta.
:::
"""),
        "en": ("Questions about third parties", "third-parties", """\
Some questions are solved fastest directly with the third party, such as the e-invoicing
operator. If an invoice has not reached the customer, contact the operator (Pagero)
directly: they see in their system what happened.

:::warning
We have no access to the operator's system, but we gladly help through a ticket.
:::
""")}),
    ("suggestions", ["technical_support"], {
        "sv": ("Utvecklingsförslag", "utvecklingsforslag", """\
Förslag lämnas som ärenden av typen *Utvecklingsförslag* och bedöms varje månad av
produktutvecklingen.

1. Skriv förslaget tydligt.
2. Beskriv vad ni vinner på det.
3. Beskriv vilka problem ni har i dag.
4. Bifoga en bild eller skärmbild om det hjälper.

[[ticket:development_suggestion]]
"""),
        "fi": ("Kehitysehdotukset", "kehitysehdotukset", """\
Ehdotukset jätetään *Kehitysehdotus*-tyyppisinä tiketteinä, ja tuotekehitys arvioi ne
kuukausittain.

1. Kirjoita ehdotus selkeästi.
2. Kuvaa, mitä hyötyä siitä olisi.
3. Kerro, mitä haasteita teillä on nyt.
4. Liitä mukaan kuva tai kuvankaappaus, jos se auttaa.

[[ticket:development_suggestion]]
"""),
        "en": ("Development suggestions", "development-suggestions", """\
Suggestions are sent as tickets of the type *Development suggestion* and are assessed every
month by product development.

1. Write the suggestion clearly.
2. Describe what you would gain.
3. Describe the problems you have today.
4. Attach a picture or screenshot if it helps.

[[ticket:development_suggestion]]
""")}),
    ("subscription_questions", ["subscription"], {
        "sv": ("Vad har vi för leverantörs-id?", "leverantors-id", """\
Ert leverantörs-id är ett sexsiffrigt nummer. Det står i välkomstmeddelandet, på era
certifikat och på frågeformuläret, och det är detsamma i alla nätverk ni är med i.

**Mitt företag visas som utgånget. Varför?** Prenumerationen har inte förnyats. Förnya den
under *Mina prenumerationer*, eller kontakta din kontoansvarige.
"""),
        "fi": ("Mikä on toimittajatunnuksemme?", "toimittajatunnus", """\
Toimittajatunnuksenne on kuusinumeroinen luku. Se on tervetuloviestissä, sertifikaateissa ja
kyselylomakkeessa, ja se on sama kaikissa verkostoissa, joihin kuulutte.

**Yrityksemme näkyy päättyneenä. Miksi?** Tilausta ei ole uusittu. Uusi se kohdassa *Omat
tilaukset* tai ota yhteyttä asiakasvastaavaasi.
"""),
        "en": ("What is our supplier id?", "supplier-id", """\
Your supplier id is a six-digit number. It is in the welcome message, on your certificates and
on the questionnaire, and it is the same in every network you are in.

**My company shows as expired. Why?** The subscription was not renewed. Renew it under *My
subscriptions*, or contact your account manager.
""")}),
]


# The approval article shows the mail's two buttons as an image (an article's own file, in
# each language), so a new user sees images in the help center at once.
BUTTON_LABELS = {"sv": ("Testat OK", "Inte OK"), "fi": ("Testattu OK", "Ei OK"),
                 "en": ("Tested OK", "Not OK")}
BUTTON_ALT = {"sv": "Knapparna Testat OK och Inte OK i mejlet",
              "fi": "Painikkeet Testattu OK ja Ei OK sähköpostissa",
              "en": "The Tested OK and Not OK buttons in the e-mail"}


def buttons_png(lang: str) -> bytes:
    """The approval mail's two buttons, drawn (pillow is reportlab's own dependency)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (360, 72), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=18)
    for left, label, colour in ((12, BUTTON_LABELS[lang][0], "#1e7b34"),
                                (188, BUTTON_LABELS[lang][1], "#a12b2b")):
        draw.rounded_rectangle((left, 14, left + 160, 58), radius=8, fill=colour)
        draw.text((left + 80, 36), label, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _with_button_images(ctx: Any, article: Any) -> dict[str, dict[str, Any]]:
    """The article's texts with ``{buttons}`` replaced by an uploaded image of its own."""
    from chalicelib.domain import help as help_models
    from chalicelib.services import help as help_center
    from chalicelib.store import files

    texts = {}
    for lang, text in article.translations.items():
        body = text["body_md"]
        if "{buttons}" in body:
            image = buttons_png(lang)
            announced = help_center.create_file(ctx, article.id, help_models.ArticleFileCreate(
                filename=f"buttons-{lang}.png", content_type="image/png", size=len(image)))
            stored = help_center.repo().get_file(ctx.tenant, article.id, announced["id"])
            files.write(stored["key"], image, "image/png")
            body = body.replace("{buttons}", f"![{BUTTON_ALT[lang]}](attachment:{announced['id']})")
        texts[lang] = {**text, "body_md": body}
    return texts


def translations(texts: dict[str, tuple[str, str, str]]) -> dict[str, dict[str, Any]]:
    """An article's ``translations`` as the help center takes them."""
    return {lang: {"title": title, "slug": slug, "body_md": body}
            for lang, (title, slug, body) in texts.items()}


def seed_demo_help(ctx: Any) -> None:
    """The categories and articles above, published (public), once: a tenant that has a
    category already is left as it is."""
    from chalicelib.domain import help as help_models
    from chalicelib.services import help as help_center

    if help_center.list_categories(ctx):
        return
    category_ids = {}
    for order, (key, icon, texts) in enumerate(CATEGORIES):
        category = help_center.create_category(ctx, help_models.CategoryCreate.model_validate({
            "translations": {lang: {"name": name, "slug": slug, "description": description}
                             for lang, (name, slug, description) in texts.items()},
            "order": order, "icon": icon}))
        category_ids[key] = category.id
    for order, (_, categories, texts) in enumerate(ARTICLES):
        article = help_center.create_article(ctx, help_models.ArticleCreate.model_validate({
            "translations": translations(texts), "visibility": "public",
            "category_ids": [category_ids[key] for key in categories], "order": order}))
        if any("{buttons}" in text[2] for text in texts.values()):
            patch = {"translations": _with_button_images(ctx, article)}
            article = help_center.patch_article(
                ctx, article.id, help_models.ArticlePatch.model_validate(patch))
        help_center.publish_article(ctx, article.id, None)
