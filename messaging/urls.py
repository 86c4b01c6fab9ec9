"""Staff pages (mounted under /s/<shop_slug>/) and API routes (mounted under /api/v1/ and
/api/v1/s/<shop_slug>/)."""

page_urlpatterns: list = []
api_urlpatterns: list = []
