"""The assistant's chat and the operators' conversation queue (routes added with their views)."""
urlpatterns: list = []
