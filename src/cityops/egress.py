"""Outgoing HTTP requests (webhooks, outside CAP feeds) that cannot be aimed at the inside.

A webhook target or a feed URL is chosen by a user; without a check, CityOps would POST or
GET on their behalf to its own loopback services, the cloud metadata address
(169.254.169.254) or the private network it runs in. So every request:

1. resolves the host name and refuses it if *any* address is loopback, private,
   link-local, multicast or otherwise not globally routable, unless the host name or the
   address is in ``outgoing_allow`` (host names, addresses or CIDR networks);
2. connects to the address it checked (the URL's host is replaced by the address; the
   Host header and the TLS server name stay the host name, so certificates are verified
   as usual): a DNS answer that changes between the check and the connection
   ("rebinding") cannot move the request;
3. follows redirects itself (at most ``MAX_REDIRECTS``), checking each new location again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from cityops.errors import InvalidInput

MAX_REDIRECTS = 5
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(InvalidInput):
    """The target of an outgoing request is not allowed (names the host and the reason)."""


@dataclass(frozen=True)
class EgressPolicy:
    """Which inside targets are allowed anyway: host names and address networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, allow: str | Iterable[str] = "") -> EgressPolicy:
        """``allow``: host names, addresses and CIDR networks, separated by commas or spaces."""
        items = allow.replace(",", " ").split() if isinstance(allow, str) else list(allow)
        hosts, nets = set(), []
        for item in items:
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(nets))

    @classmethod
    def from_settings(cls, settings: Any) -> EgressPolicy:
        return cls.parse(settings.outgoing_allow)

    def check(self, host: str, addresses: list[IPAddress]) -> None:
        """Refuse ``host`` if one of its addresses is inside and not allowed."""
        if host.lower().rstrip(".") in self.hosts:
            return
        for ip in addresses:
            if is_inside(ip) and not any(ip in net for net in self.networks):
                raise EgressRefused(
                    f"url: {host} resolves to {ip}, a loopback, private or link-local "
                    "address (allow it with the setting outgoing_allow)",
                    field="url",
                )


def is_inside(ip: IPAddress) -> bool:
    """Not a public unicast address: loopback, private, link-local, reserved, multicast."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class _Target:
    url: str  # with the checked address in place of the host name
    headers: dict[str, str]
    extensions: dict[str, Any]


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EgressRefused(f"url: {url!r} is not an http(s) URL", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EgressRefused(f"url: {url!r} has an invalid port", field="url") from None
    return parts.scheme, parts.hostname, port


def _addresses(infos: list[Any], host: str) -> list[IPAddress]:
    found = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not found:
        raise EgressRefused(f"url: {host} has no address", field="url")
    return found


def _pin(url: str, host: str, ip: IPAddress) -> _Target:
    parts = urlsplit(url)
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = parts.netloc.rsplit("@", 1)[-1]
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return _Target(pinned, {"Host": host_header}, {"sni_hostname": host})


def resolve(url: str, policy: EgressPolicy) -> _Target:
    """Check ``url``'s host against ``policy`` and pin the request to a checked address."""
    _, host, port = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EgressRefused(f"url: cannot resolve {host} ({exc})", field="url") from None
    addresses = _addresses(infos, host)
    policy.check(host, addresses)
    return _pin(url, host, addresses[0])


async def resolve_async(url: str, policy: EgressPolicy) -> _Target:
    _, host, port = _split(url)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EgressRefused(f"url: cannot resolve {host} ({exc})", field="url") from None
    addresses = _addresses(list(infos), host)
    policy.check(host, addresses)
    return _pin(url, host, addresses[0])


async def post(
    url: str, policy: EgressPolicy, *, content: bytes, headers: dict[str, str], timeout: float
) -> httpx.Response:
    """POST to a checked address; redirects are not followed (a webhook answers itself)."""
    target = await resolve_async(url, policy)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        return await client.post(
            target.url,
            content=content,
            headers={**headers, **target.headers},
            extensions=target.extensions,
        )


def get_bytes(url: str, policy: EgressPolicy, *, max_bytes: int, timeout: float) -> bytes:
    """GET ``url`` (following redirects, each checked) into at most ``max_bytes``."""
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = resolve(url, policy)
            request = client.build_request(
                "GET", target.url, headers=target.headers, extensions=target.extensions
            )
            response = client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise InvalidInput(f"{url}: HTTP {response.status_code}", field="url")
                return _read_capped(response, url, max_bytes)
            finally:
                response.close()
    raise InvalidInput(f"{url}: more than {MAX_REDIRECTS} redirects", field="url")


def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > max_bytes:
            raise InvalidInput(f"{url}: larger than {max_bytes} bytes", field="url")
    return bytes(data)
