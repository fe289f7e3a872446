"""Domain errors. Raised inside; translated to HTTP status codes in api/ and to exit code 2 in the CLI."""

from __future__ import annotations

from dataclasses import dataclass


class PassgenauError(Exception):
    """Base of every error the service reports to a user as a clear message."""


class ValidationError(PassgenauError):
    """A record field holds a value the domain does not accept."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    """One bad row of an import file: where it is and what is wrong with it."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ImportRejected(PassgenauError):
    """An import file had bad rows; nothing was written."""

    def __init__(self, errors: list[RowError], total_bad: int | None = None) -> None:
        self.errors = errors
        self.total_bad = total_bad if total_bad is not None else len(errors)
        head = "\n".join(str(e) for e in errors)
        more = self.total_bad - len(errors)
        tail = f"\n... and {more} more bad rows" if more > 0 else ""
        super().__init__(f"import refused, nothing was written:\n{head}{tail}")


class UnknownClaimant(PassgenauError):
    pass


class UnknownVacancy(PassgenauError):
    pass


class UnknownEmployer(PassgenauError):
    pass


class StoreUnavailable(PassgenauError):
    """The database cannot be reached."""


class BundleMismatch(PassgenauError):
    """A model bundle or index failed its hash or version check."""


class EmbedderUnavailable(PassgenauError):
    """The embedding model cannot be built or loaded offline."""


class GeoError(PassgenauError):
    """A postcode is unknown or coordinates are out of range."""


class Conflict(PassgenauError):
    """The id is already taken (HTTP 409)."""


class UnknownSuggestion(PassgenauError):
    """No shown suggestion with this id that the caller may act on."""
