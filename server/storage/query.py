"""Search criteria → SQL over `resource_current` (placeholders written `?`). Names match whole
(normalised, server.storage.index.normalise), never by prefix: a search finds one individual."""

from __future__ import annotations

from server.storage.base import BadQuery, Clause, Criteria

OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
TOKEN_PARAMS = ("identifier", "family", "given", "birthdate", "actor", "date")
# The most selective token clause drives a search: (name, is an equality)
DRIVER_ORDER = [("identifier", True), ("actor", True), ("birthdate", True), ("family", True),
                ("given", True), ("birthdate", False), ("date", True)]
# A `date` value is "prefix|lo|hi": the instants [lo, hi) its precision covers (FHIR date
# search: ge → from lo, gt → from hi, le → before hi, lt → before lo, eq → within, ne → outside)
DATE_RANGE = {"eq": ("t.value >= ? AND t.value < ?", (1, 2)),
              "ne": ("(t.value < ? OR t.value >= ?)", (1, 2)),
              "ge": ("t.value >= ?", (1,)), "gt": ("t.value >= ?", (2,)),
              "le": ("t.value < ?", (2,)), "lt": ("t.value < ?", (1,))}


def _conditions(clause: Clause) -> list[tuple[str, list]]:
    """One (condition on the token row t, arguments) per OR-ed value of the clause."""
    out = []
    for value in clause.values:
        if clause.name == "identifier":
            system, bar, code = value.partition("|")
            out.append(("t.value = ?", [system]) if not bar else
                       ("t.system = ?", [system]) if not code else
                       ("t.system = ? AND t.value = ?", [system, code]))
        elif clause.name == "date":
            parts = value.split("|")
            cond, which = DATE_RANGE[parts[0]]
            out.append((cond, [parts[i] for i in which]))
        else:
            out.append((f"t.value {OPS[clause.prefix]} ?", [value]))
    return out


def _token_rows(rtype: str, clause: Clause) -> tuple[str, list]:
    """SELECT of the ids whose tokens match (the driver): one indexed SELECT per value."""
    selects, args = [], []
    for cond, vals in _conditions(clause):
        selects.append(f"SELECT t.rid FROM search_token t WHERE t.name = ? AND t.rtype = ? "
                       f"AND {cond}")
        args.extend([clause.name, rtype, *vals])
    return " UNION ALL ".join(selects), args


def _token_check(rtype: str, clause: Clause) -> tuple[str, list]:
    """A check of one row the driver found, through the (rtype, rid) token index."""
    conds = _conditions(clause)
    match = " OR ".join(f"({cond})" for cond, _ in conds)
    # `t.name || ''`: keeps SQLite on the (rtype, rid, name) index; by value it would walk
    # every token of that name (all the patients named Marie, say) for each row
    sql = ("EXISTS (SELECT 1 FROM search_token t WHERE t.rtype = ? AND t.rid = c.rid "
           f"AND t.name || '' = ? AND ({match}))")
    return sql, [rtype, clause.name, *(v for _, vals in conds for v in vals)]


def _clause(rtype: str, clause: Clause) -> tuple[str, list]:
    if clause.name == "_id":
        return f"c.rid IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name == "_lastUpdated":
        return f"c.ts {OPS[clause.prefix]} ?", [clause.values[0]]
    if clause.name == "patient":
        return f"c.patient IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name in TOKEN_PARAMS:
        return _token_check(rtype, clause)
    raise BadQuery(f"unsupported search parameter: {clause.name}")


def where(criteria: Criteria) -> tuple[str, str, list]:
    """(FROM text, WHERE text, arguments) of a search, without paging.

    With a token clause (identifier, names, birth date), its matching ids drive the query
    (CROSS JOIN keeps SQLite from scanning every resource of the type in `seq` order instead:
    it has no statistics to know better until ANALYZE runs)."""
    clauses = list(criteria.clauses)
    tokens = sorted((c for c in clauses if c.name in TOKEN_PARAMS),
                    key=lambda c: DRIVER_ORDER.index((c.name, c.prefix == "eq")))
    driver = tokens[0] if tokens else None
    source, args = "resource_current c", list[object]()
    by_patient = driver is None and any(c.name == "patient" for c in clauses)
    # By patient, never a walk of every resource of the type: one patient's by the (patient,
    # rtype, seq) index; several patients' by the (patient, seq) one (`|| ''`: with the type's
    # condition usable, SQLite would walk the type's in seq order rather than sort)
    several = by_patient and [len(c.values) for c in clauses if c.name == "patient"] != [1]
    parts = ["c.rtype || '' = ?" if several else "c.rtype = ?", "c.deleted = 0"]
    if driver is not None:
        clauses.remove(driver)
        sql, args = _token_rows(criteria.rtype, driver)
        # `|| ''`: DISTINCT on an expression, so that no index "helps" it by scanning every
        # token of the type in rid order
        source = (f"(SELECT DISTINCT m.rid || '' AS rid FROM ({sql}) m) d "
                  "CROSS JOIN resource_current c")
        parts.append("c.rid = d.rid")
    args.append(criteria.rtype)
    for clause in clauses:
        sql, more = _clause(criteria.rtype, clause)
        parts.append(sql)
        args.extend(more)
    return source, " AND ".join(parts), args
