"""The process's Redis client for what the cache API cannot express in one round trip
(pipelines). Created on first use, so each forked web or worker process opens its own
connections."""

from functools import cache

import redis
from django.conf import settings


@cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
