"""The HTTP layer: one Chalice blueprint per module (``auth``, ``directory``, ``tickets``,
``contact_orders``, ``mail``, ``health``), each route declared through ``routing.route``
with its guard and models. Handlers parse and authorise, then call one service function;
the only stores the API reads itself are the pipeline's own (the idempotency records, the
health probes).

Beside the blueprints: ``routing`` (the request pipeline every route goes through),
``paging`` (``?limit=&cursor=`` and the page answer), ``idempotency`` (``Idempotency-Key``),
``problems`` (errors as ``application/problem+json``), ``schemas`` (shared answer shapes)
and ``openapi`` (``/openapi.json`` from the declared routes).

Nothing is imported here: ``app.py`` imports the blueprints it registers.
"""
