"""Back office: work queues per service and unit, the overdue view, the case view and its actions.

Staff with a verified second factor only. Queues list no personal data beyond the protocol; the
case view opens the person's data for the case (recorded in their access log with the case as
purpose), so it is for the roles that may open a person's file (case handlers, branch staff,
administrators). Supervisors see the queues and assign.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.access import CASEWORK_ROLES
from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.services import casework, selectors
from pronoia.services.models import ApplicationStatus, ContactRecord, DecisionOutcome

QUEUE_ROLES = frozenset({*CASEWORK_ROLES, Role.SUPERVISOR})
CASE_ROLES = frozenset(CASEWORK_ROLES)
ASSIGN_ROLES = frozenset({*CASEWORK_ROLES, Role.SUPERVISOR})


class StaffMixin(RoleRequiredMixin):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return denied_render(request, exc)


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


class CaseQueueView(StaffMixin, View):
    """Work queue with filters: unit (default: the handler's), service, status, assignment."""

    allowed_roles = QUEUE_ROLES
    overdue = False

    def get(self, request: HttpRequest) -> HttpResponse:
        from pronoia.services.catalogue.selectors import catalogue_services

        actor = request.actor
        units = selectors.case_units()
        # Each country pack has the same services: the country tells them apart.
        services = {service.code: f"{service.title()} ({service.country.upper()})" for service in catalogue_services()}
        unit = request.GET.get("unit", actor.unit if actor.unit in units else "")
        service = request.GET.get("service", "")
        status = request.GET.get("status", "open")
        assigned = request.GET.get("assigned", "")
        errors = []
        if unit and unit not in units:
            errors.append(_("Choose a unit from the list."))
            unit = ""
        if service and service not in services:
            errors.append(_("Choose a service from the list."))
            service = ""
        if status not in (*ApplicationStatus.values, "open", "all"):
            errors.append(_("Choose a status from the list."))
            status = "open"
        if assigned not in ("", "me", "none"):
            assigned = ""
        filters = selectors.QueueFilters(unit=unit, service=service, status=status, assigned=assigned, overdue=self.overdue)
        page = selectors.case_queue_page(actor=actor, filters=filters, page=_int(request.GET.get("page")))
        handlers_by_unit = {}
        if actor.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
            users = get_user_model().objects.in_bulk([uid for u in units for uid in casework.handlers_of_unit(u)])
            handlers_by_unit = {u: [users[uid] for uid in casework.handlers_of_unit(u) if uid in users] for u in units}
        for row in page["rows"]:
            row["handlers"] = handlers_by_unit.get(row["unit"], [])
        context = {
            **page,
            "filters": filters,
            "units": units,
            "services": sorted(services.items(), key=lambda item: item[1]),
            "statuses": ApplicationStatus.choices,
            "errors": errors,
            "overdue": self.overdue,
            "can_open_cases": actor.has_role(*CASE_ROLES),
            "can_assign_others": actor.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR),
        }
        return render(request, "services/backoffice/queue.html", context, status=400 if errors else 200)


class CaseDetailView(StaffMixin, View):
    allowed_roles = CASE_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return case_render(request, pk)


def case_render(request: HttpRequest, pk: int, *, error: PronoiaError | None = None, action: str = "", values: dict | None = None, status: int = 200) -> HttpResponse:
    try:
        case = selectors.case_get(actor=request.actor, application_id=pk)
    except NotFound:
        raise Http404 from None
    application = case["application"]
    actor = request.actor
    is_assignee = application.assigned_to_id == actor.user_id or actor.has_role(Role.ADMINISTRATOR)
    proposed = case["proposed_decision"]
    context = {
        "case": case,
        "app": application,
        "error": error,
        "action": action,
        "values": values or {},
        "is_assignee": is_assignee,
        "can_act": is_assignee and not application.is_final,
        "can_decide": is_assignee and not application.is_final and proposed is None
        and application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFORMATION_PROVIDED),
        "can_second_approve": proposed is not None and proposed.decided_by_id != actor.user_id and actor.has_role(Role.CASE_HANDLER, Role.ADMINISTRATOR),
        "outcomes": DecisionOutcome.choices,
        "counterparts": ContactRecord.Counterpart.choices,
        "channels": ContactRecord.Channel.choices,
        "international": application.unit == "international-relations",
        "today": dt.date.today().isoformat(),
    }
    return render(request, "services/backoffice/case.html", context, status=status)


class CaseActionView(StaffMixin, View):
    """One POST action on a case; errors re-render the case with the message next to the field."""

    allowed_roles = CASE_ROLES
    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        values = {key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"}
        try:
            message = self.perform(request, pk, request.POST)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as exc:
            if exc.code in ("not_assigned", "self_approval", "assign_denied"):
                # The page was allowed; the case belongs to someone else or needs another handler.
                return case_render(request, pk, error=exc, action=self.action, values=values, status=409)
            raise
        except PronoiaError as exc:
            return case_render(request, pk, error=exc, action=self.action, values=values, status=400 if exc.status_code < 500 else exc.status_code)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("applications:case", args=[pk]))

    def perform(self, request: HttpRequest, pk: int, data) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class CaseAssignView(CaseActionView):
    """Take the case (handlers) or assign it to a handler (supervisors; from the queue too)."""

    allowed_roles = ASSIGN_ROLES
    action = "assign"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.actor.has_role(*CASE_ROLES):
            # Supervisors assign from the queue and go back to it (they do not open cases).
            try:
                application = self._assign(request, pk)
            except NotFound:
                raise Http404 from None
            except PronoiaError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(reverse("applications:queue"))
            messages.success(request, _("%(protocol)s assigned.") % {"protocol": application.protocol})
            return HttpResponseRedirect(reverse("applications:queue"))
        return super().post(request, pk)

    def _assign(self, request: HttpRequest, pk: int):
        raw = request.POST.get("assignee", "")
        if raw and not raw.isdigit():
            raise PronoiaError(code="assignee_not_handler", message=_("Choose a case handler."), field="assignee")
        return casework.case_assign(actor=request.actor, application_id=pk, assignee_id=int(raw) if raw else None)

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        application = self._assign(request, pk)
        return _("%(protocol)s assigned.") % {"protocol": application.protocol}


class CaseInformationRequestView(CaseActionView):
    action = "information"

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        casework.case_information_request(actor=request.actor, application_id=pk, question=data.get("question", ""))
        return _("Your question was sent to the person.")


class CaseDecisionView(CaseActionView):
    action = "decision"

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        decision = casework.case_decide(actor=request.actor, application_id=pk, outcome=data.get("outcome", ""), reasons=data.get("reasons", ""))
        if decision.state == decision.State.PROPOSED:
            return _("Decision recorded; it waits for a second handler's approval.")
        return _("Decision recorded and the decision document issued.")


class CaseSecondApprovalView(CaseActionView):
    action = "second_approval"

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        choice = data.get("choice", "")
        if choice == "confirm":
            casework.case_decision_confirm(actor=request.actor, application_id=pk, note=data.get("note", ""))
            return _("Decision confirmed and the decision document issued.")
        if choice == "return":
            casework.case_decision_return(actor=request.actor, application_id=pk, note=data.get("note", ""))
            return _("Decision returned to the handler.")
        raise PronoiaError(code="choice_required", message=_("Choose to confirm or to return the decision."), field="choice")


class CaseContactView(CaseActionView):
    action = "contact"

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        try:
            contacted_on = dt.date.fromisoformat(data.get("contacted_on", "").strip())
        except ValueError:
            raise PronoiaError(code="contact_date_invalid", message=_("Give the date of the contact as YYYY-MM-DD."), field="contacted_on") from None
        casework.case_contact_record(
            actor=request.actor,
            application_id=pk,
            counterpart_kind=data.get("counterpart_kind", ""),
            counterpart_name=data.get("counterpart_name", ""),
            counterpart_country=data.get("counterpart_country", ""),
            channel=data.get("channel", ""),
            contacted_on=contacted_on,
            summary=data.get("summary", ""),
        )
        return _("Contact recorded.")


class CaseFailView(CaseActionView):
    action = "fail"

    def perform(self, request: HttpRequest, pk: int, data) -> str:
        casework.case_fail(actor=request.actor, application_id=pk, reason=data.get("reason", ""))
        return _("The application was closed as failed; the person sees the reason and other ways to get the service.")
