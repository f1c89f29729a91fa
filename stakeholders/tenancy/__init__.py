"""Tenancy machinery: every tenant-owned row carries its organization and queries fail closed.

The scope is set in four entry points only — the middleware (HTML pages and the API), the API base
viewset (membership after authentication), the Celery base task and the base management command.
Code that must cross organizations says so in the open with ``scopes_disabled()``.
"""
