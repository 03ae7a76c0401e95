"""Chat over a folder of articles: ingest, hybrid search and cited answers, offline."""

from .assistant import Assistant
from .config import Settings
from .errors import AssistantError, ModelMismatchError, QuestionError, StoreError
from .response import Response
from .types import Answer, Article, ArticleInfo, CheckReport, Chunk, Citation, Hit, IngestReport, Refusal, Turn

__all__ = [
    "Answer", "Article", "ArticleInfo", "Assistant", "AssistantError", "CheckReport", "Chunk", "Citation", "Hit",
    "IngestReport", "ModelMismatchError", "QuestionError", "Refusal", "Response", "Settings", "StoreError", "Turn",
]
