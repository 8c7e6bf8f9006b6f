from ninja import Router

router = Router(tags=["insurance record"])
