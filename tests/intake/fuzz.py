"""A batch of hostile text: what callers, chat apps and copy-paste put into a form."""

from __future__ import annotations

import random

SEEDS = [
    "",
    " ",
    "x" * 25_000,  # longer than any limit
    "A" * 201,
    "\u202eloohcs hgih\u202c",  # RTL override
    "מחר אחרי בית הספר",  # Hebrew
    "بعد المدرسة غدا",  # Arabic
    "💣🔫 after school 😡",
    "Zalgo t̶̢̛e̵x̷t̴ w̸i̶t̷h̵ c̶o̷m̵b̸i̵n̶i̸n̷g̵ m̶a̵r̷k̸s",
    "e\u0301 vs \u00e9",
    "NUL\x00byte\x01\x02\x1b[31mred\x7f",
    "line\r\nbreak\rcarriage",
    "'; DROP TABLE threats; --",
    "Robert'); DELETE FROM audit_log WHERE ('1'='1",
    "<script>alert('x')</script><b>bold</b>&amp;",
    "2/30 after school",
    "Feb 30 3pm",
    "13/45/2027",
    "yesterday 3pm",
    "1/1/1999 noon",
    "4/12 25:99",
    "\ud800 lone surrogate",
    "\ufeffBOM and \u200bzero width",
    "Ｆｕｌｌｗｉｄｔｈ　４／１２",
    "%s %n {0} ${x} {{7*7}}",
    "../../etc/passwd",
    "null",
    "None",
    "-1",
    "99999999999999999999",
]


def batch(n: int, seed: int = 20270412) -> list[str]:
    """The fixed seeds plus ``n`` random mixes of them and of random code points (reproducible)."""
    rng = random.Random(seed)
    out = list(SEEDS)
    alphabet = [chr(c) for c in (*range(0, 0x80), *range(0x300, 0x370), *range(0x590, 0x700), 0x202E, 0x200F,
                                 0xFEFF, 0x1F4A3, 0x1F52B, 0xFFFF)]
    while len(out) < len(SEEDS) + n:
        if rng.random() < 0.5:
            out.append(rng.choice(SEEDS)[: rng.randint(0, 300)] + rng.choice(SEEDS)[: rng.randint(0, 300)])
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120))))
    return out


BAD_TEXTS = batch(70)
