"""The coins the simulated exchanges list: well-known coins with their real names, and a
seeded long tail of made-up ones.

Prices and daily traded values are in KRW (Upbit's KRW market, roughly as in late 2025);
``engine.listings`` turns them into each venue's markets and quotes. The long tail's
names are built from syllables with their Hangul spelling (``Kamora Network``,
``카모라네트워크``), so Korean search by initials works on them as on real names.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Coin:
    """One coin: its symbol, names, KRW price and Upbit KRW traded value per 24 h."""

    symbol: str
    korean_name: str
    english_name: str
    krw_price: Decimal
    krw_daily_value: Decimal
    generated: bool = False


def _coin(symbol: str, korean: str, english: str, price: str, value_eok: int) -> Coin:
    """``value_eok``: 24 h traded value in 억 (100 million) KRW."""
    return Coin(symbol, korean, english, Decimal(price), Decimal(value_eok) * 100_000_000)


WELL_KNOWN: tuple[Coin, ...] = (
    _coin("XLM", "스텔라루멘", "Stellar Lumens", "552", 420),
    _coin("HBAR", "헤데라", "Hedera", "331", 380),
    _coin("APT", "앱토스", "Aptos", "7480", 160),
    _coin("ARB", "아비트럼", "Arbitrum", "612", 210),
    _coin("NEAR", "니어프로토콜", "NEAR Protocol", "3995", 260),
    _coin("ATOM", "코스모스", "Cosmos", "6120", 110),
    _coin("SAND", "샌드박스", "The Sandbox", "402", 95),
    _coin("MANA", "디센트럴랜드", "Decentraland", "388", 60),
    _coin("AXS", "엑시인피니티", "Axie Infinity", "3520", 45),
    _coin("NEO", "네오", "NEO", "8150", 70),
    _coin("QTUM", "퀀텀", "Qtum", "3010", 40),
    _coin("BTT", "비트토렌트", "BitTorrent", "0.00121", 55),
    _coin("CHZ", "칠리즈", "Chiliz", "55.2", 65),
    _coin("ALGO", "알고랜드", "Algorand", "281", 80),
    _coin("XTZ", "테조스", "Tezos", "905", 30),
    _coin("IOTA", "아이오타", "IOTA", "248", 35),
    _coin("THETA", "쎄타토큰", "Theta Token", "1015", 40),
    _coin("TFUEL", "쎄타퓨엘", "Theta Fuel", "40.3", 20),
    _coin("ENJ", "엔진코인", "Enjin", "101", 25),
    _coin("BAT", "베이직어텐션토큰", "Basic Attention Token", "251", 20),
    _coin("STORJ", "스토리지", "Storj", "402", 25),
    _coin("ONT", "온톨로지", "Ontology", "181", 15),
    _coin("ZIL", "질리카", "Zilliqa", "15.1", 20),
    _coin("ARK", "아크", "Ark", "498", 12),
    _coin("STEEM", "스팀", "Steem", "182", 15),
    _coin("MED", "메디블록", "Medibloc", "5.12", 18),
    _coin("BORA", "보라", "BORA", "101", 22),
    _coin("MBL", "무비블록", "MovieBloc", "2.95", 14),
    _coin("SSX", "썸씽", "SOMESING", "8.04", 10),
    _coin("HUNT", "헌트", "HUNT", "301", 12),
    _coin("MLK", "밀크", "MiL.k", "252", 11),
    _coin("AAVE", "에이브", "Aave", "401200", 90),
    _coin("SEI", "세이", "Sei", "302", 130),
    _coin("STX", "스택스", "Stacks", "905", 60),
    _coin("IMX", "이뮤터블엑스", "Immutable X", "702", 45),
    _coin("GRT", "더그래프", "The Graph", "121", 40),
    _coin("ONDO", "온도파이낸스", "Ondo Finance", "1205", 180),
    _coin("ENA", "에테나", "Ethena", "701", 240),
    _coin("W", "웜홀", "Wormhole", "101", 50),
    _coin("JUP", "주피터", "Jupiter", "603", 45),
    _coin("BONK", "봉크", "Bonk", "0.0201", 110),
    _coin("WLD", "월드코인", "Worldcoin", "1512", 150),
    _coin("TIA", "셀레스티아", "Celestia", "2010", 70),
    _coin("POL", "폴리곤에코시스템토큰", "POL (ex-MATIC)", "252", 85),
    _coin("FIL", "파일코인", "Filecoin", "2505", 60),
    _coin("VET", "비체인", "VeChain", "30.2", 50),
    _coin("EGLD", "멀티버스엑스", "MultiversX", "20150", 20),
    _coin("XEC", "이캐시", "eCash", "0.0301", 25),
    _coin("KAVA", "카바", "Kava", "401", 18),
    _coin("FLOW", "플로우", "Flow", "502", 20),
    _coin("GAS", "가스", "Gas", "4010", 25),
    _coin("ZRX", "제로엑스", "0x Protocol", "301", 12),
    _coin("MASK", "마스크네트워크", "Mask Network", "1502", 30),
    _coin("1INCH", "1인치네트워크", "1inch Network", "301", 15),
    _coin("ANKR", "앵커", "Ankr", "20.1", 18),
    _coin("CELO", "셀로", "Celo", "402", 14),
    _coin("BLUR", "블러", "Blur", "101", 25),
    _coin("PYTH", "피스네트워크", "Pyth Network", "151", 30),
    _coin("ZETA", "제타체인", "ZetaChain", "301", 20),
    _coin("ID", "스페이스아이디", "SPACE ID", "201", 15),
    _coin("ASTR", "아스타", "Astar", "40.2", 22),
    _coin("MINA", "미나", "Mina", "302", 14),
    _coin("KNC", "카이버네트워크", "Kyber Network", "401", 10),
    _coin("SNT", "스테이터스네트워크토큰", "Status Network Token", "30.1", 12),
    _coin("GLM", "골렘", "Golem", "352", 10),
    _coin("CVC", "시빅", "Civic", "101", 8),
    _coin("POWR", "파워렛저", "Power Ledger", "201", 9),
    _coin("HIVE", "하이브", "Hive", "302", 9),
    _coin("IQ", "아이큐", "IQ", "5.01", 7),
    _coin("MOCA", "모카네트워크", "Moca Network", "101", 20),
    _coin("ARDR", "아더", "Ardor", "101", 6),
    _coin("SC", "시아코인", "Siacoin", "4.02", 8),
    _coin("XEM", "넴", "NEM", "20.1", 9),
    _coin("WAXP", "왁스", "WAX", "30.2", 7),
    _coin("T", "쓰레스홀드", "Threshold", "20.3", 9),
    _coin("ONG", "온톨로지가스", "Ontology Gas", "251", 7),
    _coin("LSK", "리스크", "Lisk", "702", 6),
    _coin("ICX", "아이콘", "ICON", "151", 8),
    _coin("GMT", "스테픈", "STEPN", "60.4", 12),
    _coin("SXP", "솔라", "Solar", "251", 7),
    _coin("QKC", "쿼크체인", "QuarkChain", "10.2", 6),
    _coin("STPT", "에스티피", "Standard Tokenization Protocol", "101", 6),
    _coin("MVL", "엠블", "MVL", "4.01", 9),
    _coin("AQT", "알파쿼크", "Alpha Quark Token", "1505", 5),
    _coin("META", "메타디움", "Metadium", "30.1", 6),
    _coin("UPP", "센티넬프로토콜", "Sentinel Protocol", "40.1", 5),
    _coin("CRO", "크로노스", "Cronos", "151", 20),
    _coin("HIFI", "하이파이", "Hifi Finance", "101", 8),
    _coin("AUCTION", "바운스토큰", "Bounce Token", "15020", 10),
    _coin("STRK", "스타크넷", "Starknet", "201", 40),
    _coin("USDC", "유에스디코인", "USD Coin", "1390", 120),
    _coin("TRUMP", "오피셜트럼프", "Official Trump", "10050", 90),
    _coin("PENGU", "퍼지펭귄", "Pudgy Penguins", "20.4", 110),
    _coin("VIRTUAL", "버추얼프로토콜", "Virtuals Protocol", "1502", 70),
    _coin("MOVE", "무브먼트", "Movement", "151", 60),
    _coin("ME", "매직에덴", "Magic Eden", "1005", 25),
    _coin("LAYER", "솔레이어", "Solayer", "805", 30),
    _coin("ANIME", "애니메", "Animecoin", "20.2", 35),
    _coin("BERA", "베라체인", "Berachain", "3010", 55),
    _coin("KAITO", "카이토", "KAITO", "1505", 40),
)
"""Well-known coins beyond the core markets of ``engine.listings``, with their real
Korean and English names (Upbit's spelling)."""


# -- the long tail ---------------------------------------------------------------------------

_INITIALS = {
    "": 11, "g": 0, "k": 15, "n": 2, "d": 3, "l": 5, "r": 5, "m": 6, "b": 7, "v": 7,
    "s": 9, "j": 12, "z": 12, "ch": 14, "t": 16, "p": 17, "f": 17, "h": 18,
}  # fmt: skip
"""Romanized initial consonant -> Hangul choseong index."""
_VOWELS = {"a": 0, "e": 5, "i": 20, "o": 8, "u": 13}
"""Romanized vowel -> Hangul jungseong index."""
_FINALS = {"": 0, "n": 4, "l": 8, "m": 16, "k": 1}
"""Romanized final consonant -> Hangul jongseong index."""
_SUFFIXES = (
    ("", ""),
    ("", ""),
    ("Network", "네트워크"),
    ("Protocol", "프로토콜"),
    ("Chain", "체인"),
    ("Finance", "파이낸스"),
    ("Coin", "코인"),
    ("Token", "토큰"),
    ("Swap", "스왑"),
    ("Labs", "랩스"),
    ("World", "월드"),
)


def _hangul(initial: str, vowel: str, final: str) -> str:
    index = (_INITIALS[initial] * 21 + _VOWELS[vowel]) * 28 + _FINALS[final]
    return chr(0xAC00 + index)


def _stem(rng: random.Random) -> tuple[str, str]:
    """A made-up word of 2-3 syllables, romanized and in Hangul ("kamoran", "카모란")."""
    initials = [k for k in _INITIALS if k not in ("", "r", "v", "f")]
    roman, korean = "", ""
    count = rng.choice((2, 2, 3, 3, 3))
    for i in range(count):
        initial = rng.choice(initials) if i or rng.random() < 0.85 else ""
        vowel = rng.choice(("a", "a", "e", "i", "o", "o", "u"))
        final = rng.choice(("n", "l", "m", "k")) if i == count - 1 and rng.random() < 0.3 else ""
        roman += initial + vowel + final
        korean += _hangul(initial, vowel, final)
    return roman, korean


def _tail_price(rng: random.Random) -> Decimal:
    """A KRW price from sub-won to tens of thousands, most between 10 and 1,000 KRW."""
    exponent = min(4.7, max(-3.6, rng.gauss(1.9, 1.3)))
    return Decimal(f"{10**exponent:.4g}")


def generated_coins(seed: int, count: int, taken: set[str]) -> tuple[Coin, ...]:
    """``count`` made-up coins for ``seed``, their symbols (3-5 letters) unlike ``taken``
    and each other; the same seed always gives the same coins."""
    rng = random.Random(f"{seed}:coins")
    used = set(taken)
    coins: list[Coin] = []
    while len(coins) < count:
        roman, korean = _stem(rng)
        letters = roman.upper()
        symbol = next(
            (letters[:n] for n in (3, 4, 5) if n <= len(letters) and letters[:n] not in used),
            None,
        )
        if symbol is None:
            continue
        used.add(symbol)
        english_suffix, korean_suffix = rng.choice(_SUFFIXES)
        english = roman.capitalize() + (f" {english_suffix}" if english_suffix else "")
        value = Decimal(f"{10 ** rng.uniform(8.0, 10.3):.3g}")
        coins.append(Coin(symbol, korean + korean_suffix, english, _tail_price(rng), value, True))
    return tuple(coins)


def activity(rank: int, scale: float) -> float:
    """Chance per market-clock period that a market moves, by its rank in traded value
    within its group (1 = busiest): ``scale / rank**1.2``, between 0.004 and 1. At the
    default clock (a period of 0.1 s, a trade on 30 % of moves) rank 1 at scale 1 trades
    about 3 times a second and the quietest about once every 80 seconds."""
    return max(0.004, min(1.0, scale / math.pow(rank, 1.2)))
