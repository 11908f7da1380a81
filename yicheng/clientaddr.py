"""The address of the client that sent a request, as far as this deployment can know it.

One rule for everything that needs it: the login lockout, the rate limits and the
request log. What the limits count is `limited_address`: the client's IPv4 address, or
the /64 its IPv6 address is in (a home connection or a phone gets a whole /64 and may
use any address in it), so that no limit is walked past by changing address within one
network. django-axes gets it too (AXES_CLIENT_IP_CALLABLE): it is an address, the /64's
network address, so axes' address field still takes it. The request log keeps the
client's own address.

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


def network_of(address, ipv4_prefix=32, ipv6_prefix=64):
    """The network address of `address` with the given prefix lengths, as text; an
    IPv4 address written as IPv6 (::ffff:a.b.c.d) is IPv4. Not an address: as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network((ip, prefix), strict=False).network_address)


def limited_address(request):
    """The address every limit counts a client by: its IPv4 address, its IPv6 /64."""
    return network_of(client_address(request))


def wider_network(request):
    """The IPv4 /24 or IPv6 /48 the client is in, about what one organisation or one
    site holds: to count how many different networks something came from."""
    return network_of(client_address(request), 24, 48)
