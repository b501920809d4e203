"""The patient index: NAM, normalised names, birth date and chart number → patient id.

Functions take any DB-API connection (SQLCipher, or plain sqlite3 for the benchmark's peer).
A FHIR Patient is indexed by `entry_from_patient`; `Store.put_resources` does it for every
Patient it caches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import astuple, dataclass
from typing import Any

from app.core import fhir_systems
from app.core import nam as nam_rules
from app.store.db import Connection

COLUMNS = "patient_id, nam, surname, given, birthdate, chart_number"


@dataclass(frozen=True)
class IndexEntry:
    patient_id: str
    nam: str | None = None
    surname: str = ""
    given: str = ""
    birthdate: str | None = None  # YYYY-MM-DD
    chart_number: str | None = None


def normalise_name(value: str) -> str:
    """Accents stripped, upper case, one space between words: 'Côté-Lévesque ' → 'COTE LEVESQUE'."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def normalise_entry(entry: IndexEntry) -> IndexEntry:
    nam = nam_rules.normalise(entry.nam) if entry.nam else None
    return IndexEntry(entry.patient_id, nam, normalise_name(entry.surname),
                      normalise_name(entry.given), entry.birthdate, entry.chart_number)


def entry_from_patient(patient: dict[str, Any]) -> IndexEntry:
    """The index row of a FHIR Patient (official name first, else the first name)."""
    values = {i.get("system"): i.get("value") for i in patient.get("identifier", [])}
    names = patient.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "official"), names[0])
    return IndexEntry(patient["id"], values.get(fhir_systems.NAM), name.get("family", ""),
                      " ".join(name.get("given", [])), patient.get("birthDate"),
                      values.get(fhir_systems.CHART_NUMBER))


def upsert(conn: Connection, entries: list[IndexEntry]) -> None:
    conn.executemany(f"INSERT OR REPLACE INTO patient_index ({COLUMNS}) VALUES (?,?,?,?,?,?)",
                     [astuple(normalise_entry(e)) for e in entries])


def delete(conn: Connection, patient_id: str) -> None:
    conn.execute("DELETE FROM patient_index WHERE patient_id = ?", (patient_id,))


def _rows(cursor: Any) -> list[IndexEntry]:
    return [IndexEntry(*row) for row in cursor.fetchall()]


# Every page of the index (its table and its three indexes), read once after unlock: searches
# then find them decrypted in the connection's page cache (db.PRAGMAS cache_size) rather than
# paying SQLCipher's decryption of a cold page on the day's first look-ups.
WARM = ("SELECT count(*) FROM patient_index NOT INDEXED",
        "SELECT count(nam) FROM patient_index INDEXED BY patient_index_nam WHERE nam > ''",
        "SELECT count(given) FROM patient_index INDEXED BY patient_index_name WHERE surname >= ''",
        "SELECT count(chart_number) FROM patient_index INDEXED BY patient_index_chart "
        "WHERE chart_number > ''")


def warm(conn: Connection) -> None:
    for sql in WARM:
        conn.execute(sql).fetchone()


def find_by_nam(conn: Connection, nam: str) -> list[IndexEntry]:
    return _rows(conn.execute(f"SELECT {COLUMNS} FROM patient_index WHERE nam = ?",
                              (nam_rules.normalise(nam),)))


def find_by_name_birthdate(conn: Connection, surname: str, given: str,
                           birthdate: str) -> list[IndexEntry]:
    """Exact normalised surname and birth date; the given name may be a prefix ('MARIE' finds
    'MARIE CLAUDE')."""
    given_norm = normalise_name(given)
    return _rows(conn.execute(
        f"SELECT {COLUMNS} FROM patient_index WHERE surname = ? AND birthdate = ? "
        "AND given >= ? AND given < ? ORDER BY given",
        (normalise_name(surname), birthdate, given_norm, given_norm + "\uffff")))


def find_by_chart_number(conn: Connection, chart_number: str) -> list[IndexEntry]:
    return _rows(conn.execute(f"SELECT {COLUMNS} FROM patient_index WHERE chart_number = ?",
                              (chart_number.strip(),)))
