"""The one exception a file that cannot be loaded raises."""


class IngestError(Exception):
    """Nothing of the file was loaded; the message names the file, row and column where known."""
