"""gunicorn settings for `make serve`, from the environment (docs/deployment.md lists them).

The master refuses, with a one-line reason naming the variable and before any worker boots, every
setting a worker would refuse, and unsafe combinations: SQLite with several workers, or a provider
deadline that is not well under the worker timeouts.
"""

import os

from entrypoints import serving

# Before anything imports prometheus_client, which reads it once, at import.
serving.choose_metrics_directory(os.environ)

from entrypoints.app import DEFAULTS, check_settings  # noqa: E402  (after the metrics directory is chosen)
from entrypoints.bootstrap import ConfigurationError  # noqa: E402

try:
    _settings = serving.server_settings(os.environ, DEFAULTS)
    check_settings()
except (serving.ServerConfigurationError, ConfigurationError) as error:
    raise SystemExit(f"Configuration error: {error}") from None

wsgi_app = "wsgi:app"
bind = _settings.bind
workers = _settings.workers
# gthread workers (a check waits on the provider, not on the CPU), each holding no more
# connections than it has threads, so that connections spread evenly over the workers; a worker
# that cannot boot ends the master instead of being replaced in a loop.
worker_class = "entrypoints.workers.ThreadBoundWorker"
threads = _settings.threads
timeout = _settings.timeout
graceful_timeout = _settings.graceful_timeout
# No gunicornc control socket: nothing uses it, and it would be created under $HOME.
control_socket_disable = True

# Access lines on stdout. Credentials travel in headers, which this format leaves out; the
# request id ties each line to the application's JSON line on stderr.
# Query values and the bytes of invalid requests are left out of every line (docs/deployment.md).
logger_class = "entrypoints.server_logs.RedactedServerLogger"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

on_starting = serving.on_starting
child_exit = serving.child_exit
on_exit = serving.on_exit
