from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {"PRONOIA_DEMO": settings.PRONOIA_DEMO, "PRONOIA_COUNTRY": settings.PRONOIA_COUNTRY}
