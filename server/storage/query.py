"""Search criteria → SQL over `resource_current` (placeholders written `?`)."""

from __future__ import annotations

from server.storage.base import BadQuery, Clause, Criteria

OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
TOKEN_PARAMS = ("identifier", "family", "given", "birthdate")
PREFIX_MATCH = ("family", "given")


def _token_rows(rtype: str, clause: Clause) -> tuple[str, list]:
    """SELECT of the ids whose tokens match the clause: one indexed SELECT per OR-ed value."""
    selects, args = [], []
    for value in clause.values:
        if clause.name == "identifier":
            system, bar, code = value.partition("|")
            cond, vals = (("t.value = ?", [system]) if not bar else
                          ("t.system = ?", [system]) if not code else
                          ("t.system = ? AND t.value = ?", [system, code]))
        elif clause.name in PREFIX_MATCH:  # a range, not LIKE: both databases use the index
            cond, vals = "t.value >= ? AND t.value < ?", [value, value + "\U0010ffff"]
        else:
            cond, vals = f"t.value {OPS[clause.prefix]} ?", [value]
        selects.append(f"SELECT t.rid FROM search_token t WHERE t.name = ? AND t.rtype = ? "
                       f"AND {cond}")
        args.extend([clause.name, rtype, *vals])
    return " UNION ALL ".join(selects), args


def _clause(rtype: str, clause: Clause) -> tuple[str, list]:
    if clause.name == "_id":
        return f"c.rid IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name == "_lastUpdated":
        return f"c.ts {OPS[clause.prefix]} ?", [clause.values[0]]
    if clause.name == "patient":
        return f"c.patient IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name in TOKEN_PARAMS:
        sql, args = _token_rows(rtype, clause)
        return f"c.rid IN ({sql})", args
    raise BadQuery(f"unsupported search parameter: {clause.name}")


def where(criteria: Criteria) -> tuple[str, str, list]:
    """(FROM text, WHERE text, arguments) of a search, without paging.

    With a token clause (identifier, names, birth date), its matching ids drive the query
    (CROSS JOIN keeps SQLite from scanning every resource of the type in `seq` order instead:
    it has no statistics to know better until ANALYZE runs)."""
    clauses = list(criteria.clauses)
    driver = next((c for c in clauses if c.name in TOKEN_PARAMS), None)
    source, args = "resource_current c", []
    by_patient = driver is None and any(c.name == "patient" for c in clauses)
    # By patient: the (patient, seq) index, never a walk of every resource of the type
    parts = ["c.rtype || '' = ?" if by_patient else "c.rtype = ?", "c.deleted = 0"]
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
