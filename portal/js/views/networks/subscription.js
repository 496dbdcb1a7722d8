// #/subscriptions/<id>: the supplier's questionnaire, or staff's review of it.

import { currentUser } from "../../session.js";
import questionnaire from "./questionnaire.js";
import review from "./review.js";

export default function subscription(container, app, path, params, args) {
  const view = currentUser()?.kind === "staff" ? review : questionnaire;
  return view(container, app, args.id);
}
