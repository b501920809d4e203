"""Identifier systems and code systems that the client and the reference server agree on.

Any FHIR R4 server can be the central server; these are the only conventions ClinicDesk adds.
"""

# The RAMQ health insurance number (NAM) as Patient.identifier.system.
NAM = "https://www.ramq.gouv.qc.ca/nam"
# The clinic's chart number (Patient.identifier).
CHART_NUMBER = "urn:clinicdesk:chart-number"
# A client-made change identifier (value "urn:uuid:…") put on every resource the client creates,
# searched with If-None-Exist so that a retried create never duplicates.
CHANGE_ID = "urn:ietf:rfc:3986"
# The ClinicDesk account behind a Practitioner (Practitioner.identifier).
USERNAME = "urn:clinicdesk:username"
# CMQ practice number / prescriber number (Practitioner.identifier).
PRACTICE_NUMBER = "urn:clinicdesk:practice-number"
# Classes of information (app.core.data_class.DataClass values) in Consent.provision.class.
DATA_CLASS = "urn:clinicdesk:data-class"
# Drug identification number (Health Canada DIN) in Medication codings.
DIN = "http://hl7.org/fhir/NamingSystem/ca-hc-din"
LOINC = "http://loinc.org"
# Break-the-glass purpose of use (AuditEvent.purposeOfEvent, v3 ActReason).
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
BREAK_THE_GLASS = "BTG"
# HTTP request header carrying the typed break-the-glass reason (UTF-8, percent-encoded); the
# server's authorisation passes it to app.core.access.decide and audits it (purposeOfEvent BTG).
BREAK_GLASS_HEADER = "X-Break-Glass-Reason"
# HTTP request header carrying why a patient's Consent is recorded, changed or withdrawn (UTF-8,
# percent-encoded; e.g. "Refus signé du patient, 2026-12-01"): required by the server for every
# Consent write and kept in its AuditEvent (entity.detail "reason").
CONSENT_REASON_HEADER = "X-Consent-Reason"
# A workstation's access-log entry pushed as an AuditEvent carries its chain hash here (R4's
# AuditEvent has no identifier: entity.what.identifier), so a retry or a check finds it.
ACCESS_LOG_HASH = "urn:clinicdesk:access-log-hash"
# A ClinicDesk workstation and the central server as AuditEvent devices (agent.who, observer).
WORKSTATION = "urn:clinicdesk:workstation"
SERVER_ID = "urn:clinicdesk:server"
