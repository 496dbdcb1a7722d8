import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import "./support.js";
import {
  formatDate, formatDateTime, formatNumber, has, language, localized, normalize, setLanguage, setTimeZone, t,
} from "../../portal/js/i18n.js";

describe("normalize", () => {
  it("keeps the three languages and reads region tags", () => {
    assert.equal(normalize("sv-SE"), "sv");
    assert.equal(normalize(" FI_fi "), "fi");
    assert.equal(normalize("en"), "en");
  });
  it("refuses other languages and nothing", () => {
    assert.equal(normalize("de-DE"), null);
    assert.equal(normalize(undefined), null);
    assert.equal(normalize(""), null);
  });
});

describe("t", () => {
  afterEach(() => setLanguage("en"));

  it("fills in parameters and chooses the plural form by count", async () => {
    await setLanguage("en");
    assert.equal(t("tickets.count", { count: 1 }), "1 ticket shown.");
    assert.equal(t("tickets.count", { count: 3 }), "3 tickets shown.");
    await setLanguage("sv");
    assert.equal(language(), "sv");
    assert.equal(t("tickets.count", { count: 1 }), "1 ärende visas.");
    assert.equal(t("tickets.count", { count: 2 }), "2 ärenden visas.");
    await setLanguage("fi");
    assert.equal(t("notifications.unread", { count: 5 }), "Sinulla on 5 lukematonta ilmoitusta.");
  });

  it("leaves a placeholder without a parameter as it is", async () => {
    await setLanguage("en");
    assert.equal(t("events.other", { actor: "Ann" }), "Ann: {type}");
  });

  it("answers an unknown key with the key itself", async () => {
    await setLanguage("en");
    const warn = console.warn;
    const warned = [];
    console.warn = (message) => warned.push(message);
    try {
      assert.equal(t("no.such.key"), "no.such.key");
    } finally {
      console.warn = warn;
    }
    assert.equal(has("no.such.key"), false);
    assert.equal(has("tickets.count"), true);
    assert.deepEqual(warned, ['i18n: no text for "no.such.key"']);
  });

  it("falls back to English for a language it does not have", async () => {
    await setLanguage("de");
    assert.equal(language(), "en");
  });
});

describe("formats", () => {
  beforeEach(() => setTimeZone("UTC"));
  afterEach(async () => {
    setTimeZone(undefined);
    await setLanguage("en");
  });

  it("writes a calendar date in each language's way", async () => {
    await setLanguage("en");
    assert.equal(formatDate("2026-11-22"), "22 Nov 2026");
    await setLanguage("sv");
    assert.equal(formatDate("2026-11-22"), "22 nov. 2026");
    await setLanguage("fi");
    assert.equal(formatDate("2026-11-22"), "22.11.2026");
  });

  it("shows what is not a date as it came", async () => {
    assert.equal(formatDate("22/11/2026"), "22/11/2026");
    assert.equal(formatDateTime("not a time"), "not a time");
    assert.equal(formatDate(null), "");
  });

  it("shows times in the chosen zone, and the browser's for an unknown zone", async () => {
    await setLanguage("en");
    assert.equal(formatDateTime("2026-11-22T08:30:00Z"), "22 Nov 2026, 08:30");
    setTimeZone("Europe/Helsinki");
    assert.equal(formatDateTime("2026-11-22T08:30:00Z"), "22 Nov 2026, 10:30");
    setTimeZone("Mars/Olympus_Mons");
    const local = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" })
      .format(new Date("2026-11-22T08:30:00Z"));
    assert.equal(formatDateTime("2026-11-22T08:30:00Z"), local);
  });

  it("writes numbers with the language's decimal mark", async () => {
    await setLanguage("en");
    assert.equal(formatNumber(1.5), "1.5");
    await setLanguage("fi");
    assert.equal(formatNumber(1.5), "1,5");
  });
});

describe("localized", () => {
  afterEach(() => setLanguage("en"));

  it("picks the current language, else English, else any", async () => {
    await setLanguage("sv");
    assert.equal(localized({ sv: "Fel", en: "Bug" }), "Fel");
    assert.equal(localized({ fi: "Vika", en: "Bug" }), "Bug");
    assert.equal(localized({ fi: "Vika" }), "Vika");
  });
  it("turns what is not a text map into text", () => {
    assert.equal(localized("plain"), "plain");
    assert.equal(localized(null), "");
  });
});
