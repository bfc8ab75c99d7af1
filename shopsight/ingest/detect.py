"""Which dataset kind a table is, and which header feeds which canonical column."""

from __future__ import annotations

from shopsight import schema
from shopsight.ingest import synonyms

# The mapping target of a column that maps to no canonical field and that the owner keeps
# on purpose (stored as text under its own header); '' = not stored, the default (DESIGN §2).
KEEP = "keep"

# Required columns that can be filled without a header of their own.
_DERIVABLE = {
    ("orders", "order_time"): ("created_time", "paid_time"),
    ("traffic", "date"): "period",
    ("products", "date"): "period",
    ("regions", "date"): "period",
    ("traffic", "paying_buyers"): "rate:conversion",
    ("products", "paying_buyers"): "rate:conversion",
    ("image_tests", "clicks"): "rate:ctr",
    ("image_tests", "test_id"): "product_id",
}


def derived_from(kind: str, col: str) -> tuple[str, ...]:
    """The columns a required column is read from when it has no header of its own (none
    when the file's period gives it)."""
    via = _DERIVABLE.get((kind, col))
    if via is None or via == "period":
        return ()
    return (via,) if isinstance(via, str) else via


def kind_inputs(kind: str) -> tuple[str, ...]:
    return schema.KINDS[kind].column_names + synonyms.EXTRA_INPUTS.get(kind, ())


def skipped_headers(headers: list[str]) -> dict[str, str]:
    """Headers that are never loaded, with the reason shown to the user."""
    out = {}
    for h in headers:
        if synonyms.is_personal(h):
            out[h] = "personal"
        elif synonyms.is_free_text(h):
            out[h] = "free_text"
        elif synonyms.is_address(h):
            out[h] = "address"
        elif synonyms.is_comparison(h):
            out[h] = "comparison"
    return out


def propose_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """source header -> canonical column ('' = not stored; KEEP = stored under its own name,
    proposed only for synonyms.KEPT_BY_DEFAULT, otherwise the owner's choice).

    For each canonical column the first alias (in synonym-table order) that a
    header matches wins; a header feeds at most one column.
    """
    skipped = skipped_headers(headers)
    keys = {h: synonyms.header_key(h) for h in headers if h not in skipped}
    mapping = {h: "" for h in headers if h not in skipped}
    taken: set[str] = set()
    for col in kind_inputs(kind):
        banned = synonyms.NOT_FOR_KEYS.get(col, frozenset())
        for alias in synonyms.ALIAS_KEYS.get(col, ()):
            hit = next(
                (h for h, k in keys.items() if k == alias and h not in taken and k not in banned),
                None,
            )
            if hit is not None:
                mapping[hit] = col
                taken.add(hit)
                break
    kept = {synonyms.header_key(k) for k in synonyms.KEPT_BY_DEFAULT.get(kind, ())}
    return {h: KEEP if not c and keys[h] in kept else c for h, c in mapping.items()}


def missing_required(
    kind: str, mapping: dict[str, str], *, has_period: bool, has_address: bool = False
) -> list[str]:
    mapped = set(mapping.values())
    missing = []
    for col in schema.KINDS[kind].required:
        if col in mapped:
            continue
        if _DERIVABLE.get((kind, col)) == "period" and has_period:
            continue
        if set(derived_from(kind, col)) & mapped:
            continue
        missing.append(col)
    return missing


def score_kinds(headers: list[str], *, has_period: bool) -> dict[str, float]:
    """0..1 per kind: all required columns present is the gate, fingerprints decide."""
    keys = {synonyms.header_key(h) for h in headers}
    has_address = any(synonyms.is_address(h) for h in headers)
    scores: dict[str, float] = {}
    for kind in schema.KINDS:
        mapping = propose_mapping(headers, kind)
        mapped = [c for c in mapping.values() if c]
        req = schema.KINDS[kind].required
        missing = missing_required(kind, mapping, has_period=has_period, has_address=has_address)
        coverage = (len(req) - len(missing)) / len(req)
        prints = len(keys & synonyms.FINGERPRINT_KEYS[kind])
        fingerprint = min(prints, 3) / 3
        share = len(mapped) / max(len(mapping), 1)
        score = 0.45 * coverage + 0.35 * fingerprint + 0.20 * share
        if missing:
            score *= 0.5
        scores[kind] = round(score, 3)
    return scores


_NOT_A_CREATIVE = {synonyms.header_key("分组")}


def is_ad_report(headers: list[str]) -> bool:
    """A promotion report of plans, keywords or products (直通车 / 万相台: 展现量, 点击量 and
    花费, no creative to compare): its 总成交金额 is what the ads brought in, not the shop's
    支付金额, so it must not be read as product or traffic data and merged over them."""
    by = {
        c: synonyms.header_key(h) for h, c in propose_mapping(headers, "image_tests").items() if c
    }
    # a creative has an id, a version or a title; 分组 is the ad group of a 拼多多 推广
    # report, unless a test names it (测试名称, 分组 in a test record kept by hand)
    creative = "variant" in by and (by["variant"] not in _NOT_A_CREATIVE or "test_id" in by)
    return {"impressions", "clicks", "spend"} <= set(by) and not creative


def detect_kind(
    headers: list[str], *, has_period: bool
) -> tuple[str | None, float, dict[str, float]]:
    """(kind, confidence, all scores); kind is None when no kind has its required columns,
    and for a promotion report (is_ad_report)."""
    scores = score_kinds(headers, has_period=has_period)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0]
    if is_ad_report(headers):
        return None, 0.0, scores
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    mapping = propose_mapping(headers, best)
    has_address = any(synonyms.is_address(h) for h in headers)
    if missing_required(best, mapping, has_period=has_period, has_address=has_address):
        return None, 0.0, scores
    # a close runner-up lowers confidence
    confidence = round(min(1.0, top * (1 - 0.5 * runner / top if top else 1)), 3)
    return best, confidence, scores


def requirements_text() -> str:
    """What each kind needs, for the message shown when nothing matches."""
    parts = []
    for kind, k in schema.KINDS.items():
        examples = []
        for col in k.required:
            aliases = synonyms.COLUMNS.get(col, (col,))
            examples.append(f"{col} ({' / '.join(aliases[:2])})")
        parts.append(f"{kind}: " + ", ".join(examples))
    return "; ".join(parts)
