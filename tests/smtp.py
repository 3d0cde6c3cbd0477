"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests."""
from __future__ import annotations

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects every message the server accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return self.messages


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def settings(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none",
                "SMTP_TIMEOUT": 5}
