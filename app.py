#!/usr/bin/env python
"""The chat in the browser: `python app.py [--store DIR] [--corpus DIR] [--host 127.0.0.1] [--port 7860]`.

The same as the `assistant-app` command (`pip install .`): both run assistant/web/serve.py's `main`.
"""

import sys

from assistant.web.serve import main, parse_args

__all__ = ["main", "parse_args"]

if __name__ == "__main__":
    sys.exit(main())
