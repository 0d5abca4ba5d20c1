"""The web layer: the visitor chat (chat.py), its server (server.py) and the staff console.

Importing it prepares Gradio's import (bot.web.lean_imports): every module here imports Gradio.
"""

from bot.web import lean_imports

lean_imports.prepare()
