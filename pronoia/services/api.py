"""E-service API operations (applications, catalogue)."""
from ninja import Router

router = Router(tags=["e-services"])
