"""Receipts: one receipt rendered for every channel and delivered on paper, email and SMS.

Channel- and store-independent: the payment core writes outbox rows, and its worker
calls these adapters through ``DeliveryRouter``.
"""

from kiosk.receipts.delivery import DeliveryAdapter, DeliveryRouter
from kiosk.receipts.email import SmtpSender, validate_email
from kiosk.receipts.errors import DeliveryError, InvalidContact, ReceiptError
from kiosk.receipts.model import PaymentMethod, Receipt
from kiosk.receipts.printer import EscposPrinter, ReceiptPrinter
from kiosk.receipts.render import (
    EmailReceipt,
    render_email,
    render_screen,
    render_sms,
    render_spoken,
    render_tty,
)
from kiosk.receipts.sms import EmailToSmsGateway, SmsGateway, WebhookSmsGateway, validate_phone

__all__ = [
    "DeliveryAdapter",
    "DeliveryError",
    "DeliveryRouter",
    "EmailReceipt",
    "EmailToSmsGateway",
    "EscposPrinter",
    "InvalidContact",
    "PaymentMethod",
    "Receipt",
    "ReceiptError",
    "ReceiptPrinter",
    "SmsGateway",
    "SmtpSender",
    "WebhookSmsGateway",
    "render_email",
    "render_screen",
    "render_sms",
    "render_spoken",
    "render_tty",
    "validate_email",
    "validate_phone",
]
