"""Service endpoints: parsed strictly, so that requests and tokens go where the caller meant.

An endpoint is ``http(s)://host[:port][/path]`` and nothing else: no user information, query or
fragment, a port in 1..65535 in ASCII digits, IPv6 addresses in brackets. Errors name the argument
or connection string field, never its value, which may be a key pasted into the wrong place.
"""

from __future__ import annotations

import ipaddress
import re

from realtime_rest._runtime.records import record

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# RFC 3986 path characters, percent-escapes included; dot segments are refused separately.
_PATH = re.compile(r"(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)*")


@record
class Endpoint:
    """A parsed endpoint; ``str()`` gives it back normalized, without a trailing slash."""

    scheme: str
    host: str  # lower case; an IPv6 address keeps its brackets
    port: int | None
    path: str  # "" or "/prefix", without a trailing slash

    @classmethod
    def parse(cls, text: object, name: str) -> Endpoint:
        """The endpoint in ``text``, or ValueError naming ``name`` (TypeError for a non-str)."""
        if isinstance(text, Endpoint):
            return text
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, not {type(text).__name__}")
        lowered = text.lower()
        if "accesskey=" in lowered or lowered.startswith("endpoint="):
            raise ValueError(
                f"{name} is a connection string, not an endpoint: use from_connection_string"
            )
        if any(character.isspace() or not character.isprintable() for character in text):
            raise ValueError(f"{name} must not contain spaces or control characters")
        scheme, separator, rest = text.partition("://")
        scheme = scheme.lower()
        if not separator or scheme not in _DEFAULT_PORTS:
            raise ValueError(f"{name} must start with http:// or https://")
        if "?" in rest or "#" in rest:
            raise ValueError(f"{name} must not have a query or fragment")
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            raise ValueError(f"{name} must not contain user information")
        host, port = _host_and_port(authority, name)
        return cls(scheme, host, port, _path(slash + path, name))

    def with_port(self, text: str, name: str) -> Endpoint:
        """The endpoint with its port replaced by ``text`` (the connection string's ``Port``)."""
        port = _port(text)
        if port is None:
            raise ValueError(f"{name} is not a number in 1..65535")
        return Endpoint(self.scheme, self.host, port, self.path)

    @property
    def origin(self) -> tuple[str, str, int]:
        """Scheme, host and port, the port spelled out when the URL leaves it implicit."""
        return self.scheme, self.host, self.port or _DEFAULT_PORTS[self.scheme]

    @property
    def authority(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        host = self.host.strip("[]")
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.path}"


def _host_and_port(authority: str, name: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        address, bracket, port_part = authority[1:].partition("]")
        try:
            valid = bool(bracket) and ipaddress.ip_address(address).version == 6
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"{name} has a malformed IPv6 address")
        host = f"[{address.lower()}]"
        if port_part and not port_part.startswith(":"):
            raise ValueError(f"{name} has a malformed host")
        port_text = port_part[1:] if port_part else None
    else:
        host, colon, port_text_found = authority.partition(":")
        port_text = port_text_found if colon else None
        if not _HOST_NAME.fullmatch(host):
            raise ValueError(f"{name} has no valid host name (ASCII letters, digits, '.', '-')")
        host = host.lower()
    if port_text is None:
        return host, None
    port = _port(port_text)
    if port is None:
        raise ValueError(f"{name} has a port that is not a number in 1..65535")
    return host, port


def _port(text: str) -> int | None:
    """The port in ASCII digits, or None when it is not one in 1..65535."""
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536):
        return None
    return int(text)


def _path(path: str, name: str) -> str:
    if not _PATH.fullmatch(path):
        raise ValueError(f"{name} has a path with characters that are not allowed in URLs")
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValueError(f"{name} has a path with '.' or '..' segments")
    return path.rstrip("/")
