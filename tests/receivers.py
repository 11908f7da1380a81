"""Real peers on loopback for the alert tests: an SMTP server (aiosmtpd) and an HTTP
receiver that speaks like the 企业微信 and 钉钉 group robots and checks their payloads
and 钉钉's signature. Nothing is mocked: the product's own SMTP backend and HTTP client
talk to them over TCP."""

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from projects.rules import clock


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP server on loopback. `refused`: addresses it answers 550 at RCPT. With
    `hold_at` n, the n-th message is held without a reply until `release()`: in "data",
    once its content is received (a sender killed then has sent it, unconfirmed); in
    "rcpt", at its recipient, before any content (a sender killed then has sent
    nothing)."""

    def __init__(self, refused=(), hold_at=None, hold_in="data"):
        self.messages = []
        self.recipients = 0
        self.refused = set(refused)
        self.hold_at = hold_at
        self.hold_in = hold_in
        self.holding = threading.Event()
        self.released = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def hold(self):
        self.holding.set()
        while not self.released.is_set():
            await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.recipients += 1
        if self.hold_in == "rcpt" and self.recipients == self.hold_at:
            await self.hold()
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append(message)
        if self.hold_in == "data" and len(self.messages) == self.hold_at:
            await self.hold()
        return "250 Message accepted for delivery"

    def release(self):
        self.released.set()

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.controller.stop()

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def subject(message):
        # a long encoded subject is folded before its first word; readers drop the space
        return str(message["Subject"]).strip()

    @staticmethod
    def text(message):
        return message.get_body(("plain",)).get_content()


def dingtalk_sign(secret, timestamp):
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class RobotReceiver:
    """An HTTP server on loopback standing in for both robots' hosts (the product sends
    the robot's host in X-Robot-Host). Each POST is checked as the real robot checks it:
    the documented JSON, the key in the query, and for 钉钉 with a secret, the timestamp
    within an hour and the signature. `failing`: keys answered with an errcode."""

    def __init__(self, secrets=None, failing=()):
        self.received = []
        self.refused = []
        self.secrets = secrets or {}  # access_token → 钉钉 secret
        self.failing = set(failing)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                problem, payload = receiver.check(self.path, self.headers, body)
                if problem:
                    receiver.refused.append((self.path, problem))
                    answer = {"errcode": 310000, "errmsg": problem}
                else:
                    receiver.received.append((self.headers["X-Robot-Host"], self.path, payload))
                    answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def check(self, path, headers, body):
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        host = headers.get("X-Robot-Host")
        try:
            payload = json.loads(body)
        except ValueError:
            return "body is not JSON", None
        if headers.get("Content-Type", "").split(";")[0] != "application/json":
            return "not application/json", payload
        if host == "qyapi.weixin.qq.com":
            key = query.get("key", [""])[0]
            if parts.path != "/cgi-bin/webhook/send" or not key:
                return "wecom: wrong path or no key", payload
            if payload.get("msgtype") != "markdown" or not payload["markdown"].get("content"):
                return "wecom: not a markdown message", payload
            if len(payload["markdown"]["content"].encode()) > 4096:
                return "wecom: content over 4096 bytes", payload
            if key in self.failing:
                return "wecom: invalid webhook url", payload
            return "", payload
        if host == "oapi.dingtalk.com":
            token = query.get("access_token", [""])[0]
            if parts.path != "/robot/send" or not token:
                return "dingtalk: wrong path or no access_token", payload
            secret = self.secrets.get(token)
            if secret:
                timestamp = query.get("timestamp", [""])[0]
                sign = query.get("sign", [""])[0]
                if (
                    not timestamp.isdigit()
                    or abs(clock.seconds() * 1000 - int(timestamp)) > 3600_000
                ):
                    return "dingtalk: timestamp missing or more than an hour off", payload
                if not hmac.compare_digest(sign, dingtalk_sign(secret, timestamp)):
                    return "dingtalk: sign does not match", payload
            markdown = payload.get("markdown") or {}
            if (
                payload.get("msgtype") != "markdown"
                or not markdown.get("title")
                or not markdown.get("text")
            ):
                return "dingtalk: not a markdown message", payload
            if token in self.failing:
                return "dingtalk: token is not exist", payload
            return "", payload
        return f"unknown robot host {host}", payload

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
