// Signing in, the first-login password, and the forgotten-password flow.
// Each view gets (container, app): app.navigate(path), app.state (what passes
// between screens in memory: a notice, the e-mail being reset, the pending
// new-password challenge) and app.signedIn(user).

import { api } from "../api.js";
import { $, fromTemplate } from "../dom.js";
import { FormError, onSubmit } from "../forms.js";
import { bindText } from "../i18n.js";
import { completeNewPassword, signIn } from "../session.js";

function showNotice(screen, app) {
  const notice = $("[data-notice]", screen);
  if (notice && app.state.notice) bindText(notice, app.state.notice);
  app.state.notice = null;
}

function checkRepeat({ password, confirm_password: repeat }) {
  if (password && password !== repeat) {
    throw new FormError({ confirm_password: "errors.passwords_differ" });
  }
}

export function login(container, app) {
  const screen = fromTemplate("tpl-login");
  showNotice(screen, app);
  const form = $("form", screen);
  form.elements.email.value = app.state.email ?? "";
  onSubmit(form, async ({ email, password }) => {
    app.state.email = email;
    try {
      await signIn(email, password);
    } catch (error) {
      if (error.extra?.challenge === "NEW_PASSWORD_REQUIRED" && error.extra.session) {
        app.state.challenge = { email, session: String(error.extra.session) };
        app.navigate("/new-password");
        return;
      }
      form.elements.password.value = "";
      throw error;
    }
  }, { context: "login", statusKeys: { 401: "errors.bad_credentials" } });
  container.replaceChildren(screen);
  return { focus: form.elements.email.value ? form.elements.password : null };
}

export function forgot(container, app) {
  const screen = fromTemplate("tpl-forgot");
  const form = $("form", screen);
  form.elements.email.value = app.state.email ?? "";
  onSubmit(form, async ({ email }) => {
    await api.post("/auth/forgot-password", { email }, { auth: false });
    app.state.email = email;
    app.state.notice = "reset.sent";
    app.navigate("/reset");
  }, { context: "forgot" });
  container.replaceChildren(screen);
}

export function reset(container, app) {
  const screen = fromTemplate("tpl-reset");
  showNotice(screen, app);
  const form = $("form", screen);
  form.elements.email.value = app.state.email ?? "";
  onSubmit(form, async (values) => {
    checkRepeat(values);
    const { email, code, password } = values;
    await api.post("/auth/reset-password", { email, code, password }, { auth: false });
    app.state.email = email;
    app.state.notice = "reset.done";
    app.navigate("/login");
  }, { context: "reset" });
  container.replaceChildren(screen);
  return { focus: form.elements.email.value ? form.elements.code : null };
}

export function newPassword(container, app) {
  const challenge = app.state.challenge;
  if (!challenge) {
    app.navigate("/login", { replace: true });
    return null;
  }
  const screen = fromTemplate("tpl-new-password");
  const form = $("form", screen);
  form.elements.email.value = challenge.email;
  onSubmit(form, async (values) => {
    checkRepeat(values);
    await completeNewPassword(challenge.email, challenge.session, values.password);
    app.state.challenge = null;
  }, { context: "new_password", statusKeys: { 401: "errors.challenge_expired" } });
  container.replaceChildren(screen);
  return { focus: form.elements.password };
}
