from crm.env import env_bool
from crm.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
