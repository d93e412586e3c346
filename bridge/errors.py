"""The one exception tree of the bridge; the CLI turns each into one line and an exit code."""

from __future__ import annotations

import re
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_BROKEN = 3


# What must never reach a terminal raw from a file or a server: C0 and C1 controls (ESC starts ANSI sequences,
# CR and newline rewrite or split a line), line separators, bidirectional controls that make text display
# differently from what it says, and invisible characters. Joiners and the LRM/RLM marks RTL text needs stay.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, *, keep: str = "") -> str:
    """Return text with terminal control characters escaped (\\x1b, \\u202e), except those in ``keep``."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        code = ord(char)
        return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")

    return _UNPRINTABLE.sub(escape, text)


class BridgeError(Exception):
    """Base of every error the bridge raises on purpose."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """Return the lines a user sees: the message, then the hint."""
        out = [self.message]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


class UsageError(BridgeError):
    """The command was called wrongly (bad option value, missing path)."""

    exit_code = EXIT_USAGE


class ConfigError(BridgeError):
    """bridge.toml, a profile or an environment variable is wrong or missing."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an artefact: where (file, field, line) and what."""

    message: str
    file: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.field) if p]
        return f"{': '.join(parts)}: {self.message}" if parts else self.message

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "field": self.field, "line": self.line, "message": self.message}


class MetadataError(BridgeError):
    """The artefact's metadata or files are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem, *, hint: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        first = str(self.problems[0]) if self.problems else "invalid metadata"
        super().__init__(first, hint=hint)

    def lines(self) -> list[str]:
        out = [str(p) for p in self.problems] or [self.message]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


class TransportError(BridgeError):
    """The network failed: connection refused, timeout, TLS, truncated body."""


class AmbiguousWrite(TransportError):
    """A write got no clear answer (timeout, dropped connection, 5xx): it may or may not have happened."""

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or "run the same command again: it reads the remote state and resumes")
        self.retry_after = retry_after


class DeadlineExceeded(TransportError):
    """A request passed its total deadline, or the run its --max-duration."""


class RepositoryError(BridgeError):
    """The repository answered with an error status."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status

    @property
    def retryable(self) -> bool:
        """5xx and 429 are the server's problem (retry later); other 4xx are the caller's."""
        return self.status is not None and (self.status >= 500 or self.status == 429)


class ResponseTooLarge(RepositoryError):
    """A server's answer (after decoding) is larger than the bridge's limit for one response or record."""


class OAIError(RepositoryError):
    """An OAI-PMH error element; subclasses per OAI error code."""

    code = "oaiError"

    @classmethod
    def for_code(cls, code: str, message: str) -> OAIError:
        """Return an instance of the subclass registered for an OAI error code."""
        klass = _OAI_ERRORS.get(code, OAIError)
        err = klass(f"OAI-PMH {code}: {message}" if message else f"OAI-PMH {code}")
        err.code = code
        return err


class BadArgument(OAIError):
    code = "badArgument"


class BadResumptionToken(OAIError):
    code = "badResumptionToken"


class BadVerb(OAIError):
    code = "badVerb"


class CannotDisseminateFormat(OAIError):
    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    code = "noSetHierarchy"


_OAI_ERRORS: dict[str, type[OAIError]] = {
    k.code: k
    for k in (
        BadArgument,
        BadResumptionToken,
        BadVerb,
        CannotDisseminateFormat,
        IdDoesNotExist,
        NoRecordsMatch,
        NoMetadataFormats,
        NoSetHierarchy,
    )
}


class VerificationError(BridgeError):
    """A PID, landing page, metadata or checksum check found something broken."""

    exit_code = EXIT_BROKEN
