"""Settings: defaults < TOML config file < ``.env`` < environment (``MDTUI_``, ``__`` nests) < CLI.

The config file is ``$XDG_CONFIG_HOME/mdtui/config.toml`` (``~/.config/mdtui/config.toml``)
unless ``--config PATH`` names another. API keys are ``SecretStr``: they print as ``**********``
and are only unwrapped where a request is signed.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

UPBIT_MARKET = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{1,15}$")
KORBIT_MARKET = re.compile(r"^[a-z0-9]{1,15}_[a-z0-9]{2,10}$")

DEFAULT_WATCHLIST = [
    "upbit:KRW-BTC",
    "upbit:KRW-ETH",
    "upbit:KRW-XRP",
    "upbit:KRW-SOL",
    "upbit:KRW-DOGE",
    "upbit:KRW-ADA",
    "korbit:btc_krw",
    "korbit:eth_krw",
    "korbit:xrp_krw",
    "korbit:sol_krw",
    "korbit:usdt_krw",
]


UPBIT_REGION_QUOTES = {"kr": "KRW", "sg": "SGD", "id": "IDR", "th": "THB"}
"""Each Upbit region's fiat quote: Upbit Global lists no KRW markets."""


class SettingsError(Exception):
    """A setting is invalid; the message names the field and the bad value."""


def check_market(key: str) -> str:
    """Validate one ``venue:MARKET`` watchlist entry and return it unchanged."""
    venue, sep, market = key.partition(":")
    if not sep:
        raise ValueError("must be venue:MARKET, e.g. upbit:KRW-BTC or korbit:btc_krw")
    if venue == "upbit":
        if not UPBIT_MARKET.match(market):
            raise ValueError("Upbit markets are QUOTE-BASE in upper case, e.g. KRW-BTC")
    elif venue == "korbit":
        if not KORBIT_MARKET.match(market):
            raise ValueError("Korbit markets are base_quote in lower case, e.g. btc_krw")
    else:
        raise ValueError(f"unknown exchange {venue!r} (use upbit or korbit)")
    return key


MarketKey = Annotated[str, AfterValidator(check_market)]


def _check_url(url: str | None) -> str | None:
    if url is not None and not re.match(r"^(https?|wss?)://[^/\s]+", url):
        raise ValueError(f"{url!r} is not an http(s):// or ws(s):// URL")
    return url.rstrip("/") if url else url


Url = Annotated[str | None, AfterValidator(_check_url)]


class UpbitSettings(BaseModel):
    """Upbit (Korea) or Upbit Global. ``url`` overrides the region's host for REST and
    websockets (e.g. a simulator at ``http://127.0.0.1:8765``); ``ws_url``/``rest_url``
    override one side only."""

    model_config = ConfigDict(extra="forbid")

    region: Literal["kr", "sg", "id", "th"] = "kr"
    url: Url = None
    ws_url: Url = None
    rest_url: Url = None
    orderbook_depth: Literal[1, 5, 15, 30] = 30
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None


class KorbitSettings(BaseModel):
    """Korbit. ``host`` is the domain (``korbit.co.kr``; the rebranded
    ``digitalx.miraeasset.com`` serves the same API); ``url``/``ws_url``/``rest_url`` as
    for Upbit."""

    model_config = ConfigDict(extra="forbid")

    host: str = "korbit.co.kr"
    url: Url = None
    ws_url: Url = None
    rest_url: Url = None
    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    private_key_file: Path | None = None
    recv_window: int = Field(default=5000, ge=1, le=60000)
    history_lag_ms: int = Field(default=5000, ge=0, le=60000)
    """How long Korbit's ``allOrders``/``myTrades`` may lag ("a few seconds", unconfirmed):
    after a reconnect the catch-up reads them only once this has passed."""

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        if not re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", v):
            raise ValueError(f"{v!r} is not a domain name such as korbit.co.kr")
        return v


def _default_log_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mdtui" / "mdtui.log"


def default_config_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "mdtui" / "config.toml"


_toml_path: ContextVar[Path | None] = ContextVar("mdtui_toml_path", default=None)


class Settings(BaseSettings):
    """Everything a user can configure. See the README's configuration reference."""

    model_config = SettingsConfigDict(
        env_prefix="MDTUI_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
    )

    watchlist: list[MarketKey] = Field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    upbit: UpbitSettings = Field(default_factory=UpbitSettings)
    korbit: KorbitSettings = Field(default_factory=KorbitSettings)
    theme: str = "mdtui-dark"
    theme_dir: Path | None = None
    colors: Literal["korean", "western"] = "korean"
    names: Literal["korean", "english"] = "korean"
    number_locale: Literal["ko", "en"] = "ko"
    big_trade_krw: Decimal = Field(Decimal(10_000_000), ge=0)
    stale_after: float = Field(5.0, gt=0)
    bell_on_fill: bool = False
    """Ring the terminal bell when one of the user's orders fills (a toast always shows)."""
    log_file: Path = Field(default_factory=_default_log_file)
    keys: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_watchlist_in_region(self) -> Settings:
        """Upbit Global lists no KRW markets: without a configured watchlist, the default
        one's Upbit markets are quoted in the region's fiat (``upbit:SGD-BTC``)."""
        quote = UPBIT_REGION_QUOTES[self.upbit.region]
        if "watchlist" not in self.model_fields_set and quote != "KRW":
            self.watchlist = [k.replace("upbit:KRW-", f"upbit:{quote}-") for k in self.watchlist]
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        path = _toml_path.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def _describe(error: ErrorDetails) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "settings"
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown setting"
    value = error.get("input")
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        shown = "<hidden>" if "key" in field else repr(value)
        return f"{field} = {shown}: {msg}"
    return f"{field}: {msg}"


SECRET_FIELDS = ("access_key", "secret_key", "api_key")


def config_permission_warning(config: Path | None = None) -> str | None:
    """A warning when the config file holds API keys and other users may read it."""
    path = config if config is not None else default_config_path()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if mode & 0o077 and any(re.search(rf"^\s*{f}\s*=", text, re.M) for f in SECRET_FIELDS):
        return (
            f"config file {path} holds API keys and is readable by other users; "
            f"run: chmod 600 {path}"
        )
    return None


def load_settings(config: Path | None = None, **overrides: object) -> Settings:
    """Build the settings from every source; raise SettingsError with one clear line.

    ``config`` is an explicit ``--config`` path (it must exist); without it the default
    path is read when present.
    """
    path = config if config is not None else default_config_path()
    if config is not None and not config.is_file():
        raise SettingsError(f"config file {config} does not exist")
    use_path = path if path.is_file() else None
    if use_path is not None:
        try:
            tomllib.loads(use_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"config file {use_path}: {exc}") from None
        except OSError as exc:
            raise SettingsError(f"config file {use_path}: {exc.strerror}") from None
    token = _toml_path.set(use_path)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [_describe(e) for e in exc.errors(include_url=False)]
        raise SettingsError("invalid setting " + "; ".join(lines)) from None
    except SourceError as exc:  # a list or table in the environment that is not JSON
        raise SettingsError(_source_problem(str(exc))) from None
    finally:
        _toml_path.reset(token)


def _source_problem(message: str) -> str:
    """One line for a value pydantic-settings could not parse (never the value itself:
    it may hold a key)."""
    field = re.search(r'field "([^"]+)"', message)
    name = field.group(1) if field else "a setting"
    var = f"MDTUI_{name.upper()}"
    example = _JSON_EXAMPLES.get(name)
    hint = f", e.g. {var}='{example}'" if example else ""
    return f"invalid setting {name}: {var} must be JSON (a list or a table){hint}"


_JSON_EXAMPLES = {
    "watchlist": '["upbit:KRW-BTC", "korbit:btc_krw"]',
    "keys": '{"quit": "q", "theme.cycle": "t"}',
}
