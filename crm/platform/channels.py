"""Where a customer or an order came from: one enum for every app, stored by its values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("Web store")
    APP = "app", _("App")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    MARKETPLACE = "marketplace", _("Marketplace")
    OFFLINE = "offline", _("Offline store")
    PHONE = "phone", _("Phone")
    IMPORT = "import", _("Import")
    STAFF = "staff", _("Staff")


# An order is placed in a store; phone, import and staff describe how a customer was added.
ORDER_CHANNELS = (Channel.WEB, Channel.APP, Channel.MINI_PROGRAM, Channel.MARKETPLACE, Channel.OFFLINE)
ORDER_CHANNEL_CHOICES = [(channel.value, channel.label) for channel in ORDER_CHANNELS]
ORDER_CHANNEL_VALUES = tuple(channel.value for channel in ORDER_CHANNELS)
