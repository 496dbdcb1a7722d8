"""Notification messages: e-mail, SMS and in-app texts rendered from Jinja templates."""
