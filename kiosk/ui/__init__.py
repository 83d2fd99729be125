"""The kiosk screen: a Textual UI that renders the conversation's prompts.

Widgets only render prompts and turn key presses and clicks into raw answers
for :meth:`kiosk.conversation.engine.Conversation.answer`; business rules stay
in the engine and its services.
"""
