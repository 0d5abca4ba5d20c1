"""The visitor side of the store: the conversation log the chat writes (log.py) and the
appointment-request form it validates and stores (appointments.py)."""
