"""Celery settings (read by crm/celery.py through the CELERY_ namespace)."""

from crm.platform.env import env_str

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL", "redis://localhost:6379/0"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# A task whose worker dies is redelivered, not lost (acks_late alone acks it anyway when the
# pool process is killed); prefetch 1 so a dead worker strands no reserved messages.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task
# unless this is set, so each task paid for a new PostgreSQL backend (fork, login, cold
# catalog caches). With it, connections live across tasks; crm/celery.py closes them at
# task boundaries when broken or older than CONN_MAX_AGE, as Django does between requests,
# and the fixup closes them anyway after this many tasks. The shop scope is
# transaction-local, so nothing of one task's shop outlives its transaction.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Below the visibility timeout, so the broker never hands a running task to a second worker:
# the soft limit raises in the task (its job records the failure and is retried, crm/platform/jobs.py),
# the hard limit kills the pool process (its job's row lock goes with it; the sweeper sees that).
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
# Worker database sessions (crm/celery.py): a task waits at most this long for a lock and
# for any one statement, rather than holding its connection and its slot for ever.
WORKER_DB_LOCK_TIMEOUT = env_str("WORKER_DB_LOCK_TIMEOUT", "30s")
WORKER_DB_STATEMENT_TIMEOUT = env_str("WORKER_DB_STATEMENT_TIMEOUT", "10min")
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "default")
# Heavy scoring and outbound messaging get their own queues (crm.celery.Queue), each served
# by its own worker processes (Procfile, docker-compose.yml), so a long scoring run never
# delays a message; every other task runs on the default queue.
CELERY_TASK_ROUTES = {
    "insights.scoring*": {"queue": "scoring"},
    "messaging.*": {"queue": "messaging"},
    "campaigns.*": {"queue": "messaging"},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
