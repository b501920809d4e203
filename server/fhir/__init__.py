"""FHIR R4 (4.0.1) REST under /fhir: CapabilityStatement, read, vread, create (If-None-Exist),
versioned update (If-Match), delete, search, _history, Patient/$everything, batch and transaction.

Errors: `FhirError(status, diagnostics, issues)` → OperationOutcome (server.fhir.errors); storage
and authorisation errors are mapped to it at the route boundary.
"""
