"""The channel-independent conversation: prompts as data, typed answers, one engine."""
