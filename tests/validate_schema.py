#!/usr/bin/env python3
"""Validates tlsprobe's JSON output against schema/*.json (JSON Schema draft 2020-12).

    validate_schema.py SCHEMA_DIR [--run TESTS_BINARY] [--docs DIR]... [--readme README.md]

--run runs the hidden Catch2 cases "[schema]" of TESTS_BINARY (tests/schema_documents_test.cpp),
which write every kind of document tlsprobe produces into a temporary directory, and validates
them: probe-*.json against probe.schema.json, check-*.json against check.schema.json, diff-*.json
against diff.schema.json, each line
of scan-*.jsonl against scan-record or scan-summary by its "record" field. --docs validates the
documents already in DIR the same way. Then it proves the validator is live (documents with an
undocumented field or a wrong enum value must fail, a new check kind must pass), that every
property has a description, and, with --readme, that the README's JSON section names every
property. Exit 0 all good, 1 a failure, 77 python3-jsonschema is missing (ctest: skipped).
"""
import argparse
import copy
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed (scripts/deps.sh installs it); "
          "the JSON output was not validated")
    sys.exit(77)

SCHEMAS = ["probe", "scan-record", "scan-summary", "check", "diff"]
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def load_schemas(schema_dir):
    schemas = {}
    for name in SCHEMAS:
        with open(schema_dir / f"{name}.schema.json", encoding="utf-8") as f:
            schemas[name] = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schemas[name])
    return schemas


def make_validators(schemas):
    """One validator per schema; "probe.schema.json#/..." references resolve to the sibling files."""
    by_id = {s["$id"]: s for s in schemas.values()}
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in by_id.items())
        return {n: jsonschema.Draft202012Validator(s, registry=registry)
                for n, s in schemas.items()}
    except ImportError:  # Debian 12's 4.10
        return {n: jsonschema.Draft202012Validator(
                    s, resolver=jsonschema.RefResolver(s["$id"], s, store=dict(by_id)))
                for n, s in schemas.items()}


def errors_of(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def describe(error):
    path = "/".join(str(p) for p in error.absolute_path)
    return f"at /{path}: {error.message[:300]}"


def documents_in(directory):
    """(label, schema name, document) for every document file in directory."""
    out = []
    for path in sorted(pathlib.Path(directory).iterdir()):
        if path.name.startswith("probe-") and path.suffix == ".json":
            out.append((path.name, "probe", json.loads(path.read_text(encoding="utf-8"))))
        elif path.name.startswith("check-") and path.suffix == ".json":
            out.append((path.name, "check", json.loads(path.read_text(encoding="utf-8"))))
        elif path.name.startswith("diff-") and path.suffix == ".json":
            out.append((path.name, "diff", json.loads(path.read_text(encoding="utf-8"))))
        elif path.suffix == ".jsonl":
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                doc = json.loads(line)
                kind = "scan-summary" if doc.get("record") == "summary" else "scan-record"
                out.append((f"{path.name}:{n}", kind, doc))
    return out


def validate_all(validators, documents):
    counts = {n: 0 for n in SCHEMAS}
    for label, kind, doc in documents:
        counts[kind] += 1
        errors = errors_of(validators[kind], doc)
        for e in errors[:5]:
            fail(f"{label} ({kind}.schema.json) {describe(e)}")
    return counts


def first(documents, kind, pred=lambda d: True):
    return next((copy.deepcopy(d) for _, k, d in documents if k == kind and pred(d)), None)


def negative_cases(validators, documents):
    """Mutations of valid documents that must (or, where the schema is open, must not) fail."""
    probe = first(documents, "probe", lambda d: "alpn" in d["checks"] and d["probes"])
    record = first(documents, "scan-record")
    summary = first(documents, "scan-summary")
    check = first(documents, "check", lambda d: d["targets"] and d["targets"][0]["rules"])
    if not (probe and record and summary and check):
        fail("negative cases: the generated documents lack a probe with checks.alpn, a scan "
             "record, a summary or a check report with rules")
        return
    cases = []  # (description, schema, document, must be valid)

    def case(what, kind, base, mutate, valid=False):
        doc = copy.deepcopy(base)
        mutate(doc)
        cases.append((what, kind, doc, valid))

    case("undocumented top-level field", "probe", probe, lambda d: d.update(extra=1))
    case("undocumented field in a probe entry", "probe", probe,
         lambda d: d["probes"][0].update(extra=1))
    case("undocumented field in target", "probe", probe, lambda d: d["target"].update(extra=1))
    case("wrong target_verdict", "probe", probe, lambda d: d.update(target_verdict="great"))
    case("wrong version status", "probe", probe,
         lambda d: d["versions"]["tls1_2"].update(status="bogus"))
    case("missing required field", "probe", probe, lambda d: d.pop("findings"))
    case("wrong finding severity", "probe", probe,
         lambda d: d["findings"].append({"id": "x.y", "severity": "severe", "title": "",
                                         "detail": ""}))
    case("undocumented field in checks.alpn", "probe", probe,
         lambda d: d["checks"]["alpn"].update(extra=1))
    case("wrong alpn answer", "probe", probe,
         lambda d: d["checks"]["alpn"]["unknown_protocol"].update(answer="maybe"))
    case("a new check kind (checks is open)", "probe", probe,
         lambda d: d["checks"].update(new_kind={"anything": [1, 2]}), valid=True)
    case("a check kind that is not an object", "probe", probe,
         lambda d: d["checks"].update(new_kind=3))
    case("undocumented field in a scan record", "scan-record", record, lambda d: d.update(extra=1))
    case("undocumented field in a scan record's probe part", "scan-record", record,
         lambda d: d["target"].update(extra=1))
    case("scan record without key", "scan-record", record, lambda d: d.pop("key"))
    case("wrong scan verdict", "scan-record", record, lambda d: d["scan"].update(verdict="meh"))
    case("a probe document is not a scan record", "scan-record", probe, lambda d: None)
    case("unknown verdict in the summary", "scan-summary", summary,
         lambda d: d["verdicts"].update(bogus=1))
    case("undocumented summary field", "scan-summary", summary, lambda d: d.update(extra=1))
    case("wrong rule status", "check", check,
         lambda d: d["targets"][0]["rules"][0].update(status="maybe"))
    case("undocumented field in an embedded probe result", "check", check,
         lambda d: d["targets"][0]["result"].update(extra=1))
    case("wrong check verdict", "check", check, lambda d: d.update(verdict="ok"))
    for what, kind, doc, valid in cases:
        got_valid = not errors_of(validators[kind], doc)
        if got_valid != valid:
            fail(f"negative case '{what}': {kind}.schema.json "
                 f"{'accepted' if got_valid else 'rejected'} it")
    print(f"{len(cases)} negative cases checked")


def property_names(node, root, out, where, missing):
    """Every property name in a schema; records properties without a description."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            out.add(name)
            if not has_description(sub, root):
                missing.append(f"{where}/properties/{name}")
        for key, sub in node.items():
            property_names(sub, root, out, f"{where}/{key}", missing)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            property_names(sub, root, out, f"{where}/{i}", missing)


def has_description(sub, root):
    if "description" in sub:
        return True
    # A bare reference to a definition of this file that describes itself counts.
    ref = sub.get("$ref", "") if set(sub) == {"$ref"} else ""
    return ref.startswith("#/$defs/") and "description" in root["$defs"][ref[len("#/$defs/"):]]


def check_documentation(schemas, readme):
    names = set()
    for name, schema in schemas.items():
        missing = []
        property_names(schema, schema, names, "", missing)
        for m in missing:
            fail(f"{name}.schema.json{m} has no description")
    if readme:
        text = pathlib.Path(readme).read_text(encoding="utf-8")
        m = re.search(r"^## JSON\b.*?(?=^## )", text, re.S | re.M)
        if not m:
            fail(f"{readme}: no '## JSON' section")
            return
        section = m.group(0)
        for n in sorted(names):
            if f'"{n}"' not in section and f"`{n}`" not in section:
                fail(f"{readme}: the JSON section does not mention the field '{n}'")
        print(f"{len(names)} field names checked against the README's JSON section")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema_dir", type=pathlib.Path)
    ap.add_argument("--run", help="the tlsprobe_tests binary: generate documents with '[schema]'")
    ap.add_argument("--docs", action="append", default=[], help="a directory of documents")
    ap.add_argument("--readme")
    args = ap.parse_args()

    schemas = load_schemas(args.schema_dir)
    validators = make_validators(schemas)
    check_documentation(schemas, args.readme)

    documents = []
    with tempfile.TemporaryDirectory(prefix="tlsprobe-schema-") as tmp:
        if args.run:
            env = dict(os.environ, TLSPROBE_JSON_OUT=tmp)
            proc = subprocess.run([args.run, "[schema]"], env=env, capture_output=True, text=True,
                                  timeout=900)
            if proc.returncode != 0:
                print(proc.stdout[-6000:], proc.stderr[-3000:])
                fail(f"{args.run} [schema] exited {proc.returncode}")
            documents += documents_in(tmp)
        for d in args.docs:
            documents += documents_in(d)
    counts = validate_all(validators, documents)
    print("validated: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
    if args.run:
        for kind, c in counts.items():
            if c == 0:
                fail(f"no {kind} document was produced")
    negative_cases(validators, documents)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok: every document matches its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
