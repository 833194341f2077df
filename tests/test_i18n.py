"""Both dashboard languages are complete: every key in both, every value the UI shows translated.

The values come from where the system defines them (event types, factualities, the lexicon's modes
and contexts, the actor KB's sectors, the alert kinds), so a new mode or kind added there without
a translation fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pantau.records import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "pantau" / "web"
I18N = json.loads((WEB / "static" / "i18n.json").read_text(encoding="utf-8"))
SPEC = ROOT.parent / "shared" / "spec" / "EVENTS.md"


def _lexicon_values(key: str) -> set[str]:
    """Every value of ``key`` (a string or a list) anywhere in the event lexicon."""
    found: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == key and isinstance(v, str):
                    found.add(v)
                elif k == key and isinstance(v, list):
                    found.update(c for c in v if isinstance(c, str))
                walk(v)
        elif isinstance(x, list):
            for y in x:
                walk(y)

    walk(yaml.safe_load((ROOT / "pantau" / "events" / "lexicon.yaml").read_text(encoding="utf-8")))
    return found


def _kb_sectors() -> set[str]:
    data = ROOT / "pantau" / "actors" / "data"
    text = "".join(p.read_text(encoding="utf-8") for p in data.glob("*.yaml"))
    return set(re.findall(r"\bsector:\s*([A-Z]{2,4})\b", text))


def _removal_rules() -> set[str]:
    """Furniture rules of the cleaner (furniture.yaml keys and the rules named in its code)."""
    clean = ROOT / "pantau" / "clean"
    rules = set(yaml.safe_load((clean / "furniture.yaml").read_text(encoding="utf-8")))
    for path in clean.glob("*.py"):
        rules.update(re.findall(r'Removed\([^,]+, "([a-z_]+)"', path.read_text(encoding="utf-8")))
    return rules


def _alert_kinds() -> set[str]:
    from pantau.stories import alerting

    return set(alerting._KIND.values())


def _missing(prefix: str, values: set[str]) -> dict[str, list[str]]:
    return {
        lang: sorted(v for v in values if f"{prefix}.{v}" not in I18N[lang]) for lang in ("id", "en")
    }


def test_both_languages_have_the_same_keys() -> None:
    assert set(I18N) == {"id", "en"}
    only_id = sorted(set(I18N["id"]) - set(I18N["en"]))
    only_en = sorted(set(I18N["en"]) - set(I18N["id"]))
    assert not only_id and not only_en, f"only in id: {only_id}; only in en: {only_en}"
    empty = [(lang, k) for lang in I18N for k, v in I18N[lang].items() if not str(v).strip()]
    assert not empty, empty


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("type", set(EVENT_TYPES)),
        ("fact", {"asserted", "future", "hypothetical", "negated"}),
        ("mode", _lexicon_values("mode") - {None}),
        ("ctx", _lexicon_values("ctx")),
        ("sector", _kb_sectors() | {"UNK"}),
        ("alert", _alert_kinds()),
        ("channel", {"conflict", "cbrn", "cooperation"}),
        ("relation", {"copy", "near_copy", "syndicated"}),
        ("rule", _removal_rules()),
        ("label", {"PER", "LOC", "ORG", "ACTOR"}),
    ],
)
def test_every_shown_value_is_translated(prefix: str, values: set[str]) -> None:
    assert values, f"no {prefix} values found (the source moved?)"
    missing = _missing(prefix, values)
    assert missing == {"id": [], "en": []}, f"{prefix}: {missing}"


def test_spec_values_are_translated() -> None:
    """Sectors and the example contexts named in EVENTS.md (skipped without ../shared)."""
    if not SPEC.exists():
        pytest.skip("../shared/spec/EVENTS.md not found")
    spec = SPEC.read_text(encoding="utf-8")
    sectors = set(re.findall(r"`([A-Z]{3})`", spec[spec.index("`sector`") : spec.index("`text`")]))
    assert {"GOV", "MIL", "CVL"} <= sectors
    assert _missing("sector", sectors) == {"id": [], "en": []}
    para = spec[spec.index("Contexts (a list") :].split("\n\n", 1)[0]
    contexts = set(re.findall(r"`([a-z_]+)`", para))
    assert "cbrn" in contexts
    assert _missing("ctx", contexts) == {"id": [], "en": []}


def test_every_key_the_pages_use_exists() -> None:
    """Literal keys in P.t("...") calls and data-i18n attributes of the pages and scripts."""
    used: set[str] = set()
    for path in [*(WEB / "static").rglob("*.js"), *(WEB / "templates").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r"""P\.t\(\s*["']([\w.]+)["']\s*\)""", text))
        used.update(re.findall(r'data-i18n(?:-placeholder|-title)?="([\w.]+)"', text))
    assert len(used) > 40
    for lang in ("id", "en"):
        assert not sorted(used - set(I18N[lang])), (lang, sorted(used - set(I18N[lang])))


def test_no_native_date_inputs() -> None:
    """A native date input shows the browser's format (mm/dd/yyyy in en-US) whatever the UI language."""
    for path in (WEB / "templates").glob("*.html"):
        assert 'type="date"' not in path.read_text(encoding="utf-8"), path.name
    assert I18N["id"]["filter.date_ph"] != I18N["en"]["filter.date_ph"]


def test_i18n_misses_are_detected() -> None:
    """The check itself can fail: a made-up mode is reported missing in both languages."""
    assert _missing("mode", {"no-such-mode"}) == {"id": ["no-such-mode"], "en": ["no-such-mode"]}
