"""One exception tree. Every message names the file, field or id at fault and says how to fix it."""

from __future__ import annotations


class EntraAgentsError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class ContentError(EntraAgentsError):
    """A plugin manifest, prompt, skill module or tenant file is malformed.

    Rendered as one line: ``FILE: FIELD: PROBLEM; FIX``.
    """

    exit_code = 2

    def __init__(self, file: str, field: str, problem: str, fix: str = "") -> None:
        self.file, self.field, self.problem, self.fix = str(file), field, problem, fix
        where = f"{self.file}: {field}: " if field else f"{self.file}: "
        super().__init__(f"{where}{problem}" + (f"; {fix}" if fix else ""))


class UsageError(EntraAgentsError):
    """The command line asked for something that does not exist (unknown agent, tenant, model...)."""

    exit_code = 2


class TenantReadError(EntraAgentsError):
    """Reading from Microsoft Graph failed; dependent findings become ``error``, never ``pass``."""

