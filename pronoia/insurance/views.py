"""Insurance record pages: the citizen's own (or their principal's, under a mandate), its CSV
download and correction requests; and the staff person file, opened for a stated purpose."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from pronoia.accounts.access import CASEWORK_ROLES, PURPOSE_MAX_CHARS
from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.insurance.corrections import MESSAGE_MAX_CHARS, correction_request_submit
from pronoia.insurance.forms import CorrectionRequestForm
from pronoia.insurance.record_csv import insurance_record_csv_write
from pronoia.insurance.selectors import (
    correction_form_target_get,
    correction_request_get_for_person,
    insurance_file_get,
    insurance_record_get,
)
from pronoia.people.models import Person
from pronoia.people.forms import NationalIdentifierForm
from pronoia.people.selectors import person_get_by_national_id

# The purposes staff stated, per person, for the lookups of this session: {"<person id>": purpose}.
SESSION_STAFF_PURPOSES_KEY = "pronoia_staff_purposes"
STAFF_PURPOSES_KEPT = 20


class PersonalDataViewMixin(RoleRequiredMixin):
    """Pages of a person's data: a refusal of the access rule becomes a 403 page naming why."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return denied_render(request, exc)


class CitizenRecordMixin(PersonalDataViewMixin):
    """The "my" pages: the signed-in person's own data, or their principal's when acting under a mandate."""

    allowed_roles = CITIZEN_ROLES

    def subject_person(self) -> Person:
        person_id = self.request.actor.subject_person_id
        if person_id is None:
            raise PermissionDenied(
                code="mandate_for_employer",
                message=_("You are acting for an employer. Stop acting for them to see your own insurance record."),
            )
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise Http404
        return person

    def record_context(self, person: Person, data: dict) -> dict:
        acting = self.request.actor.acting_for is not None
        return {
            **data,
            "heading": _("Insurance record of %(name)s") % {"name": f"{person.given_name} {person.surname}"} if acting else _("Your insurance record"),
            "own_record": True,
            "can_request_corrections": data["corrections"] is not None,
        }


class InsuranceRecordView(CitizenRecordMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        person = self.subject_person()
        data = insurance_file_get(actor=request.actor, person=person)
        return render(request, "insurance/record.html", self.record_context(person, data))


class InsuranceRecordCsvView(CitizenRecordMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        person = self.subject_person()
        record = insurance_record_get(actor=request.actor, person=person)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="insurance-record-{person.national_id}.csv"'
        # A byte-order mark makes spreadsheet programs read Greek and Cyrillic names as UTF-8.
        response.write("\ufeff")
        insurance_record_csv_write(record, response)
        return response


def _int_param(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


class CorrectionRequestCreateView(CitizenRecordMixin, View):
    """The form to request a correction of a period (?period=ID) or a flag (?flag=ID)."""

    template_name = "insurance/correction_form.html"

    def _target(self, request: HttpRequest, person: Person) -> dict:
        try:
            return correction_form_target_get(
                actor=request.actor,
                person=person,
                period_id=_int_param(request.GET.get("period")),
                flag_id=_int_param(request.GET.get("flag")),
            )
        except NotFound:
            raise Http404 from None

    def get(self, request: HttpRequest) -> HttpResponse:
        person = self.subject_person()
        return self._render(request, CorrectionRequestForm(), self._target(request, person))

    def post(self, request: HttpRequest) -> HttpResponse:
        person = self.subject_person()
        target = self._target(request, person)
        form = CorrectionRequestForm(request.POST)
        if form.is_valid():
            try:
                correction = correction_request_submit(
                    actor=request.actor,
                    person=person,
                    message=form.cleaned_data["message"],
                    period=target["period"],
                    flag=target["flag"],
                )
            except PermissionDenied:
                raise
            except PronoiaError as exc:
                form.add_error("message" if exc.field == "message" else None, exc.message)
            else:
                messages.success(request, _("Your correction request %(ref)s has been sent.") % {"ref": f"#{correction.pk}"})
                return HttpResponseRedirect(reverse("insurance:correction_detail", args=[correction.pk]))
        return self._render(request, form, target, status=400)

    def _render(self, request: HttpRequest, form: CorrectionRequestForm, target: dict, status: int = 200) -> HttpResponse:
        context = {"form": form, "period": target["period"], "flag": target["flag"], "max_chars": MESSAGE_MAX_CHARS}
        return render(request, self.template_name, context, status=status)


class CorrectionRequestDetailView(CitizenRecordMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self.subject_person()
        correction = correction_request_get_for_person(actor=request.actor, person=person, correction_id=pk)
        if correction is None:
            raise Http404
        return render(request, "insurance/correction_detail.html", {"correction": correction})


# Staff person file ---------------------------------------------------------------------------

STAFF_PURPOSE_OTHER = "other"
STAFF_PURPOSES = [
    ("application", gettext_lazy("Handling the person's application for a benefit")),
    ("correction", gettext_lazy("Handling the person's correction request")),
    ("enquiry", gettext_lazy("Answering the person's enquiry")),
    ("contributions", gettext_lazy("Checking the person's contributions and insurance periods")),
    ("authority", gettext_lazy("A request from a court or another public authority")),
    (STAFF_PURPOSE_OTHER, gettext_lazy("Another purpose (describe it below)")),
]


class StaffPersonLookupForm(NationalIdentifierForm):
    purpose = forms.ChoiceField(
        label=gettext_lazy("Why do you open this file?"),
        choices=STAFF_PURPOSES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the purpose of this access."), "invalid_choice": gettext_lazy("Choose a purpose from the list.")},
    )
    purpose_details = forms.CharField(
        label=gettext_lazy("Details, such as the case or application number"),
        help_text=gettext_lazy("The person sees the purpose in their access log."),
        required=False,
        max_length=PURPOSE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("Write at most %(limit_value)d characters (you wrote %(show_value)d).")},
    )

    def clean(self) -> dict:
        data = super().clean()
        choice, details = data.get("purpose"), data.get("purpose_details", "")
        if choice == STAFF_PURPOSE_OTHER and not details:
            self.add_error("purpose_details", _("Describe the purpose of this access."))
        elif choice:
            label = str(dict(STAFF_PURPOSES)[choice])
            text = details if choice == STAFF_PURPOSE_OTHER else (f"{label}: {details}" if details else label)
            if len(text) > PURPOSE_MAX_CHARS:
                self.add_error("purpose_details", _("The purpose must be %(max)s characters or fewer.") % {"max": PURPOSE_MAX_CHARS})
            data["purpose_text"] = text
        return data


def staff_purpose_remember(session, person_id: int, purpose: str) -> None:
    """Keep the stated purpose for this person (the most recent lookups only)."""
    purposes = dict(session.get(SESSION_STAFF_PURPOSES_KEY, {}))
    purposes.pop(str(person_id), None)
    purposes[str(person_id)] = purpose
    session[SESSION_STAFF_PURPOSES_KEY] = dict(list(purposes.items())[-STAFF_PURPOSES_KEPT:])


class StaffPersonLookupView(RoleRequiredMixin, View):
    """Find a person by national identifier and state why their file is opened."""

    allowed_roles = frozenset(CASEWORK_ROLES)
    template_name = "insurance/staff_person_lookup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": StaffPersonLookupForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = StaffPersonLookupForm(request.POST)
        if form.is_valid():
            try:
                person = person_get_by_national_id(national_id=form.cleaned_data["national_id"], country=form.cleaned_data["country"])
            except NotFound as exc:
                form.add_error("national_id", exc.message)
            else:
                staff_purpose_remember(request.session, person.pk, form.cleaned_data["purpose_text"])
                return HttpResponseRedirect(reverse("insurance:staff_person_record", args=[person.pk]))
        return render(request, self.template_name, {"form": form}, status=400)


class StaffPersonRecordView(PersonalDataViewMixin, View):
    """A person's file for staff: the record page, with the purpose stated at lookup (each view logged)."""

    allowed_roles = frozenset(CASEWORK_ROLES)

    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        purpose = request.session.get(SESSION_STAFF_PURPOSES_KEY, {}).get(str(person_id))
        if not purpose:
            return HttpResponseRedirect(reverse("insurance:staff_person_lookup"))
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise Http404
        data = insurance_file_get(actor=request.actor, person=person, purpose=purpose)
        name = f"{person.given_name} {person.surname}"
        context = {
            **data,
            "heading": _("Insurance record of %(name)s") % {"name": name},
            "own_record": False,
            "can_request_corrections": False,
            "access_banner": _("You are viewing %(name)s's file for: %(purpose)s") % {"name": name, "purpose": purpose},
            "access_banner_change_url": reverse("insurance:staff_person_lookup"),
        }
        return render(request, "insurance/record.html", context)
