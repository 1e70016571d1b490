"""What URL a webhook may call (SSRF): http or https only, no credentials in the URL, and
every address the host name resolves to public, unless WEBHOOK_ALLOW_PRIVATE is set (an
intranet zone whose receivers live on private addresses). The check runs when a hook is
saved and again at each send, and the sender connects to the very address it checked, so a
name that later resolves elsewhere (DNS rebinding) cannot lead it inside."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

NOT_HTTP = _l("Enter an address that starts with http:// or https://.")
SPACES = _l("Enter the address without spaces or line breaks.")
CREDENTIALS = _l("Enter the address without a user name or password in it.")
UNKNOWN_HOST = _l("This host name could not be found. Check the address.")
PRIVATE = _l(
    "This address points into a private network or to this server. "
    "Webhooks may only call public addresses."
)


class UnsafeUrl(ValueError):
    """The URL may not be called; `message` says why in the reader's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query
    address: str  # the checked IP address to connect to


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check(url: str) -> Target:
    """The target of `url` with an address it may connect to; UnsafeUrl otherwise."""
    url = url.strip()
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise UnsafeUrl(SPACES)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl(NOT_HTTP) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl(NOT_HTTP)
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl(CREDENTIALS)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(UNKNOWN_HOST) from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise UnsafeUrl(UNKNOWN_HOST)
    allow_private = current_app.config["WEBHOOK_ALLOW_PRIVATE"]
    if not allow_private and not all(public(address) for address in addresses):
        raise UnsafeUrl(PRIVATE)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])
