"""A second redaction pass for what leaves the workstation in a support bundle.

The logging set-up already redacts patient data when a line is written; this pass runs again
over the files, so that a line written by an older version, by a library, or by a bug in the
first filter does not leave the clinic. It removes what can be recognised in text:
NAMs (spaced, dashed, URL-encoded: app.logsetup.NAM_IN_TEXT), the values of patient fields
in JSON (FHIR `family`, `given`, `birthDate`, `telecom`…) and in `key=value` pairs, e-mail
addresses, phone numbers, Canadian postal codes, bearer tokens and passwords. A name written
as plain prose cannot be recognised afterwards: keeping it out of the log is the first
filter's job.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from app.logsetup import NAM_IN_TEXT

MASK = "********"

# Field names whose values are patient data (FHIR Patient/Observation/Note and our own logs).
PATIENT_FIELDS = (
    "family", "given", "name", "names", "surname", "first_?name", "last_?name", "full_?name",
    "prefix", "suffix", "birth_?date", "dob", "nam", "hin", "patient", "patient_name",
    "text", "div", "note", "notes", "comment", "description", "display", "line", "city",
    "postal_?code", "address", "phone", "telecom", "email", "value", "mother_?name",
    "father_?name", "valueString", "conclusion",
)
SECRET_FIELDS = (
    r"[\w-]*pass(word|wd|phrase)?", "pwd", "pin", r"[\w-]*secret", r"[\w-]*token",
    r"[\w-]*api[_-]?key", "key", r"[\w-]*_key", "authorization", "cookie", "set-cookie",
    "credentials?", "private[\\w-]*",
)
_FIELD = "|".join(PATIENT_FIELDS + SECRET_FIELDS)

RULES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    # "family": "Tremblay" / "given": ["Marie", "Ève"]: the value, string or list of strings.
    ("json_field", re.compile(
        rf'("(?:{_FIELD})"\s*:\s*)("(?:[^"\\]|\\.)*"|\[[^\]]*\])', re.IGNORECASE),
     lambda m: f'{m[1]}"{MASK}"'),
    # Authorization: Bearer abc… / Basic …
    ("bearer", re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
     lambda m: f"{m[1]} {MASK}"),
    # patient=Marie Tremblay reason=…, name='Marie Tremblay', password: hunter2
    ("key_value", re.compile(
        rf"(?<![\w\"])((?:{_FIELD})\s*[=:]\s*)"
        # quoted, or everything up to the next `key=`, a delimiter or the end of the line
        rf"('[^']*'|\"[^\"]*\"|[^\s,;&)\]}}][^,;&)\]}}\n]*?(?=\s+[\w.-]+\s*[=:]|[,;&)\]}}]|$))",
        re.IGNORECASE | re.MULTILINE), lambda m: f"{m[1]}{MASK}"),
    # NAM: the logging set-up's pattern (spaced, dashed, URL-encoded, after %7C or an escape).
    ("nam", NAM_IN_TEXT, lambda m: "[NAM]"),
    ("url_credentials", re.compile(r"(\w+://)[^/\s:@]+:[^/\s@]+@"),
     lambda m: f"{m[1]}{MASK}@"),
    ("email", re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), lambda m: "[email]"),
    ("phone", re.compile(r"(?<!\d)(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)"),
     lambda m: "[phone]"),
    ("postal_code", re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][\s-]?\d[A-Z]\d\b"),
     lambda m: "[postal code]"),
)


class Redactor:
    """Applies the rules (and an extra function, e.g. the logging filter's) and counts hits."""

    def __init__(self, extra: Callable[[str], str] | None = None):
        self.extra = extra
        self.counts: Counter[str] = Counter()

    def __call__(self, text: str) -> str:
        if self.extra is not None:
            before = text
            text = self.extra(text)
            self.counts["logging_filter"] += before != text
        for name, pattern, replace in RULES:
            text, hits = pattern.subn(replace, text)
            self.counts[name] += hits
        return text


def is_secret_key(key: str) -> bool:
    """True for a settings key whose value must never be shown (password, token, key…)."""
    bare = key.strip().rsplit("/", 1)[-1]
    return any(re.fullmatch(p, bare, re.IGNORECASE) for p in SECRET_FIELDS)


def mask_settings(text: str, redact: Callable[[str], str]) -> str:
    """An INI file with the values of secret keys masked and every other value redacted."""
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or line.lstrip().startswith((";", "#", "[")):
            out.append(line)
        elif is_secret_key(key):
            out.append(f"{key}={MASK}")
        else:
            out.append(f"{key}={redact(value)}")
    return "\n".join(out) + "\n"
