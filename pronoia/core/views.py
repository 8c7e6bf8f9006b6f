from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.generic import TemplateView

from pronoia.accounts.permissions import ANYONE, RoleRequiredMixin, roles_required
from pronoia.people.models import Person


class HomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = frozenset({ANYONE})
    template_name = "core/home.html"

    def get_context_data(self, **kwargs) -> dict:
        actor = self.request.actor
        # The signed-in citizen's own name only: no access to anyone else's data, nothing to log.
        person = Person.objects.filter(pk=actor.person_id).only("given_name", "surname").first() if actor.person_id else None
        return {**super().get_context_data(**kwargs), "person": person}


@roles_required(ANYONE)
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
