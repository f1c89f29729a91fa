"""The community's background work (thin: each task calls a service)."""
