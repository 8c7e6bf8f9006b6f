from pronoia.accounts.eid.urls import urlpatterns as eid_urlpatterns
from pronoia.accounts.mandates.urls import urlpatterns as mandate_urlpatterns

app_name = "accounts"
urlpatterns = [*eid_urlpatterns, *mandate_urlpatterns]
