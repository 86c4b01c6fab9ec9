"""Staff pages (mounted under /s/<shop_slug>/messaging/), API routes (mounted under /api/v1/
and /api/v1/s/<shop_slug>/) and the public pages a message links to (mounted at the root)."""

from django.urls import path

from messaging import api, public_views, views

page_urlpatterns = [
    path("", views.MessageLogView.as_view(), name="log"),
    path("<int:message_id>/resend/", views.MessageResendView.as_view(), name="resend"),
    path("settings/", views.MessagingSettingsView.as_view(), name="settings"),
]
api_urlpatterns = [
    path("messages/", api.MessageListApi.as_view(), name="message-list"),
    path("messages/<int:message_id>/", api.MessageDetailApi.as_view(), name="message-detail"),
    path("messages/<int:message_id>/resend/", api.MessageResendApi.as_view(), name="message-resend"),
]
public_urlpatterns = [
    path("r/<str:code>", public_views.short_link_redirect, name="short-link"),
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", public_views.preferences, name="preferences"),
    path("hooks/sms/<int:shop_id>/<str:signature>/", public_views.sms_replies_callback, name="sms-replies"),
]
