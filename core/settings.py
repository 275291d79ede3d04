"""The one settings object, read from environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known to everyone who reads this file, so it is only good enough for a laptop;
# production refuses to start with it.
DEVELOPMENT_JWT_SECRET = "studygraph-development-secret-not-for-production-use"  # noqa: S105
MIN_SECRET_BYTES = 32

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    """Everything configurable, with the defaults of HARDENING.md."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    env: Environment = "development"
    database_url: str = "sqlite+aiosqlite:///./studygraph.db"
    # None selects the embedded stand-ins: fakeredis, Dramatiq's in-memory broker, memory://.
    redis_url: str | None = None
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    jwt_private_key: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str = "studygraph"
    jwt_audience: str = "studygraph-api"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_idle_days: int = Field(default=7, ge=1)
    refresh_token_absolute_days: int = Field(default=30, ge=1)
    # argon2id cost (RFC 9106's second recommended option by default).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65_536, ge=8)
    password_parallelism: int = Field(default=4, ge=1)

    # Rate limits
    login_failures_per_account: int = 5
    login_failure_window_seconds: int = 15 * 60
    login_attempts_per_ip_per_minute: int = 20
    # Per signed-in user, shared by every api instance (signing in has the limits above).
    queries_per_minute: int = Field(default=600, ge=1)
    mutations_per_minute: int = Field(default=60, ge=1)
    log_level: str = "INFO"
    log_json: bool = True

    # GraphQL limits
    max_query_depth: int = 10
    max_aliases: int = 15
    max_directives: int = 50
    max_tokens: int = 1000
    max_query_chars: int = 15_000
    max_body_bytes: int = 100_000
    max_ws_message_bytes: int = 65_536
    max_query_cost: int = 5_000
    max_page_size: int = 100
    subscriptions_per_connection: int = 20
    # The legacy `graphql-ws` protocol, for old clients only: graphql-transport-ws otherwise.
    legacy_ws_protocol: bool = False
    # WebSocket pings of the server: a peer that does not answer in time is disconnected,
    # which is what ends a socket whose client stopped reading altogether.
    ws_ping_interval_seconds: float = Field(default=20.0, gt=0)
    ws_ping_timeout_seconds: float = Field(default=20.0, gt=0)
    # How long logged live events stay replayable with `after:`.
    event_keep_days: int = Field(default=7, ge=1)
    connection_init_timeout_seconds: float = 10.0

    # None follows ENV: on in development and test, off in production.
    introspection: bool | None = None
    graphiql: bool | None = None
    field_suggestions: bool | None = None

    # Database
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 5.0
    db_statement_timeout_ms: int = 5_000
    db_worker_statement_timeout_ms: int = 60_000
    db_lock_timeout_ms: int = 2_000
    db_connect_timeout_seconds: float = 5.0

    # Jobs (Dramatiq)
    job_max_retries: int = Field(default=8, ge=0)
    job_min_backoff_ms: int = Field(default=1_000, ge=10)
    job_max_backoff_ms: int = Field(default=300_000, ge=10)
    job_time_limit_ms: int = Field(default=60_000, ge=100)
    notification_max_age_ms: int = Field(default=3_600_000, ge=1_000)
    # How long a worker may go silent before its unacknowledged messages are redelivered.
    broker_heartbeat_timeout_ms: int = Field(default=60_000, ge=1_000)
    # Broker commands per million that also requeue the messages of silent (dead) workers.
    broker_maintenance_per_million: int = Field(default=1000, ge=1, le=1_000_000)
    job_stale_after_seconds: int = Field(default=300, ge=1)
    job_sweep_every_seconds: int = Field(default=60, ge=1)
    # A replan waits this long after the change that asked for it, so a burst of changes
    # (a dozen tasks skipped in a row) is planned once.
    replan_debounce_ms: int = Field(default=2_000, ge=0, le=60_000)
    # Further modules whose `declare(broker, settings)` adds actors (plugins, diagnostics).
    extra_actor_modules: list[str] = Field(default_factory=list)

    # Redis
    redis_socket_timeout_seconds: float = 5.0
    persisted_query_ttl_seconds: int = Field(default=86_400, ge=60)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env != "production":
            return self
        if self.jwt_algorithm.startswith("HS"):
            secret = self.jwt_secret.get_secret_value()
            if secret == DEVELOPMENT_JWT_SECRET or len(secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError(
                    "JWT_SECRET must be set to a random value of at least "
                    f"{MIN_SECRET_BYTES} bytes when ENV=production"
                )
        elif self.jwt_private_key is None or self.jwt_public_key is None:
            raise ValueError(
                f"JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are required for {self.jwt_algorithm}"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def introspection_enabled(self) -> bool:
        return self._follow_env(self.introspection)

    @property
    def graphiql_enabled(self) -> bool:
        return self._follow_env(self.graphiql)

    @property
    def field_suggestions_enabled(self) -> bool:
        return self._follow_env(self.field_suggestions)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: every Redis role is played in-process."""
        return self.redis_url is None

    def _follow_env(self, explicit: bool | None) -> bool:
        return (not self.is_production) if explicit is None else explicit


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
