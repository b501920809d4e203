"""Validation of incoming resources with `fhir.resources` (its R4B models: fhir.resources has no
4.0.1 model set any more, and R4B's changes to R4 are in resource types not served here).
Code values (e.g. Patient.gender) are not checked against their value sets by the library.

Model classes are looked up once and cached; validation runs on writes only. The elements of
resources that validated are remembered (`_known`): an element met again with the same JSON (a
workstation's agent and source in each of its access-log AuditEvents, a Coding) is handed to the
model already validated, which the library takes as it is (~half of an AuditEvent's cost). Only
successes are remembered, so an invalid resource fails exactly as before, on the same path.
"""

from __future__ import annotations

import typing
from functools import cache

import orjson
from fhir_core.types import FhirBase
from pydantic import BaseModel, ValidationError

from app.core import fhir_systems, nam
from server.fhir.errors import FhirError

RESOURCE_TYPES = (
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Encounter", "Condition",
    "AllergyIntolerance", "MedicationRequest", "MedicationStatement", "MedicationDispense",
    "Observation", "DiagnosticReport", "DocumentReference", "Appointment", "Consent", "AuditEvent",
)


@cache
def model(rtype: str) -> type[BaseModel]:
    from fhir.resources.R4B import get_fhir_model_class
    return get_fhir_model_class(rtype)


MAX_KNOWN = 4096  # elements remembered; all forgotten at once past it
_known: dict[tuple[type, bytes], BaseModel] = {}


class Field(typing.NamedTuple):
    attribute: str
    element: type[BaseModel]  # the model of its values
    many: bool  # a list of them


@cache
def _elements(cls: type[BaseModel]) -> dict[str, Field]:
    """JSON name → Field, of a model's complex fields. A field that takes any resource
    (`contained`) has Resource's model: the JSON's resourceType, part of the key of what is
    remembered, picks the model, and Resource's own fields are every resource's."""
    out = {}
    for name, info in cls.model_fields.items():
        kind, many = info.annotation, False
        while typing.get_origin(kind) not in (None, typing.Annotated):
            many |= typing.get_origin(kind) is list
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if isinstance(kind, type) and issubclass(kind, FhirBase):
            out[info.alias or name] = Field(name, kind.get_model_klass(), many)
    return out


class _Known:
    """One validation's use of `_known`: the elements found there replaced by their models
    (`prepared`), then, once the whole resource validated, the others remembered. Only a
    value of the field's own shape is replaced (an object, or a list of objects): anything
    else is left for the library to refuse, as it would."""

    def __init__(self) -> None:
        self.missed: dict[int, tuple[type, bytes]] = {}  # id of a prepared dict → its key

    def prepared(self, cls: type[BaseModel], data: dict) -> dict:
        fields = _elements(cls)
        out = dict(data)
        for name, value in data.items():
            field = fields.get(name)
            if field is None:
                continue
            if isinstance(value, list):  # (a list where one is expected: refused alike)
                out[name] = [self._one(field.element, v) if isinstance(v, dict) else v
                             for v in value]
            elif not field.many and isinstance(value, dict):
                out[name] = self._one(field.element, value)
        return out

    def _one(self, cls: type[BaseModel], value: dict) -> object:
        try:
            key = cls, orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits
            return value
        known = _known.get(key)
        if known is not None:
            return known
        out = self.prepared(cls, value)
        self.missed[id(out)] = key
        return out

    def remember(self, cls: type[BaseModel], data: dict, valid: BaseModel) -> None:
        """The elements missed in `data` (prepared), which validated as `valid`."""
        if len(_known) > MAX_KNOWN:
            _known.clear()
        fields = _elements(cls)
        for name, value in data.items():
            field = fields.get(name)
            if field is None:
                continue
            models = getattr(valid, field.attribute)
            pairs = zip(value, models, strict=True) if field.many else [(value, models)]
            for item, model_ in pairs:
                key = self.missed.get(id(item)) if isinstance(item, dict) else None
                if key is not None:
                    self.remember(field.element, item, model_)
                    _known[key] = model_


def check_type(rtype: str) -> None:
    if rtype not in RESOURCE_TYPES:
        raise FhirError(404, f"resource type not supported: {rtype}")


def _expression(rtype: str, loc: tuple) -> str:
    path = rtype
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "union")):
            path += f".{part}"
    return path


def validate(resource: object, rtype: str) -> dict:
    """The resource when it is a valid `rtype`; else FhirError 400 saying where (never the value,
    which may be patient data)."""
    if not isinstance(resource, dict):
        raise FhirError(400, "the body is not a JSON object")
    if resource.get("resourceType") != rtype:
        raise FhirError(400, f"resourceType must be {rtype}", expression="resourceType")
    try:
        cls, known = model(rtype), _Known()
        prepared = known.prepared(cls, resource)
        known.remember(cls, prepared, cls.model_validate(prepared))
    except ValidationError as error:
        issues: list[tuple[str | None, str]] = [(_expression(rtype, e["loc"]), e["msg"])
                                                for e in error.errors()[:20]]
        raise FhirError(400, f"invalid {rtype}: {issues[0][0]}: {issues[0][1]}",
                        issues=issues) from None
    except (ValueError, TypeError) as error:
        raise FhirError(400, f"invalid {rtype}: {type(error).__name__}") from None
    _business_rules(resource, rtype)
    return resource


def _business_rules(resource: dict, rtype: str) -> None:
    """422: valid FHIR that this server still refuses (a NAM with a wrong check digit)."""
    if rtype != "Patient":
        return
    for n, ident in enumerate(resource.get("identifier") or ()):
        if ident.get("system") == fhir_systems.NAM and not nam.is_valid(ident.get("value", "")):
            raise FhirError(422, "the health insurance number (NAM) is not valid",
                            expression=f"Patient.identifier[{n}].value")
