"""The browser app (Gradio): chat, passages, articles, reader, ratings, uploads, MCP tools.

Every module here may import gradio, so this package turns Gradio's analytics (telemetry and its version
check) off and keeps the Hugging Face hub offline before any of them can: importing anything under
`assistant.web` runs this first.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
