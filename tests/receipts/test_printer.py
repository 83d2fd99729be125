"""ESC/POS bytes through python-escpos's Dummy, File and Network backends."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from escpos.printer import Usb

from kiosk.receipts import DeliveryError, EscposPrinter, Receipt

from .conftest import ACCOUNT, CARD, RawTcpServer, free_port, make_receipt

ESC_INIT = b"\x1b@"
QR_PREFIX = b"\x1d(k"
CUT = b"\x1dV"
DOUBLE_SIZE = b"\x1b!\x30"  # ESC ! with double width and height bits


def printed(receipt: Receipt) -> bytes:
    printer = EscposPrinter.from_url("dummy:")
    printer.print_receipt(receipt)
    return printer.output


def qr_commands(data: bytes) -> list[tuple[bytes, bytes]]:
    """Parse every GS ( k command: (function code, parameters) using its length header."""
    commands = []
    start = data.find(QR_PREFIX)
    while start != -1:
        length = data[start + 3] + 256 * data[start + 4]
        body = data[start + 5 : start + 5 + length]
        assert body[:1] == b"1", "cn 49: QR code"
        commands.append((body[1:2], body[2:]))
        start = data.find(QR_PREFIX, start + 5 + length)
    return commands


def test_dummy_bytes_hold_the_whole_job(receipt: Receipt) -> None:
    data = printed(receipt)
    assert data.startswith(ESC_INIT)
    for text in (b"PAYMENT RECEIPT", b"Ben Carter", b"****2271", b"Visa card ending in 1111",
                 b"$120.40", b"Reconnection requested", b"Store LR-12, kiosk K-03"):  # fmt: skip
        assert text in data
    assert DOUBLE_SIZE + b"\x1bE\x01\x1ba\x01PAID $95.00\n" in data
    assert data.rstrip(b"\x00").endswith(CUT) or data.endswith(CUT + b"\x00")
    assert data.index(DOUBLE_SIZE) < data.index(QR_PREFIX) < data.rindex(CUT)


def test_qr_code_is_native_and_holds_the_confirmation_number(receipt: Receipt) -> None:
    functions = qr_commands(printed(receipt))
    codes = [fn for fn, _ in functions]
    assert codes == [b"A", b"C", b"E", b"P", b"Q"]  # model, size, error level, store, print
    stored = dict(functions)[b"P"]
    assert stored == b"0" + receipt.confirmation_number.encode()


def test_no_full_card_or_account_number_in_bytes(receipt: Receipt) -> None:
    data = printed(receipt)
    assert ACCOUNT.encode() not in data and CARD.encode() not in data
    assert b"2271" in data and b"1111" in data


def test_dummy_keeps_every_job() -> None:
    printer = EscposPrinter.from_url("dummy:")
    printer.print_receipt(make_receipt())
    printer.print_receipt(make_receipt(confirmation_number="1111-2222-3333"))
    assert printer.output.count(ESC_INIT) == 2 and printer.output.count(CUT) == 2


def test_file_backend_writes_the_same_bytes(tmp_path: Path, receipt: Receipt) -> None:
    target = tmp_path / "lp0"
    EscposPrinter.from_url(f"file:{target}").print_receipt(receipt)
    assert target.read_bytes() == printed(receipt)


def test_network_backend_sends_the_same_bytes(
    raw_tcp_server: RawTcpServer, receipt: Receipt
) -> None:
    printer = EscposPrinter.from_url(f"network:127.0.0.1:{raw_tcp_server.port}", timeout=5)
    printer.print_receipt(receipt)
    assert raw_tcp_server.done.wait(5), "printer connection was not closed after the job"
    assert bytes(raw_tcp_server.received) == printed(receipt)


def test_network_printer_offline_is_retryable(receipt: Receipt) -> None:
    printer = EscposPrinter.from_url(f"network:127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(DeliveryError) as caught:
        printer.print_receipt(receipt)
    error = caught.value
    assert error.retryable and error.channel == "print"
    assert "network printer 127.0.0.1" in str(error) and "Connection refused" in str(error)
    assert "switched on" in error.how_to_fix


def test_network_printer_that_never_answers_times_out(receipt: Receipt) -> None:
    with socket.socket() as busy, socket.socket() as first:
        busy.bind(("127.0.0.1", 0))
        busy.listen(0)  # never accepts: once one connection waits, new ones hang
        first.connect(busy.getsockname())
        printer = EscposPrinter.from_url(f"network:127.0.0.1:{busy.getsockname()[1]}", timeout=0.5)
        with pytest.raises(DeliveryError) as caught:
            printer.print_receipt(receipt)
    assert caught.value.retryable and "timed out" in caught.value.why


def test_missing_device_file_is_retryable(tmp_path: Path, receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        EscposPrinter.from_url(f"file:{tmp_path}/no/such/lp0").print_receipt(receipt)
    assert caught.value.retryable and "No such file or directory" in caught.value.why


@pytest.mark.skipif(Usb.is_usable(), reason="pyusb is installed here")
def test_usb_without_driver_library_says_how_to_fix(receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        EscposPrinter.from_url("usb:04b8:0202").print_receipt(receipt)
    assert not caught.value.retryable and "python-escpos[usb]" in caught.value.how_to_fix


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("serial:/dev/ttyS0", "known printer type"),
        ("network:", "names no host"),
        ("network::9100", "no host"),
        ("network:printer:99999", "1 to 65535"),
        ("usb:epson:tm", "hex"),
        ("file:", "names no file"),
    ],
)
def test_bad_settings_are_refused_clearly(url: str, why: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        EscposPrinter.from_url(url)
    assert why in caught.value.why and not caught.value.retryable
    assert "network:192.168.1.50:9100" in str(caught.value)


def test_network_url_forms() -> None:
    assert EscposPrinter.from_url("network:10.0.0.5").describe() == "network printer 10.0.0.5:9100"
    assert EscposPrinter.from_url("network:[::1]:9101").describe() == "network printer ::1:9101"


def test_output_only_on_dummy(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        _ = EscposPrinter.from_url(f"file:{tmp_path}/x").output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux /dev/full")
def test_write_failure_is_reported_not_swallowed(receipt: Receipt) -> None:
    with pytest.raises(DeliveryError) as caught:
        EscposPrinter.from_url("file:/dev/full").print_receipt(receipt)
    assert caught.value.retryable and "No space left" in caught.value.why


ESCPOS_IMPORT = (
    "from kiosk.receipts.printer import EscposPrinter\n"
    "printer = EscposPrinter.from_url('dummy:')\n"
    "print('imported')\n"
)


def _import_escpos_in(cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-c", ESCPOS_IMPORT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_torn_capabilities_cache_is_made_again(tmp_path: Path) -> None:
    """A kiosk killed while python-escpos wrote its cache left a torn pickle, newer
    than the database it caches: every later start failed to import the printer."""
    done = _import_escpos_in(tmp_path)
    assert done.communicate(timeout=60)[0].strip() == "imported"
    (cache,) = tmp_path.glob("*.capabilities.pickle")
    cache.write_bytes(cache.read_bytes()[:100])  # cut off mid-write

    again = _import_escpos_in(tmp_path)
    out, err = again.communicate(timeout=60)
    assert out.strip() == "imported", err[-500:]
    with cache.open("rb") as made_again:
        assert pickle.load(made_again)  # whole again


def test_processes_starting_together_share_the_cache(tmp_path: Path) -> None:
    """Two line processes starting at once: one read the cache while the other was
    still writing it (EOFError, seen in the line bench)."""
    for round_ in range(3):
        cache = tmp_path / f"round-{round_}"
        cache.mkdir()
        starts = [_import_escpos_in(cache) for _ in range(4)]
        for start in starts:
            out, err = start.communicate(timeout=120)
            assert out.strip() == "imported", err[-500:]
