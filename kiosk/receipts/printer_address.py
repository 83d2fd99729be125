"""The receipt printer setting (``printer_url``) read into an address, without opening
anything, so ``kiosk config check`` and start-up refuse a mistyped printer before a
customer's receipt is the first thing to fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

URL_FORMS = "file:PATH, network:HOST[:PORT], usb:VENDOR:PRODUCT or dummy:"

Kind = Literal["dummy", "file", "network", "usb"]


@dataclass(frozen=True)
class PrinterAddress:
    kind: Kind
    path: str = ""  # file:
    host: str = ""  # network:
    port: int = 9100
    vendor: int = 0  # usb:
    product: int = 0


def parse_printer_address(url: str) -> PrinterAddress:
    """Read one of :data:`URL_FORMS`.

    Raises:
        ValueError: why the setting is not a printer address (no printer named here).
    """
    scheme, _, rest = url.strip().partition(":")
    scheme = scheme.lower()
    if scheme == "dummy":
        return PrinterAddress("dummy")
    if scheme == "file":
        if not rest:
            raise ValueError("it names no file")
        return PrinterAddress("file", path=rest)
    if scheme == "network":
        host, port = _host_port(rest)
        return PrinterAddress("network", host=host, port=port)
    if scheme == "usb":
        vendor, product = _usb_ids(rest)
        return PrinterAddress("usb", vendor=vendor, product=product)
    raise ValueError("it does not start with a known printer type")


def _host_port(rest: str) -> tuple[str, int]:
    if rest.startswith("["):  # network:[::1]:9100
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise ValueError("it names no host")
    if not port_text:
        return host, 9100
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"the port {port_text!r} is not a number from 1 to 65535")
    return host, int(port_text)


def _usb_ids(rest: str) -> tuple[int, int]:
    vendor_text, _, product_text = rest.partition(":")
    try:
        vendor, product = int(vendor_text, 16), int(product_text, 16)
    except ValueError:
        raise ValueError("the vendor and product ids are not hex numbers") from None
    if not (0 < vendor <= 0xFFFF and 0 < product <= 0xFFFF):
        raise ValueError("the vendor and product ids must be from 0001 to ffff")
    return vendor, product
