"""The person's pages: apply for a service, the confirmation, all applications, one application
(with the answer to a handler's question). A representative acts for their principal."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.services import selectors
from pronoia.services.casework import ANSWER_MAX_CHARS, ANSWER_UPLOADS_MAX, application_information_provide
from pronoia.services.models import Application
from pronoia.services.services import ApplicationFormInvalid, acr_sufficient, application_receipt_ensure, application_submit


def _language() -> str:
    return (get_language() or "en").split("-")[0]


class CitizenMixin(RoleRequiredMixin):
    allowed_roles = CITIZEN_ROLES

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return denied_render(request, exc)

    def subject_person_id(self) -> int:
        person_id = self.request.actor.subject_person_id
        if person_id is None:
            raise PermissionDenied(
                code="mandate_for_employer",
                message=_("You are acting for an employer. Stop acting for them to see your own applications."),
            )
        return person_id


class ApplyView(CitizenMixin, View):
    """The service's form (prefilled from the file) and its submission."""

    template_name = "services/applications/apply.html"

    def _service(self, code: str):
        from pronoia.services.catalogue.selectors import catalogue_service_get

        try:
            return catalogue_service_get(code)
        except NotFound:
            raise Http404 from None

    def _render(self, request: HttpRequest, service, *, values=None, errors=None, status: int = 200) -> HttpResponse:
        from pronoia.services.forms.definitions import form_definition_get
        from pronoia.services.forms.prefill import form_prefill
        from pronoia.services.forms.rendering import form_context

        actor = request.actor
        sign_in_url = f"{reverse('accounts:sign_in')}?next={request.path}"
        context = {"service": service, "title": service.title(_language()), "description": service.description(_language())}
        if not acr_sufficient(actor.loa, service.handling.min_acr):
            context.update({"acr_too_low": True, "sign_in_url": sign_in_url, "min_acr": service.handling.min_acr, "loa": actor.loa})
            return render(request, self.template_name, context, status=403 if status == 200 and request.method == "POST" else status)
        definition = form_definition_get(service.form)
        prefilled = form_prefill(definition, actor=actor, person_id=self.subject_person_id())
        # Errors about something that is not a question of the form are shown for the whole form.
        shown_errors: dict[str, list[str]] = {}
        for field, messages in (errors or {}).items():
            shown_errors.setdefault(field if field in definition.by_name and field not in prefilled else "", []).extend(messages)
        context["form"] = form_context(definition, values=values if values is not None else {}, errors=shown_errors, prefilled=prefilled)
        context["has_uploads"] = definition.has_uploads
        context["acting_for"] = actor.acting_for
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        # Answers may be preselected by a link (e.g. ?flag_id=12 from a flag of the insurance record).
        return self._render(request, self._service(code), values=request.GET)

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        service = self._service(code)
        self.subject_person_id()
        try:
            application = application_submit(
                actor=request.actor,
                service_code=service.code,
                data=request.POST,
                files=request.FILES,
                source="html",
                language=_language(),
            )
        except ApplicationFormInvalid as exc:
            return self._render(request, service, values=request.POST, errors=exc.errors, status=400)
        except PermissionDenied as exc:
            if exc.code == "acr_too_low":
                return self._render(request, service, status=403)
            raise
        except PronoiaError as exc:
            return self._render(request, service, values=request.POST, errors={exc.field or "": [exc.message]}, status=exc.status_code)
        return HttpResponseRedirect(reverse("applications:confirmation", args=[application.pk]))


class ApplicationConfirmationView(CitizenMixin, View):
    """Right after submitting: the protocol number and the certificate of submission."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person_id = self.subject_person_id()
        if Application.objects.filter(pk=pk, person_id=person_id).exists():
            # Issued after the submission's commit; if that failed, try again now (idempotent).
            application_receipt_ensure(application_id=pk)
        try:
            detail = selectors.application_detail_for_person(actor=request.actor, person_id=person_id, application_id=pk)
        except NotFound:
            raise Http404 from None
        receipt = next((doc for doc in detail["documents"] if doc["role"] == "receipt"), None)
        return render(request, "services/applications/confirmation.html", {"application": detail, "receipt": receipt})


class MyApplicationsView(CitizenMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        applications = selectors.applications_for_person(actor=request.actor, person_id=self.subject_person_id())
        return render(request, "services/applications/list.html", {"applications": applications, "acting_for": request.actor.acting_for})


class MyApplicationDetailView(CitizenMixin, View):
    """One application: timeline, documents, decision, and the answer form for an open question."""

    template_name = "services/applications/detail.html"

    def _render(self, request: HttpRequest, pk: int, *, answer: str = "", error: PronoiaError | None = None, status: int = 200) -> HttpResponse:
        try:
            detail = selectors.application_detail_for_person(actor=request.actor, person_id=self.subject_person_id(), application_id=pk)
        except NotFound:
            raise Http404 from None
        context = {
            "application": detail,
            "answer": answer,
            "answer_error": error,
            "answer_max_chars": ANSWER_MAX_CHARS,
            "answer_files_max": ANSWER_UPLOADS_MAX,
            "documents_url": _documents_url(),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.subject_person_id()
        answer = request.POST.get("answer", "")
        files = {f"file{index}": upload for index, upload in enumerate(request.FILES.getlist("files"), start=1)}
        try:
            application_information_provide(actor=request.actor, application_id=pk, answer=answer, files=files)
        except NotFound:
            raise Http404 from None
        except PermissionDenied:
            raise
        except PronoiaError as exc:
            return self._render(request, pk, answer=answer, error=exc, status=400 if exc.status_code < 500 else exc.status_code)
        return HttpResponseRedirect(reverse("applications:detail", args=[pk]))


def _documents_url() -> str:
    try:
        return reverse("documents:mine")
    except NoReverseMatch:  # the documents pages are helper A's; the link appears once they exist
        return ""
