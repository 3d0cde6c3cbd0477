"""The app served as in production (gunicorn, several worker processes) on 127.0.0.1, for
tests whose findings need real concurrency; and a browser-like HTTP client for it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Served:
    """gunicorn with `workers` processes over the test database (a file or PostgreSQL)."""

    def __init__(self, database_url: str, instance: Path, workers: int = 3, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "served-test-key",
                    "KOTIPIHA_INSTANCE": str(instance), "BASE_URL": self.url, "SCHEDULER_ENABLED": "false",
                    "KOTIPIHA_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "PROMETHEUS_MULTIPROC_DIR": str(instance / "metrics"), "GUNICORN_LOG_LEVEL": "warning",
                    **{k: str(v) for k, v in settings.items()}}
        # The production settings (deploy/gunicorn.conf.py), as `make run` and the systemd unit.
        self.command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]

    def __enter__(self):
        # The log goes to a file: a pipe nobody reads would fill up and stop the workers.
        self.log_path = Path(self.env["KOTIPIHA_INSTANCE"]) / "gunicorn.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + "/login", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or a worker still starting
                time.sleep(0.2)
        self.process.kill()
        self.log.close()
        raise RuntimeError(f"gunicorn did not start: {self.log_path.read_text()[-2000:]}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def client(self) -> "Browser":
        return Browser(self.url)


class Browser:
    """A requests session that sends forms the way a browser does, with the CSRF token."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def get(self, path: str, **kwargs):
        return self.http.get(self.url + path, allow_redirects=False, timeout=30, **kwargs)

    def token(self, page: str) -> str:
        match = CSRF.search(self.get(page).text)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post(self, path: str, data: dict, *, page: str | None = None, token: str | None = None, **kwargs):
        token = token or self.token(page or path)
        return self.http.post(self.url + path, data={"csrf_token": token, **data}, allow_redirects=False,
                              timeout=60, **kwargs)

    def login(self, username: str, password: str):
        response = self.post("/login", {"login": username, "password": password})
        assert response.status_code == 303, response.text[:500]
        return response

    def copy(self) -> "Browser":
        """Another connection with the same cookies: a second tab, or a double tap."""
        other = Browser(self.url)
        other.http.cookies.update(self.http.cookies)
        return other
