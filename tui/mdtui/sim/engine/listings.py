"""The markets each simulated exchange lists, with names and realistic starting levels."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Listing:
    """One KRW market: its venue code, names, start price and typical 24 h base volume."""

    code: str
    base: str
    korean_name: str
    english_name: str
    price: Decimal
    daily_volume: Decimal
    active: bool = True


def _upbit(base: str, korean: str, english: str, price: str, volume: str) -> Listing:
    return Listing(f"KRW-{base}", base, korean, english, Decimal(price), Decimal(volume))


def _korbit(
    base: str, korean: str, english: str, price: str, volume: str, active: bool = True
) -> Listing:
    return Listing(
        f"{base.lower()}_krw", base, korean, english, Decimal(price), Decimal(volume), active
    )


UPBIT_LISTINGS: tuple[Listing, ...] = (
    _upbit("BTC", "비트코인", "Bitcoin", "145200000", "2400"),
    _upbit("ETH", "이더리움", "Ethereum", "5210000", "38000"),
    _upbit("XRP", "엑스알피(리플)", "XRP", "3105", "210000000"),
    _upbit("SOL", "솔라나", "Solana", "241500", "310000"),
    _upbit("DOGE", "도지코인", "Dogecoin", "311", "950000000"),
    _upbit("ADA", "에이다", "Cardano", "1102", "140000000"),
    _upbit("TRX", "트론", "TRON", "443", "90000000"),
    _upbit("AVAX", "아발란체", "Avalanche", "34180", "900000"),
    _upbit("LINK", "체인링크", "Chainlink", "31050", "1100000"),
    _upbit("DOT", "폴카닷", "Polkadot", "5815", "3200000"),
    _upbit("BCH", "비트코인캐시", "Bitcoin Cash", "781500", "9000"),
    _upbit("ETC", "이더리움클래식", "Ethereum Classic", "30120", "480000"),
    _upbit("SUI", "수이", "Sui", "5035", "21000000"),
    _upbit("USDT", "테더", "Tether", "1391", "180000000"),
    _upbit("SHIB", "시바이누", "Shiba Inu", "0.01852", "1100000000000"),
    _upbit("PEPE", "페페", "Pepe", "0.01523", "2900000000000"),
)

KORBIT_LISTINGS: tuple[Listing, ...] = (
    _korbit("BTC", "비트코인", "Bitcoin", "145310000", "120"),
    _korbit("ETH", "이더리움", "Ethereum", "5213000", "2100"),
    _korbit("XRP", "리플", "XRP", "3106", "11000000"),
    _korbit("SOL", "솔라나", "Solana", "241700", "16000"),
    _korbit("DOGE", "도지코인", "Dogecoin", "311.2", "40000000"),
    _korbit("ADA", "에이다", "Cardano", "1103", "7000000"),
    _korbit("TRX", "트론", "TRON", "443.5", "4000000"),
    _korbit("AVAX", "아발란체", "Avalanche", "34210", "40000"),
    _korbit("LINK", "체인링크", "Chainlink", "31070", "52000"),
    _korbit("DOT", "폴카닷", "Polkadot", "5820", "150000"),
    _korbit("BCH", "비트코인캐시", "Bitcoin Cash", "782000", "400"),
    _korbit("ETC", "이더리움클래식", "Ethereum Classic", "30130", "21000"),
    _korbit("USDT", "테더", "Tether", "1392", "9000000"),
    _korbit("KLAY", "클레이튼", "Klaytn", "182.3", "0", active=False),
)
