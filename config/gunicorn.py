"""gunicorn settings. The access log names the path only (%(U)s), never the query string, so
signed links (impact pages, feedback) never land in log files."""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
accesslog = "-"
workers = 3
bind = "0.0.0.0:8000"
