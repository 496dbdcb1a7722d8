"""The app through chalice.test.Client on moto, sharing one bootstrap per run
(conftest.py), each module in tenants of its own (tenants.py); api_client.py is their
HTTP client, moto_world.py sets moto's state aside between modules."""
