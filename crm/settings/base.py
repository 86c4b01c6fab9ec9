"""Settings shared by every environment. Everything comes from environment variables
(docs/operations.md lists them); dev/test/prod only change defaults."""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from crm.platform.env import BASE_DIR, database_from_url, env_bool, env_list, env_str, load_runtime_env

load_runtime_env()

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "crm.shops.admin_apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "crm",
    "customers",
    "orders",
    "insights",
    "loyalty",
    "messaging",
    "campaigns",
    "tickets",
]

MIDDLEWARE = [
    "crm.platform.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm.platform.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.platform.middleware.NullCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024  # bulk order ingest: up to 1,000 orders per request

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.shops.context_processors.shop_navigation",
            ],
            # Every page formats money, counts and times the same way (crm/templatetags/formatting.py).
            "builtins": ["crm.templatetags.formatting"],
        },
    },
]

# The web and worker processes connect as the app role (RLS applies); `DB_ROLE=owner`
# switches this process to the owner role, which only `migrate` should use.
_database_url_var = "DATABASE_OWNER_URL" if env_str("DB_ROLE", "app") == "owner" else "DATABASE_URL"
DATABASES = {
    "default": {
        **database_from_url(env_str(_database_url_var, "postgres://shopcrm_app@localhost:5432/shopcrm")),
        # Every request is one transaction: the shop setting is transaction-local and
        # so can never outlive the request on a pooled connection.
        "ATOMIC_REQUESTS": True,
        "CONN_MAX_AGE": int(env_str("DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://localhost:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shopcrm"),
    }
}
# Read from Redis, kept in PostgreSQL too: a Redis restart (which may keep nothing) signs
# nobody out, and while Redis is unreachable a signed-in request answers 503, not a login page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.tenancy.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "crm.tenancy.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.tenancy.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["crm.tenancy.auth.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env_str("API_KEY_RATE", "6000/min")},
    "EXCEPTION_HANDLER": "crm.tenancy.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "NUM_PROXIES": int(env_str("NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ShopCRM API",
    "DESCRIPTION": "Storefront and staff API. Authenticate with `Authorization: Bearer <api key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["crm.tenancy.schema.one_path_per_endpoint"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.tenancy.schema.document_errors",
    ],
    # One schema name per choice set shared by several fields.
    "ENUM_NAME_OVERRIDES": {
        "CustomerChannelEnum": "crm.platform.channels.Channel",
        "OrderChannelEnum": "crm.platform.channels.ORDER_CHANNEL_CHOICES",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ContactChannelEnum": "messaging.models.Channel",
        "MessagePurposeEnum": "messaging.models.Purpose",
        "MessageStatusEnum": "messaging.models.MessageStatus",
    },
}

# Invitations, staff mail and customer messages go through Django's email backend: SMTP to
# EMAIL_HOST:EMAIL_PORT when EMAIL_HOST is set (every settings module, `make run` included),
# the console otherwise.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ShopCRM <no-reply@localhost>")

# Customer messages (messaging/): the SMS provider (a dotted path, like EMAIL_BACKEND; the
# console prints them) and the public address that links in messages point to (short links,
# unsubscribe and preferences pages), since a worker has no request to take it from.
SMS_BACKEND = env_str("SMS_BACKEND", "messaging.channels.sms.ConsoleSmsBackend")
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# SMS_BACKEND = "messaging.channels.aliyun.AliyunSmsBackend": the account and the two approved
# templates (notice and marketing), each with one variable ${content}.
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_REGION = env_str("ALIYUN_SMS_REGION", "cn-hangzhou")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_TEMPLATE_NOTICE = env_str("ALIYUN_SMS_TEMPLATE_NOTICE", "")
ALIYUN_SMS_TEMPLATE_MARKETING = env_str("ALIYUN_SMS_TEMPLATE_MARKETING", "")

# Login lockout (crm/shops/login_lockout.py): django-axes' backend asks our handler first.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_LOCKOUT_FAILURES = int(env_str("LOGIN_LOCKOUT_FAILURES", "5"))
LOGIN_ADDRESS_FAILURES = int(env_str("LOGIN_ADDRESS_FAILURES", "20"))
LOGIN_LOCKOUT_SECONDS = int(env_str("LOGIN_LOCKOUT_SECONDS", "900"))
AXES_HANDLER = "crm.shops.login_lockout.LoginLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "crm.shops.login_lockout.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "crm.shops.login_lockout.username_of_attempt"
AXES_FAILURE_LIMIT = LOGIN_LOCKOUT_FAILURES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLE_ADMIN = False  # attempts live in Redis, not in axes' tables
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# The lockout message is shown by the login forms (LockoutMessageMixin), not by axes' middleware.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# Nothing is loaded from elsewhere (assets are vendored). Style attributes stay allowed
# (templates and Swagger UI set them); <style> elements and inline scripts do not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "style-src-attr": [UNSAFE_INLINE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "crm.platform.logging.ContextFilter"},
        "request_path_only": {"()": "crm.platform.logging.RequestPathFilter"},
    },
    "formatters": {"json": {"()": "crm.platform.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context", "request_path_only"],
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

from crm.settings.components.celery import *  # noqa: E402,F403
