"""What the product's configured log handler writes (settings.LOGGING: one handler,
JSON lines on standard error), caught as it is written, request lines included."""

import contextlib
import io
import logging


@contextlib.contextmanager
def written_log():
    """A StringIO holding every line the handler writes while the block runs."""
    handler = next(h for h in logging.getLogger("django").handlers if h.get_name() == "stderr")
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    request_log = logging.getLogger("yicheng.request")
    old_level = request_log.level
    request_log.setLevel(logging.INFO)  # REQUEST_LOG=1, as make serve runs
    try:
        yield stream
    finally:
        request_log.setLevel(old_level)
        handler.setStream(old_stream)
