"""The one exception a file that cannot be loaded raises."""

from __future__ import annotations


class IngestError(Exception):
    """Nothing of the file was loaded; the message names the file, row and column where known.

    str(e) is the English text the command line and the logs print.  `code` and `values`
    say the same for the Data page, which shows it in the user's language (the locale key
    f"ingest.{code}", formatted with `values`; shopsight/ingest/messages.py lists the codes).
    `file` is the upload's name once the loader has put it in front of the text.
    """

    def __init__(
        self, message: str, *, code: str = "other", file: str | None = None, **values: object
    ) -> None:
        super().__init__(message)
        self.code = code
        self.file = file
        self.values = values

    def in_file(self, filename: str) -> IngestError:
        """The same refusal, its text led by the file's name."""
        values = self.values or ({"detail": str(self)} if self.code == "other" else {})
        return IngestError(f"{filename}: {self}", code=self.code, file=filename, **values)

    def again(self) -> IngestError:
        """A fresh copy to raise again (a remembered refusal keeps no traceback alive)."""
        return IngestError(str(self), code=self.code, file=self.file, **self.values)

    def __reduce__(self):
        return _rebuild, (str(self), self.code, self.file, self.values)


def _rebuild(message: str, code: str, file: str | None, values: dict) -> IngestError:
    return IngestError(message, code=code, file=file, **values)
