"""A mistyped receipt printer is refused by the settings (and so by ``kiosk config
check`` and at start-up), not first found when a customer's receipt fails."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiosk.ops.config_cli import check_environment
from kiosk.receipts.printer_address import PrinterAddress, parse_printer_address
from kiosk.settings import Settings


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("dummy:", PrinterAddress("dummy")),
        ("file:/dev/usb/lp0", PrinterAddress("file", path="/dev/usb/lp0")),
        ("network:10.0.0.5", PrinterAddress("network", host="10.0.0.5", port=9100)),
        ("NETWORK:[::1]:9101", PrinterAddress("network", host="::1", port=9101)),
        ("usb:04b8:0e15", PrinterAddress("usb", vendor=0x04B8, product=0x0E15)),
    ],
)
def test_each_printer_form_is_read(url: str, address: PrinterAddress) -> None:
    assert parse_printer_address(url) == address
    assert Settings(printer_url=url).printer_url == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("bogus://x", "does not start with a known printer type"),
        ("file:", "names no file"),
        ("network:", "names no host"),
        ("network:printer:99999", "'99999' is not a number from 1 to 65535"),
        ("usb:zz:01", "not hex numbers"),
        ("usb:0000:0001", "from 0001 to ffff"),
    ],
)
def test_a_bad_printer_setting_is_refused_with_why_and_how(
    url: str, why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match=why):
        Settings(printer_url=url)
    monkeypatch.setenv("KIOSK_PRINTER_URL", url)
    [problem] = check_environment()
    assert problem.key == "KIOSK_PRINTER_URL" and why in problem.message
    assert "network:HOST[:PORT]" in problem.message  # how to fix it
