"""Knowledge-base pages for content managers (routes added with their views)."""
urlpatterns: list = []
