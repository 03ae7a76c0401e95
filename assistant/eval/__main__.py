"""`python -m assistant.eval`: the evaluation command (see harness.py)."""

from .harness import main

if __name__ == "__main__":
    raise SystemExit(main())
