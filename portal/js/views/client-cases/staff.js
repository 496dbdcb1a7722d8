// The firm's client-case screen (#/client-cases, seed 003): the module's state in the
// head, and tabs in the address (?tab=) so a reload or the back button keeps them —
// the checklist before activation, the activation, invitations, the outbound queue, a
// new case and the usage report. Each tab is its own module; this one holds the shell.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, formatDateTime, onLanguageChange, translate } from "../../i18n.js";
import { currentUser } from "../../session.js";
import { money } from "../networks/common.js";
import { activationTab } from "./activation.js";
import { checklistTab } from "./checklist.js";
import { tabFrom, tabPath, tabsFor } from "./common.js";
import { invitationsTab } from "./invitations.js";
import { newCaseTab, queueTab } from "./outbound.js";
import { usageTab } from "./usage.js";

const BUILDERS = {
  checklist: checklistTab,
  activation: activationTab,
  invitations: invitationsTab,
  queue: queueTab,
  new: newCaseTab,
  usage: usageTab,
};

/** The head's one line about the module: active since when, on what basis; or not yet. */
function stateLine(el, state) {
  if (!state) {
    el.replaceChildren();
    return;
  }
  if (state.active) {
    bindText(el, "client_cases.state.active", {
      date: state.activated_at ? formatDateTime(state.activated_at) : "–",
      count: Number(state.active_clients ?? 0),
      price: money(state.monthly_price ?? 0, state.currency),
    });
  } else {
    bindText(el, "client_cases.state.inactive");
  }
  el.dataset.active = String(Boolean(state.active));
}

export default function clientCases(container, app, path, params) {
  const user = currentUser();
  const tabs = tabsFor(user);
  const headLine = h("p", { class: "lead cc-state-line", id: "cc-state-line", role: "status" });
  const notice = h("p", { class: "notice", role: "status", dataset: { notice: "" } });
  const tabNav = h("nav", { class: "tabs cc-tabs", "aria-label": "" });
  tabNav.dataset.i18nAttr = "aria-label:client_cases.tabs_label";
  const panel = h("section", { class: "cc-panel", id: "cc-panel", "aria-labelledby": "cc-panel-title" });
  const screen = h("section", { class: "cc", dataset: { screen: "client-cases" }, "aria-labelledby": "cc-title" },
    bindText(h("h1", { id: "cc-title", tabindex: "-1" }), "modules.client_cases.title"),
    headLine, notice, tabNav, panel);
  container.replaceChildren(screen);
  if (app.state.notice) bindText(notice, app.state.notice);
  app.state.notice = null;

  let alive = true;
  let moduleState = null;
  let current = null; // the tab's {cleanup, refresh}

  function drawTabs(active) {
    tabNav.replaceChildren(...tabs.map((tab) => {
      const link = bindText(h("a", { class: "tabs__tab", href: `#${tabPath(tab)}`, id: `cc-tab-${tab}`, dataset: { tab } }),
        `client_cases.tabs.${tab}`);
      if (tab === active) link.setAttribute("aria-current", "page");
      return link;
    }));
    translate(tabNav);
  }

  const context = {
    user,
    app,
    params,
    alive: () => alive,
    moduleState: () => moduleState,
    say(key, args) {
      bindText(notice, key, args);
    },
    /** After an activation: the head and every later tab know at once. */
    moduleChanged(state) {
      moduleState = state;
      stateLine(headLine, moduleState);
    },
  };

  (async () => {
    try {
      moduleState = await api.get("/client-cases");
    } catch {
      moduleState = null; // the tabs say what the API refuses; the head stays empty
    }
    if (!alive) return;
    stateLine(headLine, moduleState);
    const tab = tabFrom(params, tabs, Boolean(moduleState?.active));
    screen.dataset.tab = tab;
    drawTabs(tab);
    current = BUILDERS[tab](panel, context) ?? null;
  })();

  const stopLanguage = onLanguageChange(() => {
    stateLine(headLine, moduleState);
    current?.refresh?.();
  });
  return {
    cleanup: () => {
      alive = false;
      stopLanguage();
      current?.cleanup?.();
    },
  };
}
