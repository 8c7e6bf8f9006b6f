"""`{% inbox_unread as n %}`: the signed-in person's unread inbox count (cached briefly: no query on most pages)."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context) -> int:
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if actor is None or actor.person_id is None:
        return 0
    from pronoia.notifications.selectors import inbox_unread_count_for_navigation

    return inbox_unread_count_for_navigation(actor=actor)
