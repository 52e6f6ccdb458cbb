#!/usr/bin/env python3
"""Generates Sources/SCIM/CountryCode+Table.swift, Roster's one table of ISO 3166-1 countries.

Usage: scripts/generate-country-codes.py [--source PATH] [--output PATH] [--check]

Source: Debian's iso-codes package, version 4.15.0 (`apt-get install iso-codes`), file
/usr/share/iso-codes/json/iso_3166-1.json. It lists the 249 officially assigned ISO 3166-1 entries with their
alpha-2, alpha-3 and numeric codes, the English short name (`name`) and, for some, the official and common names.

Besides those names, each entry gets `variants`, the other English spellings that `CountryCode.normalize` accepts:
  - forms derived from the ISO names: without a parenthetical ("Holy See"), with an inverted name turned around
    ("Korea, Republic of" -> "Republic of Korea"), with "Saint" abbreviated ("St Lucia");
  - the curated common, colloquial and former names below (CURATED_VARIANTS).
Names in AMBIGUOUS_NAMES ("Korea" could be either Korea) are never accepted. "Congo" is the ISO short name of the
Republic of the Congo (CG) and maps there, as every ISO name maps to its entry.

The script fails if two entries would claim the same name once folded the way `CountryCode.lookupKey` folds it
(case, diacritics, punctuation, spacing and the word "the" ignored). The output depends only on the source file and
this script: running it again gives the identical file. `--check` compares instead of writing (exit status 1 when the
committed file is stale).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata

ISO_CODES_VERSION = "4.15.0"
DEFAULT_SOURCE = "/usr/share/iso-codes/json/iso_3166-1.json"
DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Sources", "SCIM",
                              "CountryCode+Table.swift")

# Common, colloquial and former English names that free-text directories (Entra ID's `country`, HR systems) hold,
# by alpha-2 code. A name is listed only if it means that one country; spellings that fold to an ISO name (with or
# without accents, "The Netherlands" for "Netherlands") are accepted anyway and need no entry here.
CURATED_VARIANTS = {
    "AE": ["UAE", "Emirates"],
    "BA": ["Bosnia", "Bosnia-Herzegovina"],
    "BL": ["Saint Barts", "Saint Barths"],
    "BN": ["Brunei"],
    "BQ": ["Bonaire", "Caribbean Netherlands"],
    "CC": ["Keeling Islands"],
    "CD": ["DR Congo", "DRC", "Congo-Kinshasa", "Democratic Republic of Congo", "Congo, Dem. Rep.", "Zaire"],
    "CG": ["Congo-Brazzaville", "Congo, Republic of", "Congo, Rep."],
    "CI": ["Ivory Coast"],
    "CN": ["PRC", "PR China", "Mainland China"],
    "CV": ["Cape Verde"],
    "CZ": ["Czech"],
    "EG": ["Egypt, Arab Rep."],
    "FK": ["Falklands"],
    "FO": ["Faeroe Islands", "Faroes"],
    "FM": ["Micronesia", "Micronesia, Fed. Sts."],
    "GB": ["UK", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Great Britain and Northern Ireland"],
    "HK": ["Hong Kong SAR", "Hong Kong SAR, China"],
    "IE": ["Republic of Ireland", "Eire"],
    "IR": ["Iran, Islamic Rep."],
    "KG": ["Kirghizia"],
    "KP": ["DPRK", "Korea, North", "Korea, Dem. People's Rep.", "Korea DPR"],
    "KR": ["Republic of Korea", "Korea, South", "Korea, Rep."],
    "LA": ["Lao PDR"],
    "MK": ["Macedonia", "Republic of Macedonia", "FYROM", "Former Yugoslav Republic of Macedonia",
           "Macedonia, the former Yugoslav Republic of"],
    "MM": ["Burma"],
    "MO": ["Macau", "Macao SAR", "Macau SAR", "Macao SAR, China"],
    "MF": ["Collectivity of Saint Martin"],
    "NL": ["Holland"],
    "PS": ["Palestine", "Palestinian Territories", "Palestinian Territory", "Occupied Palestinian Territory",
           "Palestinian Territory, Occupied"],
    "RU": ["Russia"],
    "SH": ["Saint Helena"],
    "SJ": ["Svalbard"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "TR": ["Turkey", "Republic of Turkey"],
    "UM": ["US Minor Outlying Islands"],
    "US": ["America"],
    "VA": ["Vatican", "Vatican City"],
    "VE": ["Venezuela, RB"],
    "VI": ["US Virgin Islands"],
    "YE": ["Yemen, Rep."],
}

# Names that more than one entry could claim; accepted for none, so that a guess never stores the wrong country.
AMBIGUOUS_NAMES = ["Korea", "Virgin Islands", "Saint Martin", "St Martin"]


def fold(text):
    """The lookup key, as CountryCode.lookupKey computes it: letters and digits without diacritics, lowercased,
    words joined without separators, '&' after a word read as 'and', the word 'the' dropped."""
    words, word = [], []

    def end_word():
        joined = "".join(word)
        if joined and joined != "the":
            words.append(joined)
        word.clear()

    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch).startswith("M"):
            continue
        ch = ch.lower()
        if ch.isalnum():
            word.append(ch)
        elif ch == "&":
            end_word()
            if words:
                words.append("and")
        else:
            end_word()
    end_word()
    return "".join(words)


def derived_names(name):
    """Spellings derived from one ISO name: without a parenthetical, an inverted 'X, Y of' turned around, 'Saint'
    written 'St'."""
    forms = [name]
    without_parenthetical = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if without_parenthetical != name:
        forms.append(without_parenthetical)
    for form in list(forms):
        head, comma, tail = form.partition(", ")
        if comma and re.search(r"\b(of|of the)$", tail, re.IGNORECASE):
            tail = tail[0].upper() + tail[1:]
            forms.append(tail + " " + head)
    for form in list(forms):
        if form.startswith("Saint "):
            forms.append("St " + form[len("Saint "):])
    return forms[1:]


def installed_version():
    try:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "iso-codes"], capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def swift_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrap_arguments(prefix, arguments, suffix, indent, width=120):
    """Lays out `prefix arg1, arg2, ...suffix` in lines of at most `width` columns."""
    lines, line = [], " " * indent + prefix
    for index, argument in enumerate(arguments):
        piece = argument + (", " if index < len(arguments) - 1 else suffix)
        if len(line) + len(piece.rstrip()) > width and line.strip():
            lines.append(line.rstrip())
            line = " " * (indent + 4)
        line += piece
    lines.append(line.rstrip())
    return lines


def generate(source_path):
    with open(source_path, "rb") as file:
        raw = file.read()
    entries = json.loads(raw)["3166-1"]
    if len(entries) != 249:
        sys.exit(f"error: expected the 249 ISO 3166-1 entries, the source has {len(entries)}")

    ambiguous_keys = {fold(name) for name in AMBIGUOUS_NAMES}
    by_code = {entry["alpha_2"]: entry for entry in entries}
    for code in CURATED_VARIANTS:
        if code not in by_code:
            sys.exit(f"error: curated variants for {code}, which is not an ISO 3166-1 alpha-2 code")

    owner = {}  # folded key -> alpha-2 code that claims it

    def claim(key, code, text):
        if key in ambiguous_keys:
            return False
        if owner.get(key, code) != code:
            sys.exit(f"error: '{text}' ({code}) folds to '{key}', which {owner[key]} already claims")
        owner[key] = code
        return True

    rows = []
    for entry in sorted(entries, key=lambda entry: entry["alpha_2"]):
        code = entry["alpha_2"]
        iso_names = [entry[field] for field in ("name", "official_name", "common_name") if field in entry]
        seen = set()
        for text in iso_names + [entry["alpha_2"], entry["alpha_3"]]:
            claim(fold(text), code, text)
            seen.add(fold(text))
        variants = []
        curated = CURATED_VARIANTS.get(code, [])
        redundant = [text for index, text in enumerate(curated)
                     if fold(text) in seen or any(fold(text) == fold(other) for other in curated[:index])]
        if redundant:
            sys.exit(f"error: curated variants {redundant} ({code}) are accepted anyway; remove them")
        candidates = curated + [form for text in iso_names + curated for form in derived_names(text)]
        for text in candidates:
            key = fold(text)
            if key in seen:
                continue
            if key in ambiguous_keys:
                if text in CURATED_VARIANTS.get(code, []):
                    sys.exit(f"error: curated variant '{text}' ({code}) is listed as ambiguous")
                continue
            claim(key, code, text)
            seen.add(key)
            variants.append(text)
        rows.append((entry, variants))

    digest = hashlib.sha256(raw).hexdigest()
    out = [
        "// Generated by scripts/generate-country-codes.py: do not edit; change the script and run it again.",
        f"// Source: Debian iso-codes {ISO_CODES_VERSION}, {source_path}",
        f"// (sha256 {digest}),",
        "// the officially assigned ISO 3166-1 entries as published by the ISO 3166 Maintenance Agency.",
        "",
        "extension CountryCode {",
        f"    /// The {len(rows)} officially assigned ISO 3166-1 entries, by alpha-2 code, from Debian iso-codes "
        f"{ISO_CODES_VERSION};",
        "    /// `variants` are the derived and curated spellings of scripts/generate-country-codes.py.",
        "    package static let entries: [Entry] = [",
    ]
    for entry, variants in rows:
        arguments = [swift_string(entry["alpha_2"]), swift_string(entry["alpha_3"]), swift_string(entry["numeric"]),
                     swift_string(entry["name"])]
        if "official_name" in entry:
            arguments.append("official: " + swift_string(entry["official_name"]))
        if "common_name" in entry:
            arguments.append("common: " + swift_string(entry["common_name"]))
        if variants:
            arguments.append("variants: [" + swift_string(variants[0]))
            arguments += [swift_string(variant) for variant in variants[1:]]
            out += wrap_arguments("Entry(", arguments, "]),", indent=8)
        else:
            out += wrap_arguments("Entry(", arguments, "),", indent=8)
    out.append("    ]")
    out.append("")
    out.append("    /// Names that more than one entry could claim (either Congo, either Korea): `normalize` accepts")
    out.append("    /// them for none, even where ISO 3166-1 uses one as a short name.")
    out += wrap_arguments("package static let ambiguousNames: [String] = [",
                          [swift_string(name) for name in AMBIGUOUS_NAMES], "]", indent=4)
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args()
    version = installed_version()
    if args.source == DEFAULT_SOURCE and version is not None and not version.startswith(ISO_CODES_VERSION):
        sys.exit(f"error: iso-codes {version} is installed; this script names {ISO_CODES_VERSION} as its source. "
                 "Update ISO_CODES_VERSION after reviewing the differences.")
    text = generate(args.source)
    if args.check:
        with open(args.output, encoding="utf-8") as file:
            if file.read() != text:
                sys.exit(f"{args.output} is not what scripts/generate-country-codes.py generates; run it again.")
        print(f"{args.output} is up to date")
        return
    with open(args.output, "w", encoding="utf-8") as file:
        file.write(text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
