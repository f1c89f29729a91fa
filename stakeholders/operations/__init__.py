"""Running Steward for real: request ids and log context, structured logs without secrets,
metrics, error reports, health checks, backups. Platform concerns, not any organization's."""
