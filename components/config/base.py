"""Building blocks shared by every config model: the strict base class and IPv4 address types.

Every model is frozen and rejects unknown keys, so a typo in a stack file is an error, never a silently
ignored setting. Keys are camelCase in YAML (Pulumi's convention) and snake_case in Python.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


class Settings(BaseModel):
    """Base of every config model: frozen, camelCase keys, unknown keys rejected."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )


# RFC 1918: the only ranges a VNet on the isolated build network may use.
PRIVATE_IPV4_RANGES = tuple(ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_PRIVATE_RANGES_TEXT = ", ".join(str(r) for r in PRIVATE_IPV4_RANGES)


def _as_text(value: object) -> object:
    # YAML reads a bare number (a port, say) as int; CIDRs and ports are handled as text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def parse_ipv4_network(value: str) -> ipaddress.IPv4Network:
    """Parse a CIDR, refusing IPv6 and host bits so that what is written is exactly what Azure gets."""
    if ":" in value:
        raise ValueError(
            f"'{value}' is an IPv6 prefix and the build network is IPv4-only; allowed: an IPv4 CIDR such as 10.0.0.0/16"
        )
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ipaddress.NetmaskValueError as exc:
        raise ValueError(f"'{value}' is not a valid IPv4 CIDR ({exc}); allowed: a.b.c.d/0-32") from exc
    except ValueError as exc:
        if "has host bits set" in str(exc):
            network = ipaddress.IPv4Network(value, strict=False)
            raise ValueError(f"'{value}' has host bits set; write the network address: {network}") from exc
        raise ValueError(f"'{value}' is not a valid IPv4 CIDR; allowed: a.b.c.d/0-32") from exc


def _ipv4_cidr(value: str) -> str:
    network = parse_ipv4_network(value)
    if "/" not in value:
        # A bare address is a /32; spell it out so rules and plans show one form.
        return f"{network.network_address}/32"
    return str(network)


def _private_ipv4_cidr(value: str) -> str:
    cidr = _ipv4_cidr(value)
    network = ipaddress.IPv4Network(cidr)
    if not any(network.subnet_of(r) for r in PRIVATE_IPV4_RANGES):
        raise ValueError(f"'{value}' is not a private range; allowed: a prefix inside {_PRIVATE_RANGES_TEXT}")
    return cidr


Ipv4Cidr = Annotated[str, BeforeValidator(_as_text), AfterValidator(_ipv4_cidr)]
"""Any IPv4 CIDR (public or private), normalised; IPv6 is an error."""

PrivateIpv4Cidr = Annotated[str, BeforeValidator(_as_text), AfterValidator(_private_ipv4_cidr)]
"""An RFC 1918 IPv4 CIDR, normalised; IPv6 and public ranges are errors."""


def as_text(value: object) -> object:
    """Public alias of the YAML int-to-text coercion for models that take ports or numbers as text."""
    return _as_text(value)


class KeyPathError(ValueError):
    """A cross-field error that knows which key (relative to the model raising it) is at fault."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
