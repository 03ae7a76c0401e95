"""Domain errors: the library raises these; the CLI and UI turn them into one-line messages."""


class AssistantError(Exception):
    """Base class of every error the assistant reports to a user."""


class ArticleError(AssistantError):
    """An article file cannot be read or has no usable text (the reason is the message)."""


class StoreError(AssistantError):
    """The store folder is missing, corrupt, or from an incompatible version."""


class DiskFullError(StoreError):
    """The disk holding the store is full: the message names the folder, its disk and the space needed."""


class ModelMismatchError(StoreError):
    """The store was embedded with another model or backend than the current settings."""


class SettingsError(AssistantError, ValueError):
    """A setting (an ASSISTANT_* variable or a keyword of `Settings`) has a value the assistant cannot use."""


class CorpusError(AssistantError):
    """A folder to ingest does not exist or is not a folder."""


class QuestionError(AssistantError):
    """The question cannot be answered as given (e.g. it is empty)."""
