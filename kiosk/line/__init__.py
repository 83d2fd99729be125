"""``kiosk line``: the pay-by-phone line, a SIP user agent that runs one conversation per call."""
