"""The shared core: organizations (tenants), staff, tenancy machinery and, later, contacts."""
