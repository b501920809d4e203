"""Search criteria → SQL over `resource_current` (placeholders written `?`)."""

from __future__ import annotations

from server.storage.base import BadQuery, Clause, Criteria

OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
TOKEN_PARAMS = ("identifier", "family", "given", "birthdate")
PREFIX_MATCH = ("family", "given")


def _token(clause: Clause) -> tuple[str, list]:
    ors, args = [], []
    for value in clause.values:
        if clause.name == "identifier":
            system, bar, code = value.partition("|")
            cond, vals = (("t.value = ?", [system]) if not bar else
                          ("t.system = ?", [system]) if not code else
                          ("t.system = ? AND t.value = ?", [system, code]))
        elif clause.name in PREFIX_MATCH:
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond, vals = "t.value LIKE ? ESCAPE '\\'", [escaped + "%"]
        else:
            cond, vals = f"t.value {OPS[clause.prefix]} ?", [value]
        ors.append(f"({cond})")
        args.extend(vals)
    sql = ("EXISTS (SELECT 1 FROM search_token t WHERE t.rtype = c.rtype AND t.rid = c.rid"
           f" AND t.name = ? AND ({' OR '.join(ors)}))")
    return sql, [clause.name, *args]


def _clause(clause: Clause) -> tuple[str, list]:
    if clause.name == "_id":
        return f"c.rid IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name == "_lastUpdated":
        return f"c.ts {OPS[clause.prefix]} ?", [clause.values[0]]
    if clause.name == "patient":
        return f"c.patient IN ({', '.join('?' * len(clause.values))})", list(clause.values)
    if clause.name in TOKEN_PARAMS:
        return _token(clause)
    raise BadQuery(f"unsupported search parameter: {clause.name}")


def where(criteria: Criteria) -> tuple[str, list]:
    """The WHERE text (without paging) and its arguments."""
    parts, args = ["c.rtype = ?", "c.deleted = 0"], [criteria.rtype]
    for clause in criteria.clauses:
        sql, more = _clause(clause)
        parts.append(sql)
        args.extend(more)
    return " AND ".join(parts), args
