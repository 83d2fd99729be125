"""Channels render prompts and turn input into answers: text, screen, voice, TTY."""
