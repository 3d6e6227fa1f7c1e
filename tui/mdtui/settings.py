"""Settings: defaults < TOML config file < ``.env`` < environment (``MDTUI_``, ``__`` nests) < CLI.

The config file is ``$XDG_CONFIG_HOME/mdtui/config.toml`` (``~/.config/mdtui/config.toml``)
unless ``--config PATH`` names another. API keys are ``SecretStr``: they print as ``**********``
and are only unwrapped where a request is signed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Sequence
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_origin

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
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as SourceError

from mdtui.model.alerts import AlertRule
from mdtui.model.quiet_hours import QuietHours

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

UserPath = Annotated[Path, AfterValidator(Path.expanduser)]
"""A path as written in a config file or the environment: ``~`` is the home folder."""


BIG_TRADE_DEFAULTS: dict[str, Decimal] = {
    "KRW": Decimal(10_000_000),
    "BTC": Decimal("0.1"),
    "USDT": Decimal(10_000),
    "SGD": Decimal(10_000),
    "IDR": Decimal(100_000_000),
    "THB": Decimal(250_000),
}
"""A trade this big (in its quote currency) is highlighted on the tape: about 10M KRW."""
REGION_CURRENCY = UPBIT_REGION_QUOTES
"""The account currency of each Upbit region (its fiat quote)."""


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
    private_key_file: UserPath | None = None
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


ALERT_FIELDS: dict[str, tuple[str, ...]] = {
    "price": ("level", "direction"),
    "move": ("pct", "window", "direction"),
    "spread": ("bps",),
    "gap": ("pct",),
    "order": ("on",),
    "feed": ("after", "channel"),
}
"""The fields of each kind of alert (besides the common ones: name, market, repeat,
cooldown, rearm_pct, muted, command)."""
_ALERT_REQUIRED = {"price": ("level", "direction"), "move": ("pct",), "spread": ("bps",),
                   "gap": ("pct",)}  # fmt: skip


OrderEventName = Literal["filled", "partial", "cancelled"]


def _all_order_events() -> list[OrderEventName]:
    return ["filled", "partial", "cancelled"]


class AlertSetting(BaseModel):
    """One ``[[alerts]]`` table (also each entry of the saved alerts file); see
    :class:`mdtui.model.alerts.AlertRule` for what each field means."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["price", "move", "spread", "gap", "order", "feed"]
    market: str = "*"
    name: str = Field("", max_length=100)
    level: Decimal | None = Field(None, gt=0, le=Decimal(10**15), allow_inf_nan=False)
    direction: Literal["up", "down", "any"] | None = None
    pct: Decimal | None = Field(None, gt=0, le=1000, allow_inf_nan=False)
    window: float = Field(300.0, gt=0, le=86400, allow_inf_nan=False)
    bps: Decimal | None = Field(None, gt=0, le=100000, allow_inf_nan=False)
    on: list[OrderEventName] = Field(default_factory=_all_order_events, min_length=1)
    channel: Literal["public", "private", "*"] = "*"
    after: float = Field(30.0, gt=0, le=86400, allow_inf_nan=False)
    repeat: bool = True
    cooldown: float = Field(0.0, ge=0, le=86400, allow_inf_nan=False)
    rearm_pct: Decimal = Field(Decimal(0), ge=0, le=100, allow_inf_nan=False)
    muted: bool = False
    command: list[str] = Field(default_factory=list)

    @field_validator("market")
    @classmethod
    def _market(cls, v: str) -> str:
        return v if v in ("*", "upbit", "korbit") else check_market(v)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> AlertSetting:
        kind = self.kind
        own = ALERT_FIELDS[kind]
        for name in sorted(self.model_fields_set):
            others = [k for k, fields in ALERT_FIELDS.items() if name in fields]
            if others and name not in own:
                raise ValueError(
                    f"{name} does not apply to a {kind} alert (its fields: {', '.join(own)})"
                )
        for name in _ALERT_REQUIRED.get(kind, ()):
            if getattr(self, name) is None:
                raise ValueError(f"a {kind} alert needs {name}")
        if kind == "price" and self.direction == "any":
            raise ValueError("direction of a price alert is up or down")
        venue_only = self.market in ("upbit", "korbit")
        if venue_only and kind != "feed":
            raise ValueError(f"market {self.market!r}: a {kind} alert names a market such as "
                             "upbit:KRW-BTC, or '*' for the watchlist")  # fmt: skip
        if kind == "feed" and self.market not in ("*", "upbit", "korbit"):
            raise ValueError("market of a feed alert is upbit, korbit or '*'")
        if kind == "gap" and self.market != "*" and not _quoted_in_krw(self.market):
            raise ValueError("a gap alert names a KRW market listed on both exchanges")
        return self

    def rule(self) -> AlertRule:
        """The model's form of this alert."""
        return AlertRule(
            kind=self.kind,
            market=self.market,
            name=self.name,
            level=self.level,
            direction=self.direction or "any",
            pct=self.pct,
            window=self.window,
            bps=self.bps,
            on=tuple(dict.fromkeys(self.on)),
            channel=self.channel,
            after=self.after,
            repeat=self.repeat,
            cooldown=self.cooldown,
            rearm_pct=self.rearm_pct,
            muted=self.muted,
            command=tuple(self.command),
        )


def _quoted_in_krw(key: str) -> bool:
    venue, _, market = key.partition(":")
    return market.startswith("KRW-") if venue == "upbit" else market.endswith("_krw")


def _default_log_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mdtui" / "mdtui.log"


def default_config_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "mdtui" / "config.toml"


_toml_data: ContextVar[dict[str, Any] | None] = ContextVar("mdtui_toml_data", default=None)
"""The config file, parsed once by :func:`load_settings` (which reports its syntax errors)."""


def _theme_dir(path: Path | None) -> Path | None:
    path = path.expanduser() if path is not None else None
    if path is not None and not path.is_dir():
        raise ValueError("is a file, not a folder" if path.exists() else "no such folder")
    return path


class Settings(BaseSettings):
    """Everything a user can configure. See the README's configuration reference."""

    model_config = SettingsConfigDict(
        env_prefix="MDTUI_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        dotenv_filtering="match_prefix",  # another program's lines in .env are not ours
        extra="forbid",
    )

    watchlist: list[MarketKey] = Field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    upbit: UpbitSettings = Field(default_factory=UpbitSettings)
    korbit: KorbitSettings = Field(default_factory=KorbitSettings)
    theme: str = "mdtui-dark"
    theme_dir: Annotated[Path | None, AfterValidator(_theme_dir)] = None
    colors: Literal["korean", "western"] = "korean"
    names: Literal["korean", "english"] = "korean"
    number_locale: Literal["ko", "en"] = "ko"
    big_trade_krw: Decimal = Field(Decimal(10_000_000), ge=0, le=Decimal(10**15))
    big_trade: dict[str, Annotated[Decimal, Field(ge=0, le=Decimal(10**15))]] = Field(
        default_factory=dict
    )
    """Big-trade thresholds per quote currency (``{BTC = 0.5}``); unset quotes keep
    :data:`BIG_TRADE_DEFAULTS` (KRW: ``big_trade_krw``)."""
    gap_alert_pct: Decimal = Field(Decimal(1), gt=0, le=100)
    """An Upbit-Korbit gap (Korbit's last price against Upbit's) of at least this many
    percent, either way, is highlighted on the board and in the gap line; smaller gaps are
    neutral below a tenth of it and warm from half of it (by default: neutral below 0.1%,
    warm from 0.5%, highlighted from 1%)."""
    sparkline: Literal["24h", "1h", "off"] = "24h"
    """The board's trend column: the last 24 hourly closes (``24h``), the last 60 minute
    closes (``1h``), or no column (``off``). Read over REST once per market as its row
    comes on screen, then moved by its tickers."""
    home_currency: str | None = Field(None, pattern=r"^[A-Za-z]{2,10}$")
    """The currency balances are valued in; default: KRW, or the Upbit Global region's."""
    stale_after: float = Field(5.0, gt=0, le=3600, allow_inf_nan=False)
    delayed_after: float = Field(10.0, gt=0, le=3600, allow_inf_nan=False)
    """Seconds without data for a subscribed market (or a whole socket) before it shows as
    delayed; Korbit's own client says DATA_DELAYED after 10 s."""
    delayed_cadence: float = Field(5.0, ge=1, le=1000, allow_inf_nan=False)
    """A market that usually updates less often is delayed after this many of its usual
    intervals instead."""
    delayed_lag: float = Field(5.0, gt=0, le=3600, allow_inf_nan=False)
    """Seconds the exchange's timestamps may trail our clock (offset taken out)."""
    bell_on_fill: bool = False
    """Ring the terminal bell when one of the user's orders fills (a toast always shows)."""
    log_file: UserPath = Field(default_factory=_default_log_file)
    keys: dict[str, str] = Field(default_factory=dict)
    alerts: list[AlertSetting] = Field(default_factory=list)
    """``[[alerts]]`` tables (see :class:`AlertSetting`)."""
    alert_command: list[str] = Field(default_factory=list)
    """Run when an alert without a command of its own fires (no shell; see README)."""
    alert_command_timeout: float = Field(10.0, gt=0, le=600, allow_inf_nan=False)
    """Seconds an alert command may run before it is killed."""
    bell_on_alert: bool = True
    """Ring the terminal bell when an alert fires (a toast always shows, unless silenced)."""
    alert_quiet_hours: str | None = None
    """Local time span (``22:00-07:00``) during which fired alerts are only recorded: no
    toast, bell or command."""

    @field_validator("alert_quiet_hours")
    @classmethod
    def _quiet_hours(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else str(QuietHours.parse(v))

    def quiet_hours(self) -> QuietHours | None:
        """``alert_quiet_hours``, parsed."""
        text = self.alert_quiet_hours
        return QuietHours.parse(text) if text else None

    def alert_rules(self) -> list[AlertRule]:
        """The configured alerts, in the model's form."""
        return [entry.rule() for entry in self.alerts]

    @property
    def home(self) -> str:
        """The currency balances are valued in (upper case)."""
        return (self.home_currency or REGION_CURRENCY[self.upbit.region]).upper()

    def big_trades(self) -> dict[str, Decimal]:
        """Big-trade thresholds for every quote the settings or the defaults name."""
        out = {**BIG_TRADE_DEFAULTS, "KRW": self.big_trade_krw}
        out.update({quote.upper(): value for quote, value in self.big_trade.items()})
        return out

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
        data = _toml_data.get()
        if data is not None:
            sources.append(InitSettingsSource(settings_cls, data))
        return tuple(sources)


SECRET_FIELDS = ("access_key", "secret_key", "api_key")
"""The settings whose values are never shown (every other value is, key remaps included)."""

_PLAIN_WORDS = {
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "dict_type": "must be a table",
    "list_type": "must be a list",
    "string_type": "must be a string (in quotes)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
}
"""pydantic's wording where it names its own types (``instance of UpbitSettings``)."""


def _field_name(loc: Sequence[str | int]) -> str:
    """``keys."board.down"``: dotted, a part with a dot in it quoted as TOML does."""
    parts = [f'"{p}"' if isinstance(p, str) and "." in p else str(p) for p in loc]
    return ".".join(parts) or "settings"


def describe_error(error: ErrorDetails) -> str:
    """One validation error as ``field = value: what is wrong`` (secrets hidden)."""
    return _describe(error)


def _describe(error: ErrorDetails) -> str:
    loc = error["loc"]
    field = _field_name(loc)
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown setting{_did_you_mean(loc)}"
    msg = _PLAIN_WORDS.get(error["type"]) or error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        shown = "<hidden>" if loc and loc[-1] in SECRET_FIELDS else repr(value)
        return f"{field} = {shown}: {msg}"
    return f"{field}: {msg}"


def _did_you_mean(loc: Sequence[str | int]) -> str:
    """`` (did you mean colors?)`` for a misspelt setting, else nothing."""
    near = _closest([str(p) for p in loc])
    return f" (did you mean {_field_name(near)}?)" if near else ""


def _closest(loc: list[str]) -> list[str] | None:
    """``loc`` with its first part that names no setting replaced by the nearest name
    (None when there is none near, or when every part names a setting)."""
    model: type[BaseModel] = Settings
    for i, part in enumerate(loc):
        field = model.model_fields.get(part)
        if field is None:
            close = difflib.get_close_matches(part, list(model.model_fields), n=1)
            return [*loc[:i], close[0], *loc[i + 1 :]] if close else None
        inner = field.annotation
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return None
        model = inner
    return None


def _names_a_setting(loc: list[str]) -> bool:
    model: type[BaseModel] = Settings
    for i, part in enumerate(loc):
        field = model.model_fields.get(part)
        if field is None:
            return False
        inner = field.annotation
        if i == len(loc) - 1 or get_origin(inner) is dict:  # keys: any binding id below
            return True
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return False
        model = inner
    return False


def _unknown_in_environment() -> list[str]:
    """``MDTUI_*`` variables that name no setting (they would be ignored without a word)."""
    problems = []
    for name in sorted(os.environ):
        if not name.upper().startswith("MDTUI_"):
            continue
        loc = name[len("MDTUI_") :].lower().split("__")
        if _names_a_setting(loc):
            continue
        near = _closest(loc)
        hint = f" (did you mean MDTUI_{'__'.join(near).upper()}?)" if near else ""
        problems.append(f"{name}: unknown setting{hint}")
    return problems


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
    path is read when present. An ``MDTUI_*`` variable that names no setting is an error
    too (a misspelt name would otherwise be ignored); ``.env`` lines without the prefix
    belong to other programs and are left alone.
    """
    explicit = config is not None
    data = read_config(config if config is not None else default_config_path(), explicit)
    unknown = _unknown_in_environment()
    if unknown:
        raise SettingsError("invalid setting " + "; ".join(unknown))
    token = _toml_data.set(data)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [_describe(e) for e in exc.errors(include_url=False)]
        raise SettingsError("invalid setting " + "; ".join(lines)) from None
    except SourceError as exc:  # a list or table in the environment that is not JSON
        raise SettingsError(_source_problem(str(exc))) from None
    except UnicodeDecodeError as exc:  # the only file read here: .env
        raise _not_utf8("file .env", exc) from None
    except OSError as exc:
        raise SettingsError(f"file .env: cannot read it: {exc.strerror}") from None
    finally:
        _toml_data.reset(token)


def read_config(path: Path, explicit: bool = True) -> dict[str, Any] | None:
    """The parsed config file, or None when the default one is absent; SettingsError for
    a file that cannot be used (never quoting its text: it may hold a key)."""
    if path.is_dir():
        raise SettingsError(f"config file {path} is a folder: give the path of a .toml file")
    if not path.exists():
        if explicit:
            raise SettingsError(f"config file {path} does not exist")
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(f"config file {path}", exc) from None
    except OSError as exc:
        raise SettingsError(f"config file {path}: cannot read it: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: {_toml_problem(str(exc), text)}") from None


def _not_utf8(what: str, error: UnicodeDecodeError) -> SettingsError:
    byte = error.object[error.start]
    return SettingsError(
        f"{what} is not UTF-8 text (byte {byte:#04x} at offset {error.start}): save it as UTF-8"
    )


def _toml_problem(message: str, text: str) -> str:
    """tomllib's message as ``line L, column C: what``; "at end of document" becomes the
    position of the end of the file."""
    at = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.S)
    if at:
        return f"line {at.group(2)}, column {at.group(3)}: {at.group(1)}"
    what = message.removesuffix(" (at end of document)")
    lines = text.split("\n")
    return f"line {len(lines)}, column {len(lines[-1]) + 1}: {what} at the end of the file"


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
    "alerts": '[{"kind": "price", "market": "upbit:KRW-BTC", "level": 1e8, "direction": "up"}]',
    "alert_command": '["notify-send", "mdtui"]',
}
