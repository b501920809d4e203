"""ClinicDesk reference central EMR server: FHIR R4 over HTTP (FastAPI), SQLite or PostgreSQL.

Exception roots: `server.storage.StorageError` (storage), `server.fhir.errors.FhirError`
(HTTP-facing, an OperationOutcome), `server.authz.Denied` (401/403). No text of any of them holds
patient data.
"""
