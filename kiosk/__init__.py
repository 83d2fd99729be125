"""Kiosk."""
