"""Document pages: the public verification page (by code or QR) and the citizen's documents."""
from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.core.errors import NotFound, PermissionDenied
from pronoia.documents.codes import verification_code_normalise
from pronoia.documents.content import display_code
from pronoia.documents.selectors import document_content_get, document_get_by_code, document_public_metadata, documents_rows_for_person
from pronoia.documents.uploads import file_read_capped
from pronoia.documents.verification import REFUSED, document_file_verify

# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        help_text=gettext_lazy("The 24-letter code printed at the foot of the document, for example ABCD-EFGH-IJKL-MNOP-QRST-UVWX."),
        max_length=64,
        error_messages={"required": gettext_lazy("Enter the verification code printed on the document.")},
    )

    def clean_code(self) -> str:
        code = verification_code_normalise(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A verification code has 24 letters and digits 2 to 7, in groups of four."))
        return code


class VerifyFileForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("Check a file"),
        help_text=gettext_lazy("Choose the PDF file you were given. It is checked and not kept."),
        error_messages={"required": gettext_lazy("Choose the PDF file to check."), "empty": gettext_lazy("The file is empty.")},
    )


class VerifyStartView(View):
    """Enter a code (also reached by the QR code's link without one)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if "code" in request.GET:
            form = VerificationCodeForm(request.GET)
            if form.is_valid():
                return HttpResponseRedirect(reverse("documents:verify-code", args=[form.cleaned_data["code"]]))
        else:
            form = VerificationCodeForm()
        return render(request, "documents/verify_start.html", {"form": form})


class RootCertificateView(View):
    """The test PKI's root certificate (public), to check a document's seal in other software."""

    def get(self, request: HttpRequest) -> HttpResponse:
        from pronoia.documents.pki import PkiPaths

        path = PkiPaths(Path(settings.PRONOIA_PKI_DIR)).root_pem
        if not path.is_file():
            raise Http404
        response = HttpResponse(path.read_bytes(), content_type="application/x-pem-file")
        response["Content-Disposition"] = 'attachment; filename="pronoia-test-root-ca.pem"'
        return response


class VerifyCodeView(View):
    """The document's public metadata; POST a file to check it against them."""

    def _document(self, code: str):
        try:
            return document_get_by_code(code)
        except NotFound:
            return None

    def _render(self, request, document, *, form, verdict=None, status=200, max_bytes=None) -> HttpResponse:
        context = {
            "document": document_public_metadata(document),
            "display_code": display_code(document.verification_code),
            "issued_at": document.issued_at,
            "form": form,
            "verdict": verdict,
            "max_megabytes": (max_bytes or settings.PRONOIA_VERIFY_MAX_BYTES) // (1024 * 1024),
        }
        return render(request, "documents/verify_code.html", context, status=status)

    def _unknown(self, request: HttpRequest) -> HttpResponse:
        form = VerificationCodeForm()
        return render(request, "documents/verify_start.html", {"form": form, "unknown_code": True}, status=404)

    def get(self, request: HttpRequest, verification_code: str) -> HttpResponse:
        document = self._document(verification_code)
        if document is None:
            return self._unknown(request)
        if verification_code != document.verification_code:
            # One address per document (a typed code may carry hyphens or lower case).
            return HttpResponseRedirect(reverse("documents:verify-code", args=[document.verification_code]))
        return self._render(request, document, form=VerifyFileForm())

    def post(self, request: HttpRequest, verification_code: str) -> HttpResponse:
        document = self._document(verification_code)
        if document is None:
            return self._unknown(request)
        max_bytes = settings.PRONOIA_VERIFY_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_bytes + MULTIPART_OVERHEAD:
            # Refused before Django reads the body into a temporary file.
            return self._render(request, document, form=_with_field_error(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)}), status=413)
        form = VerifyFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, document, form=form, status=400)
        upload = form.cleaned_data["document"]
        data = file_read_capped(upload, max_bytes=max_bytes)
        verdict = document_file_verify(document, data, max_bytes=max_bytes)
        if verdict.outcome == REFUSED:
            return self._render(request, document, form=_with_field_error(verdict.message), status=400)
        return self._render(request, document, form=VerifyFileForm(), verdict=verdict)


def _with_field_error(message: str) -> VerifyFileForm:
    """A form showing `message` on the file field (the error summary links to it)."""
    bound = VerifyFileForm(data={}, files={})
    bound.is_valid()
    bound.errors.clear()
    bound.add_error("document", message)
    return bound


class MyDocumentsView(RoleRequiredMixin, View):
    """The documents issued to the signed-in person (or their principal under a mandate)."""

    allowed_roles = CITIZEN_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        person_id = request.actor.subject_person_id
        if person_id is None:
            return denied_render(request, PermissionDenied(code="mandate_for_employer", message=_("You are acting for an employer. Stop acting for them to see your own documents.")))
        try:
            rows = documents_rows_for_person(actor=request.actor, person_id=person_id)
        except PermissionDenied as exc:
            return denied_render(request, exc)
        return render(request, "documents/my_documents.html", {"rows": rows})


class MyDocumentDownloadView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person_id = request.actor.subject_person_id
        try:
            if person_id is None:
                raise NotFound(code="document_unknown", message=_("There is no such document."))
            data, filename = document_content_get(actor=request.actor, document_id=pk, person_id=person_id)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as exc:
            return denied_render(request, exc)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
