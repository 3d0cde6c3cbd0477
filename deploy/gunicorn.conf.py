"""gunicorn settings for Kotipiha: `make run` and deploy/kotipiha.service use this file.

    gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'

The environment sets what differs between installations: KOTIPIHA_BIND (default
127.0.0.1:8000), WEB_CONCURRENCY (workers, default 2). The app logs one line per request
itself (LOG_FORMAT), so gunicorn's access log is off. The Prometheus counters of every
worker are kept in a folder (PROMETHEUS_MULTIPROC_DIR) that /metrics adds up.
"""
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("KOTIPIHA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 60  # a billing run is the scheduler's, not a request's: no request needs longer
graceful_timeout = 30
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front (deploy/nginx.conf, deploy/Caddyfile) runs on the same machine; the app
# itself trusts X-Forwarded-* only as far as TRUSTED_PROXIES says.
forwarded_allow_ips = "127.0.0.1,::1"

_metrics = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(tempfile.gettempdir()) /
                f"kotipiha-metrics-{os.getuid()}-{bind.replace(':', '-').replace('/', '-')}")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics)


def on_starting(server):
    """A fresh folder for the counters at every start (a restart begins from zero)."""
    shutil.rmtree(_metrics, ignore_errors=True)
    _metrics.mkdir(parents=True, mode=0o700)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
