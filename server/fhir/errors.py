"""FHIR errors as OperationOutcome with the right HTTP status."""

from __future__ import annotations

from fastapi import Response

from server import authz
from server.storage import base as storage

# OperationOutcome issue codes per HTTP status (http://hl7.org/fhir/R4/valueset-issue-type.html)
CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
         409: "conflict", 410: "deleted", 412: "conflict", 422: "processing",
         428: "required", 500: "exception", 503: "transient"}
RETRY_AFTER = "1"  # seconds: a 503 while the database is unreachable (storage.Unavailable)


class FhirError(Exception):
    def __init__(self, status: int, diagnostics: str, expression: str | None = None,
                 issues: list[tuple[str | None, str]] | None = None, headers: dict | None = None):
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.issues = issues or [(expression, diagnostics)]  # (FHIRPath expression, diagnostics)
        self.headers = headers or {}

    def outcome(self) -> dict:
        return operation_outcome(self.status, self.issues)

    def response(self) -> Response:
        from server.fhir.respond import Result
        return Result(self.status, self.outcome(), self.headers).response()


def operation_outcome(status: int, issues: list[tuple[str | None, str]],
                      severity: str = "error") -> dict:
    entries = []
    for expression, diagnostics in issues:
        issue: dict[str, object] = {"severity": severity,
                                    "code": CODES.get(status, "processing"),
                                    "diagnostics": diagnostics}
        if expression:
            issue["expression"] = [expression]
        entries.append(issue)
    return {"resourceType": "OperationOutcome", "issue": entries}


def from_exception(error: Exception) -> FhirError:
    """Storage and authorisation errors → FhirError; anything else is a bug (500)."""
    if isinstance(error, FhirError):
        return error
    if isinstance(error, authz.Denied):
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else error.headers
        return FhirError(error.status, error.message, headers=headers)
    if isinstance(error, storage.Gone):
        v = error.version
        return FhirError(410, str(error), headers={"ETag": f'W/"{v.version_id}"'})
    if isinstance(error, storage.Unavailable):  # a restart of the database: retry shortly
        return FhirError(503, str(error), headers={"Retry-After": RETRY_AFTER})
    statuses = {storage.NotFound: 404, storage.VersionConflict: 412,
                storage.MultipleMatches: 412, storage.BadQuery: 400, storage.Contention: 409}
    for kind, status in statuses.items():
        if isinstance(error, kind):
            return FhirError(status, str(error))
    return FhirError(500, "internal server error")
