"""Notification pages: the person's inbox and choices; the staff delivery log and template preview."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.notifications import selectors
from pronoia.notifications.forms import LogSearchForm, PreferencesForm, PreviewForm, ResendForm
from pronoia.notifications.models import LANGUAGES, Category, Notification
from pronoia.notifications.services import inbox_entry_mark_read, notification_resend, preferences_save
from pronoia.notifications.templating import render as text_render

LOG_ROLES = frozenset({Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.OPERATOR_L2, Role.ADMINISTRATOR})
TEMPLATE_ROLES = frozenset({Role.CONTENT_MANAGER, Role.ADMINISTRATOR})


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


class InboxView(RoleRequiredMixin, View):
    """The signed-in person's own messages (a representative sees their own inbox, not the principal's)."""

    allowed_roles = CITIZEN_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "notifications/inbox.html", selectors.inbox_page(actor=request.actor, page=_page_number(request)))


class InboxEntryView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            entry = inbox_entry_mark_read(actor=request.actor, entry_id=pk)
        except NotFound:
            raise Http404 from None
        application_url = ""
        # The link opens the application only for the person's own case (a representative's copy names it).
        if entry.application_id and request.actor.subject_person_id is not None:
            application_url = reverse("applications:detail", args=[entry.application_id])
        return render(request, "notifications/inbox_entry.html", {"entry": entry, "application_url": application_url})


class PreferencesView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES

    def _context(self, form) -> dict:
        from pronoia.people.selectors import person_contact_get

        # Where e-mail and text messages go: the person checks them here (changed at the registry).
        contact = person_contact_get(actor=self.request.actor, person_id=self.request.actor.person_id) if self.request.actor.person_id else {"email": "", "phone": ""}
        return {"form": form, "groups": [(value, label, form[value]) for value, label in Category.choices], "contact": contact}

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PreferencesForm(initial_choices=selectors.preferences_for(actor=request.actor))
        return render(request, "notifications/preferences.html", self._context(form))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PreferencesForm(request.POST, initial_choices=selectors.preferences_for(actor=request.actor))
        if form.is_valid():
            try:
                preferences_save(actor=request.actor, choices=form.cleaned_data)
            except PronoiaError as exc:
                if exc.status_code == 403:
                    return denied_render(request, exc)
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Your choices are saved."))
                return HttpResponseRedirect(reverse("notifications:preferences"))
        return render(request, "notifications/preferences.html", self._context(form), status=400)


class DeliveryLogView(RoleRequiredMixin, View):
    allowed_roles = LOG_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        form = LogSearchForm(request.GET or None)
        context = {"form": form, "rows": [], "page": None, "searched": bool(request.GET)}
        status = 200
        if form.is_bound and form.is_valid():
            filters = selectors.LogFilters(**form.cleaned_data)
            try:
                context.update(selectors.delivery_log_page(actor=request.actor, filters=filters, page=_page_number(request)))
            except PermissionDenied as exc:
                form.add_error("purpose" if exc.code == "purpose_required" else "national_id", exc.message)
                status = 403
        elif form.is_bound:
            status = 400
        elif not request.GET:
            context.update(selectors.delivery_log_page(actor=request.actor, filters=selectors.LogFilters(), page=1))
        return render(request, "notifications/log.html", context, status=status)


class NotificationDetailView(RoleRequiredMixin, View):
    allowed_roles = LOG_ROLES

    def get(self, request: HttpRequest, pk: int, form: ResendForm | None = None, status: int = 200) -> HttpResponse:
        notification = Notification.objects.filter(pk=pk).select_related("template_version__template").first()
        if notification is None:
            raise Http404
        notification.destination_masked = selectors.destination_mask(notification.destination, notification.channel)
        context = {"n": notification, "log": selectors.notification_log(notification_id=pk), "form": form or ResendForm()}
        return render(request, "notifications/log_detail.html", context, status=status)


class NotificationResendView(RoleRequiredMixin, View):
    allowed_roles = LOG_ROLES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = ResendForm(request.POST)
        if not form.is_valid():
            return NotificationDetailView().get(request, pk, form=form, status=400)
        try:
            copy = notification_resend(actor=request.actor, notification_id=pk, reason=form.cleaned_data["reason"])
        except NotFound:
            raise Http404 from None
        except PronoiaError as exc:
            form.add_error("reason", exc.message)
            return NotificationDetailView().get(request, pk, form=form, status=exc.status_code)
        messages.success(request, _("The message is being sent again."))
        return HttpResponseRedirect(reverse("notifications:log_detail", args=[copy.pk]))


class TemplateListView(RoleRequiredMixin, View):
    allowed_roles = TEMPLATE_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "notifications/templates_list.html", {"templates": selectors.templates_list()})


class TemplatePreviewView(RoleRequiredMixin, View):
    """A template's newest version rendered with synthetic sample values, in each language."""

    allowed_roles = TEMPLATE_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            version = selectors.template_latest_version(template_id=pk)
        except NotFound:
            raise Http404 from None
        form = PreviewForm(request.GET or None)
        language = form.cleaned_data.get("language") if form.is_valid() else ""
        previews = []
        for code in [language] if language else LANGUAGES:
            try:
                rendered = text_render(texts=version.texts, language=code, declared=version.template.placeholders, values=selectors.PREVIEW_SAMPLES)
                previews.append({"language": code, "subject": rendered.subject, "body": rendered.body, "error": ""})
            except PronoiaError as exc:
                previews.append({"language": code, "subject": "", "body": "", "error": exc.message})
        return render(request, "notifications/template_preview.html", {"version": version, "template": version.template, "previews": previews, "form": form})
