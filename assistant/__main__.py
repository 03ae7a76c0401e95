import sys

from .cli import ask_main

sys.exit(ask_main())
