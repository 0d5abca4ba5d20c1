"""The web layer: the visitor chat (chat.py), its server (server.py) and the staff console."""
