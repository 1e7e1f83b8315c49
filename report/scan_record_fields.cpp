#include "report/scan_record_fields.hpp"

#include <simdjson.h>

#include "core/version.hpp"

namespace tlsprobe::report {

namespace {

namespace od = simdjson::ondemand;

// Each `if (x.get(y)) return false;` below: a simdjson error means the line is not valid JSON.

// A string, or null (left unset); any other type makes the record malformed.
bool take(od::value v, std::optional<std::string>& to, ScanRecordFields& f) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type == od::json_type::string) {
        std::string_view text;
        if (v.get_string().get(text)) return false;
        to = std::string(text);
    } else if (type != od::json_type::null) {
        f.malformed = true;
    }
    return true;
}

// A string where the summary is content without one: other types are ignored.
bool take_if_string(od::value v, std::string& to) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::string) return true;
    std::string_view text;
    if (v.get_string().get(text)) return false;
    to = std::string(text);
    return true;
}

bool read_scan(od::value v, ScanRecordFields& f) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::object) {
        f.malformed = true;
        return true;
    }
    f.has_scan = true;
    od::object scan;
    if (v.get_object().get(scan)) return false;
    for (auto member : scan) {
        od::field field;
        std::string_view key;
        if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
        if (key == "outcome" && !take(field.value(), f.outcome, f)) return false;
        if (key == "verdict" && !take(field.value(), f.verdict, f)) return false;
        if (key == "detail" && !take(field.value(), f.detail, f)) return false;
    }
    return true;
}

bool read_versions(od::value v, ScanRecordFields& f) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::object) return true;
    od::object versions;
    if (v.get_object().get(versions)) return false;
    for (auto member : versions) {
        od::field field;
        std::string_view name;
        if (std::move(member).get(field) || field.unescaped_key().get(name)) return false;
        const auto version = core::parse_version(name);
        if (!version || name != core::to_string(*version)) continue;
        od::value entry = field.value();
        if (entry.type().get(type)) return false;
        if (type != od::json_type::object) continue;
        od::object fields;
        if (entry.get_object().get(fields)) return false;
        for (auto inner : fields) {
            od::field support;
            std::string_view key;
            if (std::move(inner).get(support) || support.unescaped_key().get(key)) return false;
            if (key != "supported") continue;
            od::value value = support.value();
            if (value.type().get(type)) return false;
            const auto i = static_cast<std::size_t>(*version);
            if (type == od::json_type::boolean) {
                bool yes = false;
                if (value.get_bool().get(yes)) return false;
                f.version_seen[i] = true;
                f.supported[i] = yes;
            } else if (type == od::json_type::null) {
                f.version_seen[i] = true;
                f.supported[i].reset();
            } else {
                f.malformed = true;
            }
        }
    }
    return true;
}

// "findings" (`text` from "detail") or "diagnosis" (`text` from "summary").
bool read_list(od::value v, std::vector<ScanRecordFields::Item>& list, std::string_view text_key,
               ScanRecordFields& f) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::array) return true;
    od::array items;
    if (v.get_array().get(items)) return false;
    for (auto element : items) {
        od::value item;
        if (std::move(element).get(item) || item.type().get(type)) return false;
        if (type != od::json_type::object) {
            f.malformed = true;
            continue;
        }
        auto& out = list.emplace_back();
        od::object fields;
        if (item.get_object().get(fields)) return false;
        for (auto member : fields) {
            od::field field;
            std::string_view key;
            if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
            if (key == "id" && !take(field.value(), out.id, f)) return false;
            if (key == "severity" && !take_if_string(field.value(), out.severity)) return false;
            if (key == text_key && !take_if_string(field.value(), out.text)) return false;
        }
    }
    return true;
}

bool read_fields(od::document& doc, ScanRecordFields& f) {
    od::object record;
    if (doc.get_object().get(record)) return false;
    for (auto member : record) {
        od::field field;
        std::string_view key;
        if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
        od::value v = field.value();
        bool ok = true;
        if (key == "record" || key == "key") {  // a string, or not there
            od::json_type type;
            if (v.type().get(type)) return false;
            if (type == od::json_type::string) ok = take(v, key == "record" ? f.record : f.key, f);
        } else if (key == "input_line") {
            std::uint64_t n = 0;
            double d = 0;
            if (v.get_uint64().get(n) == simdjson::SUCCESS) f.input_line = n;
            else if (v.get_double().get(d) == simdjson::SUCCESS && d > 0)
                f.input_line = static_cast<std::size_t>(d);
        } else if (key == "target_verdict") {
            std::optional<std::string> text;
            ok = take(v, text, f);
            if (text) f.target_verdict = std::move(*text);
        } else if (key == "scan") {
            ok = read_scan(v, f);
        } else if (key == "versions") {
            ok = read_versions(v, f);
        } else if (key == "findings") {
            ok = read_list(v, f.findings, "detail", f);
        } else if (key == "diagnosis") {
            ok = read_list(v, f.diagnosis, "summary", f);
        }
        if (!ok) return false;
    }
    // Nothing after the object: the next token's location is past the end.
    const char* next = nullptr;
    return doc.current_location().get(next) == simdjson::OUT_OF_BOUNDS;
}

}  // namespace

bool read_scan_record_fields(std::string_view line, ScanRecordFields& fields) {
    fields = ScanRecordFields{};
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: a padded copy of the line,
    // kept per thread so a million lines cost one allocation.
    thread_local od::parser parser;
    thread_local std::string buffer;
    buffer.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    buffer.assign(line);
    od::document doc;
    if (parser.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc)) return false;
    return read_fields(doc, fields);
}

}  // namespace tlsprobe::report
