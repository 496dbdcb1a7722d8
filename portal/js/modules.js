// The portal's work areas: where the ticket queue, contact orders, networks,
// client cases and a contact's own tickets plug in. Each entry says who sees
// it (`when`, where set, is one more condition on the user, e.g. /me's flags); `view`
// is absent until the area is built, and the portal then shows an honest "coming
// soon" page. A later change sets, for example,
//   view: () => import("./views/ticket-list.js")
// and the router renders that module's default export instead.

export const MODULES = [
  {
    id: "tickets",
    path: "/tickets",
    audience: "staff",
    anyOf: ["tickets.view", "tickets.view_organization"],
    view: () => import("./views/ticket-list.js"),
  },
  {
    id: "contact_orders",
    path: "/contact-orders",
    audience: "staff",
    anyOf: ["contact_orders.view", "contact_orders.view_assigned"],
    view: () => import("./views/contact-orders/list.js"),
  },
  {
    // Seed 001's "Att göra-lista": my bookings and assigned contact orders, my calendar feed.
    id: "todo",
    path: "/todo",
    audience: "staff",
    anyOf: ["contact_orders.view", "contact_orders.view_assigned"],
    view: () => import("./views/contact-orders/todo.js"),
  },
  {
    // The customer register; a customer's card lists its sites, service objects and orders.
    id: "customers",
    path: "/customers",
    audience: "staff",
    anyOf: ["organizations.view"],
    view: () => import("./views/contact-orders/customers.js"),
  },
  {
    id: "networks",
    path: "/networks",
    audience: "staff",
    anyOf: ["networks.view", "networks.manage"],
    view: () => import("./views/networks/networks.js"),
  },
  {
    // Client cases (seed 003, issue 19): the checklist, activation, invitations, the
    // firm's outbound queue, a new case and the usage report, as tabs.
    id: "client_cases",
    path: "/client-cases",
    audience: "staff",
    anyOf: ["client_cases.manage", "client_cases.invite", "billing.view", "settings.manage"],
    view: () => import("./views/client-cases/staff.js"),
  },
  {
    // The help center's articles and categories (issue 17): writing, publishing, versions.
    id: "help_admin",
    path: "/help-admin",
    audience: "staff",
    anyOf: ["help.write"],
    view: () => import("./views/help-admin/articles.js"),
  },
  {
    // The status page's incidents (issue 17): post, update, resolve.
    id: "status_admin",
    path: "/status-admin",
    audience: "staff",
    anyOf: ["status.manage"],
    view: () => import("./views/status-admin.js"),
  },
  {
    // Chat (issue 18): the queue of waiting chats, one's own conversations, colleagues'.
    id: "chat",
    path: "/chat",
    audience: "staff",
    anyOf: ["chat.answer"],
    view: () => import("./views/chat-queue.js"),
  },
  {
    // Reports (issue 23): charts and tables of the tickets' figures; without reports.view
    // a member of staff sees their own.
    id: "reports",
    path: "/reports",
    audience: "staff",
    anyOf: ["tickets.view"],
    view: () => import("./views/reports/reports.js"),
  },
  {
    id: "my_tickets",
    path: "/my-tickets",
    audience: "contact",
    anyOf: [],
    view: () => import("./views/ticket-list.js"),
  },
  {
    // The client's side of client cases (seed 003's "Byråärenden"): the cases their
    // accounting firm sent them, once their organisation accepted the firm's invitation.
    id: "firm_cases",
    path: "/firm-cases",
    audience: "contact",
    anyOf: [],
    when: (user) => user.organization_connected === true,
    view: () => import("./views/client-cases/client.js"),
  },
  {
    // A supplier's users: their organisation's network subscriptions (seed 000).
    id: "subscriptions",
    path: "/subscriptions",
    audience: "contact",
    anyOf: ["subscriptions.subscribe"],
    view: () => import("./views/networks/mine.js"),
  },
  {
    // A buyer's users: the published suppliers of their organisation's networks.
    id: "suppliers",
    path: "/suppliers",
    audience: "contact",
    anyOf: ["suppliers.search"],
    view: () => import("./views/networks/suppliers.js"),
  },
];

/** The modules this user may open, in menu order. */
export function modulesFor(user) {
  if (!user) return [];
  const granted = new Set(user.permissions ?? []);
  return MODULES.filter((m) => m.audience === user.kind
    && (m.anyOf.length === 0 || m.anyOf.some((p) => granted.has(p)))
    && (!m.when || m.when(user)));
}

export function moduleAt(path) {
  return MODULES.find((m) => m.path === path) ?? null;
}

/**
 * Where this user's tickets are listed: the staff queue or a contact's own list.
 * A single ticket (#/tickets/<id>) and the create page belong to that area.
 */
export function ticketAreaFor(user) {
  const mine = modulesFor(user);
  return mine.find((m) => m.id === "tickets") ?? mine.find((m) => m.id === "my_tickets") ?? null;
}
