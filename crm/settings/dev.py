from crm.platform.env import env_bool
from crm.settings.base import *  # noqa: F403

# `make run` shows the product's own 404 and 500 pages; DEBUG=1 opts into Django's debug pages.
DEBUG = env_bool("DEBUG")
# Serve static files straight from the source folders; no collectstatic outside production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
