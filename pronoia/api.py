"""The JSON API (django-ninja) under /api/v1/; each app contributes a router from its api.py."""
from ninja import NinjaAPI

from pronoia.core.errors import PronoiaError, pronoia_error_response
from pronoia.accounts.api import router as accounts_router
from pronoia.audit.api import router as audit_router
from pronoia.documents.api import router as documents_router
from pronoia.insurance.api import router as insurance_router
from pronoia.pensions.api import router as pensions_router
from pronoia.services.api import router as services_router

api = NinjaAPI(title="Pronoia API", version="1", urls_namespace="api-v1")
api.add_router("/", insurance_router)
api.add_router("/", accounts_router)
api.add_router("/", audit_router)
api.add_router("/", services_router)
api.add_router("/", documents_router)
api.add_router("/", pensions_router)


@api.exception_handler(PronoiaError)
def _pronoia_error(request, exc: PronoiaError):
    return pronoia_error_response(request, exc)
