"""Serve the visitor chat and the staff console: `python app.py` runs `clinicbot-serve`.

The code is bot/serve.py; this file stays so a checkout runs without installing the project.
"""

import sys

from bot.serve import main

if __name__ == "__main__":
    sys.exit(main())
