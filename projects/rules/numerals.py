"""Chinese numerals for project numbers: the announcement numbers its pledges 一 … 十一."""

DIGITS = "零一二三四五六七八九"


def chinese_numeral(n):
    """Return 1 → 一, 10 → 十, 11 → 十一, 21 → 二十一, for 1 ≤ n ≤ 99."""
    if not 1 <= n <= 99:
        raise ValueError(f"{n} is outside 1–99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    prefix = "" if tens == 1 else DIGITS[tens]
    return prefix + "十" + (DIGITS[ones] if ones else "")
