"""Service requests, response targets, service records and the help centre."""
