"""The citizen's insurance record pages: the record, its CSV download and correction requests."""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from pronoia.core.errors import NotFound, PronoiaError
from pronoia.core.signed_in import signed_in_person_get
from pronoia.insurance.corrections import MESSAGE_MAX_CHARS, correction_request_submit
from pronoia.insurance.forms import CorrectionRequestForm
from pronoia.insurance.record_csv import insurance_record_csv_write
from pronoia.insurance.selectors import (
    correction_form_target_get,
    correction_request_get_for_person,
    correction_requests_for_person,
    insurance_record_get,
)


class SignedInPersonMixin:
    """Pages for the signed-in person: others go to sign-in (the demo picker until eID lands)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.person = signed_in_person_get(request)
        if self.person is None:
            if settings.PRONOIA_DEMO:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('core:demo_sign_in')}?{query}")
            return render(request, "insurance/sign_in_required.html", status=401)
        return super().dispatch(request, *args, **kwargs)


class InsuranceRecordView(SignedInPersonMixin, TemplateView):
    template_name = "insurance/record.html"

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "record": insurance_record_get(person=self.person),
            "corrections": correction_requests_for_person(person=self.person),
        }


class InsuranceRecordCsvView(SignedInPersonMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        record = insurance_record_get(person=self.person)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="insurance-record-{self.person.national_id}.csv"'
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


class CorrectionRequestCreateView(SignedInPersonMixin, View):
    """The form to request a correction of a period (?period=ID) or a flag (?flag=ID)."""

    template_name = "insurance/correction_form.html"

    def _target(self, request: HttpRequest) -> dict:
        try:
            return correction_form_target_get(
                person=self.person,
                period_id=_int_param(request.GET.get("period")),
                flag_id=_int_param(request.GET.get("flag")),
            )
        except NotFound:
            raise Http404 from None

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, CorrectionRequestForm(), self._target(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        target = self._target(request)
        form = CorrectionRequestForm(request.POST)
        if form.is_valid():
            try:
                correction = correction_request_submit(
                    person=self.person,
                    message=form.cleaned_data["message"],
                    period=target["period"],
                    flag=target["flag"],
                    actor=request.user,
                )
            except PronoiaError as exc:
                form.add_error("message" if exc.field == "message" else None, exc.message)
            else:
                messages.success(request, _("Your correction request %(ref)s has been sent.") % {"ref": f"#{correction.pk}"})
                return HttpResponseRedirect(reverse("insurance:correction_detail", args=[correction.pk]))
        return self._render(request, form, target, status=400)

    def _render(self, request: HttpRequest, form: CorrectionRequestForm, target: dict, status: int = 200) -> HttpResponse:
        context = {"form": form, "period": target["period"], "flag": target["flag"], "max_chars": MESSAGE_MAX_CHARS}
        return render(request, self.template_name, context, status=status)


class CorrectionRequestDetailView(SignedInPersonMixin, TemplateView):
    template_name = "insurance/correction_detail.html"

    def get_context_data(self, **kwargs) -> dict:
        correction = correction_request_get_for_person(person=self.person, correction_id=kwargs["pk"])
        if correction is None:
            raise Http404
        return {**super().get_context_data(**kwargs), "correction": correction}
