from crm.env import env_bool
from crm.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
# Serve static files straight from the source folders; no collectstatic outside production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
