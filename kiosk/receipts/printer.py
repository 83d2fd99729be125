"""Printed receipts on an ESC/POS receipt printer, through python-escpos.

The printer is chosen by one URL-like setting so a kiosk's configuration says where
its printer is without code changes:

    file:/dev/usb/lp0          a device or file (escpos.printer.File)
    network:10.0.0.5[:9100]    a network printer, raw port 9100 by default
    usb:04b8:0202              a USB printer by vendor and product id (hex; needs pyusb)
    dummy:                     in memory; the produced bytes stay readable (tests, demos)
"""

from __future__ import annotations

import fcntl
import os
import pickle
import textwrap
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.receipts.errors import DeliveryError
from kiosk.receipts.model import Receipt
from kiosk.receipts.printer_address import URL_FORMS, parse_printer_address
from kiosk.receipts.render import display_date, format_money, location_line, receipt_rows

if TYPE_CHECKING:
    from escpos.escpos import Escpos
    from escpos.printer import Dummy


def _escpos():  # type: ignore[no-untyped-def]
    """Import python-escpos on first use.

    Its printer-capabilities database takes most of a second to load; it caches
    a pickle only if told where, so we point it at the user's cache directory
    (by default it makes a new temporary folder on every import).

    That cache is shared by every kiosk process on the machine, and python-escpos
    writes it in place: a second process reading it mid-write got ``EOFError`` (seen
    with two ``kiosk line`` processes starting together), and a process killed
    mid-write left a torn pickle that failed every later import, so no receipt
    would ever print. The import therefore runs under a file lock, and a cache
    that does not load is removed and made again.
    """
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        from platformdirs import user_cache_dir

        cache = user_cache_dir("accessible-kiosk")
        os.makedirs(cache, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
    cache = os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"]
    with open(os.path.join(cache, "capabilities.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            import escpos.printer
        except (EOFError, pickle.UnpicklingError):
            for torn in Path(cache).glob("*.capabilities.pickle"):
                torn.unlink(missing_ok=True)
            import escpos.printer
        import escpos.exceptions

    return escpos.printer, escpos.exceptions


COLUMNS = 42  # font A on 80 mm paper


class ReceiptPrinter(ABC):
    """Adapter contract for anything that puts a receipt on paper."""

    @abstractmethod
    def print_receipt(self, receipt: Receipt) -> None:
        """Print one receipt and cut the paper.

        Each call is a whole, independent job, so the outbox worker can retry it.

        Args:
            receipt: the receipt to print; it holds only last-4 digits.

        Returns:
            None once the printer has accepted every byte of the job.

        Raises:
            DeliveryError: the printer cannot be reached or refused the job; its
                ``retryable`` says whether trying again later may help.
        """

    def describe(self) -> str:
        """Short human description of where receipts go, for staff and logs.

        Returns:
            A string such as "network printer 10.0.0.5:9100".
        """
        return type(self).__name__


class EscposPrinter(ReceiptPrinter):
    """A receipt printer speaking ESC/POS through a python-escpos backend."""

    def __init__(self, connect: Callable[[], Escpos], description: str) -> None:
        """Use ``connect`` to get an unopened python-escpos printer for each job.

        Args:
            connect: makes the backend object; called once per job.
            description: where the printer is, in words, for error messages.
        """
        self._connect = connect
        self._description = description
        self._dummy: Dummy | None = None

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 10.0) -> EscposPrinter:
        """Build a printer from a setting such as ``network:10.0.0.5:9100``.

        Args:
            url: one of the forms in this module's docstring.
            timeout: seconds to wait for a network printer.

        Returns:
            An EscposPrinter; nothing is opened until the first job.

        Raises:
            DeliveryError: the setting is not one of the known forms (not retryable).
        """
        try:
            address = parse_printer_address(url)
        except ValueError as why:
            raise _bad_setting(url, str(why)) from None
        printers, _ = _escpos()
        Dummy, File, Network = printers.Dummy, printers.File, printers.Network  # noqa: N806
        if address.kind == "dummy":
            printer = cls(Dummy, "in-memory test printer")
            printer._dummy = Dummy()
            printer._connect = lambda: printer._dummy  # type: ignore[assignment,return-value]
            return printer
        if address.kind == "file":
            return cls(lambda: File(devfile=address.path), f"printer file {address.path}")
        if address.kind == "network":
            host, port = address.host, address.port
            return cls(
                lambda: Network(host=host, port=port, timeout=timeout),
                f"network printer {host}:{port}",
            )
        vendor, product = address.vendor, address.product
        description = f"USB printer {vendor:04x}:{product:04x}"
        return cls(lambda: _usb(vendor, product, timeout, description), description)

    @property
    def output(self) -> bytes:
        """Every byte printed so far; only a ``dummy:`` printer keeps them.

        Returns:
            The ESC/POS bytes of all jobs since creation.

        Raises:
            TypeError: this printer is a real device, which keeps nothing.
        """
        if self._dummy is None:
            raise TypeError("only a dummy: printer keeps its output")
        return self._dummy.output

    def describe(self) -> str:
        """Where this printer is, in words."""
        return self._description

    def print_receipt(self, receipt: Receipt) -> None:
        """Print header, rows, the amount in double size and a QR code, then cut.

        Returns:
            None once the backend has accepted every byte.

        Raises:
            DeliveryError: retryable when the printer is offline, unplugged or the
                connection broke; not retryable when a driver is missing.
        """
        self._job(lambda printer: write_receipt(printer, receipt), "The receipt")

    def print_lines(self, title: str, lines: list[str]) -> None:
        """Print a staff document (the end-of-day report): a bold title, the lines as
        they are (at most :data:`COLUMNS` wide), then cut. Errors as :meth:`print_receipt`."""

        def write(printer: Escpos) -> None:
            printer.hw("INIT")
            printer.set(align="center", bold=True)
            printer.textln(title)
            printer.set(align="left", bold=False)
            for line in lines:
                printer.textln(line[:COLUMNS])
            printer.cut()

        self._job(write, title)

    def _job(self, write: Callable[[Escpos], None], what: str) -> None:
        """One print job through a fresh backend, its failures as :class:`DeliveryError`."""
        _, errors = _escpos()
        DeviceNotFoundError, EscposError = errors.DeviceNotFoundError, errors.Error  # noqa: N806
        printer = self._connect()  # may raise DeliveryError itself (missing USB driver)
        try:
            write(printer)
            if printer is not self._dummy:
                printer.close()  # a failure while closing is a failed job too
        except DeviceNotFoundError as exc:
            raise DeliveryError(
                f"{what} could not be printed on the {self._description}",
                f"the printer was not found or did not answer ({_last_line(exc.msg)})",
                "Check that the printer is switched on, connected and has paper, then print again",
                retryable=True,
                channel="print",
            ) from exc
        except OSError as exc:
            raise DeliveryError(
                f"{what} could not be printed on the {self._description}",
                f"the connection failed ({exc.strerror or type(exc).__name__})",
                "Check the printer's cable or network and that it is online, then print again",
                retryable=True,
                channel="print",
            ) from exc
        except EscposError as exc:
            raise DeliveryError(
                f"{what} could not be printed on the {self._description}",
                f"the printer library refused the job ({exc})",
                "Check the printer profile and settings; report it if it persists",
                retryable=False,
                channel="print",
            ) from exc
        finally:
            if printer is not self._dummy:
                with suppress(OSError, EscposError):  # after a failure: just release the device
                    printer.close()


def write_receipt(printer: Escpos, receipt: Receipt) -> None:
    """Send one receipt job to an ESC/POS printer object (pure layout, no error handling)."""
    printer.hw("INIT")  # ESC @: start from a known state whatever the last job left
    printer.set(align="center", bold=True, double_height=True)
    printer.textln("PAYMENT RECEIPT")
    printer.set(normal_textsize=True, bold=False)
    printer.textln(location_line(receipt))
    printer.textln(display_date(receipt.timestamp))
    printer.ln()
    printer.set(align="left")
    for label, value in receipt_rows(receipt):
        if label == "Date":
            continue
        printer.textln(_row(label, value))
    for line in receipt.lines:
        printer.textln(textwrap.fill(line, COLUMNS))
    printer.ln()
    printer.set(align="center", bold=True, double_width=True, double_height=True)
    printer.textln(f"PAID {format_money(receipt.amount_cents)}")
    printer.set(normal_textsize=True, bold=False)
    printer.ln()
    printer.qr(receipt.confirmation_number, native=True, size=6)
    printer.textln(f"Confirmation {receipt.confirmation_number}")
    printer.textln("Thank you")
    printer.cut()


def _row(label: str, value: str) -> str:
    """Label left, value right on one line; wrapped under the label if too long."""
    gap = COLUMNS - len(label) - len(value)
    if gap >= 1:
        return f"{label}{' ' * gap}{value}"
    return f"{label}:\n{textwrap.fill(value, COLUMNS, initial_indent='  ', subsequent_indent='  ')}"


def _usb(vendor: int, product: int, timeout: float, description: str) -> Escpos:
    """A USB backend, or a clear error when pyusb (python-escpos[usb]) is missing."""
    Usb = _escpos()[0].Usb  # noqa: N806
    if not Usb.is_usable():
        raise DeliveryError(
            f"The receipt could not be printed on the {description}",
            "the USB driver library (pyusb) is not installed on this kiosk",
            "Install python-escpos[usb] and libusb, or use a network or file printer",
            retryable=False,
            channel="print",
        )
    return Usb(idVendor=vendor, idProduct=product, timeout=int(timeout * 1000))


def _last_line(text: str) -> str:
    """The system's reason at the end of a python-escpos message, e.g. "[Errno 111] ..."."""
    return text.strip().splitlines()[-1] if text.strip() else "no reason given"


def _bad_setting(url: str, why: str) -> DeliveryError:
    return DeliveryError(
        f"The receipt printer setting {url!r} cannot be used",
        why,
        f"Set it to one of {URL_FORMS}, for example network:192.168.1.50:9100",
        retryable=False,
        channel="print",
    )
