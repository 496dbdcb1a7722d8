"""The e-mail channel's pure layer: parse raw inbound mail (``parse``), strip quoted
replies (``quotes``), who sent it (``authentication``), what becomes of it (``decide``).

Nothing is imported here: the API imports ``mail.verification`` at cold start, and the
parser (with its HTML sanitiser) is needed only by the mail jobs."""
