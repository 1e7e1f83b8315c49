#include "judge/diff.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/version.hpp"

namespace tlsprobe::judge {

using nlohmann::json;

namespace {

// ---- reading the probe document -----------------------------------------------------------

const json& member(const json& j, const char* key, json::value_t type, std::string_view where) {
    const auto it = j.find(key);
    if (it == j.end() || it->type() != type) {
        const char* kind = type == json::value_t::object  ? "object"
                           : type == json::value_t::array ? "array"
                                                          : "string";
        throw std::invalid_argument(
            fmt::format("not a tlsprobe probe document: no \"{}\" {}{}", key, kind, where));
    }
    return *it;
}

std::string text_of(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string label_of(const json& target) {
    std::string label = text_of(target, "host");
    if (const auto port = target.find("port"); port != target.end() && port->is_number_integer())
        label += fmt::format(":{}", port->get<long long>());
    const std::string address = text_of(target, "address");
    if (!address.empty() && address != text_of(target, "host")) label += " (" + address + ")";
    return label;
}

std::vector<std::string> strings(const json& j) {
    std::vector<std::string> out;
    if (!j.is_array()) return out;
    for (const auto& e : j)
        if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
}

// ---- comparing ----------------------------------------------------------------------------

int verdict_rank(std::string_view v) {
    static constexpr std::string_view order[] = {"ok", "warn", "fail", "no_tls", "unreachable"};
    for (std::size_t i = 0; i < std::size(order); ++i)
        if (order[i] == v) return static_cast<int>(i);
    return static_cast<int>(std::size(order));  // unknown: the worst
}

std::string supported_text(const std::optional<bool>& s) {
    return !s ? "unknown" : *s ? "accepted" : "refused";
}

bool modern(std::string_view display) { return display == "TLS 1.2" || display == "TLS 1.3"; }

class Changes {
public:
    std::vector<DiffChange> list;
    DiffChange& add(std::string area, std::string item, std::string change, std::string before,
                    std::string after) {
        DiffChange c;
        c.area = std::move(area);
        c.item = std::move(item);
        c.change = std::move(change);
        c.before = std::move(before);
        c.after = std::move(after);
        list.push_back(std::move(c));
        return list.back();
    }
};

void regression(DiffChange& c, std::string note) {
    c.regression = true;
    c.note = std::move(note);
}

void compare_versions(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& va : a.versions) {
        const auto it = std::find_if(b.versions.begin(), b.versions.end(),
                                     [&](const auto& v) { return v.name == va.name; });
        if (it == b.versions.end()) continue;
        const auto& vb = *it;
        const bool had = va.supported.value_or(false), has = vb.supported.value_or(false);
        if (had && !has) {
            auto& c = out.add("versions", va.name, "lost", supported_text(va.supported),
                              supported_text(vb.supported));
            if (modern(va.name))
                regression(c, fmt::format("clients that connect with {} today fail after the "
                                          "cut-over",
                                          va.name));
            else
                c.note = fmt::format("clients limited to {} fail (dropping it is what hardening "
                                     "asks for)",
                                     va.name);
        } else if (!had && has) {
            auto& c = out.add("versions", va.name, "gained", supported_text(va.supported),
                              supported_text(vb.supported));
            if (!modern(va.name)) c.note = "a legacy version the old server did not accept";
        }
    }
    // Suites, where both sides enumerated the version.
    for (const auto& va : a.versions) {
        const auto it = std::find_if(b.versions.begin(), b.versions.end(),
                                     [&](const auto& v) { return v.name == va.name; });
        if (it == b.versions.end() || !va.ciphers || !it->ciphers) continue;
        const std::set<std::string> before(va.ciphers->begin(), va.ciphers->end());
        const std::set<std::string> after(it->ciphers->begin(), it->ciphers->end());
        for (const auto& s : *va.ciphers)
            if (!after.count(s)) {
                auto& c = out.add("ciphers", fmt::format("{} ({})", s, va.name), "lost", s, "");
                if (it->supported.value_or(false))
                    c.note = "a client that can only use this suite fails";
            }
        for (const auto& s : *it->ciphers)
            if (!before.count(s)) out.add("ciphers", fmt::format("{} ({})", s, va.name), "gained", "", s);
    }
}

void compare_certificate(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (!a.leaf && !b.leaf) return;
    if (!a.leaf || !b.leaf) {
        auto& c = out.add("certificate", "leaf", a.leaf ? "lost" : "gained",
                          a.leaf ? a.leaf->subject : "", b.leaf ? b.leaf->subject : "");
        if (a.leaf) regression(c, "the new server presented no certificate that could be analysed");
        return;
    }
    const auto& x = *a.leaf;
    const auto& y = *b.leaf;
    if (x.sha256 == y.sha256) return;  // the same certificate: nothing below changes
    out.add("certificate", "fingerprint", "changed", x.sha256, y.sha256).note =
        "another certificate is served (pinning clients notice)";
    if (x.subject != y.subject) out.add("certificate", "subject", "changed", x.subject, y.subject);
    if (x.issuer != y.issuer) out.add("certificate", "issuer", "changed", x.issuer, y.issuer);
    if (x.key != y.key) out.add("certificate", "key", "changed", x.key, y.key);
    if (x.not_after != y.not_after) {
        auto& c = out.add("certificate", "expiry", "changed", x.not_after, y.not_after);
        if (y.not_after < x.not_after) c.note = "the new certificate expires earlier";
    }
    const std::set<std::string> before(x.names.begin(), x.names.end());
    const std::set<std::string> after(y.names.begin(), y.names.end());
    for (const auto& n : x.names)
        if (!after.count(n))
            regression(out.add("certificate", "name " + n, "lost", n, ""),
                       fmt::format("clients asking for {} get a name mismatch", n));
    for (const auto& n : y.names)
        if (!before.count(n)) out.add("certificate", "name " + n, "gained", "", n);
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
    return out;
}

void compare_chain(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (a.trusted != b.trusted) {
        auto text = [](const std::optional<bool>& t) {
            return !t ? std::string("no chain") : *t ? "trusted" : "not trusted";
        };
        auto& c = out.add("chain", "trust", "changed", text(a.trusted), text(b.trusted));
        if (a.trusted.value_or(false))
            regression(c, "clients that trusted the old chain do not trust the new one");
    }
    if (a.hostname != b.hostname && !a.hostname.empty() && !b.hostname.empty()) {
        auto& c = out.add("chain", "hostname", "changed", a.hostname, b.hostname);
        if (a.hostname == "match")
            regression(c, "the new certificate does not cover the name the old one matched");
    }
    if (a.served != b.served && a.leaf && b.leaf) {
        auto& c = out.add("chain", "served certificates", "changed",
                          fmt::format("{}: {}", a.served.size(), joined(a.served)),
                          fmt::format("{}: {}", b.served.size(), joined(b.served)));
        if (b.served.size() < a.served.size()) c.note = "the new server sends fewer certificates";
    }
    const std::set<std::string> before(a.chain_problems.begin(), a.chain_problems.end());
    const std::set<std::string> after(b.chain_problems.begin(), b.chain_problems.end());
    for (const auto& p : after)
        if (!before.count(p)) out.add("chain", p, "added", "", p);
    for (const auto& p : before)
        if (!after.count(p)) out.add("chain", p, "removed", p, "");
}

void compare_findings(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& [id, severity] : b.findings) {
        const auto old = a.findings.find(id);
        if (old == a.findings.end()) {
            auto& c = out.add("findings", id, "added", "", std::string(probe::to_string(severity)));
            if (severity >= probe::Severity::medium)
                regression(c, fmt::format("a new {} finding", probe::to_string(severity)));
        } else if (old->second != severity) {
            auto& c = out.add("findings", id, "changed", std::string(probe::to_string(old->second)),
                              std::string(probe::to_string(severity)));
            if (severity > old->second && severity >= probe::Severity::medium)
                regression(c, fmt::format("raised to {}", probe::to_string(severity)));
        }
    }
    for (const auto& [id, severity] : a.findings)
        if (!b.findings.count(id))
            out.add("findings", id, "removed", std::string(probe::to_string(severity)), "");
}

}  // namespace

DiffSnapshot snapshot_from_json(const json& doc, std::string label) {
    if (!doc.is_object())
        throw std::invalid_argument("not a tlsprobe probe document: not a JSON object");
    DiffSnapshot s;
    const auto& target = member(doc, "target", json::value_t::object, "");
    s.label = label.empty() ? label_of(target) : std::move(label);
    s.verdict = member(doc, "target_verdict", json::value_t::string, "").get<std::string>();

    const auto& versions = member(doc, "versions", json::value_t::object, "");
    for (const auto v : core::all_versions) {
        const auto it = versions.find(std::string(core::to_string(v)));
        if (it == versions.end() || !it->is_object()) continue;
        DiffSnapshot::Version out;
        out.name = std::string(core::display_name(v));
        if (const auto sup = it->find("supported"); sup != it->end() && sup->is_boolean())
            out.supported = sup->get<bool>();
        if (const auto c = it->find("ciphers"); c != it->end() && c->is_array()) {
            out.ciphers.emplace();
            for (const auto& e : *c) out.ciphers->push_back(text_of(e, "name"));
        }
        s.versions.push_back(std::move(out));
    }

    if (const auto chain = doc.find("chain"); chain != doc.end() && chain->is_object()) {
        if (const auto t = chain->find("trusted"); t != chain->end() && t->is_boolean())
            s.trusted = t->get<bool>();
        s.hostname = text_of(*chain, "hostname");
        s.chain_problems = strings(chain->value("problems", json::array()));
        const auto certs = chain->value("certificates", json::array());
        for (const auto& c : certs)
            if (c.is_object()) s.served.push_back(text_of(c, "subject"));
        if (!certs.empty() && certs.front().is_object()) {
            const auto& c = certs.front();
            DiffSnapshot::Certificate leaf;
            leaf.subject = text_of(c, "subject");
            leaf.issuer = text_of(c, "issuer");
            leaf.sha256 = text_of(c, "sha256");
            leaf.not_after = text_of(c, "not_after");
            leaf.key = text_of(c, "key");
            leaf.names = strings(c.value("san", json::array()));
            s.leaf = std::move(leaf);
        }
    }

    for (const auto& f : member(doc, "findings", json::value_t::array, "")) {
        const std::string id = text_of(f, "id");
        const auto severity = probe::parse_severity(text_of(f, "severity"));
        if (id.empty() || !severity) continue;
        auto [it, inserted] = s.findings.emplace(id, *severity);
        if (!inserted) it->second = std::max(it->second, *severity);
    }
    return s;
}

EndpointDiff diff_endpoints(DiffSnapshot old_side, DiffSnapshot new_side) {
    Changes out;
    if (old_side.verdict != new_side.verdict) {
        auto& c = out.add("verdict", "verdict", "changed", old_side.verdict, new_side.verdict);
        if (verdict_rank(new_side.verdict) > verdict_rank(old_side.verdict))
            regression(c, "the new server's verdict is worse");
    }
    compare_versions(old_side, new_side, out);
    compare_certificate(old_side, new_side, out);
    compare_chain(old_side, new_side, out);
    compare_findings(old_side, new_side, out);

    EndpointDiff d;
    d.old_side = std::move(old_side);
    d.new_side = std::move(new_side);
    d.changes = std::move(out.list);
    d.regression = std::any_of(d.changes.begin(), d.changes.end(),
                               [](const DiffChange& c) { return c.regression; });
    return d;
}

}  // namespace tlsprobe::judge
