"""Pages of the personal-data access log: the citizen's "Who accessed my data" and the auditor's search."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from pronoia.accounts.permissions import RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.audit.forms import DataAccessSearchForm
from pronoia.audit.selectors import AUDITOR_PAGE_SIZE, data_access_page_for_own_person, data_access_search
from pronoia.core.countries import display_time_zone
from pronoia.audit.services import audit_record

def _page_query(request: HttpRequest) -> str:
    """The current query string without `page`, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class MyDataAccessView(RoleRequiredMixin, View):
    """Who accessed my data: the signed-in person's own entries, newest first."""

    allowed_roles = frozenset({Role.CITIZEN})

    def get(self, request: HttpRequest) -> HttpResponse:
        page = data_access_page_for_own_person(actor=request.actor, page=request.GET.get("page") or 1)
        return render(request, "audit/my_data_access.html", {"page": page, "time_zone": display_time_zone()})


class StaffDataAccessView(RoleRequiredMixin, View):
    """The auditor's search of the whole access log (not itself logged there; recorded as an audit event)."""

    allowed_roles = frozenset({Role.AUDITOR})

    def get(self, request: HttpRequest) -> HttpResponse:
        time_zone = display_time_zone()
        form = DataAccessSearchForm(request.GET or None, time_zone=time_zone)
        page = None
        if form.is_bound and form.is_valid():
            search = form.search()
            entries = data_access_search(actor=request.actor, search=search)
            page = Paginator(entries, AUDITOR_PAGE_SIZE).get_page(request.GET.get("page") or 1)
            audit_record(
                action="data_access_log_search",
                object_type="data_access_log",
                object_id="search",
                actor=request.user,
                person_id=search.person_ids[0] if search.person_ids and len(search.person_ids) == 1 else None,
                data={name: str(value) for name, value in form.cleaned_data.items() if value not in (None, "")},
            )
        status = 400 if form.is_bound and form.errors else 200
        return render(
            request,
            "audit/staff_data_access.html",
            {"form": form, "page": page, "time_zone": time_zone, "page_query": _page_query(request)},
            status=status,
        )
