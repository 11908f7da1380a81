"""The Nu HTML checker (vnu-jar from npm, on the machine's Java; `make test` installs it)
as a service on loopback, started once per test run: a JVM takes seconds to start and
to read the HTML spec, then checks a page in milliseconds."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

JAR = (
    Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


class NuChecker:
    def __init__(self, log_path):
        java = shutil.which("java")
        if not JAR.exists() or not java:
            pytest.fail("The Nu HTML checker needs node_modules/vnu-jar (make test) and java.")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = Path(log_path).open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own checker, loopback only
            [
                java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LANG": "C.UTF-8"},
        )
        self._wait(Path(log_path))

    def _wait(self, log_path, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Nu HTML checker stopped: {log_path.read_text()[-2000:]}")
            try:
                self._check(b"<!DOCTYPE html><title>up</title>")
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"The Nu HTML checker did not start: {log_path.read_text()[-2000:]}")

    def _check(self, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(
            "POST",
            "/?out=json&level=error",
            body=body,
            headers={"Content-Type": "text/html; charset=utf-8", "User-Agent": "yicheng-tests"},
        )
        response = connection.getresponse()
        messages = json.loads(response.read())["messages"]
        connection.close()
        return messages

    def errors(self, bodies):
        """{name: ["line:column: message", …]} for each named HTML body with an error
        (what `vnu.jar --errors-only` reports); {} when every body is valid."""
        found = {}
        for name, body in bodies.items():
            messages = [
                f"{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: {m['message']}"
                for m in self._check(body)
                if m["type"] in ("error", "non-document-error")
            ]
            if messages:
                found[name] = messages
        return found

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
