"""The address of the client that sent a request, as far as this deployment can know it.

One rule for everything that needs it: the login lockout (django-axes calls
`client_address` through AXES_CLIENT_IP_CALLABLE), the rate limits and the request log.

With PROXY_COUNT proxies in front (README › Deployment), each appends the address it
received the request from to X-Forwarded-For, so the client is the PROXY_COUNT-th
entry from the right. Everything to the left of it was written by the client itself
and is never believed: a client cannot choose its address by sending the header. With
no proxy (PROXY_COUNT=0) the header is ignored and the socket's address is the client.
A request that carries fewer entries than there are proxies did not come through them
(gunicorn listens on loopback only): its socket address is all there is.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: our own proxy would never write that
        return remote
