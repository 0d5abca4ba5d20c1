"""The web layer, by audience: visitor/ (the chat) and staff/ (the console), assembled by
server.py with what both share (guard, security headers, routes allow-list, rate limits,
health, logging, the session secret).

Importing it prepares Gradio's import (bot.web.lean_imports): every module here imports Gradio.
"""

from bot.web import lean_imports

lean_imports.prepare()
