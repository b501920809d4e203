"""Pure domain: models, NAM, roles and access policy, errors. No I/O, no Qt, no other app layer."""
