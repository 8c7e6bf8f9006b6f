"""Dynamic forms: a JSON Schema plus presentation hints, rendered into accessible HTML and validating pages and API alike.

Public functions (docs/e-services-contracts.md, section 1; docs/catalogue-and-forms.md):
  form_definition_get(name)                     -> FormDefinition   (NotFound code "form_unknown")
  form_validate(definition, data, *, files=None, source="html", prefilled=None) -> FormResult
  form_prefill(definition, *, actor, person_id) -> dict             (read-only values from the file)
  form_context(definition, *, values, errors, prefilled) -> dict    (for "services/forms/form.html")
  form_summary(definition, cleaned, *, language) -> list[(label, value)]
"""
from pronoia.services.forms.definitions import FieldSpec, FormDefinition, FormDefinitionError, definition_names, form_definition_get
from pronoia.services.forms.prefill import PREFILL_PURPOSE, form_prefill
from pronoia.services.forms.rendering import form_context, form_summary
from pronoia.services.forms.validation import FormResult, form_validate

__all__ = [
    "PREFILL_PURPOSE",
    "FieldSpec",
    "FormDefinition",
    "FormDefinitionError",
    "FormResult",
    "definition_names",
    "form_context",
    "form_definition_get",
    "form_prefill",
    "form_summary",
    "form_validate",
]
