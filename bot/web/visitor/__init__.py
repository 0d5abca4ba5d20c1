"""The visitor side of the web layer: the chat page (chat.py, Gradio) over plain functions
(actions.py), the appointment hand-off, reply rendering, admission control and session expiry."""
