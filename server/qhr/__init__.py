"""The QHR gateway of the reference server: what the workstation's QHR viewer talks to.

- routes.py: the router under /qhr (challenge, key-bound session, reads by NAM), see its
  docstring for the protocol;
- proof.py: certificate chain (against the CA given by `serve --qhr-ca PATH`) and signature;
- sessions.py: challenges and short-lived session tokens, in memory;
- data.py: synthetic QHR content, deterministic per NAM (never stored);
- audit.py: one AuditEvent per consultation.
Errors: proof.ProofError (a refused proof); HTTP refusals are JSON {"error": …}.
"""
