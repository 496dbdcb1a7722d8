"""The e-mail channel's pure layer (no AWS, no clock): parse raw inbound mail
(``parse``, with ``html_text`` for HTML bodies), strip quoted replies (``quotes``), who
sent it (``authentication``), bounce reports (``bounces``), what becomes of it
(``decide``), the reply addresses and Message-IDs we give out (``addresses``) and the
codes that prove a support address (``verification``). ``services/inbound_mail`` uses
them.

Nothing is imported here: the API imports ``mail.verification`` at cold start, and the
parser (with its HTML sanitiser) is needed only by the mail jobs."""
