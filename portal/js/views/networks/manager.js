// A supplier's account manager (GET /me/account-manager): who to ask, and how to reach
// them. None named yet is a 404: the card is then left out.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { bindText } from "../../i18n.js";

/** The account manager, or null when none is named (or the answer failed: the page still works). */
export async function accountManager() {
  try {
    return await api.get("/me/account-manager");
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    return null;
  }
}

/** Only a well-formed address becomes a link; anything else stays text. */
function contactLink(kind, value) {
  const text = String(value ?? "");
  const ok = kind === "mailto" ? /^[^@\s<>"]+@[^@\s<>"]+$/.test(text) : /^\+?[0-9 ()-]{3,32}$/.test(text);
  return ok ? h("a", { href: `${kind}:${text.replace(/\s/g, "")}`, text }) : h("span", { text });
}

export function accountManagerCard(manager) {
  if (!manager) return null;
  return h("section", { class: "card account-manager", "aria-labelledby": "account-manager-title", dataset: { accountManager: "" } },
    bindText(h("h2", { id: "account-manager-title" }), "networks.manager.title"),
    h("p", {}, h("strong", { text: manager.name })),
    manager.email ? h("p", {}, bindText(h("span", { class: "muted" }), "networks.manager.email"), " ", contactLink("mailto", manager.email)) : null,
    manager.phone ? h("p", {}, bindText(h("span", { class: "muted" }), "networks.manager.phone"), " ", contactLink("tel", manager.phone)) : null);
}
